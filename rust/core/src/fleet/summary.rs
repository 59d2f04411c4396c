//! The fleet's report once every machine is judged: the rows worst first, the counts,
//! the one-line summary and the request statistics.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::limiter::Limiter;
use super::reads::Job;
use super::{Fleet, MachineRow, RequestStats, fleet_finding, judge};
use crate::engine::millis;
use crate::model::{Report, ReportStatus, Status};

/// What was scanned and what came of it.
pub(super) struct Scan {
    pub subscriptions: Vec<String>,
    pub resource_group: Option<String>,
    /// Resource Graph cut its answer short.
    pub truncated: bool,
    pub total_records: Option<u64>,
    pub machines: Vec<MachineRow>,
    pub requests: RequestStats,
}

/// How many calls of each kind the run made, and how the quota fared.
pub(super) fn request_stats(
    limiter: &Limiter,
    jobs: &[Job],
    short: usize,
    pages: usize,
) -> RequestStats {
    let c = &limiter.counters;
    let min_remaining = c.min_remaining.load(Ordering::Relaxed);
    let count_jobs = |f: fn(&Job) -> bool| jobs.iter().filter(|j| f(j)).count();
    RequestStats {
        resource_graph_pages: pages,
        total: c.requests.load(Ordering::Relaxed),
        provider_reads: count_jobs(|j| matches!(j, Job::Provider(_))),
        permission_reads: count_jobs(|j| matches!(j, Job::Permissions(..))),
        configuration_reads: count_jobs(|j| matches!(j, Job::Config(_))),
        machine_permission_reads: short,
        throttled: c.throttled.load(Ordering::Relaxed),
        pauses: c.pauses.load(Ordering::Relaxed),
        retried: c.retried.load(Ordering::Relaxed),
        min_remaining_reads: (min_remaining != u64::MAX).then_some(min_remaining),
        concurrency: limiter.workers(),
    }
}

/// Worst first, then by subscription, group and name.
fn sort_worst_first(machines: &mut [MachineRow]) {
    machines.sort_by(|a, b| {
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
}

/// Machines per diagnosis id (a machine counts once per id it has).
fn diagnosis_counts(machines: &[MachineRow]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for m in machines {
        for d in &m.diagnoses {
            *counts.entry(d.clone()).or_default() += 1;
        }
    }
    counts
}

/// The fleet finding's summary line.
fn summary_line(scan: &Scan, count: impl Fn(Status) -> usize) -> String {
    let (failed, errored) = (count(Status::Fail), count(Status::Error));
    let scanned = scan.machines.len();
    let subs = &scan.subscriptions;
    let summary = format!(
        "{scanned} machine{} in {} subscription{}{}: {} healthy, {failed} with problems, {errored} not fully read.",
        if scanned == 1 { "" } else { "s" },
        subs.len(),
        if subs.len() == 1 { "" } else { "s" },
        scan.resource_group
            .as_deref()
            .map(|g| format!(", resource group {g}"))
            .unwrap_or_default(),
        scanned - failed - errored - count(Status::Warn),
    );
    if scan.truncated {
        let of = scan
            .total_records
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        format!(
            "{summary} Resource Graph cut its answer short: only {scanned}{of} machines were listed and diagnosed; narrow the scope (one resource group or subscription at a time)."
        )
    } else {
        summary
    }
}

/// The report of a fleet whose machines were all judged.
pub(super) fn summarise(mut report: Report, started: Instant, mut scan: Scan) -> Report {
    sort_worst_first(&mut scan.machines);
    let counts = diagnosis_counts(&scan.machines);
    let count = |s: Status| scan.machines.iter().filter(|m| m.worst_status == s).count();
    let (failed, errored) = (count(Status::Fail), count(Status::Error));
    let truncated = scan.truncated;
    let finding_status = if failed > 0 {
        Status::Fail
    } else if errored > 0 || truncated {
        Status::Error
    } else {
        Status::Pass
    };
    let mut f = fleet_finding(finding_status, None, summary_line(&scan, count));
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
    let (healthy, warned) = (count(Status::Pass), count(Status::Warn));
    report.fleet = Some(Fleet {
        subscriptions: scan.subscriptions,
        resource_group: scan.resource_group,
        scanned: scan.machines.len(),
        healthy,
        with_problems: failed + warned,
        incomplete: errored,
        truncated,
        total_records: scan.total_records.filter(|_| truncated),
        counts,
        machines: scan.machines,
        requests: scan.requests,
        duration_ms: report.duration_ms,
    });
    report
}
