//! One request in, one report out: the path every host takes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::catalogue::{self, Vars};
use crate::checks::{Check, Context, FixAction};
use crate::engine::{self, EngineOptions, millis};
use crate::env::HostEnv;
use crate::error::Error;
use crate::model::{
    AppliedFix, CheckInfo, Command, DiagnosisInfo, Explained, FixOutcome, Report, ReportStatus,
    Request, Status, TOOL_NAME, TOOL_VERSION, ToolInfo,
};
use crate::{explain, fixes, registry};

/// A run's deadline when the request sets none.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// Runs `request` on this machine.
pub fn run(request: &Request) -> Result<Report, Error> {
    run_cancellable(request, None, &Cancel::new())
}

/// Runs `request` against a given environment and set of checks (tests use this to
/// describe other machines and to add misbehaving checks).
pub fn run_with(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
) -> Result<Report, Error> {
    run_with_options(request, env, checks, EngineOptions::default())
}

/// [`run_with`] with the engine scheduled by `options` (benchmarks run the same checks
/// one after another with `max_parallel: Some(1)`). Library-only: no request field.
pub fn run_with_options(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    options: EngineOptions,
) -> Result<Report, Error> {
    run_with_cancel(request, env, checks, options, &Cancel::new())
}

/// [`run_with_options`] that stops when `cancel` fires (see [`run_cancellable`]).
pub fn run_with_cancel(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    options: EngineOptions,
    cancel: &Cancel,
) -> Result<Report, Error> {
    let how = How {
        options,
        progress: None,
        cancel,
    };
    run_how(request, env, checks, &how)
}

/// [`run`], with `progress(done, total)` called as a fleet diagnosis's reads finish (from
/// its worker threads, concurrently and out of order: hosts pass reports through a
/// [`crate::fleet::progress::Gate`]). Other requests never call it.
pub fn run_with_progress(
    request: &Request,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report, Error> {
    run_cancellable(request, Some(progress), &Cancel::new())
}

/// [`run_with_progress`] (`progress` optional) that stops when `cancel` fires, from any
/// thread: every ARM call, probe, child process and wait of the run stops within
/// milliseconds, and the report comes back with `cancelled: true`, status
/// `incomplete`, each unfinished check an `error` finding saying it was cancelled, and
/// no thread of the run left running. No fix is applied once it has fired.
pub fn run_cancellable(
    request: &Request,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
    cancel: &Cancel,
) -> Result<Report, Error> {
    let env = HostEnv::for_request(request).ok_or(Error::UnsupportedPlatform)?;
    let how = How {
        options: EngineOptions::default(),
        progress,
        cancel,
    };
    run_how(request, env, &registry::all(), &how)
}

/// How a run goes, beside what it is asked.
pub(crate) struct How<'a> {
    pub(crate) options: EngineOptions,
    pub(crate) progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    pub(crate) cancel: &'a Cancel,
}

fn run_how(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    how: &How,
) -> Result<Report, Error> {
    if request.schema_version != crate::model::SCHEMA_VERSION {
        return Err(Error::UnsupportedSchema(request.schema_version));
    }
    if request.command == Command::Checks {
        return run_command(request, env, checks, how);
    }
    let host = env.clone();
    let report = run_command(request, env, checks, how)?;
    Ok(finish(report, request, &host))
}

/// [`run_cancellable`] of a `watch` request with the host's hooks: each round reported
/// as it ends, the token refreshed by the host, stopped when `cancel` fires. The
/// environment is the request's (`environment` over the process's), as in any run. Any
/// other request is [`run_cancellable`] exactly (no hook is called).
pub fn run_watching(
    request: &Request,
    hooks: &crate::watch::Hooks<'_>,
    cancel: &Cancel,
) -> Result<Report, Error> {
    if request.command != Command::Diagnose || !request.watch || crate::fleet::is_fleet(request) {
        return run_cancellable(request, None, cancel);
    }
    if request.schema_version != crate::model::SCHEMA_VERSION {
        return Err(Error::UnsupportedSchema(request.schema_version));
    }
    let env = HostEnv::for_request(request).ok_or(Error::UnsupportedPlatform)?;
    let report = crate::watch::run(request, env.clone(), &registry::all(), hooks, cancel);
    Ok(finish(report, request, &env))
}

/// What every run's report gets last: the versions seen, and the shareable report.
fn finish(mut report: Report, request: &Request, host: &HostEnv) -> Report {
    report.versions = crate::share::versions::collect(&report, request, host);
    if let Some(path) = &request.report_path {
        report.shared_report = Some(crate::share::write(&report, request, host, path));
    }
    report
}

