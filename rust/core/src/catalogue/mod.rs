//! The diagnosis catalogue of `CONTRACT.md` §5: one entry per id, with its title, docs
//! link and the remedy filled with the user's own values.
//!
//! Live checks and the explain engine both name these ids; remedies are rendered here
//! so the two always give the same advice.

use std::collections::BTreeMap;

use crate::model::{Shell, ShellCommand};

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
    pub id: &'static str,
    pub title: &'static str,
    pub area: Area,
    pub docs: &'static str,
    /// Lower sorts first when several diagnoses explain one failure: root causes
    /// (a wrong module version) come before their consequences (module not found).
    pub root_rank: u8,
}

macro_rules! diag {
    ($id:literal, $title:literal, $area:ident, $docs:expr, $rank:literal) => {
        Diagnosis {
            id: $id,
            title: $title,
            area: Area::$area,
            docs: $docs,
            root_rank: $rank,
        }
    };
}

pub static DIAGNOSES: &[Diagnosis] = &[
    diag!(
        "client-binaries-not-found",
        "Unable to locate client binaries",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#unable-to-locate-client-binaries",
        20
    ),
    diag!(
        "arcproxy-version-mismatch",
        "Azure PowerShell module version mismatch",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#azure-powershell-module-version-mismatch",
        10
    ),
    diag!(
        "arcproxy-not-installed",
        "Az.Ssh.ArcProxy not installed",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#azsssharcproxy-not-installed",
        15
    ),
    diag!(
        "proxy-permission-denied",
        "User doesn't have permissions to execute proxy",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#user-doesnt-have-permissions-to-execute-proxy",
        20
    ),
    diag!(
        "post-preview-reconfiguration",
        "Unable to connect after the public preview",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#unable-to-connect-after-the-public-preview",
        30
    ),
    diag!(
        "ssh-traffic-not-allowed",
        "SSH traffic not allowed on the server",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#ssh-traffic-not-allowed-on-the-server",
        40
    ),
    diag!(
        "endpoint-creation-forbidden",
        "Incorrect role assignments to enable SSH connectivity",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#incorrect-role-assignments-to-enable-ssh-connectivity",
        35
    ),
    diag!(
        "connect-permission-missing",
        "Incorrect role assignments to connect",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#incorrect-role-assignments-to-connect",
        50
    ),
    diag!(
        "provider-not-registered",
        "HybridConnectivity RP not registered",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot#hybridconnectivity-rp-not-registered",
        5
    ),
    diag!(
        "not-signed-in",
        "No usable Azure sign-in",
        Azure,
        "https://learn.microsoft.com/cli/azure/authenticate-azure-cli",
        1
    ),
    diag!(
        "machine-not-found",
        "Arc-enabled server not found",
        Azure,
        OVERVIEW,
        8
    ),
    diag!(
        "machine-disconnected",
        "Arc-enabled server is not connected",
        Azure,
        "https://learn.microsoft.com/azure/azure-arc/servers/troubleshoot-agent-onboard",
        12
    ),
    diag!(
        "agent-outdated",
        "Connected Machine agent older than 1.31",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/manage-agent#upgrade-the-agent",
        25
    ),
    diag!(
        "entra-login-extension-missing",
        "Microsoft Entra SSH login extension missing",
        Azure,
        OVERVIEW,
        45
    ),
    diag!(
        "service-config-propagating",
        "New SSH service configuration not live yet",
        Azure,
        OVERVIEW,
        60
    ),
    diag!(
        "relay-listener-unavailable",
        "The agent's relay listener is down",
        Server,
        "https://learn.microsoft.com/azure/azure-arc/servers/troubleshoot-agent-onboard",
        32
    ),
    diag!(
        "relay-unreachable",
        "This machine cannot reach Azure Relay (*.servicebus.windows.net)",
        Client,
        "https://learn.microsoft.com/azure/azure-arc/servers/network-requirements#urls",
        31
    ),
    diag!(
        "proxy-architecture-unsupported",
        "No SSH proxy for this OS and architecture",
        Client,
        OVERVIEW,
        12
    ),
    diag!(
        "openssh-version-incompatible",
        "OpenSSH versions cannot use Entra certificates together",
        Client,
        "https://bugzilla.mindrot.org/show_bug.cgi?id=3351",
        40
    ),
    diag!(
        "private-key-permissions",
        "Key or certificate file permissions refused by ssh",
        Client,
        "https://learn.microsoft.com/windows-server/administration/openssh/openssh-server-configuration",
        30
    ),
    // Beyond the contract's first set.
    diag!(
        "local-user-required",
        "Windows machines need a local user",
        Azure,
        OVERVIEW,
        44
    ),
    diag!(
        "proxy-file-corrupt",
        "SSH proxy file damaged or not a program",
        Client,
        OVERVIEW,
        18
    ),
    diag!(
        "ssh-extension-missing",
        "Azure CLI ssh extension missing or too old",
        Client,
        "https://learn.microsoft.com/cli/azure/ssh",
        14
    ),
    diag!(
        "azssh-module-missing",
        "Az.Ssh PowerShell module missing",
        Client,
        "https://www.powershellgallery.com/packages/Az.Ssh",
        14
    ),
    diag!(
        "entra-certificate-unavailable",
        "The signed-in identity cannot get a Microsoft Entra SSH certificate",
        Azure,
        "https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux",
        3
    ),
    diag!(
        "ssh-extension-broken",
        "Azure CLI ssh extension broken or not matching the CLI",
        Client,
        "https://learn.microsoft.com/cli/azure/azure-cli-extensions-overview",
        13
    ),
    diag!(
        "entra-cert-too-open-wam",
        "Entra SSH certificate refused as too open (Windows sign-in broker)",
        Client,
        "https://learn.microsoft.com/cli/azure/authenticate-azure-cli-interactively",
        28
    ),
    diag!(
        "resource-name-ambiguous",
        "More than one resource has this name",
        Azure,
        OVERVIEW,
        9
    ),
    diag!(
        "proxy-download-blocked",
        "SSH proxy download blocked",
        Client,
        GUIDE,
        16
    ),
    // A symptom, not a cause: see [`SYMPTOMS`].
    diag!(
        "ssh-auth-refused",
        "The server refused ssh's sign-in (a symptom: its cause is elsewhere)",
        Server,
        GUIDE,
        251
    ),
    diag!(
        "ssh-connection-closed",
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
    pub id: &'static str,
    /// Diagnosis ids, most frequent first.
    pub likely_causes: &'static [&'static str],
    /// Check ids whose results tell the causes apart.
    pub tell_apart: &'static [&'static str],
}

pub static SYMPTOMS: &[Symptom] = &[
    Symptom {
        id: "ssh-auth-refused",
        likely_causes: &[
            "connect-permission-missing",
            "entra-login-extension-missing",
            "openssh-version-incompatible",
            "private-key-permissions",
            "entra-cert-too-open-wam",
            "local-user-required",
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
        id: "ssh-connection-closed",
        likely_causes: &[
            "ssh-traffic-not-allowed",
            "relay-listener-unavailable",
            "post-preview-reconfiguration",
            "agent-outdated",
            "service-config-propagating",
            "machine-disconnected",
            "proxy-permission-denied",
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

pub fn symptom(id: &str) -> Option<&'static Symptom> {
    SYMPTOMS.iter().find(|s| s.id == id)
}

pub fn diagnosis(id: &str) -> Option<&'static Diagnosis> {
    DIAGNOSES.iter().find(|d| d.id == id)
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
