//! Fleet mode: every Arc machine of a resource group or of whole subscriptions at once.
//!
//! A request is a fleet diagnosis when its target names no machine but a resource group,
//! or when it lists `subscriptions`. Resource Graph gives every machine with its status,
//! agent version, OS and preview-era port allow-list in pages of a thousand. The SSH
//! service configurations are not in Resource Graph, so each is read over ARM by a
//! bounded pool of workers paced by [`limiter`]; the provider registration is read once
//! per subscription and the caller's permissions once per resource group, and reused
//! for every machine there. Each machine gets the single-machine rules' diagnoses
//! ([`judge`]); its row names the worst and the command for its full report.

pub mod commands;
pub mod graph;
pub mod judge;
pub mod limiter;
/// The `fleet` member of the report lives with the rest of the report, in the model.
pub use crate::model::fleet as model;
pub mod progress;
pub mod reads;
mod summary;

pub use model::{Fleet, MachineRow, RequestStats};
use reads::{Job, client_for, read, scope_of};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::arm::ArmClient;
use crate::arm::path::{validate_resource_group, validate_subscription};
use crate::azure::Fetched;
use crate::cancel::{CANCELLED_SUMMARY, Cancel};
use crate::engine::millis;
use crate::model::DiagnosisId;
use crate::model::{Finding, Remedy, Report, ReportStatus, Request, Status, Target};

/// Calls in flight at most (the limiter narrows this as the read quota drains).
pub const CONCURRENCY: usize = 100;
/// Without a deadline in the request, a fleet run stops sending after this long.
pub use crate::model::policy::FLEET_DEFAULT_DEADLINE as DEFAULT_DEADLINE;
pub const CHECK_ID: &str = "azure.fleet";

/// Is this request a fleet diagnosis? (Not with `explain` or `offline`: those keep
/// their meaning of a check of this machine.)
pub fn is_fleet(request: &Request) -> bool {
    let target = request.target.as_ref();
    !request.offline
        && request.explain.is_none()
        && target.is_none_or(|t| t.name.is_none())
        && (target.is_some_and(|t| t.resource_group.is_some()) || !request.subscriptions.is_empty())
}

/// The subscriptions to scan: `subscriptions`, then `target.subscription`, no repeats.
pub fn subscriptions(request: &Request) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let given = request.target.as_ref().and_then(|t| t.subscription.clone());
    for s in request.subscriptions.iter().cloned().chain(given) {
        let s = s.trim().to_string();
        if !s.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
            out.push(s);
        }
    }
    out
}

/// Runs a fleet diagnosis; `progress(done, total)` follows the per-machine reads. Once
/// `cancel` fires nothing more is sent, the calls in flight stop, and the report says
/// `cancelled` without a judgement of the machines.
pub fn run(request: &Request, progress: &(dyn Fn(usize, usize) + Sync), cancel: &Cancel) -> Report {
    let started = Instant::now();
    let mut report = crate::model::policy::empty_report(request);
    let subs = subscriptions(request);
    let group = request
        .target
        .as_ref()
        .and_then(|t| t.resource_group.clone());
    report.target = Target {
        subscription: subs.first().cloned(),
        ..request.target.clone().unwrap_or_default()
    };
    if let Err(why) = validate(&subs, group.as_deref()) {
        return refuse(report, started, fleet_finding(Status::Error, None, why));
    }
    let client = match client_for(request) {
        Ok(c) => c.with_cancel(cancel),
        Err(why) => {
            let why = format!("Cannot diagnose the fleet: {why}.");
            let finding = fleet_finding(Status::Fail, Some(DiagnosisId::NotSignedIn), why);
            return refuse(report, started, finding);
        }
    };
    let deadline = request
        .deadline_ms
        .map_or(DEFAULT_DEADLINE, Duration::from_millis);
    let limiter = limiter::Limiter::until_cancelled(CONCURRENCY, started + deadline, cancel);

    let listed = graph::machines(&client, &limiter, &subs, group.as_deref());
    if cancel.is_cancelled() {
        return cancelled(report, started);
    }
    let machines = match listed {
        Ok(m) => m,
        Err(failed) => return refuse(report, started, unlisted(&failed)),
    };
    let reader = Reader {
        client: &client,
        limiter: &limiter,
        rows: &machines.rows,
    };
    let Some(judged) = read_and_judge(request, &reader, &subs, progress, cancel) else {
        return cancelled(report, started);
    };
    let scan = summary::Scan {
        requests: summary::request_stats(&limiter, &judged.jobs, judged.short, machines.pages),
        subscriptions: subs,
        resource_group: group,
        truncated: machines.truncated,
        total_records: machines.total_records,
        machines: judged.machines,
    };
    summary::summarise(report, started, scan)
}

