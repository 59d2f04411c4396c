//! Knowledge-base entries for what users really paste: the messages of `Enter-AzVM`
//! (Az.Ssh's `Resources.resx`), every shell's way of saying "not found" and "not
//! allowed", sign-in states, server-side certificate refusals, PowerShell's rendering of
//! ARM errors, and the failures of the ssh extension itself. Each names where its text
//! comes from (a client source file or a public thread); the corpus in
//! `rust/core/tests/explain_corpus/` holds the real texts they are measured on.
//!
//! Where one meaning has many wordings, the template keeps only what they share: the
//! value and the verb (`'{command}' is not recognized as`, `{file}: Permission denied`
//! with a proxy path), so a new shell's phrasing of the same thing still matches.

use super::kb::{ANY_OTHER_CAUSE, Entry, Unless, base};
use crate::model::DiagnosisId;

/// A Python error is the ssh extension's when its files are in the traceback.
const SSH_EXTENSION_FILES: &[&str] = &["azext_ssh", "cliextensions/ssh"];
/// Names that begin like a context needle yet are something else: this tool's own az
/// extension (`azext_ssh_troubleshoot`, `cliextensions/ssh-troubleshoot`) is not the ssh
/// extension, and a traceback of ours must not be blamed on it.
pub(super) const NOT_CONTEXT: &[&str] =
    &["azext_ssh_troubleshoot", "cliextensions/ssh-troubleshoot"];

/// Signs that the key in question is az's Entra certificate.
const ENTRA_CERTIFICATE: &[&str] = &[
    "aadcert",
    "aad_certhandler",
    "rsa-cert-v01",
    "sshproxy",
    "az ssh",
];

