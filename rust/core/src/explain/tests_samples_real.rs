//! A sample for every entry of [`super::kb_real`], as the client, shell or server prints
//! it, and the values each must yield. The whole texts users pasted, with their sources,
//! are in `rust/core/tests/explain_corpus/`.

/// (entry id, sample).
pub(super) const REAL_SAMPLES: &[(&str, &str)] = &[
    (
        "arm-machine-not-found",
        "Get-AzConnectedMachine_Get: The Resource 'Microsoft.HybridCompute/machines/vm1' under resource group 'rg1' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    ),
    (
        "shell-not-recognized",
        "'ssh' is not recognized as an internal or external command,\noperable program or batch file.",
    ),
    (
        "shell-not-recognized",
        "ssh-keygen: The term 'ssh-keygen' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again.",
    ),
    (
        "dotnet-start-process-failed",
        "An error occurred trying to start process 'ssh' with working directory '/home/alice'. No such file or directory",
    ),
    (
        "bash-command-not-found",
        "bash: ssh-keygen: command not found",
    ),
    ("zsh-command-not-found", "zsh: command not found: ssh"),
    ("dash-not-found", "/bin/sh: 1: exec: ssh: not found"),
    (
        "openssh-client-installed-question",
        "ERROR: Could not find ssh-keygen.exe. Is the OpenSSH client installed?",
    ),
    (
        "proxy-path-permission-denied",
        "/bin/bash: /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: Permission denied",
    ),
    (
        "dotnet-start-proxy-denied",
        "An error occurred trying to start process '/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973' with working directory '/home/alice'. Permission denied",
    ),
    (
        "ps-default-endpoint-unauthorized",
        "Enter-AzVM: Failed to create default connectivty endpoint for target resource with an Authorization failure. This is a one time operation that must be performed by someone with Owner or Contributor role before anyone can connect to this resource. Contact the owner of the resource to create the connectivity endpoint. Instructions here: https://aka.ms/ssharc/create-default-endpoint",
    ),
    (
        "service-config-port-forbidden",
        "ERROR: Client is not authorized to create a new service configuration to allow SSH connection to port 2222 on default endpoint for 'vm1' in Resource Group 'rg1'. This is a one-time operation that must be performed by someone with Owner or Contributor role to allow SSH connections on the specified port.",
    ),
    (
        "ps-list-credentials-forbidden",
        "Enter-AzVM: ListCredentials operation failed with error code 'Forbidden'.",
    ),
    (
        "ps-list-resources-forbidden",
        "Enter-AzVM: Failed to list resources in the rg1 Resource Group with error: \"The client 'alice@contoso.com' with object id '6b8e5b3a-0000-4000-8000-000000000001' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/resources/read' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg1' or the scope is invalid. If access was recently granted, please refresh your credentials.\". Ensure that the Resource Group Name is correct and that you have Read role on that resource group.",
    ),
    (
        "authz-machine-read",
        "Get-AzConnectedMachine_Get: The client 'alice@contoso.com' with object id '6b8e5b3a-0000-4000-8000-000000000001' does not have authorization to perform action 'Microsoft.HybridCompute/machines/read' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/vm1' or the scope is invalid. If access was recently granted, please refresh your credentials.",
    ),
    (
        "ps-list-resources-no-group",
        "Enter-AzVM: Failed to list resources in the rg9 Resource Group with error: \"Resource group 'rg9' could not be found.\". Ensure that the Resource Group Name is correct and that you have Read role on that resource group.",
    ),
    (
        "resource-type-not-found-ps",
        "Enter-AzVM: Unable to find Resource \"vm1\" of type \"Microsoft.HybridCompute/machines\" in the Resource Group \"rg1\". Make sure the resource exists and that you have Read rights.",
    ),
    (
        "cli-more-than-one-target",
        "ERROR: rg1 has more than one valid target with the same name: vm1.\nPlease provide a --resource-type.",
    ),
    (
        "ps-more-than-one-resource",
        "Enter-AzVM: There is more than one resource named \"vm1\" in the Resource Group \"rg1\". Please provide -ResourceType so that this cmdlet can identify the correct target resource.",
    ),
    (
        "aad-login-windows-unsupported",
        "ERROR: SSH Login using AAD credentials is not currently supported for Windows.\nPlease provide --local-user.",
    ),
    (
        "vm-ssh-identity-unsupported",
        "ERROR: VM SSH currently doesn't support managed identity or Cloud Shell.",
    ),
    (
        "ps-aad-login-service-principal",
        "Enter-AzVM: Azure PowerShell doesn't currently support AAD login for Service Principal accounts. Provide a -LocalUser.",
    ),
    (
        "extension-module-missing",
        "  File \"/root/.azure/cliextensions/ssh/azext_ssh/connectivity_utils.py\", line 10, in <module>\n    import oras.client\nModuleNotFoundError: No module named 'oras'",
    ),
    (
        "extension-import-failed",
        "  File \"/home/alice/.azure/cliextensions/ssh/oras/provider.py\", line 14, in <module>\n    import jsonschema\nImportError: cannot import name 'FormatChecker' from 'jsonschema'",
    ),
    (
        "extension-traceback-frame",
        "  File \"/Users/bob/.azure/cliextensions/ssh/azext_ssh/connectivity_utils.py\", line 10, in <module>\n    import oras.client",
    ),
    (
        "extension-needs-newer-core",
        "The 'ssh' extension is not compatible with this version of the CLI.\nYou have CLI core version 2.40.0 and this extension requires a min of 2.45.0.",
    ),
    (
        "proxy-download-failed",
        "ERROR: Failed to download Arc Connectivity proxy with error HTTPSConnectionPool(host='mcr.microsoft.com', port=443): Max retries exceeded with url: /v2/azureconnectivity/proxy/linux/amd64/ssh-proxy/manifests/1.3.026973 (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)'))). Please try again.",
    ),
    (
        "proxy-download-failed-legacy",
        "ERROR: Failed to download client proxy executable from https://sshproxysa.blob.core.windows.net/release01-11-21/sshProxy_linux_amd64_1_3_017634. Error: <urlopen error [Errno 110] Connection timed out>",
    ),
    (
        "wam-cert-bad-permissions",
        r"Bad permissions. Try removing permissions for user: BUILTIN\\Users (S-1-5-32-545) on file C:/Users/alice/AppData/Local/Temp/aadsshcertth9v8iqr/id_rsa.pub-aadcert.pub.",
    ),
    (
        "wam-cert-too-open",
        r"Permissions for 'C:\\Users\\alice\\AppData\\Local\\Temp\\aadsshcertth9v8iqr\\id_rsa.pub-aadcert.pub' are too open.",
    ),
    (
        "token-not-in-local-cache",
        "ERROR: Could not retrieve token from local cache.",
    ),
    (
        "aadsts-sign-in-again",
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '797f4846-ba00-4fd7-ba43-dac1f8f63013'.",
    ),
    (
        "interactive-auth-needed",
        "Interactive authentication is needed. Please run:\naz login --scope https://management.core.windows.net//.default",
    ),
    (
        "msal-cache-user-missing",
        "ERROR: User alice@contoso.com does not exist in MSAL token cache. Run `az login`.",
    ),
    (
        "run-connect-azaccount",
        "Enter-AzVM: Your Azure credentials have not been set up or have expired, please run Connect-AzAccount to set up your Azure credentials.",
    ),
    (
        "sshd-cert-signature-unsupported",
        "sshd[1234]: userauth_pubkey: certificate signature algorithm ssh-rsa: signature algorithm not supported [preauth]",
    ),
    (
        "sshd-algorithm-not-accepted",
        "sshd[1234]: userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]\nsshd[1234]: AuthorizedKeysCommand /usr/sbin/aad_certhandler ssh-rsa-cert-v01@openssh.com",
    ),
    (
        "aad-certhandler-not-certificate",
        "aad_certhandler[2345]: The public key is of type ssh-rsa, not a certificate.",
    ),
    // explain/kb_clients.rs: the clients' machinery (samples rendered from az core's own
    // wording, not the holdout's texts).
    (
        "az-unexpected-error",
        "PS C:\\> az ssh config --file C:\\Users\\alice\\az_ssh_config\\config\nThe command failed with an unexpected error. Here is the traceback:\n'NoneType' object is not subscriptable",
    ),
    (
        "az-unexpected-error",
        "az ssh arc -g rg1 -n vm1\nThe command failed with an unexpected error. Here is the traceback:\n[Errno 22] Invalid argument",
    ),
    (
        "az-python-api-mismatch",
        "  File \"/opt/az/lib/python3.12/site-packages/knack/cli.py\", line 233, in invoke\nTypeError: get_token() got an unexpected keyword argument 'data'",
    ),
];

/// (entry id, key, value): what the samples above must yield.
pub(super) const REAL_EXTRACTED: &[(&str, &str, &str)] = &[
    ("dash-not-found", "command", "ssh"),
    ("bash-command-not-found", "command", "ssh-keygen"),
    ("dotnet-start-process-failed", "command", "ssh"),
    (
        "proxy-path-permission-denied",
        "path",
        "/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
    ),
    (
        "dotnet-start-proxy-denied",
        "path",
        "/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
    ),
    ("service-config-port-forbidden", "port", "2222"),
    ("service-config-port-forbidden", "machine", "vm1"),
    ("service-config-port-forbidden", "resourceGroup", "rg1"),
    ("ps-list-resources-forbidden", "resourceGroup", "rg1"),
    ("authz-machine-read", "machine", "vm1"),
    ("authz-machine-read", "user", "alice@contoso.com"),
    ("resource-type-not-found-ps", "machine", "vm1"),
    ("resource-type-not-found-ps", "resourceGroup", "rg1"),
    ("cli-more-than-one-target", "machine", "vm1"),
    ("ps-more-than-one-resource", "machine", "vm1"),
    ("ps-more-than-one-resource", "resourceGroup", "rg1"),
    ("aadsts-sign-in-again", "code", "50076"),
];