/// Why the scope cannot be scanned: no subscription, or a name ARM would refuse.
fn validate(subs: &[String], group: Option<&str>) -> Result<(), String> {
    if subs.is_empty() {
        let why = "No subscription: pass --subscription or set one with az account set.";
        return Err(why.into());
    }
    if let Some(bad) = subs.iter().find(|s| validate_subscription(s).is_err()) {
        return Err(format!("Not a subscription: {bad:?}."));
    }
    if let Some(g) = group.filter(|g| validate_resource_group(g).is_err()) {
        return Err(format!("Not a resource group name: {g:?}."));
    }
    Ok(())
}

/// The report with one fleet finding and no machines.
fn refuse(mut report: Report, started: Instant, finding: Finding) -> Report {
    report.findings.push(finding);
    report.status = crate::model::policy::overall_status(&report.findings, &[]);
    report.duration_ms = millis(started.elapsed());
    report
}

fn cancelled(mut report: Report, started: Instant) -> Report {
    report.findings = vec![fleet_finding(Status::Error, None, CANCELLED_SUMMARY.into())];
    report.status = ReportStatus::Incomplete;
    report.cancelled = true;
    report.duration_ms = millis(started.elapsed());
    report
}

/// The finding when Resource Graph would not list the machines.
fn unlisted(failed: &Fetched) -> Finding {
    let (status, diagnosis) = match failed.status() {
        Some(401) => (Status::Fail, Some(DiagnosisId::NotSignedIn)),
        Some(403) => (Status::Fail, Some(DiagnosisId::ConnectPermissionMissing)),
        _ => (Status::Error, None),
    };
    let mut f = fleet_finding(
        status,
        diagnosis,
        "Azure Resource Graph did not list the machines.".into(),
    );
    f.evidence
        .insert("Resource Graph".into(), failed.evidence());
    f
}

/// The reads in order: scope reads first (they are few and every machine needs them),
/// then one per machine.
fn plan(subs: &[String], rows: &[Value]) -> Vec<Job> {
    let mut jobs: Vec<Job> = subs.iter().cloned().map(Job::Provider).collect();
    let mut scopes: Vec<(String, String)> = Vec::new();
    for row in rows {
        let key = scope_of(row);
        if !scopes.contains(&key) {
            scopes.push(key);
        }
    }
    jobs.extend(scopes.iter().cloned().map(|(s, g)| Job::Permissions(s, g)));
    jobs.extend((0..rows.len()).map(Job::Config));
    jobs
}

/// What the per-machine reads go through: the client, paced by the limiter.
struct Reader<'a> {
    client: &'a ArmClient,
    limiter: &'a limiter::Limiter,
    rows: &'a [Value],
}

impl Reader<'_> {
    fn read_all(
        &self,
        jobs: &[Job],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Option<Fetched>> {
        limiter::run_pool(
            jobs,
            self.limiter.workers(),
            |job| read(self.client, self.limiter, job, self.rows),
            progress,
        )
    }
}

/// Every machine judged, and the reads that took.
struct Judged {
    machines: Vec<MachineRow>,
    jobs: Vec<Job>,
    /// How many machines needed their own permissions read.
    short: usize,
}

