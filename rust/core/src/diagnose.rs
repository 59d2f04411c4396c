//! The diagnosis itself: the checks a request needs, run by the engine under the
//! deadline, with the pasted text explained beside them. Every command that looks
//! (diagnose, server, fixes, disable-ssh, watch) calls this one function.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::catalogue::{self, Vars};
use crate::checks::{Check, Context, FixAction};
use crate::engine::{self, EngineOptions, millis};
use crate::env::HostEnv;
use crate::explain;
use crate::model::policy::{DEFAULT_DEADLINE, empty_report, overall_status};
use crate::model::{Explained, Report, ReportStatus, Request};

/// How a run goes, beside what it is asked.
pub(crate) struct How<'a> {
    pub(crate) options: EngineOptions,
    pub(crate) progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    pub(crate) cancel: &'a Cancel,
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
    report.report_command = crate::fleet::commands::report_command(request);
    report.duration_ms = millis(started.elapsed());
    (report, out.actions)
}

/// A copy of `request` for the checks, without the text to explain: no check reads it,
/// and it may be a 50 MB log that a plain clone would hold a second time for the run.
/// Every field is named, so a new one cannot be left out unnoticed.
pub(crate) fn without_explain(request: &Request) -> Request {
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
        explain_needs_ssh_context,
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
        explain_needs_ssh_context: *explain_needs_ssh_context,
    }
}

/// The checks that can prove what the explanation matched, plus what they depend on.
pub(crate) fn bearing_on(
    checks: &[Arc<dyn Check>],
    explained: &[Explained],
) -> Vec<Arc<dyn Check>> {
    // A symptom brings the checks of the causes it usually has.
    let matched: BTreeSet<&str> = explained
        .iter()
        .flat_map(|e| std::iter::once(&e.diagnosis).chain(&e.likely_causes))
        .map(String::as_str)
        .collect();
    let wanted: BTreeSet<&str> = checks
        .iter()
        .filter(|c| c.diagnoses().iter().any(|d| matched.contains(d.as_str())))
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

pub(crate) fn explain_text(text: &str, request: &Request) -> Vec<Explained> {
    if request.explain_needs_ssh_context && !explain::has_ssh_context(text.as_bytes()) {
        return Vec::new();
    }
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
            let title = catalogue::entry(m.diagnosis).title.to_string();
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
