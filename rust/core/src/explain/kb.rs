//! The knowledge base: one entry per distinct real error message the two official
//! clients (`az ssh arc`, `Enter-AzVM`), the SSH proxy, OpenSSH or Azure print on the
//! way to an Arc-enabled server.
//!
//! Each entry names where its text comes from:
//! - "seed" = `docs/sources/troubleshoot-ssh-arc.txt` (Microsoft's troubleshooting guide),
//! - "anatomy N" = section N of `docs/sources/az-ssh-anatomy.md` (read from the client code),
//! - anything else names the program that prints it.
//!
//! `template` is the message as printed, with `{key}` for its variable parts. The key
//! names the value (`path`, `modulePath`, `folder`, `port`, `version`, `machine`,
//! `resourceGroup`, `user`, `subscription`, `platform`); `{scope}` is an ARM scope and is
//! split into `subscription`, `resourceGroup` and `machine`; `{_}` is text that is skipped.
//! The scanner matches the fixed parts of the template whatever the wrapping, spacing,
//! quoting or letter case, and takes the values from the same text.
//!
//! `anchors` are short lower-case literals that make the scanner look at the text
//! around them. It searches for them with the line breaks removed (and with them
//! PowerShell's `     | ` continuation bars and colour codes at a break), so a wrap in
//! the middle of an anchor does not hide it; only a space that PowerShell trimmed at a
//! wrap can, so most anchors are single words and some entries list a second one.
//! Entries share anchors freely: every window is checked against the whole knowledge
//! base. Anchors must be rare in ordinary `--debug` output (no URL fragments, no words
//! of the normal connection flow), and there are at most 64 of them, the packed
//! searcher's fast range.

use std::sync::LazyLock;

use crate::model::DiagnosisId;

/// One known error message.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Stable id of this message, unique in [`ENTRIES`].
    pub id: &'static str,
    /// The catalogue id (`crate::catalogue::DIAGNOSES`) the message proves.
    pub diagnosis: DiagnosisId,
    /// 0.9 and above: the message names its cause; about 0.5: a generic symptom.
    pub confidence: f64,
    /// Lower-case literals that open a window for verification.
    pub anchors: &'static [&'static str],
    /// The message, `{key}` marking a variable part.
    pub template: &'static str,
    /// Further templates (same syntax) whose values are taken from the matched lines
    /// when they are there; they never decide whether the entry matches.
    pub extra: &'static [&'static str],
    /// `(key, needle)`: the entry only matches when the extracted value contains the
    /// needle (ASCII case-insensitive).
    pub require: &'static [(&'static str, &'static str)],
    /// The entry is dropped when one of these diagnoses is matched too: the message is
    /// only a consequence of theirs. [`ANY_OTHER_CAUSE`] stands for every cause but the
    /// entry's own diagnosis.
    pub unless: &'static [Unless],
    /// When not empty, the message only counts with one of these near it (in the same
    /// window, compared as skeletons): a relay error means an SSH failure only beside
    /// the SSH proxy, `az ssh` or `Enter-AzVM`, and a Python error is the ssh extension's
    /// only beside its files.
    pub context: &'static [&'static str],
}

/// In [`Entry::unless`]: dropped beside any other cause (not a symptom) that is found.
/// For a weak sign that is printed on the way to many failures: az `--debug` shows the
/// traceback of every error an extension raises, through the extension's files.
pub const ANY_OTHER_CAUSE: Unless = Unless::AnyOtherCause;

/// What drops an entry found beside it ([`Entry::unless`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unless {
    /// This diagnosis, found in the same text.
    Cause(DiagnosisId),
    /// Any other cause (not a symptom) found in the same text.
    AnyOtherCause,
}

/// What every entry starts from (`..base(diagnosis)`): the diagnosis it proves, the
/// rest empty. The diagnosis is an argument so that no entry can leave it out.
pub(super) const fn base(diagnosis: DiagnosisId) -> Entry {
    Entry {
        id: "",
        diagnosis,
        confidence: 0.0,
        anchors: &[],
        template: "",
        extra: &[],
        require: &[],
        unless: &[],
        context: &[],
    }
}