/// Reads what the machines need and judges each; `None` once `cancel` fired.
fn read_and_judge(
    request: &Request,
    reader: &Reader,
    subs: &[String],
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &Cancel,
) -> Option<Judged> {
    let rows = reader.rows;
    let jobs = plan(subs, rows);
    progress(0, jobs.len());
    let fetched = reader.read_all(&jobs, progress);
    if cancel.is_cancelled() {
        return None;
    }
    let scope = ScopeReads::gather(&jobs, &fetched, rows.len());
    let mut machines: Vec<MachineRow> = (0..rows.len())
        .map(|i| judge::judge(&rows[i], &scope.reads_of(rows, i), request))
        .collect();

    // Where the group grants too little, a role on the machine alone may grant the rest.
    let short: Vec<Job> = (0..rows.len())
        .filter(|i| judge::short_of_permissions(&machines[*i], &scope.reads_of(rows, *i)))
        .map(Job::MachinePermissions)
        .collect();
    let first_total = jobs.len();
    let on_machines = reader.read_all(&short, &|done, total| {
        progress(first_total + done, first_total + total)
    });
    if cancel.is_cancelled() {
        return None;
    }
    for (job, fetched) in short.iter().zip(&on_machines) {
        let (Job::MachinePermissions(i), Some(f)) = (job, fetched) else {
            continue;
        };
        if f.ok_body().is_some() {
            let reads = judge::Reads {
                permissions: Some(f),
                permissions_on_machine: true,
                ..scope.reads_of(rows, *i)
            };
            machines[*i] = judge::judge(&rows[*i], &reads, request);
        }
    }
    Some(Judged {
        machines,
        jobs,
        short: short.len(),
    })
}

/// The answers of the first reads, by what they are about.
struct ScopeReads<'a> {
    providers: HashMap<String, &'a Fetched>,
    permissions: HashMap<(String, String), &'a Fetched>,
    configs: Vec<Option<&'a Fetched>>,
}

impl<'a> ScopeReads<'a> {
    fn gather(jobs: &[Job], fetched: &'a [Option<Fetched>], machines: usize) -> ScopeReads<'a> {
        let mut out = ScopeReads {
            providers: HashMap::new(),
            permissions: HashMap::new(),
            configs: vec![None; machines],
        };
        for (job, f) in jobs.iter().zip(fetched) {
            let Some(f) = f else { continue };
            match job {
                Job::Provider(s) => drop(out.providers.insert(s.to_ascii_lowercase(), f)),
                Job::Permissions(s, g) => drop(out.permissions.insert((s.clone(), g.clone()), f)),
                Job::Config(i) => out.configs[*i] = Some(f),
                Job::MachinePermissions(_) => {}
            }
        }
        out
    }

    /// The reads machine `i` is judged on.
    fn reads_of(&self, rows: &[Value], i: usize) -> judge::Reads<'a> {
        let (sub, g) = scope_of(&rows[i]);
        judge::Reads {
            provider: self.providers.get(&sub).copied(),
            permissions: self.permissions.get(&(sub.clone(), g)).copied(),
            permissions_on_machine: false,
            config: self.configs[i],
        }
    }
}

fn fleet_finding(status: Status, diagnosis: Option<DiagnosisId>, summary: String) -> Finding {
    let problem = matches!(status, Status::Fail | Status::Warn);
    Finding {
        check: CHECK_ID.into(),
        title: "Arc fleet".into(),
        status,
        diagnosis: diagnosis.filter(|_| problem).map(String::from),
        summary,
        evidence: Default::default(),
        remedy: diagnosis
            .filter(|_| problem)
            .map(|d| crate::catalogue::remedy(d, &Default::default()))
            .filter(|r: &Remedy| !r.text.is_empty()),
        fix: None,
        blocked_by: None,
        duration_ms: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_requests_name_no_machine() {
        let with = |target: Option<Target>, subscriptions: Vec<&str>| Request {
            target,
            subscriptions: subscriptions.into_iter().map(String::from).collect(),
            ..Request::default()
        };
        let group = || Target {
            resource_group: Some("rg".into()),
            ..Target::default()
        };
        assert!(is_fleet(&with(Some(group()), vec![])));
        assert!(is_fleet(&with(None, vec!["s1", "s2"])));
        assert!(!is_fleet(&with(None, vec![])));
        let one = Target {
            name: Some("web01".into()),
            ..group()
        };
        assert!(!is_fleet(&with(Some(one), vec![])));
        let only_sub = Target {
            subscription: Some("s1".into()),
            ..Target::default()
        };
        assert!(
            !is_fleet(&with(Some(only_sub.clone()), vec![])),
            "as before: this machine"
        );
        let mut offline = with(Some(group()), vec![]);
        offline.offline = true;
        assert!(!is_fleet(&offline));
        let r = with(Some(only_sub), vec!["S1", "s2", " "]);
        assert_eq!(subscriptions(&r), vec!["S1", "s2"]);
    }
}
