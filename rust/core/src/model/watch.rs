//! The `watch` member of the report: how a `--watch` went, round by round.

use serde::{Deserialize, Serialize};

use super::Status;

/// Extension of the report: how the watch went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Watch {
    pub outcome: WatchOutcome,
    pub timeout_ms: u64,
    pub interval_ms: u64,
    pub rounds: Vec<Round>,
    /// How it ended, in the words every host shows (`watch::text::end`).
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WatchOutcome {
    /// Every check that had failed passes now (or nothing had failed).
    Passed,
    /// The bound passed with checks still failing.
    TimedOut,
    /// The host stopped it (Ctrl+C).
    Cancelled,
}

/// One rerun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Round {
    /// 1 for the first rerun (the first diagnosis is round 0 and is the report itself).
    pub round: u32,
    /// Since the watch started.
    pub elapsed_ms: u64,
    /// The checks run again this round.
    pub rerun: Vec<String>,
    /// Checks whose status or diagnosis changed since the round before.
    pub changes: Vec<Change>,
    /// Checks still failing (or unable to look) after this round.
    pub failing: Vec<String>,
    /// A new access token was asked for before this round.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub token_refreshed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub check: String,
    pub from: Status,
    pub to: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    pub summary: String,
}
