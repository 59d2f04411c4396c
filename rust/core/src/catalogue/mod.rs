//! The diagnosis catalogue of `CONTRACT.md` §5: one entry per id, with its title, docs
//! link and the remedy filled with the user's own values.
//!
//! Live checks and the explain engine both name these ids; remedies are rendered here
//! so the two always give the same advice.

use std::collections::BTreeMap;

use crate::model::{DiagnosisId, Shell, ShellCommand};

mod remedy;

pub use remedy::remedy;

const GUIDE: &str = "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot";
const OVERVIEW: &str = "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-overview";

/// Where a diagnosis sits; the text output groups by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Client,
    Server,
    Azure,
}

#[derive(Debug, Clone, Copy)]
pub struct Diagnosis {
    pub id: DiagnosisId,
    pub title: &'static str,
    pub area: Area,
    pub docs: &'static str,
    /// Lower sorts first when several diagnoses explain one failure: root causes
    /// (a wrong module version) come before their consequences (module not found).
    pub root_rank: u8,
}

macro_rules! diag {
    ($id:ident, $title:literal, $area:ident, $docs:expr, $rank:literal) => {
        Diagnosis {
            id: DiagnosisId::$id,
            title: $title,
            area: Area::$area,
            docs: $docs,
            root_rank: $rank,
        }
    };
}

pub static DIAGNOSES: &[Diagnosis] = &[
    diag!(
        ClientBinariesNotFound,
        "Unable to locate client binaries",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#unable-to-locate-client-binaries",
        20
    ),
    diag!(
        ArcproxyVersionMismatch,
        "Azure PowerShell module version mismatch",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#azure-powershell-module-version-mismatch",
        10
    ),
    diag!(
        ArcproxyNotInstalled,
        "Az.Ssh.ArcProxy not installed",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#azsssharcproxy-not-installed",
        15
    ),
    diag!(
        ProxyPermissionDenied,
        "User doesn't have permissions to execute proxy",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#user-doesnt-have-permissions-to-execute-proxy",
        20
    ),
    diag!(
        PostPreviewReconfiguration,
        "Unable to connect after the public preview",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#unable-to-connect-after-the-public-preview",
        30
    ),
    diag!(
        SshTrafficNotAllowed,
        "SSH traffic not allowed on the server",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#ssh-traffic-not-allowed-on-the-server",
        40
    ),
    diag!(
        EndpointCreationForbidden,
        "Incorrect role assignments to enable SSH connectivity",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#incorrect-role-assignments-to-enable-ssh-connectivity",
        35
    ),
    diag!(
        ConnectPermissionMissing,
        "Incorrect role assignments to connect",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#incorrect-role-assignments-to-connect",
        50
    ),
    diag!(
        ProviderNotRegistered,
        "HybridConnectivity RP not registered",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#hybridconnectivity-rp-not-registered",
        5
    ),
    diag!(
        NotSignedIn,
        "No usable Azure sign-in",
        Azure,
        "https://learn.microsoft.com/cli/azure/authenticate-azure-cli",
        1
    ),
    diag!(
        MachineNotFound,
        "Arc-enabled server not found",
        Azure,
        OVERVIEW,
        8
    ),
    diag!(
        MachineDisconnected,
        "Arc-enabled server is not connected",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/troubleshoot-agent-onboard",
        12
    ),
    diag!(
        AgentOutdated,
        "Connected Machine agent older than 1.31",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/manage-agent#upgrade-the-agent",
        25
    ),
    diag!(
        EntraLoginExtensionMissing,
        "Microsoft Entra SSH login extension missing",
        Azure,
        OVERVIEW,
        45
    ),
    diag!(
        ServiceConfigPropagating,
        "New SSH service configuration not live yet",
        Azure,
        OVERVIEW,
        60
    ),
    diag!(
        RelayListenerUnavailable,
        "The agent's relay listener is down",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/troubleshoot-agent-onboard",
        32
    ),
    diag!(
        RelayUnreachable,
        "This machine cannot reach Azure Relay (*.servicebus.windows.net)",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/network-requirements#urls",
        31
    ),
    diag!(
        ProxyArchitectureUnsupported,
        "No SSH proxy for this OS and architecture",
        Client,
        OVERVIEW,
        12
    ),
    diag!(
        OpensshVersionIncompatible,
        "OpenSSH versions cannot use Entra certificates together",
        Client,
        "https://bugzilla.mindrot.org/show_bug.cgi?id=3351",
        40
    ),
    diag!(
        PrivateKeyPermissions,
        "Key or certificate file permissions refused by ssh",
        Client,
        "https://learn.microsoft.com/windows-server/administration/openssh/openssh-server-configuration",
        30
    ),
    // Beyond the contract's first set.
    diag!(
        LocalUserRequired,
        "Windows machines need a local user",
        Azure,
        OVERVIEW,
        44
    ),
    diag!(
        ProxyFileCorrupt,
        "SSH proxy file damaged or not a program",
        Client,
        OVERVIEW,
        18
    ),
    diag!(
        SshExtensionMissing,
        "Azure CLI ssh extension missing or too old",
        Client,
        "https://learn.microsoft.com/cli/azure/ssh",
        14
    ),
    diag!(
        AzsshModuleMissing,
        "Az.Ssh PowerShell module missing",
        Client,
        "https://www.powershellgallery.com/packages/Az.Ssh",
        14
    ),
    diag!(
        EntraCertificateUnavailable,
        "The signed-in identity cannot get a Microsoft Entra SSH certificate",
        Azure,
        "https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux",
        3
    ),
    diag!(
        SshExtensionBroken,
        "Azure CLI ssh extension broken or not matching the CLI",
        Client,
        "https://learn.microsoft.com/cli/azure/azure-cli-extensions-overview",
        13
    ),
    diag!(
        EntraCertTooOpenWam,
        "Entra SSH certificate refused as too open (Windows sign-in broker)",
        Client,
        "https://learn.microsoft.com/cli/azure/authenticate-azure-cli-interactively",
        28
    ),
    diag!(
        ResourceNameAmbiguous,
        "More than one resource has this name",
        Azure,
        OVERVIEW,
        9
    ),
    diag!(
        ProxyDownloadBlocked,
        "SSH proxy download blocked",
        Client,
        GUIDE,
        16
    ),
    // A symptom, not a cause: see [`SYMPTOMS`].
    diag!(
        SshAuthRefused,
        "The server refused ssh's sign-in (a symptom: its cause is elsewhere)",
        Server,
        GUIDE,
        251
    ),
    diag!(
        SshConnectionClosed,
        "ssh's connection ended (a symptom: its cause is elsewhere)",
        Client,
        GUIDE,
        250
    ),
];

