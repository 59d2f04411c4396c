//! The `fleet` member of a scenario (see `fleet.rs` and the crate README).

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FleetSpec {
    pub count: usize,
    #[serde(default = "default_subscriptions")]
    pub subscriptions: Vec<String>,
    #[serde(default = "default_groups")]
    pub resource_groups: Vec<String>,
    #[serde(default = "default_prefix")]
    pub name_prefix: String,
    /// Largest Resource Graph page (`$top` beyond it is cut down).
    #[serde(default = "default_page")]
    pub page_size: usize,
    /// Before every fleet answer but a 429.
    #[serde(default)]
    pub delay_ms: u64,
    /// Machine `i` takes the profile its index falls in, cycling by weight.
    #[serde(default)]
    pub profiles: Vec<Profile>,
    #[serde(default)]
    pub unregistered_subscriptions: Vec<String>,
    /// Resource group -> "owner" (default: everything), "user" (connect, no writes),
    /// "reader" (read only).
    #[serde(default)]
    pub grants: BTreeMap<String, String>,
    /// Machine name -> a grant assigned on that machine alone, added to its group's
    /// (what `…/machines/NAME/providers/Microsoft.Authorization/permissions` answers).
    #[serde(default)]
    pub machine_grants: BTreeMap<String, String>,
    /// Resource Graph lists at most this many machines in all, the last page marked
    /// `resultTruncated` and without a `$skipToken`.
    pub truncate_at: Option<usize>,
    pub throttle: Option<Throttle>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    #[serde(default = "one")]
    pub weight: usize,
    #[serde(default = "connected")]
    pub status: String,
    #[serde(default = "agent")]
    pub agent_version: String,
    #[serde(default = "linux")]
    pub os_type: String,
    #[serde(default)]
    pub legacy_ports: Vec<u16>,
    /// The SSH service configuration's port; `null`: none (404).
    #[serde(default = "port22")]
    pub ssh_port: Option<u16>,
}

/// ARM's documented subscription read bucket by default: 250, refilling 25 per second.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Throttle {
    #[serde(default = "bucket")]
    pub bucket: f64,
    #[serde(default = "refill")]
    pub refill_per_second: f64,
    /// Default: the seconds until a token is back (at least 1).
    pub retry_after_seconds: Option<u64>,
}

fn default_subscriptions() -> Vec<String> {
    vec!["00000000-1111-2222-3333-444444444444".into()]
}
fn default_groups() -> Vec<String> {
    vec!["rg-fleet".into()]
}
fn default_prefix() -> String {
    "arc-".into()
}
fn default_page() -> usize {
    1000
}
fn one() -> usize {
    1
}
fn connected() -> String {
    "Connected".into()
}
fn agent() -> String {
    "1.45.02800.1234".into()
}
fn linux() -> String {
    "linux".into()
}
fn port22() -> Option<u16> {
    Some(22)
}
fn bucket() -> f64 {
    250.0
}
fn refill() -> f64 {
    25.0
}