fn run_command(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    how: &How,
) -> Result<Report, Error> {
    match request.command {
        Command::Checks => {
            let mut all = checks.to_vec();
            all.extend(registry::server());
            Ok(catalogue_report(request, &all))
        }
        Command::Diagnose if crate::fleet::is_fleet(request) => Ok(crate::fleet::run(
            request,
            how.progress.unwrap_or(&|_, _| {}),
            how.cancel,
        )),
        Command::Diagnose if request.watch => Ok(crate::watch::run(
            request,
            env,
            checks,
            &crate::watch::Hooks::none(),
            how.cancel,
        )),
        Command::Diagnose => Ok(diagnose(request, env, checks, how).0),
        Command::ApplyFixes => Ok(apply_fixes(request, env, checks, how)),
        // The same engine over the server's own checks; `checks` is the client registry.
        Command::Server => Ok(diagnose(request, env, &registry::server(), how).0),
        Command::DisableSsh => {
            let started = Instant::now();
            let applied = if how.cancel.is_cancelled() {
                Vec::new()
            } else {
                crate::fixes_azure::disable_ssh(request, how.cancel)
            };
            let (mut report, _) = diagnose(request, env, checks, how);
            report.applied = applied;
            report.duration_ms = millis(started.elapsed());
            Ok(report)
        }
    }
}

pub(crate) fn diagnose(
    request: &Request,
    env: HostEnv,
    checks: &[Arc<dyn Check>],
    how: &How,
) -> (Report, HashMap<String, FixAction>) {
    let started = Instant::now();
    let explained = request
        .explain
        .as_deref()
        .map(|text| explain_text(text, request))
        .unwrap_or_default();
    let has_target = request.target.as_ref().is_some_and(|t| !t.is_empty());
    let selected: Vec<Arc<dyn Check>> = if request.explain.is_some() && !has_target {
        bearing_on(checks, &explained)
    } else {
        checks.to_vec()
    };
    let deadline = request
        .deadline_ms
        .map_or(DEFAULT_DEADLINE, Duration::from_millis);
    let ctx = Arc::new(Context {
        request: without_explain(request),
        env,
        cancel: how.cancel.clone(),
    });
    let out = engine::run(ctx, &selected, deadline, how.options);
    let mut report = empty_report(request);
    report.status = if out.cancelled {
        ReportStatus::Incomplete
    } else {
        overall_status(&out.findings, &explained)
    };
    report.cancelled = out.cancelled;
    report.findings = out.findings;
    report.explained = explained;
    report.duration_ms = millis(started.elapsed());
    (report, out.actions)
}

fn apply_fixes(request: &Request, env: HostEnv, checks: &[Arc<dyn Check>], how: &How) -> Report {
    let started = Instant::now();
    let (first, actions) = diagnose(request, env.clone(), checks, how);
    if first.cancelled {
        return first;
    }
    let applied: Vec<AppliedFix> = request
        .fixes
        .iter()
        .map(|id| match actions.get(id) {
            None => AppliedFix {
                id: id.clone(),
                outcome: FixOutcome::NotOffered,
                message: "Not offered by this diagnosis (already fixed, or not a known fix id)."
                    .into(),
            },
            Some(_) if how.cancel.is_cancelled() => AppliedFix {
                id: id.clone(),
                outcome: FixOutcome::Failed,
                message: "Not applied: the run was cancelled first.".into(),
            },
            Some(action) => match fixes::apply(action, request, how.cancel) {
                Ok(message) => AppliedFix {
                    id: id.clone(),
                    outcome: FixOutcome::Applied,
                    message,
                },
                Err(message) => AppliedFix {
                    id: id.clone(),
                    outcome: FixOutcome::Failed,
                    message,
                },
            },
        })
        .collect();
    // Look again, so the report shows the state after the change.
    let (mut report, _) = diagnose(request, env, checks, how);
    report.applied = applied;
    report.duration_ms = millis(started.elapsed());
    report
}

/// A copy of `request` for the checks, without the text to explain: no check reads it,
/// and it may be a 50 MB log that a plain clone would hold a second time for the run.
/// Every field is named, so a new one cannot be left out unnoticed.
fn without_explain(request: &Request) -> Request {
    let Request {
        schema_version,
        command,
        client,
        target,
        port,
        local_user,
        ssh_client_folder,
        ssh_proxy_folder,
        explain: _,
        offline,
        azure,
        fixes,
        probe_credentials,
        probe,
        watch,
        watch_timeout_ms,
        watch_interval_ms,
        sshd_config,
        network_targets,
        deadline_ms,
        report_path,
        host_versions,
        subscriptions,
        environment,
    } = request;
    Request {
        schema_version: *schema_version,
        command: *command,
        client: *client,
        target: target.clone(),
        port: *port,
        local_user: local_user.clone(),
        ssh_client_folder: ssh_client_folder.clone(),
        ssh_proxy_folder: ssh_proxy_folder.clone(),
        explain: None,
        offline: *offline,
        azure: azure.clone(),
        fixes: fixes.clone(),
        probe_credentials: *probe_credentials,
        probe: *probe,
        watch: *watch,
        watch_timeout_ms: *watch_timeout_ms,
        watch_interval_ms: *watch_interval_ms,
        sshd_config: sshd_config.clone(),
        network_targets: network_targets.clone(),
        deadline_ms: *deadline_ms,
        report_path: report_path.clone(),
        host_versions: host_versions.clone(),
        subscriptions: subscriptions.clone(),
        environment: environment.clone(),
    }
}