/// A generic message that shows something failed but not why (ssh's
/// `Connection closed by UNKNOWN port 65535` whenever the proxy goes away). It is
/// reported as itself, never as a diagnosis, with the causes it usually has and the
/// checks that tell them apart.
#[derive(Debug, Clone, Copy)]
pub struct Symptom {
    /// A [`DIAGNOSES`] id (its title, docs and remedy) marked as a symptom.
    pub id: DiagnosisId,
    /// Diagnosis ids, most frequent first.
    pub likely_causes: &'static [DiagnosisId],
    /// Check ids whose results tell the causes apart.
    pub tell_apart: &'static [&'static str],
}

pub static SYMPTOMS: &[Symptom] = &[
    Symptom {
        id: DiagnosisId::SshAuthRefused,
        likely_causes: &[
            DiagnosisId::ConnectPermissionMissing,
            DiagnosisId::EntraLoginExtensionMissing,
            DiagnosisId::OpensshVersionIncompatible,
            DiagnosisId::PrivateKeyPermissions,
            DiagnosisId::EntraCertTooOpenWam,
            DiagnosisId::LocalUserRequired,
        ],
        tell_apart: &[
            "azure.permissions",
            "azure.entra-login",
            "server.entra-login",
            "server.sshd-config",
            "client.openssh",
            "client.sign-in-broker",
        ],
    },
    Symptom {
        id: DiagnosisId::SshConnectionClosed,
        likely_causes: &[
            DiagnosisId::SshTrafficNotAllowed,
            DiagnosisId::RelayListenerUnavailable,
            DiagnosisId::PostPreviewReconfiguration,
            DiagnosisId::AgentOutdated,
            DiagnosisId::ServiceConfigPropagating,
            DiagnosisId::MachineDisconnected,
            DiagnosisId::ProxyPermissionDenied,
        ],
        tell_apart: &[
            "azure.machine",
            "azure.ssh-service-config",
            "server.agent",
            "server.agent-services",
            "server.allowed-port",
            "server.sshd-service",
            "client.proxy-binary",
        ],
    },
];

pub fn symptom(id: DiagnosisId) -> Option<&'static Symptom> {
    SYMPTOMS.iter().find(|s| s.id == id)
}

/// The catalogue entry of `id` (a test holds that every id has one).
pub fn entry(id: DiagnosisId) -> &'static Diagnosis {
    DIAGNOSES
        .iter()
        .find(|d| d.id == id)
        .expect("every DiagnosisId has a catalogue entry (catalogue::tests)")
}

/// The catalogue entry named by its stable string (a request's or a report's text).
pub fn diagnosis(id: &str) -> Option<&'static Diagnosis> {
    DiagnosisId::parse(id).map(entry)
}

/// Values a remedy is filled with; missing ones render as `<name>`.
pub type Vars = BTreeMap<String, String>;

pub(crate) fn var<'a>(vars: &'a Vars, key: &str, placeholder: &'a str) -> &'a str {
    vars.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or(placeholder)
}

pub(crate) fn cmd(shell: Shell, command: impl Into<String>) -> ShellCommand {
    ShellCommand {
        shell,
        command: command.into(),
    }
}

pub use crate::quote::{ps_quote, sh_quote};

#[cfg(test)]
mod tests;