/// What shows a text is about SSH to an Arc-enabled server (as skeletons: letters and
/// digits): the SSH proxy, the two clients, the relay's connection name for a machine.
pub(super) const SSH_CONTEXT: &[&str] = &[
    "sshproxy",
    "az ssh",
    "enter-azvm",
    "enter-azarcserver",
    "hybridcompute/machines",
    "ssh connection",
];

/// Every entry: the ones taken from the guides and the clients' code first, then the
/// ones found in what users really paste ([`super::kb_real`]).
pub static ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    [
        FROM_GUIDES,
        super::kb_real::FROM_REAL_REPORTS,
        super::kb_clients::FROM_CLIENT_MACHINERY,
    ]
    .concat()
});

const FROM_GUIDES: &[Entry] = &[
    // ---- client-binaries-not-found -------------------------------------------------
    // seed "Unable to locate client binaries"; anatomy 1.7 (ssh_utils.py, OSError on ssh-keygen).
    Entry {
        id: "ssh-keygen-failed",
        confidence: 0.9,
        anchors: &["with error:"],
        template: r"Failed to create ssh key file with error:",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // seed; anatomy 1.7 (OSError spawning ssh).
    Entry {
        id: "ssh-run-failed",
        confidence: 0.9,
        anchors: &["with error:"],
        template: r"Failed to run ssh command with error:",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // seed; anatomy 1.7 (OSError running `ssh-keygen -L`).
    Entry {
        id: "ssh-cert-info-failed",
        confidence: 0.85,
        anchors: &["with error:"],
        template: r"Failed to get certificate info with error:",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // anatomy 1.7: az on Windows looks only in %SystemRoot%\System32\openSSH.
    Entry {
        id: "ssh-exe-not-found-windows",
        confidence: 0.95,
        anchors: &["could not find"],
        template: r"Could not find {_}.exe on path {path}.",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // anatomy 1.7: warning when --ssh-client-folder lacks the binary (az then falls back).
    Entry {
        id: "ssh-client-folder-miss",
        confidence: 0.5,
        anchors: &["could not find"],
        template: r"Could not find {_} in provided --ssh-client-folder {folder}. Attempting to get pre-installed OpenSSH bits",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // anatomy 2.4: Enter-AzVM finds ssh only on PATH.
    Entry {
        id: "ps-openssh-client-not-found",
        confidence: 0.95,
        anchors: &["unable to find"],
        template: r"Unable to find OpenSSH Client. Make sure to update the PATH environment variable to make OpenSSH client discoverable.",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // ---- arcproxy-version-mismatch ---------------------------------------------------
    // seed "Azure PowerShell module version mismatch"; anatomy 2.2 (UnsuportedVersionProxyModule).
    Entry {
        id: "arcproxy-version-unsupported",
        confidence: 0.95,
        anchors: &["1.x.x", "az.ssh.arcproxy"],
        template: r"This version of Az.Ssh only supports version 1.x.x of the Az.Ssh.ArcProxy PowerShell Module. The Az.Ssh.ArcProxy module {modulePath} version is {version}, and it is not supported by this version of the Az.Ssh module.",
        ..base(DiagnosisId::ArcproxyVersionMismatch)
    },
    // ---- arcproxy-not-installed ------------------------------------------------------
    // seed "Az.Ssh.ArcProxy not installed"; anatomy 2.2 (FailedToFindProxyModule).
    Entry {
        id: "arcproxy-module-not-found",
        confidence: 0.95,
        anchors: &["az.ssh.arcproxy"],
        template: r"Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.",
        ..base(DiagnosisId::ArcproxyNotInstalled)
    },
    // anatomy 2.2: no sshProxy_{os}_{arch}_* file in the module folder.
    Entry {
        id: "arcproxy-proxy-file-missing",
        confidence: 0.9,
        anchors: &["sshproxy file", "az.ssh.arcproxy"],
        template: r"Couldn't find the sshProxy file for {_} OS and {_} architecture in the {path} folder.",
        ..base(DiagnosisId::ArcproxyNotInstalled)
    },
    // anatomy 2.2: the module folder was modified (several proxy files).
    Entry {
        id: "arcproxy-proxy-file-ambiguous",
        confidence: 0.85,
        anchors: &["sshproxy file", "az.ssh.arcproxy"],
        template: r"There are more than one sshProxy file for {_} OS and {_} architecture in the {path} folder",
        ..base(DiagnosisId::ArcproxyNotInstalled)
    },
    // ---- proxy-permission-denied -----------------------------------------------------
    // seed "User doesn't have permissions to execute proxy" (bash runs ProxyCommand via exec).
    Entry {
        id: "proxy-exec-permission-denied-bash",
        confidence: 0.95,
        anchors: &[": permission denied"],
        template: r"exec: {path}: cannot execute: Permission denied",
        require: &[("path", "sshproxy")],
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // The same failure when the login shell is dash (`/bin/sh: 1: exec: PATH: Permission denied`).
    Entry {
        id: "proxy-exec-permission-denied-sh",
        confidence: 0.9,
        anchors: &[": permission denied"],
        template: r"exec: {path}: Permission denied",
        require: &[("path", "sshproxy")],
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // The same failure when the login shell is zsh, macOS's default (`zsh:1: permission denied: PATH`).
    Entry {
        id: "proxy-permission-denied-zsh",
        confidence: 0.9,
        anchors: &[": permission denied"],
        template: r"permission denied: {path}",
        require: &[("path", "sshproxy")],
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // seed: Win32-OpenSSH cannot start the ProxyCommand (error 5 = access denied).
    Entry {
        id: "proxy-createprocess-denied",
        confidence: 0.9,
        anchors: &["createprocessw"],
        template: r"CreateProcessW failed error:5 posix_spawn",
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // anatomy 2.2: Az.Ssh's `chmod +x` of the proxy failed (warning; ssh fails later).
    Entry {
        id: "ps-proxy-chmod-failed",
        confidence: 0.75,
        anchors: &["execute permission"],
        template: r"Unable to add Execute permission to SSH Proxy {path}. The SSH connection will fail",
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // ---- ssh-traffic-not-allowed -----------------------------------------------------
    // seed "SSH traffic not allowed on the server" (proxy JSON log line, first form).
    Entry {
        id: "proxy-connection-forcibly-closed",
        confidence: 0.85,
        anchors: &["sshproxy:"],
        template: r"sshproxy: error copying information from the connection:",
        ..base(DiagnosisId::SshTrafficNotAllowed)
    },
    // seed (proxy JSON log line, second form): the agent found nothing listening.
    Entry {
        id: "proxy-503-connection-refused",
        confidence: 0.9,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: 503 connection to {_}:{port} failed",
        ..base(DiagnosisId::SshTrafficNotAllowed)
    },
    // seed; anatomy 1.5 (the user declined to allow the port).
    Entry {
        id: "ssh-port-not-enabled",
        confidence: 0.9,
        anchors: &["target port"],
        template: r"SSH connection is not enabled in the target port {port}.",
        ..base(DiagnosisId::SshTrafficNotAllowed)
    },
    // anatomy 1.9 and 2.4 (MakeSurePortIsEnabled), printed after the proxy's copy error.
    Entry {
        id: "make-sure-port-allowed",
        confidence: 0.85,
        anchors: &["azcmagent config list"],
        template: r#"Please make sure SSH port is allowed using "azcmagent config list" in the target Arc Server."#,
        ..base(DiagnosisId::SshTrafficNotAllowed)
    },
    // anatomy 1.5 / 2.3 (ServiceConfigNotSetToDefaultPort): a warning, so lower confidence.
    Entry {
        id: "service-config-nondefault-port",
        confidence: 0.5,
        anchors: &["non-default port"],
        template: r"The Service Configuration endpoint is set to a non-default port.",
        ..base(DiagnosisId::SshTrafficNotAllowed)
    },
    // ---- post-preview-reconfiguration ------------------------------------------------
    // anatomy 4 row 10 (MicrosoftDocs/azure-docs PR #119035). ssh prints this whenever the
    // ProxyCommand goes away, so it only counts when nothing more specific explains it.
    Entry {
        id: "connection-closed-unknown-port",
        confidence: 0.3,
        anchors: &["unknown port 65535"],
        template: r"Connection closed by UNKNOWN port 65535",
        ..base(DiagnosisId::SshConnectionClosed)
    },
    // ---- endpoint-creation-forbidden -------------------------------------------------
    // seed "Incorrect role assignments to enable SSH connectivity" (docs wording).
    Entry {
        id: "endpoint-create-forbidden-docs",
        confidence: 0.95,
        anchors: &["not authorized to create"],
        template: r"Client is not authorized to create a Default connectivity endpoint for {machine} in the Resource Group {resourceGroup}. This is a one-time operation",
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // anatomy 1.5 (connectivity_utils.py, endpoint PUT answered 403; code wording).
    Entry {
        id: "endpoint-create-forbidden",
        confidence: 0.95,
        anchors: &["not authorized to create"],
        // Ends with the first sentence: users paste it alone (the az help's example does),
        // and the second adds nothing to it. The closing `'.` keeps the group a value
        // inside the message, which may be wrapped (a trailing value ends at a line break).
        template: r"Client is not authorized to create a default connectivity endpoint for '{machine}' in Resource Group '{resourceGroup}'.",
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // anatomy 1.5 (service configuration PUT answered 403).
    Entry {
        id: "service-config-create-forbidden",
        confidence: 0.95,
        anchors: &["not authorized to create"],
        template: r"Client is not authorized to create or update the Service Configuration endpoint for '{machine}' in the Resource Group '{resourceGroup}'. This is an operation that must be performed by an account with Owner or Contributor role to allow SSH connections to the specified port {port}.",
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // ARM's AuthorizationFailed for the endpoint write (anatomy 3.3), e.g. from the `az rest`
    // command the seed gives.
    Entry {
        id: "authz-endpoint-write",
        confidence: 0.9,
        anchors: &["authorizationfailed", "over scope"],
        template: r"The client {_} does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/write' over scope '{scope}' or the scope is invalid",
        extra: &["The client '{user}' with object id"],
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // The same for the SSH service configuration (anatomy 3.3; seed's `az rest --method put`).
    Entry {
        id: "authz-service-config-write",
        confidence: 0.9,
        anchors: &["authorizationfailed", "over scope"],
        template: r"The client {_} does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write' over scope '{scope}' or the scope is invalid",
        extra: &["The client '{user}' with object id"],
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // ---- connect-permission-missing --------------------------------------------------
    // seed "Incorrect role assignments to connect" (no read on the machine).
    Entry {
        id: "target-type-undetermined",
        confidence: 0.7,
        anchors: &["unable to determine"],
        template: r"Unable to determine the target machine type as Azure VM or Arc Server",
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // seed.
    Entry {
        id: "target-arc-undetermined",
        confidence: 0.7,
        anchors: &["unable to determine"],
        template: r"Unable to determine that the target machine is an Arc Server",
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // seed.
    Entry {
        id: "target-vm-undetermined",
        confidence: 0.6,
        anchors: &["unable to determine"],
        template: r"Unable to determine that the target machine is an Azure VM",
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // seed (listCredentials refused: no Virtual Machine Local User Login role).
    Entry {
        id: "authz-list-credentials",
        confidence: 0.95,
        anchors: &["authorizationfailed", "over scope"],
        template: r"The client {_} does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action' over scope '{scope}' or the scope is invalid",
        extra: &["The client '{user}' with object id"],
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // seed; OpenSSH's final refusal. Generic: many causes end here, so it is a symptom
    // (its likely causes in `catalogue::SYMPTOMS`), dropped beside any cause.
    Entry {
        id: "ssh-publickey-denied",
        confidence: 0.45,
        anchors: &["denied (publickey"],
        template: r"Permission denied (publickey",
        ..base(DiagnosisId::SshAuthRefused)
    },
    // ---- provider-not-registered -----------------------------------------------------
    // seed "HybridConnectivity RP not registered".
    Entry {
        id: "no-registered-provider-found",
        confidence: 0.95,
        anchors: &["noregisteredproviderfound"],
        template: r"NoRegisteredProviderFound",
        ..base(DiagnosisId::ProviderNotRegistered)
    },
    // ARM's MissingSubscriptionRegistration, for this namespace only.
    Entry {
        id: "hybridconnectivity-not-registered",
        confidence: 0.95,
        anchors: &["not registered to use"],
        template: r"The subscription is not registered to use namespace 'Microsoft.HybridConnectivity'",
        ..base(DiagnosisId::ProviderNotRegistered)
    },
    // ---- machine-not-found -----------------------------------------------------------
    // anatomy 1.3 (resource_type_utils.py ResourceNotFoundError).
    Entry {
        id: "resource-not-found-cli",
        confidence: 0.9,
        anchors: &["in the resource group"],
        template: r"A valid resource {machine} in the resource group {resourceGroup} was not found.",
        ..base(DiagnosisId::MachineNotFound)
    },
    // anatomy 2.3 (Az.Ssh Resources.resx).
    Entry {
        id: "resource-not-found-ps",
        confidence: 0.9,
        anchors: &["unable to find"],
        template: r#"Unable to find Resource "{machine}" in the ResourceGroup "{resourceGroup}". Make sure the resource exists"#,
        ..base(DiagnosisId::MachineNotFound)
    },
    // anatomy 4 row 16 (older troubleshooting guide).
    Entry {
        id: "resource-not-found-legacy",
        confidence: 0.8,
        anchors: &["in the resource group"],
        template: r"The resource {machine} in the resource group {resourceGroup} was not found",
        ..base(DiagnosisId::MachineNotFound)
    },
    // anatomy 1.3 (--resource-type given but no such resource).
    Entry {
        id: "resource-type-not-found-cli",
        confidence: 0.85,
        anchors: &["unable to find"],
        template: r"Unable to find resource {machine} of type {_} under the resource group {resourceGroup}",
        ..base(DiagnosisId::MachineNotFound)
    },
    // ARM's ResourceNotFound for the machine itself (e.g. `az connectedmachine show`).
    Entry {
        id: "arm-machine-not-found",
        confidence: 0.85,
        // PowerShell prints the message without its code, after the cmdlet's name.
        anchors: &["(resourcenotfound)", "azconnectedmachine"],
        template: r"The Resource 'Microsoft.HybridCompute/machines/{machine}' under resource group '{resourceGroup}' was not found",
        ..base(DiagnosisId::MachineNotFound)
    },
    // ---- service-config-propagating --------------------------------------------------
    // anatomy 1.9 / 2.4 / 4 row 11: both clients retry once on this.
    Entry {
        id: "proxy-404-endpoint-not-exist",
        confidence: 0.9,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: 404 Endpoint does not exist",
        context: SSH_CONTEXT,
        ..base(DiagnosisId::ServiceConfigPropagating)
    },
    // The same answer of the relay without the proxy's prefix, as users quote it
    // ("Failed to create ssh connection: 404 Endpoint does not exist"); the prefixed
    // entry above wins when both match.
    Entry {
        id: "relay-404-endpoint-not-exist",
        confidence: 0.8,
        anchors: &["404 endpoint does not exist"],
        template: r"404 Endpoint does not exist",
        ..base(DiagnosisId::ServiceConfigPropagating)
    },
    // ---- relay-listener-unavailable --------------------------------------------------
    // anatomy 4 row 12 (agent's relay listener down).
    Entry {
        id: "proxy-404-no-listeners",
        confidence: 0.9,
        anchors: &["sshproxy:"],
        template: r"404 There are no listeners connected for the endpoint",
        context: SSH_CONTEXT,
        ..base(DiagnosisId::RelayListenerUnavailable)
    },
    // ---- relay-unreachable -----------------------------------------------------------
    // The proxy (a Go program) prints its dial error after the same prefix as the 404s
    // above; the error texts are Go's own (net: DNS, timeouts, refusals; crypto/x509;
    // net/http's proxy dialer). No public log of these lines was found; the prefix is
    // the proxy's, the rest is what Go says for each network failure.
    Entry {
        id: "proxy-relay-dns",
        confidence: 0.85,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: dial tcp: lookup {_}: no such host",
        ..base(DiagnosisId::RelayUnreachable)
    },
    Entry {
        id: "proxy-relay-timeout",
        confidence: 0.8,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: dial tcp {_}: i/o timeout",
        ..base(DiagnosisId::RelayUnreachable)
    },
    Entry {
        id: "proxy-relay-refused",
        confidence: 0.8,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: dial tcp {_}: connect: connection refused",
        ..base(DiagnosisId::RelayUnreachable)
    },
    Entry {
        id: "proxy-relay-tls",
        confidence: 0.85,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: {_}x509: certificate",
        ..base(DiagnosisId::RelayUnreachable)
    },
    Entry {
        id: "proxy-relay-web-proxy",
        confidence: 0.85,
        anchors: &["sshproxy:"],
        template: r"error connecting to the address: proxyconnect tcp:",
        ..base(DiagnosisId::RelayUnreachable)
    },
    // ---- proxy-architecture-unsupported ----------------------------------------------
    // anatomy 1.6 / 4 row 1 (sic: "Unsuported"), ssh extension <= 2.0.2 on arm64.
    Entry {
        id: "arch-unsupported-sic",
        confidence: 0.95,
        anchors: &["unsu"],
        template: r"Unsuported architecture: {platform} is not currently supported",
        ..base(DiagnosisId::ProxyArchitectureUnsupported)
    },
    // The same message with the spelling corrected.
    Entry {
        id: "arch-unsupported",
        confidence: 0.9,
        anchors: &["unsu"],
        template: r"Unsupported architecture: {platform} is not currently supported",
        ..base(DiagnosisId::ProxyArchitectureUnsupported)
    },
    // anatomy 1.6 (sic).
    Entry {
        id: "os-unsupported-sic",
        confidence: 0.9,
        anchors: &["unsu"],
        template: r"Unsuported OS: {platform} platform is not currently supported",
        ..base(DiagnosisId::ProxyArchitectureUnsupported)
    },
    // anatomy 1.6 (era B, BadRequestError).
    Entry {
        id: "darwin-386-unsupported",
        confidence: 0.95,
        anchors: &["unsu"],
        template: r"Unsupported Darwin OS with 386 architecture.",
        ..base(DiagnosisId::ProxyArchitectureUnsupported)
    },
    // anatomy 1.6 (platform.machine() was empty).
    Entry {
        id: "arch-unidentified",
        confidence: 0.6,
        anchors: &["couldn't identify"],
        template: r"Couldn't identify the platform architecture.",
        ..base(DiagnosisId::ProxyArchitectureUnsupported)
    },
    // ---- openssh-version-incompatible ------------------------------------------------
    // anatomy 1.9 (ssh_utils.py warning after "Permission denied (publickey).").
    Entry {
        id: "openssh-server-too-old",
        confidence: 0.9,
        anchors: &["is too old"],
        template: r"The OpenSSH server version in the target VM {version} is too old.",
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
    // anatomy 1.9 (the reverse case).
    Entry {
        id: "openssh-client-too-old",
        confidence: 0.9,
        anchors: &["is too old"],
        template: r"The OpenSSH client version {version} is too old.",
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
    // OpenSSH >= 8.8 `-v` output when the server only takes ssh-rsa (SHA-1) signatures,
    // the case of bugzilla.mindrot.org #3351 that anatomy 1.9 links.
    Entry {
        id: "no-mutual-signature-algorithm",
        confidence: 0.6,
        anchors: &["signature algorithm"],
        template: r"no mutual signature algorithm",
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
    // ---- private-key-permissions -----------------------------------------------------
    // OpenSSH (sshkey_perm_ok) banner; anatomy 4 row 6 for the Windows variant.
    Entry {
        id: "unprotected-private-key-file",
        confidence: 0.9,
        anchors: &["unprotected private key"],
        template: r"UNPROTECTED PRIVATE KEY FILE!",
        unless: &[Unless::Cause(DiagnosisId::EntraCertTooOpenWam)],
        ..base(DiagnosisId::PrivateKeyPermissions)
    },
    // OpenSSH (sshkey_perm_ok), the line after the banner.
    Entry {
        id: "key-permissions-too-open",
        confidence: 0.95,
        anchors: &["are too open"],
        template: r"Permissions {_} for '{path}' are too open.",
        unless: &[Unless::Cause(DiagnosisId::EntraCertTooOpenWam)],
        ..base(DiagnosisId::PrivateKeyPermissions)
    },
    // OpenSSH (sshkey_load_private_type).
    Entry {
        id: "load-key-bad-permissions",
        confidence: 0.9,
        anchors: &["bad permissions"],
        template: r#"Load key "{path}": bad permissions"#,
        unless: &[Unless::Cause(DiagnosisId::EntraCertTooOpenWam)],
        ..base(DiagnosisId::PrivateKeyPermissions)
    },
    // Win32-OpenSSH; anatomy 4 row 6 (Azure/azure-cli#27282: the -aadcert.pub file's ACL).
    Entry {
        id: "windows-bad-permissions",
        confidence: 0.9,
        anchors: &["bad permissions"],
        template: r"Bad permissions. Try removing permissions for user: {_} on file {path}.",
        unless: &[Unless::Cause(DiagnosisId::EntraCertTooOpenWam)],
        ..base(DiagnosisId::PrivateKeyPermissions)
    },
    // ---- not-signed-in ---------------------------------------------------------------
    // Azure CLI core, no account in the token cache.
    Entry {
        id: "az-login-required",
        confidence: 0.95,
        anchors: &["az login"],
        template: r"Please run 'az login' to setup account.",
        ..base(DiagnosisId::NotSignedIn)
    },
    // Entra ID: refresh token expired by sign-in frequency (conditional access).
    Entry {
        id: "aadsts70043",
        confidence: 0.9,
        anchors: &["aadsts"],
        template: r"AADSTS70043",
        ..base(DiagnosisId::NotSignedIn)
    },
    // Entra ID (AADSTS700082 and others): "The refresh token has expired due to inactivity."
    Entry {
        id: "refresh-token-expired",
        confidence: 0.85,
        anchors: &["aadsts", "refresh token has expired"],
        template: r"The refresh token has expired",
        ..base(DiagnosisId::NotSignedIn)
    },
    // Az.Accounts, no context.
    Entry {
        id: "connect-azaccount-required",
        confidence: 0.95,
        anchors: &["connect-azaccount"],
        template: r"Run Connect-AzAccount to login.",
        ..base(DiagnosisId::NotSignedIn)
    },
    // ARM: token issued by another tenant than the subscription's.
    Entry {
        id: "invalid-token-tenant",
        confidence: 0.85,
        anchors: &["authenticationtoken"],
        template: r"InvalidAuthenticationTokenTenant",
        ..base(DiagnosisId::NotSignedIn)
    },
    // ARM: the access token expired.
    Entry {
        id: "expired-authentication-token",
        confidence: 0.9,
        anchors: &["authenticationtoken"],
        template: r"ExpiredAuthenticationToken",
        ..base(DiagnosisId::NotSignedIn)
    },
    // anatomy 4 row 3 (Cloud Shell cannot mint SSH certificates; `az login --scope ...`).
    Entry {
        id: "ssh-cert-token-unsupported",
        confidence: 0.85,
        anchors: &["token_type ssh-cert"],
        template: r"token_type ssh-cert is not supported by this version of Azure Portal",
        ..base(DiagnosisId::EntraCertificateUnavailable)
    },
    // ---- agent-outdated --------------------------------------------------------------
    // anatomy 1.8 (az warns below 1.31; the check also fires on 2.x agents, hence 0.7).
    Entry {
        id: "arc-agent-incompatible-cli",
        confidence: 0.7,
        anchors: &["arc agent"],
        template: r"The version of the Arc Agent, {version} running on the target machine is not compatible with this version of the ssh extension.",
        ..base(DiagnosisId::AgentOutdated)
    },
    // anatomy 2.3 (CheckIfAgentIsUpToDate).
    Entry {
        id: "arc-agent-older-ps",
        confidence: 0.85,
        anchors: &["arc agent"],
        template: r"The Arc Agent running on the target machine {machine} in Resource Group {resourceGroup} is an older version than supported, {version}.",
        ..base(DiagnosisId::AgentOutdated)
    },
    // ---- ssh-extension-missing -------------------------------------------------------
    // anatomy 1.1 / 4 row 2: OS-detection bug of the ssh extension, fixed in 2.0.2.
    Entry {
        id: "nonetype-unpack",
        confidence: 0.75,
        anchors: &["non-iterable"],
        template: r"cannot unpack non-iterable NoneType object",
        ..base(DiagnosisId::SshExtensionBroken)
    },
    // anatomy 4 row 5: the extension's dependency cannot be installed.
    Entry {
        id: "oschmod-no-distribution",
        confidence: 0.85,
        anchors: &["oschmod"],
        template: r"No matching distribution found for oschmod",
        ..base(DiagnosisId::SshExtensionMissing)
    },
    // anatomy 4 row 5: `az extension add` failed in pip.
    Entry {
        id: "extension-pip-failed",
        confidence: 0.5,
        anchors: &["pip failed"],
        template: r"Pip failed with status code",
        ..base(DiagnosisId::SshExtensionMissing)
    },
    // Azure CLI core (older wording), no ssh extension installed.
    Entry {
        id: "az-ssh-misspelled",
        confidence: 0.85,
        anchors: &["is misspelled"],
        template: r"'ssh' is misspelled or not recognized by the system",
        unless: &[Unless::Cause(DiagnosisId::SshExtensionBroken)],
        ..base(DiagnosisId::SshExtensionMissing)
    },
    // Azure CLI core (current wording), no ssh extension installed.
    Entry {
        id: "az-ssh-not-in-group",
        confidence: 0.85,
        anchors: &["command group"],
        template: r"'ssh' is not in the 'az' command group",
        unless: &[Unless::Cause(DiagnosisId::SshExtensionBroken)],
        ..base(DiagnosisId::SshExtensionMissing)
    },
    // anatomy 1.1: ssh extension older than 1.1.0 has no `arc` command.
    Entry {
        id: "az-ssh-arc-not-in-group",
        confidence: 0.85,
        anchors: &["command group"],
        template: r"'arc' is not in the 'az ssh' command group",
        ..base(DiagnosisId::SshExtensionMissing)
    },
    // ---- azssh-module-missing --------------------------------------------------------
    // PowerShell command discovery (5.1 and 7 wording share this part); anatomy 2.1.
    Entry {
        id: "enter-azvm-not-recognized",
        confidence: 0.9,
        anchors: &["enter-az"],
        template: r"The term 'Enter-Az{_}' is not recognized",
        ..base(DiagnosisId::AzsshModuleMissing)
    },
];