/// The checks that can prove what the explanation matched, plus what they depend on.
fn bearing_on(checks: &[Arc<dyn Check>], explained: &[Explained]) -> Vec<Arc<dyn Check>> {
    // A symptom brings the checks of the causes it usually has.
    let matched: BTreeSet<&str> = explained
        .iter()
        .flat_map(|e| std::iter::once(&e.diagnosis).chain(&e.likely_causes))
        .map(String::as_str)
        .collect();
    let wanted: BTreeSet<&str> = checks
        .iter()
        .filter(|c| c.diagnoses().iter().any(|d| matched.contains(d)))
        .map(|c| c.id())
        .collect();
    with_dependencies(checks, &wanted)
}

/// The checks named in `wanted`, plus every check they depend on, in registry order.
pub(crate) fn with_dependencies(
    checks: &[Arc<dyn Check>],
    wanted: &BTreeSet<&str>,
) -> Vec<Arc<dyn Check>> {
    let mut wanted: BTreeSet<&str> = wanted.clone();
    loop {
        let before = wanted.len();
        let deps: Vec<&'static str> = checks
            .iter()
            .filter(|c| wanted.contains(c.id()))
            .flat_map(|c| c.requires().iter().chain(c.after()).copied())
            .collect();
        wanted.extend(deps);
        if wanted.len() == before {
            break;
        }
    }
    checks
        .iter()
        .filter(|c| wanted.contains(c.id()))
        .cloned()
        .collect()
}

fn explain_text(text: &str, request: &Request) -> Vec<Explained> {
    explain::explain(text.as_bytes())
        .into_iter()
        .map(|m| {
            let mut vars: Vars = m.extracted.clone();
            if let Some(target) = &request.target {
                for (key, value) in [
                    ("machine", &target.name),
                    ("resourceGroup", &target.resource_group),
                    ("subscription", &target.subscription),
                ] {
                    if let Some(v) = value {
                        vars.entry(key.to_string()).or_insert_with(|| v.clone());
                    }
                }
            }
            if let Some(port) = request.port {
                vars.entry("port".into())
                    .or_insert_with(|| port.to_string());
            }
            let symptom = catalogue::symptom(m.diagnosis);
            let title = catalogue::diagnosis(m.diagnosis)
                .map_or(m.diagnosis, |d| d.title)
                .to_string();
            Explained {
                diagnosis: m.diagnosis.to_string(),
                title,
                confidence: m.confidence,
                excerpt: m.excerpt,
                extracted: m.extracted,
                remedy: catalogue::remedy(m.diagnosis, &vars),
                entry: m.entry.to_string(),
                symptom: symptom.is_some(),
                likely_causes: symptom
                    .map(|s| s.likely_causes.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default(),
                tell_apart: symptom
                    .map(|s| s.tell_apart.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

pub(crate) fn overall_status(
    findings: &[crate::model::Finding],
    explained: &[Explained],
) -> ReportStatus {
    if !explained.is_empty() || findings.iter().any(|f| f.status == Status::Fail) {
        ReportStatus::Problems
    } else if findings.iter().any(|f| f.status == Status::Error) {
        ReportStatus::Incomplete
    } else {
        ReportStatus::Healthy
    }
}

pub(crate) fn empty_report(request: &Request) -> Report {
    Report {
        schema_version: crate::model::SCHEMA_VERSION,
        tool: ToolInfo {
            name: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
        },
        target: request.target.clone().unwrap_or_default(),
        client: request.client,
        status: ReportStatus::Healthy,
        duration_ms: 0,
        findings: Vec::new(),
        explained: Vec::new(),
        applied: Vec::new(),
        checks: Vec::new(),
        diagnoses: Vec::new(),
        versions: Default::default(),
        shared_report: None,
        fleet: None,
        watch: None,
        cancelled: false,
    }
}

fn catalogue_report(request: &Request, checks: &[Arc<dyn Check>]) -> Report {
    let mut report = empty_report(request);
    report.checks = checks
        .iter()
        .filter(|c| !c.hidden())
        .map(|c| CheckInfo {
            id: c.id().into(),
            title: c.title().into(),
            group: registry::group(c.id()).into(),
            diagnoses: c.diagnoses().iter().map(|d| d.to_string()).collect(),
            docs: c
                .diagnoses()
                .first()
                .and_then(|d| catalogue::diagnosis(d))
                .map_or("", |d| d.docs)
                .into(),
        })
        .collect();
    report.diagnoses = catalogue::DIAGNOSES
        .iter()
        .map(|d| DiagnosisInfo {
            id: d.id.into(),
            title: d.title.into(),
            docs: d.docs.into(),
            proven_by: checks
                .iter()
                .filter(|c| c.diagnoses().contains(&d.id))
                .map(|c| c.id().to_string())
                .collect(),
        })
        .collect();
    report
}
