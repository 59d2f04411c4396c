//! Real message text for every knowledge-base entry, as quoted by the seed guide
//! (`docs/sources/troubleshoot-ssh-arc.txt`) and the research notes (`docs/sources/az-ssh-anatomy.md`), and
//! the values each must yield. The tests in the sibling files run over these tables.

use std::sync::LazyLock;

use super::Match;

/// (entry id, real sample). Several rows may share an entry.
/// Every sample: these, then the ones from real reports ([`super::tests_samples_real`]).
pub(super) static SAMPLES: LazyLock<Vec<(&str, &str)>> =
    LazyLock::new(|| [GUIDE_SAMPLES, super::tests_samples_real::REAL_SAMPLES].concat());

const GUIDE_SAMPLES: &[(&str, &str)] = &[
    (
        "ssh-keygen-failed",
        r"ERROR: Failed to create ssh key file with error: [WinError 2] The system cannot find the file specified.",
    ),
    (
        "ssh-keygen-failed",
        r"Failed to create ssh key file with error: [Errno 2] No such file or directory: 'ssh-keygen'.",
    ),
    (
        "ssh-run-failed",
        "ERROR: Failed to run ssh command with error: [WinError 2] The system cannot find the file specified.\nEnsure OpenSSH is installed correctly.\nAlternatively, use --ssh-client-folder to provide OpenSSH folder path.",
    ),
    (
        "ssh-cert-info-failed",
        r"Failed to get certificate info with error: [Errno 2] No such file or directory: 'ssh-keygen'.",
    ),
    (
        "ssh-exe-not-found-windows",
        "ERROR: Could not find ssh.exe on path C:\\Windows\\System32\\openSSH\\ssh.exe. \nMake sure OpenSSH is installed correctly: https://docs.microsoft.com/en-us/windows-server/administration/openssh/openssh_install_firstuse . Or use --ssh-client-folder to provide folder path with ssh executables.",
    ),
    (
        "ssh-client-folder-miss",
        r"WARNING: Could not find ssh-keygen.exe in provided --ssh-client-folder C:\tools\OpenSSH. Attempting to get pre-installed OpenSSH bits.",
    ),
    (
        "ps-openssh-client-not-found",
        r"Enter-AzVM: Unable to find OpenSSH Client. Make sure to update the PATH environment variable to make OpenSSH client discoverable.",
    ),
    (
        "arcproxy-version-unsupported",
        r"WARNING: This version of Az.Ssh only supports version 1.x.x of the Az.Ssh.ArcProxy PowerShell Module. The Az.Ssh.ArcProxy module C:\Users\alice\Documents\PowerShell\Modules\Az.Ssh.ArcProxy\2.0.0\Az.Ssh.ArcProxy.psd1 version is 2.0.0, and it is not supported by this version of the Az.Ssh module. Check that this version of Az.Ssh is the latest available.",
    ),
    (
        "arcproxy-module-not-found",
        r"Enter-AzVM: Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine. You must have the Az.Ssh.Proxy PowerShell module installed in the client machine in order to connect to Azure Arc resources. You can find the module in the PowerShell Gallery (see: https://aka.ms/PowerShellGallery-Az.Ssh.ArcProxy).",
    ),
    (
        "arcproxy-proxy-file-missing",
        r"Couldn't find the sshProxy file for linux OS and amd64 architecture in the /home/alice/.local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0 folder. The Az.Ssh.ArcProxy module installed your machine was modified. Please re-install the Az.Ssh.ArcProxy PowerShell module that can be found in the PowerShell Gallery (https://aka.ms/PowerShellGallery-Az.Ssh.ArcProxy).",
    ),
    (
        "arcproxy-proxy-file-ambiguous",
        r"There are more than one sshProxy file for windows OS and amd64 architecture in the C:\Users\alice\Documents\PowerShell\Modules\Az.Ssh.ArcProxy\1.0.0 folder (sshProxy_windows_amd64_1.3.022941.exe, sshProxy_windows_amd64_1.3.022941 - Copy.exe). The Az.Ssh.ArcProxy module installed your machine was modified.",
    ),
    (
        "proxy-exec-permission-denied-bash",
        r"/bin/bash: line 1: exec: /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941: cannot execute: Permission denied",
    ),
    (
        "proxy-exec-permission-denied-sh",
        r"/bin/sh: 1: exec: /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: Permission denied",
    ),
    (
        "proxy-permission-denied-zsh",
        r"zsh:1: permission denied: /Users/alice/.clientsshproxy/sshProxy_darwin_amd64_1_3_026973",
    ),
    (
        "proxy-createprocess-denied",
        r"CreateProcessW failed error:5 posix_spawnp: Input/output error",
    ),
    (
        "ps-proxy-chmod-failed",
        r"WARNING: Unable to add Execute permission to SSH Proxy /opt/microsoft/powershell/7/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941. The SSH connection will fail if the current user doesn't have permission to execute the SSH proxy file.",
    ),
    (
        "proxy-connection-forcibly-closed",
        r#"{"level":"fatal","msg":"sshproxy: error copying information from the connection: read tcp\u003e40.122.115.96:443: wsarecv: An existing connection was forcibly closed by the remote host.","time":"2022-02-24T13:50:40-05:00"}"#,
    ),
    (
        "proxy-503-connection-refused",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: 503 connection to localhost:22 failed: dial tcp [::1]:22: connectex: No connection could be made because the target machine actively refused it.. websocket: bad handshake","proxyVersion":"1.3.022941"}"#,
    ),
    (
        "ssh-port-not-enabled",
        r"ERROR: SSH connection is not enabled in the target port 2222.",
    ),
    (
        "make-sure-port-allowed",
        r#"Enter-AzVM: Please make sure SSH port is allowed using "azcmagent config list" in the target Arc Server. Ensure SSHD is running on the target machine."#,
    ),
    (
        "service-config-nondefault-port",
        r"WARNING: The Service Configuration endpoint is set to a non-default port. To either update the Service Configuration or connect using the non-default port, please use the -Port parameter",
    ),
    (
        "connection-closed-unknown-port",
        r"Connection closed by UNKNOWN port 65535",
    ),
    (
        "endpoint-create-forbidden-docs",
        r"Client is not authorized to create a Default connectivity endpoint for myMachine in the Resource Group myRG. This is a one-time operation that must be performed by an account with Owner or Contributor role to allow connections to target resource",
    ),
    (
        "endpoint-create-forbidden",
        r"ERROR: Client is not authorized to create a default connectivity endpoint for 'vm1' in Resource Group 'rg1'. This is a one-time operation that must be performed by an account with Owner or Contributor role to allow connections to the target resource.",
    ),
    (
        "service-config-create-forbidden",
        r"ERROR: Client is not authorized to create or update the Service Configuration endpoint for 'vm1' in the Resource Group 'rg1'. This is an operation that must be performed by an account with Owner or Contributor role to allow SSH connections to the specified port 2222.",
    ),
    (
        "authz-endpoint-write",
        "Bad Request({\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client 'bob@contoso.com' with object id '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/write' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/vm1/providers/Microsoft.HybridConnectivity/endpoints/default' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}})",
    ),
    (
        "authz-service-config-write",
        "Forbidden({\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client 'bob@contoso.com' with object id '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/vm1/providers/Microsoft.HybridConnectivity/endpoints/default/serviceConfigurations/SSH' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}})",
    ),
    (
        "target-type-undetermined",
        r"ERROR: Unable to determine the target machine type as Azure VM or Arc Server",
    ),
    (
        "target-arc-undetermined",
        r"ERROR: Unable to determine that the target machine is an Arc Server",
    ),
    (
        "target-vm-undetermined",
        r"ERROR: Unable to determine that the target machine is an Azure VM",
    ),
    (
        "authz-list-credentials",
        r"Request for Azure Relay Information Failed: (AuthorizationFailed) The client 'alice@contoso.com' with object id 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/vm1/providers/Microsoft.HybridConnectivity/endpoints/default' or the scope is invalid. If access was recently granted, please refresh your credentials.",
    ),
    (
        "ssh-publickey-denied",
        r"alice@vm1: Permission denied (publickey).",
    ),
    (
        "ssh-publickey-denied",
        r"Permission denied (publickey,gssapi-keyex,gssapi-with-mic).",
    ),
    (
        "no-registered-provider-found",
        r"Request for Azure Relay Information Failed: (NoRegisteredProviderFound) Code: NoRegisteredProviderFound",
    ),
    (
        "hybridconnectivity-not-registered",
        "(MissingSubscriptionRegistration) The subscription is not registered to use namespace 'Microsoft.HybridConnectivity'. See https://aka.ms/rps-not-found for how to register subscriptions.\nCode: MissingSubscriptionRegistration",
    ),
    (
        "resource-not-found-cli",
        "ERROR: A valid resource vm1 in the resource group rg1 was not found. \nPlease ensure the active subscription is set properly and resource exists.",
    ),
    (
        "resource-not-found-ps",
        r#"Enter-AzVM: Unable to find Resource "vm1" in the ResourceGroup "rg1". Make sure the resource exists, that you have Read rights, and that the target resource is of one of the Resource Types supported by this cmdlet."#,
    ),
    (
        "resource-not-found-legacy",
        r"The resource vm1 in the resource group rg1 was not found",
    ),
    (
        "resource-type-not-found-cli",
        r"ERROR: Unable to find resource vm1 of type Microsoft.HybridCompute/machines under the resource group rg1",
    ),
    (
        "arm-machine-not-found",
        r"(ResourceNotFound) The Resource 'Microsoft.HybridCompute/machines/vm1' under resource group 'rg1' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    ),
    (
        "proxy-404-endpoint-not-exist",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: 404 Endpoint does not exist.. websocket: bad handshake","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "relay-404-endpoint-not-exist",
        "Failed to create ssh connection: 404 Endpoint does not exist",
    ),
    (
        "proxy-404-no-listeners",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: 404 There are no listeners connected for the endpoint. TrackingId:5f1e2d3c-0000-4000-8000-123456789abc_G21, SystemTracker:azgnrelay-eastus-l1.servicebus.windows.net:microsoft.hybridcompute/machines/abc/123/v2, Timestamp:2024-05-01T10:00:00. websocket: bad handshake","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "proxy-relay-dns",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: dial tcp: lookup azgnrelay-eastus-l1.servicebus.windows.net: no such host","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "proxy-relay-timeout",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: dial tcp 20.42.65.93:443: i/o timeout","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "proxy-relay-refused",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: dial tcp 20.42.65.93:443: connect: connection refused","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "proxy-relay-tls",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: tls: failed to verify certificate: x509: certificate signed by unknown authority","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "proxy-relay-web-proxy",
        r#"{"level":"fatal","msg":"sshproxy: error connecting to the address: proxyconnect tcp: dial tcp 10.0.0.8:3128: connect: connection refused","proxyVersion":"1.3.026973"}"#,
    ),
    (
        "arch-unsupported-sic",
        r"ERROR: Unsuported architecture: arm64 is not currently supported",
    ),
    (
        "arch-unsupported",
        r"ERROR: Unsupported architecture: aarch64 is not currently supported",
    ),
    (
        "os-unsupported-sic",
        r"ERROR: Unsuported OS: FreeBSD platform is not currently supported",
    ),
    (
        "darwin-386-unsupported",
        r"ERROR: Unsupported Darwin OS with 386 architecture.",
    ),
    (
        "arch-unidentified",
        r"ERROR: Couldn't identify the platform architecture.",
    ),
    (
        "openssh-server-too-old",
        r"WARNING: The OpenSSH server version in the target VM 7.4 is too old. Versions incompatible with OpenSSH client version 8.9. Refer to https://bugzilla.mindrot.org/show_bug.cgi?id=3351 for more information.",
    ),
    (
        "openssh-client-too-old",
        r"WARNING: The OpenSSH client version 7.6 is too old. Versions incompatible with OpenSSH server version 8.9. Refer to https://bugzilla.mindrot.org/show_bug.cgi?id=3351 for more information.",
    ),
    (
        "no-mutual-signature-algorithm",
        r"debug1: send_pubkey_test: no mutual signature algorithm",
    ),
    (
        "unprotected-private-key-file",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    ),
    (
        "key-permissions-too-open",
        "Permissions 0644 for '/home/alice/.ssh/id_rsa' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.",
    ),
    (
        "load-key-bad-permissions",
        r#"Load key "/home/alice/.ssh/id_rsa": bad permissions"#,
    ),
    (
        "windows-bad-permissions",
        r"Bad permissions. Try removing permissions for user: BUILTIN\Users (S-1-5-32-545) on file C:/Users/alice/.ssh/id_ed25519.",
    ),
    (
        "az-login-required",
        r"ERROR: Please run 'az login' to setup account.",
    ),
    (
        "aadsts70043",
        r"AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on 2024-01-01T00:00:00Z and the maximum allowed lifetime for this request is 43200.",
    ),
    (
        "refresh-token-expired",
        r"AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2024-01-01T00:00:00Z and was inactive for 90.00:00:00.",
    ),
    (
        "connect-azaccount-required",
        r"Enter-AzVM: Run Connect-AzAccount to login.",
    ),
    (
        "invalid-token-tenant",
        r"(InvalidAuthenticationTokenTenant) The access token is from the wrong issuer 'https://sts.windows.net/11111111-1111-1111-1111-111111111111/'. It must match the tenant 'https://sts.windows.net/22222222-2222-2222-2222-222222222222/' associated with this subscription.",
    ),
    (
        "expired-authentication-token",
        r"(ExpiredAuthenticationToken) The access token expiry UTC time '1/1/2024 1:00:00 AM' is earlier than current UTC time '1/1/2024 2:00:00 AM'.",
    ),
    (
        "ssh-cert-token-unsupported",
        r"ERROR: token_type ssh-cert is not supported by this version of Azure Portal. Please run az login --scope https://pas.windows.net/CheckMyAccess/Linux/.default",
    ),
    (
        "arc-agent-incompatible-cli",
        r"WARNING: The version of the Arc Agent, 1.28.02260.736 running on the target machine is not compatible with this version of the ssh extension. Please update to the latest version.",
    ),
    (
        "arc-agent-older-ps",
        r"WARNING: The Arc Agent running on the target machine vm1 in Resource Group rg1 is an older version than supported, 1.28.02260.736. Please update to the latest version.",
    ),
    (
        "nonetype-unpack",
        "ERROR: cannot unpack non-iterable NoneType object\nTraceback (most recent call last):\n  File \"/home/alice/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 290, in _do_ssh_op",
    ),
    (
        "oschmod-no-distribution",
        r"ERROR: No matching distribution found for oschmod==0.3.12",
    ),
    (
        "extension-pip-failed",
        r"An error occurred. Pip failed with status code 1. Use --debug for more information.",
    ),
    (
        "az-ssh-misspelled",
        r"ERROR: 'ssh' is misspelled or not recognized by the system.",
    ),
    (
        "az-ssh-not-in-group",
        r"az: 'ssh' is not in the 'az' command group. See 'az --help'. If the command is from an extension, please make sure the corresponding extension is installed.",
    ),
    (
        "az-ssh-arc-not-in-group",
        r"az ssh: 'arc' is not in the 'az ssh' command group. See 'az ssh --help'.",
    ),
    (
        "enter-azvm-not-recognized",
        r"Enter-AzVM: The term 'Enter-AzVM' is not recognized as a name of a cmdlet, function, script file, or executable program.",
    ),
    (
        "enter-azvm-not-recognized",
        r"Enter-AzArcServer : The term 'Enter-AzArcServer' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
    ),
];

/// (entry id, key, value): what each sample above must yield.
pub(super) static EXTRACTED: LazyLock<Vec<(&str, &str, &str)>> =
    LazyLock::new(|| [GUIDE_EXTRACTED, super::tests_samples_real::REAL_EXTRACTED].concat());

const GUIDE_EXTRACTED: &[(&str, &str, &str)] = &[
    (
        "ssh-exe-not-found-windows",
        "path",
        r"C:\Windows\System32\openSSH\ssh.exe",
    ),
    ("ssh-client-folder-miss", "folder", r"C:\tools\OpenSSH"),
    (
        "arcproxy-version-unsupported",
        "modulePath",
        r"C:\Users\alice\Documents\PowerShell\Modules\Az.Ssh.ArcProxy\2.0.0\Az.Ssh.ArcProxy.psd1",
    ),
    ("arcproxy-version-unsupported", "version", "2.0.0"),
    (
        "arcproxy-proxy-file-missing",
        "path",
        "/home/alice/.local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0",
    ),
    (
        "arcproxy-proxy-file-ambiguous",
        "path",
        r"C:\Users\alice\Documents\PowerShell\Modules\Az.Ssh.ArcProxy\1.0.0",
    ),
    (
        "proxy-exec-permission-denied-bash",
        "path",
        "/usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941",
    ),
    (
        "proxy-exec-permission-denied-sh",
        "path",
        "/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
    ),
    (
        "proxy-permission-denied-zsh",
        "path",
        "/Users/alice/.clientsshproxy/sshProxy_darwin_amd64_1_3_026973",
    ),
    (
        "ps-proxy-chmod-failed",
        "path",
        "/opt/microsoft/powershell/7/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941",
    ),
    ("proxy-503-connection-refused", "port", "22"),
    ("ssh-port-not-enabled", "port", "2222"),
    ("endpoint-create-forbidden-docs", "machine", "myMachine"),
    ("endpoint-create-forbidden-docs", "resourceGroup", "myRG"),
    ("endpoint-create-forbidden", "machine", "vm1"),
    ("endpoint-create-forbidden", "resourceGroup", "rg1"),
    ("service-config-create-forbidden", "machine", "vm1"),
    ("service-config-create-forbidden", "resourceGroup", "rg1"),
    ("service-config-create-forbidden", "port", "2222"),
    ("authz-endpoint-write", "user", "bob@contoso.com"),
    ("authz-endpoint-write", "machine", "vm1"),
    (
        "authz-service-config-write",
        "subscription",
        "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
    ),
    ("authz-list-credentials", "user", "alice@contoso.com"),
    (
        "authz-list-credentials",
        "subscription",
        "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
    ),
    ("authz-list-credentials", "resourceGroup", "rg1"),
    ("authz-list-credentials", "machine", "vm1"),
    ("resource-not-found-cli", "machine", "vm1"),
    ("resource-not-found-cli", "resourceGroup", "rg1"),
    ("resource-not-found-ps", "machine", "vm1"),
    ("resource-not-found-ps", "resourceGroup", "rg1"),
    ("resource-not-found-legacy", "resourceGroup", "rg1"),
    ("resource-type-not-found-cli", "machine", "vm1"),
    ("arm-machine-not-found", "machine", "vm1"),
    ("arch-unsupported-sic", "platform", "arm64"),
    ("os-unsupported-sic", "platform", "FreeBSD"),
    ("openssh-server-too-old", "version", "7.4"),
    ("openssh-client-too-old", "version", "7.6"),
    (
        "key-permissions-too-open",
        "path",
        "/home/alice/.ssh/id_rsa",
    ),
    (
        "load-key-bad-permissions",
        "path",
        "/home/alice/.ssh/id_rsa",
    ),
    (
        "windows-bad-permissions",
        "path",
        "C:/Users/alice/.ssh/id_ed25519",
    ),
    ("arc-agent-incompatible-cli", "version", "1.28.02260.736"),
    ("arc-agent-older-ps", "version", "1.28.02260.736"),
    ("arc-agent-older-ps", "machine", "vm1"),
];

pub(super) fn entry_match<'a>(found: &'a [Match], id: &str) -> Option<&'a Match> {
    found.iter().find(|m| m.entry == id)
}

pub(super) fn samples_of(id: &str) -> impl Iterator<Item = &'static str> + '_ {
    SAMPLES
        .iter()
        .filter(move |(e, _)| *e == id)
        .map(|(_, s)| *s)
}
