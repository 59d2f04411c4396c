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

pub use model::{Fleet, MachineRow, RequestStats};
use reads::{Job, client_for, read, scope_of};

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
    let refuse = |mut report: Report, status, diagnosis, summary: String| {
        report
            .findings
            .push(fleet_finding(status, diagnosis, summary));
        report.status = crate::model::policy::overall_status(&report.findings, &[]);
        report.duration_ms = millis(started.elapsed());
        report
    };
    if subs.is_empty() {
        let why = "No subscription: pass --subscription or set one with az account set.";
        return refuse(report, Status::Error, None, why.into());
    }
    if let Some(bad) = subs.iter().find(|s| validate_subscription(s).is_err()) {
        return refuse(
            report,
            Status::Error,
            None,
            format!("Not a subscription: {bad:?}."),
        );
    }
    if let Some(g) = group
        .as_deref()
        .filter(|g| validate_resource_group(g).is_err())
    {
        return refuse(
            report,
            Status::Error,
            None,
            format!("Not a resource group name: {g:?}."),
        );
    }
    let cancelled = |mut report: Report| {
        report.findings = vec![fleet_finding(Status::Error, None, CANCELLED_SUMMARY.into())];
        report.status = ReportStatus::Incomplete;
        report.cancelled = true;
        report.duration_ms = millis(started.elapsed());
        report
    };
    let client = match client_for(request) {
        Ok(c) => c.with_cancel(cancel),
        Err(why) => {
            return refuse(
                report,
                Status::Fail,
                Some(DiagnosisId::NotSignedIn),
                format!("Cannot diagnose the fleet: {why}."),
            );
        }
    };
    let deadline = request
        .deadline_ms
        .map_or(DEFAULT_DEADLINE, Duration::from_millis);
    let limiter = limiter::Limiter::until_cancelled(CONCURRENCY, started + deadline, cancel);

    let listed = graph::machines(&client, &limiter, &subs, group.as_deref());
    if cancel.is_cancelled() {
        return cancelled(report);
    }
    let machines = match listed {
        Ok(m) => m,
        Err(failed) => {
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
            report.findings.push(f);
            report.status = crate::model::policy::overall_status(&report.findings, &[]);
            report.duration_ms = millis(started.elapsed());
            return report;
        }
    };
    let rows = machines.rows;

    // Scope reads first (they are few and every machine needs them), then one per machine.
    let mut jobs: Vec<Job> = subs.iter().cloned().map(Job::Provider).collect();
    let mut scopes: Vec<(String, String)> = Vec::new();
    for row in &rows {
        let key = scope_of(row);
        if !scopes.contains(&key) {
            scopes.push(key);
        }
    }
    jobs.extend(scopes.iter().cloned().map(|(s, g)| Job::Permissions(s, g)));
    jobs.extend((0..rows.len()).map(Job::Config));
    progress(0, jobs.len());
    let fetched: Vec<Option<Fetched>> = limiter::run_pool(
        &jobs,
        limiter.workers(),
        |job| read(&client, &limiter, job, &rows),
        progress,
    );
    if cancel.is_cancelled() {
        return cancelled(report);
    }

    let mut providers: HashMap<String, &Fetched> = HashMap::new();
    let mut permissions: HashMap<(String, String), &Fetched> = HashMap::new();
    let mut configs: Vec<Option<&Fetched>> = vec![None; rows.len()];
    for (job, f) in jobs.iter().zip(&fetched) {
        let Some(f) = f else { continue };
        match job {
            Job::Provider(s) => drop(providers.insert(s.to_ascii_lowercase(), f)),
            Job::Permissions(s, g) => drop(permissions.insert((s.clone(), g.clone()), f)),
            Job::Config(i) => configs[*i] = Some(f),
            Job::MachinePermissions(_) => {}
        }
    }
    let reads_of = |i: usize| {
        let (sub, g) = scope_of(&rows[i]);
        judge::Reads {
            provider: providers.get(&sub).copied(),
            permissions: permissions.get(&(sub.clone(), g)).copied(),
            permissions_on_machine: false,
            config: configs[i],
        }
    };
    let mut machines_out: Vec<MachineRow> = (0..rows.len())
        .map(|i| judge::judge(&rows[i], &reads_of(i), request))
        .collect();

    // Where the group grants too little, a role on the machine alone may grant the rest.
    let short: Vec<Job> = (0..rows.len())
        .filter(|i| judge::short_of_permissions(&machines_out[*i], &reads_of(*i)))
        .map(Job::MachinePermissions)
        .collect();
    let first_total = jobs.len();
    let on_machines: Vec<Option<Fetched>> = limiter::run_pool(
        &short,
        limiter.workers(),
        |job| read(&client, &limiter, job, &rows),
        &|done, total| progress(first_total + done, first_total + total),
    );
    if cancel.is_cancelled() {
        return cancelled(report);
    }
    for (job, fetched) in short.iter().zip(&on_machines) {
        let (Job::MachinePermissions(i), Some(f)) = (job, fetched) else {
            continue;
        };
        if f.ok_body().is_some() {
            let reads = judge::Reads {
                permissions: Some(f),
                permissions_on_machine: true,
                ..reads_of(*i)
            };
            machines_out[*i] = judge::judge(&rows[*i], &reads, request);
        }
    }
    machines_out.sort_by(|a, b| {
        judge::rank(b.worst_status)
            .cmp(&judge::rank(a.worst_status))
            .then_with(|| a.subscription.cmp(&b.subscription))
            .then_with(|| {
                a.resource_group
                    .to_lowercase()
                    .cmp(&b.resource_group.to_lowercase())
            })
            .then_with(|| a.name.cmp(&b.name))
    });

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for m in &machines_out {
        for d in &m.diagnoses {
            *counts.entry(d.clone()).or_default() += 1;
        }
    }
    let count = |s: Status| machines_out.iter().filter(|m| m.worst_status == s).count();
    let (failed, errored) = (count(Status::Fail), count(Status::Error));
    let c = &limiter.counters;
    let min_remaining = c.min_remaining.load(Ordering::Relaxed);
    let count_jobs = |f: fn(&Job) -> bool| jobs.iter().filter(|j| f(j)).count();
    let stats = RequestStats {
        resource_graph_pages: machines.pages,
        total: c.requests.load(Ordering::Relaxed),
        provider_reads: count_jobs(|j| matches!(j, Job::Provider(_))),
        permission_reads: count_jobs(|j| matches!(j, Job::Permissions(..))),
        configuration_reads: count_jobs(|j| matches!(j, Job::Config(_))),
        machine_permission_reads: short.len(),
        throttled: c.throttled.load(Ordering::Relaxed),
        pauses: c.pauses.load(Ordering::Relaxed),
        retried: c.retried.load(Ordering::Relaxed),
        min_remaining_reads: (min_remaining != u64::MAX).then_some(min_remaining),
        concurrency: limiter.workers(),
    };
    let scanned = machines_out.len();
    let summary = format!(
        "{scanned} machine{} in {} subscription{}{}: {} healthy, {failed} with problems, {errored} not fully read.",
        if scanned == 1 { "" } else { "s" },
        subs.len(),
        if subs.len() == 1 { "" } else { "s" },
        group
            .as_deref()
            .map(|g| format!(", resource group {g}"))
            .unwrap_or_default(),
        scanned - failed - errored - count(Status::Warn),
    );
    let truncated = machines.truncated;
    let summary = if truncated {
        let of = machines
            .total_records
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        format!(
            "{summary} Resource Graph cut its answer short: only {scanned}{of} machines were listed and diagnosed; narrow the scope (one resource group or subscription at a time)."
        )
    } else {
        summary
    };
    let finding_status = if failed > 0 {
        Status::Fail
    } else if errored > 0 || truncated {
        Status::Error
    } else {
        Status::Pass
    };
    let mut f = fleet_finding(finding_status, None, summary);
    for (k, v) in &counts {
        f.evidence.insert(k.clone(), v.to_string());
    }
    report.findings.push(f);
    report.status = if failed > 0 {
        ReportStatus::Problems
    } else if errored > 0 || truncated {
        ReportStatus::Incomplete
    } else {
        ReportStatus::Healthy
    };
    report.duration_ms = millis(started.elapsed());
    report.fleet = Some(Fleet {
        subscriptions: subs,
        resource_group: group,
        scanned,
        healthy: count(Status::Pass),
        with_problems: failed + count(Status::Warn),
        incomplete: errored,
        truncated,
        total_records: machines.total_records.filter(|_| truncated),
        counts,
        machines: machines_out,
        requests: stats,
        duration_ms: report.duration_ms,
    });
    report
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
