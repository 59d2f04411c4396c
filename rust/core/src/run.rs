//! One request in, one report out: the path every host takes.

use std::sync::Arc;
use std::time::Instant;

use crate::cancel::Cancel;
use crate::catalogue;
use crate::checks::Check;
use crate::engine::{EngineOptions, millis};
use crate::env::HostEnv;
use crate::error::Error;
use crate::model::{AppliedFix, CheckInfo, Command, DiagnosisInfo, FixOutcome, Report, Request};
use crate::{fixes, registry};

pub(crate) use crate::diagnose::{How, diagnose};
use crate::model::policy::empty_report;

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
        Command::Diagnose if crate::fleet::is_fleet(request) => {
            let mut report =
                crate::fleet::run(request, how.progress.unwrap_or(&|_, _| {}), how.cancel);
            report.nothing_listed = crate::model::policy::nothing_listed(&report);
            Ok(report)
        }
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
                .map_or("", |d| catalogue::entry(*d).docs)
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