pub(super) const FROM_REAL_REPORTS: &[Entry] = &[
    // ---- client-binaries-not-found: every shell's "not found" ----------------------
    // cmd.exe (`'ssh' is not recognized as an internal or external command`) and
    // PowerShell 5.1/7 (`The term 'ssh-keygen' is not recognized as the name of a cmdlet`).
    Entry {
        id: "shell-not-recognized",
        confidence: 0.9,
        anchors: &["not recognized as"],
        template: r"'{command}' is not recognized as",
        require: &[("command", "ssh")],
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // .NET Process.Start (PowerShell 7 running ssh by name): `An error occurred trying to
    // start process 'ssh' with working directory '...'. No such file or directory`.
    Entry {
        id: "dotnet-start-process-failed",
        confidence: 0.85,
        anchors: &["trying to start process"],
        template: r"An error occurred trying to start process '{command}' with working directory",
        require: &[("command", "ssh")],
        unless: &[Unless::Cause(DiagnosisId::ProxyPermissionDenied)],
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // bash (`bash: ssh: command not found`) and zsh (`zsh: command not found: ssh`).
    Entry {
        id: "bash-command-not-found",
        confidence: 0.85,
        anchors: &["d not found"],
        template: r"{command}: command not found",
        require: &[("command", "ssh")],
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    Entry {
        id: "zsh-command-not-found",
        confidence: 0.85,
        anchors: &["d not found"],
        // zsh puts the program last; its name is fixed text, which a wrap cannot cut.
        template: r"command not found: ssh",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // dash, with or without `exec:` (`sh: 1: ssh-keygen: not found`).
    Entry {
        id: "dash-not-found",
        confidence: 0.8,
        anchors: &[": not found"],
        template: r"{command}: not found",
        require: &[("command", "ssh")],
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // Older ssh extension wording when ssh-keygen is missing on Windows.
    Entry {
        id: "openssh-client-installed-question",
        confidence: 0.9,
        anchors: &["could not find"],
        template: r"Could not find {command}. Is the OpenSSH client installed",
        ..base(DiagnosisId::ClientBinariesNotFound)
    },
    // ---- proxy-permission-denied: a proxy path and a refusal, in any shell ------------
    // bash without exec, sh, a noexec mount: `/bin/bash: /home/u/.clientsshproxy/sshProxy_...: Permission denied`.
    Entry {
        id: "proxy-path-permission-denied",
        confidence: 0.9,
        anchors: &[": permission denied"],
        template: r"{file}: Permission denied",
        require: &[("file", "sshproxy")],
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // .NET Process.Start of the proxy.
    Entry {
        id: "dotnet-start-proxy-denied",
        confidence: 0.9,
        anchors: &["trying to start process"],
        template: r"An error occurred trying to start process '{path}' with working directory {_}. Permission denied",
        require: &[("path", "sshproxy")],
        ..base(DiagnosisId::ProxyPermissionDenied)
    },
    // ---- endpoint-creation-forbidden -------------------------------------------------
    // Az.Ssh Resources.resx FailedToCreateDefaultEndpointUnauthorized (sic "connectivty").
    Entry {
        id: "ps-default-endpoint-unauthorized",
        confidence: 0.95,
        anchors: &["target resource"],
        template: r"Failed to create default {_} endpoint for target resource with an Authorization failure",
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // azure-cli-extensions src/ssh connectivity_utils.py: the service configuration PUT
    // answered 403 (the port variant of endpoint creation).
    Entry {
        id: "service-config-port-forbidden",
        confidence: 0.95,
        anchors: &["not authorized to create"],
        template: r"Client is not authorized to create a new service configuration to allow SSH connection to port {port} on default endpoint for '{machine}' in Resource Group '{resourceGroup}'",
        ..base(DiagnosisId::EndpointCreationForbidden)
    },
    // ---- connect-permission-missing --------------------------------------------------
    // Az.Ssh Resources.resx FailedToListCredentials with a 403.
    Entry {
        id: "ps-list-credentials-forbidden",
        confidence: 0.9,
        anchors: &["with error code"],
        template: r"ListCredentials operation failed with error code 'Forbidden'",
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // Az.Ssh Resources.resx ListResourcesCloudException with ARM's AuthorizationFailed inside.
    Entry {
        id: "ps-list-resources-forbidden",
        confidence: 0.85,
        anchors: &["failed to list resources"],
        template: r"Failed to list resources in the {resourceGroup} Resource Group with error: {_}does not have authorization",
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // ARM's AuthorizationFailed for reading the machine (Get-AzConnectedMachine, az connectedmachine show).
    Entry {
        id: "authz-machine-read",
        confidence: 0.85,
        anchors: &["over scope"],
        template: r"The client {_} does not have authorization to perform action 'Microsoft.HybridCompute/machines/read' over scope '{scope}' or the scope is invalid",
        extra: &["The client '{user}' with object id"],
        ..base(DiagnosisId::ConnectPermissionMissing)
    },
    // ---- machine-not-found -------------------------------------------------------------
    // Az.Ssh Resources.resx ListResourcesCloudException with ResourceGroupNotFound inside.
    Entry {
        id: "ps-list-resources-no-group",
        confidence: 0.85,
        anchors: &["failed to list resources"],
        template: r"Failed to list resources in the {resourceGroup} Resource Group with error: {_}could not be found",
        ..base(DiagnosisId::MachineNotFound)
    },
    // Az.Ssh Resources.resx ResourceNotFoundTypeProvided.
    Entry {
        id: "resource-type-not-found-ps",
        confidence: 0.92,
        anchors: &["unable to find"],
        template: r#"Unable to find Resource "{machine}" of type "{_}" in the Resource Group "{resourceGroup}""#,
        ..base(DiagnosisId::MachineNotFound)
    },
    // ---- resource-name-ambiguous ---------------------------------------------------------
    // azure-cli-extensions src/ssh resource_type_utils.py (BadRequestError).
    Entry {
        id: "cli-more-than-one-target",
        confidence: 0.95,
        anchors: &["more than one"],
        template: r"has more than one valid target with the same name: {machine}",
        ..base(DiagnosisId::ResourceNameAmbiguous)
    },
    // Az.Ssh Resources.resx MultipleResourcesWithSameName.
    Entry {
        id: "ps-more-than-one-resource",
        confidence: 0.95,
        anchors: &["more than one"],
        template: r#"There is more than one resource named "{machine}" in the Resource Group "{resourceGroup}""#,
        ..base(DiagnosisId::ResourceNameAmbiguous)
    },
    // ---- local-user-required -------------------------------------------------------------
    // azure-cli-extensions src/ssh custom.py: Entra login asked of a Windows machine.
    Entry {
        id: "aad-login-windows-unsupported",
        confidence: 0.95,
        anchors: &["currently"],
        template: r"credentials is not currently supported for Windows",
        ..base(DiagnosisId::LocalUserRequired)
    },
    // ---- entra-certificate-unavailable ---------------------------------------------------
    // Azure CLI core (PR Azure/azure-cli#19051; issues #22057, #21443): managed identity, Cloud Shell.
    Entry {
        id: "vm-ssh-identity-unsupported",
        confidence: 0.9,
        anchors: &["currently"],
        template: r"VM SSH currently doesn't support",
        ..base(DiagnosisId::EntraCertificateUnavailable)
    },
    // Az.Ssh Resources.resx AADLoginForServicePrincipal.
    Entry {
        id: "ps-aad-login-service-principal",
        confidence: 0.95,
        anchors: &["currently"],
        template: r"doesn't currently support AAD login for Service Principal",
        ..base(DiagnosisId::EntraCertificateUnavailable)
    },
    // ---- ssh-extension-broken -------------------------------------------------------------
    // A dependency missing from the extension's folder (Azure/azure-cli#31408, #29938).
    Entry {
        id: "extension-module-missing",
        confidence: 0.85,
        anchors: &["no module named"],
        template: r"No module named",
        context: SSH_EXTENSION_FILES,
        ..base(DiagnosisId::SshExtensionBroken)
    },
    Entry {
        id: "extension-import-failed",
        confidence: 0.85,
        anchors: &["cannot import name"],
        template: r"cannot import name",
        context: SSH_EXTENSION_FILES,
        ..base(DiagnosisId::SshExtensionBroken)
    },
    // Azure CLI core extension loading (azext_metadata minCliCoreVersion).
    Entry {
        id: "extension-needs-newer-core",
        confidence: 0.85,
        anchors: &["extension is not compatible"],
        template: r"extension is not compatible with this version of the CLI",
        ..base(DiagnosisId::SshExtensionBroken)
    },
    // A traceback through the extension's own files, even cut before its last line
    // (Azure/azure-cli#31408): without --debug az prints one only when the extension
    // crashed; with --debug it prints one for every error the extension raises, so the
    // frame means a broken extension only when nothing else explains the text.
    Entry {
        id: "extension-traceback-frame",
        confidence: 0.7,
        anchors: &[".py\", line"],
        template: r#"azext_ssh{_}.py", line"#,
        context: SSH_EXTENSION_FILES,
        unless: &[ANY_OTHER_CAUSE],
        ..base(DiagnosisId::SshExtensionBroken)
    },
    // ---- proxy-download-blocked -------------------------------------------------------------
    // azure-cli-extensions src/ssh connectivity_utils.py, ssh >= 2.0.3 (oras from MCR).
    Entry {
        id: "proxy-download-failed",
        confidence: 0.85,
        anchors: &["o download"],
        template: r"to download Arc Connectivity Proxy",
        ..base(DiagnosisId::ProxyDownloadBlocked)
    },
    // ssh <= 2.0.2 and Az.Ssh before ArcProxy (FailedToDownloadProxy).
    Entry {
        id: "proxy-download-failed-legacy",
        confidence: 0.9,
        anchors: &["o download"],
        template: r"Failed to download client proxy executable from",
        ..base(DiagnosisId::ProxyDownloadBlocked)
    },
    // ---- entra-cert-too-open-wam ------------------------------------------------------------
    // Win32-OpenSSH refusing az's temporary certificate (Azure/azure-cli#27282,
    // MicrosoftDocs/azure-docs#113897, Azure/azure-linux-extensions#1756).
    Entry {
        id: "wam-cert-bad-permissions",
        confidence: 0.95,
        anchors: &["bad permissions"],
        template: r"Bad permissions. Try removing permissions for user: {_} on file {path}.",
        require: &[("path", "aadcert")],
        ..base(DiagnosisId::EntraCertTooOpenWam)
    },
    Entry {
        id: "wam-cert-too-open",
        confidence: 0.95,
        anchors: &["are too open"],
        template: r"Permissions {_} for '{path}' are too open.",
        require: &[("path", "aadcert")],
        ..base(DiagnosisId::EntraCertTooOpenWam)
    },
    // ---- not-signed-in ---------------------------------------------------------------------
    // Azure CLI core, token cache empty (PR Azure/azure-cli#19051).
    Entry {
        id: "token-not-in-local-cache",
        confidence: 0.85,
        anchors: &["m local cache"],
        template: r"Could not retrieve token from local cache",
        ..base(DiagnosisId::NotSignedIn)
    },
    // Entra ID codes that mean "sign in again": MFA required (50076, 50079, 50078), grant
    // revoked (50173), password changed (50132, 50133), no session
    // (50058); sign-in frequency and inactivity have their own entries.
    Entry {
        id: "aadsts-sign-in-again",
        confidence: 0.9,
        anchors: &["aadsts"],
        template: r"AADSTS{code}:",
        require: &[("code", "50076|50079|50078|50173|50132|50133|50058")],
        ..base(DiagnosisId::NotSignedIn)
    },
    // Azure CLI core, MSAL asks for an interactive sign-in.
    Entry {
        id: "interactive-auth-needed",
        confidence: 0.85,
        anchors: &["az login"],
        template: r"Interactive authentication is needed",
        ..base(DiagnosisId::NotSignedIn)
    },
    Entry {
        id: "msal-cache-user-missing",
        confidence: 0.85,
        anchors: &["az login"],
        template: r"does not exist in MSAL token cache",
        ..base(DiagnosisId::NotSignedIn)
    },
    // Az.Accounts prompts (`Your Azure credentials have not been set up or have expired,
    // please run Connect-AzAccount`, `... then run Connect-AzAccount to login.`).
    Entry {
        id: "run-connect-azaccount",
        confidence: 0.85,
        anchors: &["connect-azaccount"],
        template: r"run Connect-AzAccount",
        ..base(DiagnosisId::NotSignedIn)
    },
    // ---- openssh-version-incompatible: the server's side ------------------------------------
    // sshd (auth2-pubkey.c) refusing an ssh-rsa (SHA-1) signed certificate.
    Entry {
        id: "sshd-cert-signature-unsupported",
        confidence: 0.85,
        anchors: &["userauth_pubkey"],
        template: r"userauth_pubkey: certificate signature algorithm {_}: signature algorithm not supported",
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
    // sshd refusing the algorithm the client offered (`signature algorithm ssh-rsa not in
    // PubkeyAcceptedAlgorithms`, `key type ... not in PubkeyAcceptedKeyTypes`).
    Entry {
        id: "sshd-algorithm-not-accepted",
        confidence: 0.75,
        anchors: &["userauth_pubkey"],
        template: r"userauth_pubkey: {_} not in PubkeyAccepted",
        // A plain key refused this way is any ssh setup's; only an Entra certificate's is ours.
        context: ENTRA_CERTIFICATE,
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
    // aad_certhandler on the server got a plain key, not the certificate the client dropped
    // (Azure/azure-cli-extensions#6898).
    Entry {
        id: "aad-certhandler-not-certificate",
        confidence: 0.8,
        anchors: &["not a certificate"],
        template: r"The public key is of type {_}, not a certificate",
        ..base(DiagnosisId::OpensshVersionIncompatible)
    },
];
