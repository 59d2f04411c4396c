//! `--watch`: after a fix, rerun the checks that failed (with what they depend on)
//! every few seconds until they pass or the bound passes. For the waits users hit: a
//! role assignment (the token is refreshed and the round says so), a provider
//! registration, a new service configuration, an agent restart.
//!
//! The loop lives here, once; hosts see each round through [`Hooks::on_round`] and
//! render it themselves.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::checks::Check;
use crate::diagnose::{How, diagnose, with_dependencies};
use crate::engine::{EngineOptions, millis};
use crate::env::HostEnv;
use crate::model::DiagnosisId;
use crate::model::policy::overall_status;
use crate::model::{Finding, Report, Request, Status};

pub mod text;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// The longest nap of a pause between rounds.
const NAP: Duration = Duration::from_millis(50);

/// Diagnoses a new token may cure: role assignments and group memberships reach a
/// token only when it is issued again.
const TOKEN_BOUND: &[DiagnosisId] = &[
    DiagnosisId::ConnectPermissionMissing,
    DiagnosisId::EndpointCreationForbidden,
    DiagnosisId::NotSignedIn,
];

pub use crate::model::watch::{Change, Round, Watch, WatchOutcome};

/// What a host lends the loop.
pub struct Hooks<'a> {
    /// Called after each round with the round and the report as it stands.
    pub on_round: &'a (dyn Fn(&Round, &Report) + Sync),
    /// A freshly issued access token, or `None` when the host cannot get one.
    pub refresh_token: &'a (dyn Fn() -> Option<String> + Sync),
}

impl Hooks<'static> {
    /// No rendering, no token refresh, never cancelled: what `run` gives a request
    /// with `watch` set.
    pub fn none() -> Hooks<'static> {
        Hooks {
            on_round: &|_, _| {},
            refresh_token: &|| None,
        }
    }
}

/// Diagnoses `request`, then reruns what failed until it passes, the bound passes or
/// `cancel` fires. The report is the state at the end, with `watch` filled in.
pub fn run(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    hooks: &Hooks<'_>,
    cancel: &Cancel,
) -> Report {
    let started = Instant::now();
    let timeout = request
        .watch_timeout_ms
        .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    let interval = request
        .watch_interval_ms
        .map_or(DEFAULT_INTERVAL, Duration::from_millis)
        .max(Duration::from_millis(100));
    let how = How {
        options: EngineOptions::default(),
        progress: None,
        cancel,
    };
    let (mut report, _) = diagnose(request, env.clone(), checks, &how);
    let mut rerun_request = request.clone();
    rerun_request.explain = None;
    let mut rounds = Vec::new();
    let outcome = loop {
        if cancel.is_cancelled() || report.cancelled {
            break WatchOutcome::Cancelled;
        }
        let failing = failing(&report.findings);
        if failing.is_empty() {
            break WatchOutcome::Passed;
        }
        if let Some(outcome) = pause(interval, started, timeout, cancel) {
            break outcome;
        }
        let token_refreshed = report.findings.iter().any(|f| {
            f.diagnosis
                .as_deref()
                .is_some_and(|d| TOKEN_BOUND.iter().any(|t| *t == d))
        }) && refresh(&mut rerun_request, hooks);
        let wanted: BTreeSet<&str> = rerun_set(&report.findings);
        let selected = with_dependencies(checks, &wanted);
        let (fresh, _) = diagnose(&rerun_request, env.clone(), &selected, &how);
        report.cancelled |= fresh.cancelled;
        let changes = merge(&mut report.findings, fresh.findings);
        report.status = overall_status(&report.findings, &report.explained);
        let round = Round {
            round: rounds.len() as u32 + 1,
            elapsed_ms: millis(started.elapsed()),
            rerun: selected
                .iter()
                .filter(|c| !c.hidden())
                .map(|c| c.id().to_string())
                .collect(),
            changes,
            failing: failing_ids(&report.findings),
            token_refreshed,
        };
        (hooks.on_round)(&round, &report);
        rounds.push(round);
    };
    if outcome == WatchOutcome::Cancelled {
        report.cancelled = true;
        report.status = crate::model::ReportStatus::Incomplete;
    }
    report.duration_ms = millis(started.elapsed());
    let mut watch = Watch {
        outcome,
        timeout_ms: millis(timeout),
        interval_ms: millis(interval),
        rounds,
        summary: String::new(),
    };
    watch.summary = text::end(&watch);
    report.watch = Some(watch);
    report
}

fn is_failing(f: &Finding) -> bool {
    matches!(f.status, Status::Fail | Status::Error)
}

fn failing(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| is_failing(f)).collect()
}

fn failing_ids(findings: &[Finding]) -> Vec<String> {
    failing(findings).iter().map(|f| f.check.clone()).collect()
}

/// What is rerun: the failing checks and those they kept from running.
fn rerun_set(findings: &[Finding]) -> BTreeSet<&str> {
    findings
        .iter()
        .filter(|f| is_failing(f) || f.blocked_by.is_some())
        .map(|f| f.check.as_str())
        .collect()
}

/// Waits `interval` unless the bound or a cancel comes first; says which ended it.
fn pause(
    interval: Duration,
    started: Instant,
    timeout: Duration,
    cancel: &Cancel,
) -> Option<WatchOutcome> {
    let until = Instant::now() + interval;
    loop {
        if cancel.is_cancelled() {
            return Some(WatchOutcome::Cancelled);
        }
        let now = Instant::now();
        if now.duration_since(started) >= timeout {
            return Some(WatchOutcome::TimedOut);
        }
        if now >= until {
            return None;
        }
        // Wakes at once when cancelled.
        cancel.sleep(NAP.min(until - now));
    }
}

fn refresh(request: &mut Request, hooks: &Hooks<'_>) -> bool {
    let Some(token) = (hooks.refresh_token)() else {
        return false;
    };
    request
        .azure
        .get_or_insert_with(Default::default)
        .access_token = Some(token);
    true
}

/// Puts the rerun findings in place of the old ones; returns what changed.
fn merge(findings: &mut [Finding], fresh: Vec<Finding>) -> Vec<Change> {
    let mut changes = Vec::new();
    for new in fresh {
        let Some(old) = findings.iter_mut().find(|f| f.check == new.check) else {
            continue;
        };
        if old.status != new.status || old.diagnosis != new.diagnosis {
            changes.push(Change {
                check: new.check.clone(),
                from: old.status,
                to: new.status,
                diagnosis: new.diagnosis.clone(),
                summary: new.summary.clone(),
            });
        }
        *old = new;
    }
    changes
}
