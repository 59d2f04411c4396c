//! The request and report documents of `CONTRACT.md` §3–4, as Rust types.
//!
//! Field names are the contract's (camelCase on the wire). Fields may be added here;
//! none is renamed.

mod diagnosis_id;
pub mod fleet;
pub mod policy;
pub mod watch;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use diagnosis_id::DiagnosisId;

pub const SCHEMA_VERSION: u32 = 1;
pub const TOOL_NAME: &str = "ssh-troubleshoot";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit this build was made from (build.rs: the workflow's
/// `SSH_TROUBLESHOOT_COMMIT`, else git, else "unknown").
pub const TOOL_COMMIT: &str = env!("SSH_TROUBLESHOOT_BUILD_COMMIT");
/// What `--version` and the report's `versions` say: "0.1.0 (commit 0123456789ab)".
pub const TOOL_VERSION_AND_COMMIT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SSH_TROUBLESHOOT_BUILD_COMMIT"),
    ")"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Command {
    #[default]
    Diagnose,
    Checks,
    ApplyFixes,
    Server,
    /// Extension: remove SSH access (the guide's last section): delete the SSH service
    /// configuration, then the default connectivity endpoint.
    DisableSsh,
}

/// Which official client the user connects with; it decides where ssh and the proxy
/// are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Client {
    AzureCli,
    Powershell,
    #[default]
    Standalone,
}

