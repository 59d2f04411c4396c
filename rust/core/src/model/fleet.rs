//! The `fleet` member of the report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ShellCommand, Status};

/// `fleet` in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fleet {
    pub subscriptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    pub scanned: usize,
    pub healthy: usize,
    pub with_problems: usize,
    pub incomplete: usize,
    /// Resource Graph cut its answer short (`resultTruncated` with no way on): the
    /// machines beyond `scanned` were not diagnosed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// How many machines Resource Graph said match, when it cut its answer short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_records: Option<u64>,
    /// Machines per diagnosis id (a machine counts once per id it has).
    pub counts: BTreeMap<String, usize>,
    /// Worst first, then by subscription, group and name.
    pub machines: Vec<MachineRow>,
    pub requests: RequestStats,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineRow {
    pub name: String,
    pub resource_group: String,
    pub subscription: String,
    pub resource_type: String,
    pub status: String,
    pub agent_version: String,
    pub os: String,
    pub worst_status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_diagnosis: Option<String>,
    pub summary: String,
    /// Every diagnosis found, worst first.
    pub diagnoses: Vec<String>,
    /// The full report for this machine, in the asking host's syntax.
    pub command: String,
    /// The same for az, PowerShell and the standalone binary.
    pub commands: Vec<ShellCommand>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStats {
    pub resource_graph_pages: usize,
    /// Every ARM request sent, Resource Graph and retries included.
    pub total: usize,
    pub provider_reads: usize,
    pub permission_reads: usize,
    pub configuration_reads: usize,
    /// Permissions read on single machines whose resource group granted too little.
    #[serde(default)]
    pub machine_permission_reads: usize,
    pub throttled: usize,
    pub pauses: usize,
    pub retried: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_remaining_reads: Option<u64>,
    pub concurrency: usize,
}
