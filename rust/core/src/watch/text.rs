//! The words of a watch, written once here: every host (binary, az, PowerShell, any C
//! caller) shows a round with the same sentence, so what a user reads does not depend
//! on the client they came through.

use serde_json::json;

use super::{Round, Watch, WatchOutcome};
use crate::model::{Report, Request, Status};

/// What is about to happen.
pub fn start(request: &Request) -> String {
    format!(
        "Watching: checks that fail are run again every {} s for up to {} s.",
        request
            .watch_interval_ms
            .unwrap_or(super::DEFAULT_INTERVAL.as_millis() as u64)
            / 1000,
        request
            .watch_timeout_ms
            .unwrap_or(super::DEFAULT_TIMEOUT.as_millis() as u64)
            / 1000
    )
}

/// One round: whether a new token was asked for, what changed, what still fails.
pub fn round(round: &Round) -> String {
    let mut out = format!("Round {} ({} s):", round.round, round.elapsed_ms / 1000);
    if round.token_refreshed {
        out.push_str(" asked Azure for a new access token (a role assignment reaches a token only when it is issued again);");
    }
    if round.changes.is_empty() {
        out.push_str(" no change;");
    }
    for c in &round.changes {
        out.push_str(&format!(
            " {} {} -> {}{};",
            c.check,
            status_word(c.from),
            status_word(c.to),
            c.diagnosis
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ));
    }
    if round.failing.is_empty() {
        out.push_str(" everything passes now.");
    } else {
        out.push_str(&format!(" still failing: {}.", round.failing.join(", ")));
    }
    out
}

/// How it ended.
pub fn end(watch: &Watch) -> String {
    match watch.outcome {
        WatchOutcome::Passed => format!(
            "Watch ended: the checks pass (after {} round(s)).",
            watch.rounds.len()
        ),
        WatchOutcome::TimedOut => format!(
            "Watch ended: still failing after {} s.",
            watch.timeout_ms / 1000
        ),
        WatchOutcome::Cancelled => "Watch stopped (cancelled).".into(),
    }
}

/// What a host that sees rounds as JSON (the C ABI's and the Python module's round
/// callbacks) is handed: the round, its sentence, and the report's status so far.
pub fn round_event(r: &Round, report: &Report) -> String {
    json!({"round": r, "line": round(r), "status": report.status}).to_string()
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
        Status::Skip => "skip",
        Status::Error => "error",
    }
}