impl Client {
    pub fn uses_azure_cli(self) -> bool {
        matches!(self, Client::AzureCli | Client::Standalone)
    }
    pub fn uses_powershell(self) -> bool {
        matches!(self, Client::Powershell | Client::Standalone)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
}

impl Target {
    pub fn is_empty(&self) -> bool {
        self.resource_group.is_none() && self.name.is_none()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm_endpoint: Option<String>,
    /// Never serialised back out: a report or log must not carry it.
    #[serde(default, skip_serializing)]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_bundle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Extension: where the host got the token ("environment", "az", "agent
    /// identity"), shown as evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
/// Unknown fields are ignored: a newer host may send fields this core does not know.
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub schema_version: u32,
    #[serde(default)]
    pub command: Command,
    #[serde(default)]
    pub client: Client,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_client_folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_proxy_folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
    #[serde(default)]
    pub offline: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureSettings>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<String>,
    /// Extension: ask ARM for relay credentials for real (`--probe-credentials`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probe_credentials: bool,
    /// Extension: connect through the client's own SSH proxy up to the server's SSH
    /// identification, without logging in (`--probe`); implies `probeCredentials`'s
    /// request for relay credentials.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probe: bool,
    /// Extension (`--watch`): rerun the checks that failed until they pass or the
    /// bound (`watchTimeoutMs`, default 300000) passes, every `watchIntervalMs`
    /// (default 5000).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub watch: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch_interval_ms: Option<u64>,
    /// Extension (server mode): the sshd configuration to read (default
    /// `/etc/ssh/sshd_config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sshd_config: Option<String>,
    /// Extension (server mode): `host:port` endpoints to prove TLS reachability to,
    /// instead of the Azure endpoints the agent needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_targets: Vec<String>,
    /// Extension: overall deadline for the run, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    /// Extension (`--report FILE`, `-ReportPath`): write the shareable report here, as
    /// JSON, and as Markdown beside it (see `share::report_paths`). Identifiers and
    /// secrets are replaced by placeholders in both files; the returned report is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_path: Option<String>,
    /// Extension: versions only the host knows (e.g. `azure-cli`, `PowerShell`), listed
    /// in the report's `versions`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub host_versions: BTreeMap<String, String>,
    /// Extension (fleet mode): subscriptions to scan; with no `target.name` this (or
    /// `target.resourceGroup`) makes the request a fleet diagnosis.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
    /// Extension: environment variables as the host sees them, over the process's for
    /// the checks. PowerShell on Linux and macOS keeps `$env:` changes to itself (.NET
    /// never writes them to the process), so the module sends what Az.Ssh will see
    /// (`PSModulePath`, `PATH`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Extension: explain `explain` only when the text shows it is about SSH to an
    /// Arc-enabled server (the SSH proxy, `az ssh`, `Enter-AzVM`, ...): for a host that
    /// explains any failure it sees, such as PowerShell's feedback provider.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explain_needs_ssh_context: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            schema_version: SCHEMA_VERSION,
            command: Command::Diagnose,
            client: Client::Standalone,
            target: None,
            port: None,
            local_user: None,
            ssh_client_folder: None,
            ssh_proxy_folder: None,
            explain: None,
            offline: false,
            azure: None,
            fixes: Vec::new(),
            probe_credentials: false,
            probe: false,
            watch: false,
            watch_timeout_ms: None,
            watch_interval_ms: None,
            sshd_config: None,
            network_targets: Vec::new(),
            deadline_ms: None,
            report_path: None,
            host_versions: BTreeMap::new(),
            subscriptions: Vec::new(),
            environment: BTreeMap::new(),
            explain_needs_ssh_context: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportStatus {
    Healthy,
    Problems,
    Incomplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    Az,
    Powershell,
    Sh,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellCommand {
    pub shell: Shell,
    pub command: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remedy {
    pub text: String,
    #[serde(default)]
    pub commands: Vec<ShellCommand>,
    pub docs: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixImpact {
    LocalFile,
    AzureResource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixOffer {
    pub id: String,
    pub description: String,
    pub impact: FixImpact,
}

/// What was looked at, and what was seen there; ordered for stable output.
pub type Evidence = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check: String,
    pub title: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub evidence: Evidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixOffer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explained {
    pub diagnosis: String,
    pub title: String,
    pub confidence: f64,
    pub excerpt: String,
    #[serde(default)]
    pub extracted: BTreeMap<String, String>,
    pub remedy: Remedy,
    /// Extension: the knowledge-base entry that matched.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub entry: String,
    /// Extension: the text only shows that something failed (`diagnosis` names the
    /// symptom, not a cause); `likelyCauses` and `tellApart` say where to look.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub symptom: bool,
    /// Extension, with `symptom`: the diagnosis ids it usually comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub likely_causes: Vec<String>,
    /// Extension, with `symptom`: the check ids whose results tell those causes apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tell_apart: Vec<String>,
}

/// Extension: what `apply-fixes` did with each requested fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedFix {
    pub id: String,
    pub outcome: FixOutcome,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixOutcome {
    Applied,
    Failed,
    NotOffered,
}

/// Extension: one row of the `checks` catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckInfo {
    pub id: String,
    pub title: String,
    pub group: String,
    pub diagnoses: Vec<String>,
    pub docs: String,
}

/// Extension: one row of the diagnosis catalogue in `checks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisInfo {
    pub id: String,
    pub title: String,
    pub docs: String,
    pub proven_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    #[serde(default)]
    pub target: Target,
    pub client: Client,
    pub status: ReportStatus,
    pub duration_ms: u64,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub explained: Vec<Explained>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<AppliedFix>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<DiagnosisInfo>,
    /// Extension: the fleet diagnosis (one row per machine), in fleet mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<fleet::Fleet>,
    /// Extension: tool, client, module, proxy, OpenSSH, agent and OS versions seen in
    /// this run (component → version).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
    /// Extension: where the request's `reportPath` put the shareable report, or why it
    /// could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_report: Option<SharedReport>,
    /// Extension: the rounds of a `watch` request and how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<watch::Watch>,
    /// Extension: the run was cancelled from outside (`status` is then `incomplete`
    /// and each unfinished check an `error` finding saying so). Absent when not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// Extension: the command that gives this machine's full report, for the host that
    /// asked, with the request's own values (absent without a resource group and name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_command: Option<String>,
    /// Extension: a fleet request for which no machine could be listed (no subscription,
    /// Resource Graph failed or did not answer in time) and no finding names a cause:
    /// nothing was diagnosed, which every host reports as a failure to run, never as an
    /// empty, healthy fleet. Absent when not. See `policy::nothing_listed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_listed: bool,
}

/// Extension: the outcome of writing the shareable report (`reportPath`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedReport {
    /// Both files are complete and in place.
    pub written: bool,
    pub json: String,
    pub markdown: String,
    /// Why not, when `written` is false (code `report-not-written`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
