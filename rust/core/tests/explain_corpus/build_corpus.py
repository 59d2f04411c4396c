"""Writes corpus.jsonl: real error texts for the explain engine, one JSON object a line.

Fields: id, source (where the text is printed or was reported), kind (verbatim: copied
from the source; excerpt: lines cut from a longer paste; rendered: the client's message
with its placeholders filled, as the client prints it), expect (the diagnosis id a
correct answer puts first, or null for a text that must get no diagnosis), holdout.

holdout is decided by the id alone (FNV-1a of the id, modulo 3 == 0), fixed before any
tuning: texts with holdout=true are measured, never used to tune the knowledge base.
Run: python3 build_corpus.py  (rewrites corpus.jsonl next to it).
"""
import json
from pathlib import Path

RESX = 'https://github.com/Azure/azure-powershell/blob/main/src/Ssh/Ssh/Properties/Resources.resx'
CLIEXT = 'https://github.com/Azure/azure-cli-extensions/blob/main/src/ssh/azext_ssh/'
DOCS = 'https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot'
SP = '0b1f6471-1bf0-4dda-aec3-cb9272f09590'

C = []


def add(id, expect, source, kind, text):
    C.append({'id': id, 'expect': expect, 'source': source, 'kind': kind, 'text': text})


# ---- Az.Ssh (Enter-AzVM) messages -------------------------------------------------
add('ps-endpoint-unauthorized', 'endpoint-creation-forbidden', RESX + ' FailedToCreateDefaultEndpointUnauthorized', 'rendered',
    "Enter-AzVM: Failed to create default connectivty endpoint for target resource with an Authorization failure. This is a one time operation that must be performed by someone with Owner or Contributor role before anyone can connect to this resource. Contact the owner of the resource to create the connectivity endpoint. Instructions here: https://aka.ms/ssharc/create-default-endpoint")
add('ps-endpoint-unauthorized-concise', 'endpoint-creation-forbidden', RESX + ' FailedToCreateDefaultEndpointUnauthorized (PowerShell 7 ConciseView)', 'rendered',
    "Enter-AzVM: \nLine |\n   1 |  Enter-AzVM -ResourceGroupName rg-prod -Name web01\n     |  ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n     | Failed to create default connectivty endpoint for target resource with an Authorization\n     | failure. This is a one time operation that must be performed by someone with Owner or\n     | Contributor role before anyone can connect to this resource.")
add('ps-list-credentials-forbidden', 'connect-permission-missing', RESX + ' FailedToListCredentials', 'rendered',
    "Enter-AzVM: ListCredentials operation failed with error code 'Forbidden'.")
add('ps-list-resources-authz', 'connect-permission-missing', RESX + ' ListResourcesCloudException', 'rendered',
    "Enter-AzVM: Failed to list resources in the rg-prod Resource Group with error: \"The client 'bob@contoso.com' with object id '3f1c0000-0000-4000-8000-000000000002' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/resources/read' over scope '/subscriptions/%s/resourceGroups/rg-prod' or the scope is invalid. If access was recently granted, please refresh your credentials.\". Ensure that the Resource Group Name is correct and that you have Read role on that resource group." % SP)
add('ps-list-resources-no-group', 'machine-not-found', RESX + ' ListResourcesCloudException', 'rendered',
    "Enter-AzVM: Failed to list resources in the rg-prd Resource Group with error: \"Resource group 'rg-prd' could not be found.\". Ensure that the Resource Group Name is correct and that you have Read role on that resource group.")
add('ps-more-than-one', 'resource-name-ambiguous', RESX + ' MultipleResourcesWithSameName', 'rendered',
    "Enter-AzVM: There is more than one resource named \"web01\" in the Resource Group \"rg-prod\". Please provide -ResourceType so that this cmdlet can identify the correct target resource.")
add('ps-not-found-typed', 'machine-not-found', RESX + ' ResourceNotFoundTypeProvided', 'rendered',
    "Enter-AzVM: Unable to find Resource \"web01\" of type \"Microsoft.HybridCompute/machines\" in the Resource Group \"rg-prod\". Make sure the resource exists and that you have Read rights.")
add('ps-not-found-untyped', 'machine-not-found', RESX + ' ResourceNotFoundNoTypeProvided', 'rendered',
    "Enter-AzVM: Unable to find Resource \"web01\" in the ResourceGroup \"rg-prod\". Make sure the resource exists, that you have Read rights, and that the target resource is of one of the Resource Types supported by this cmdlet.")
add('ps-aad-service-principal', 'entra-certificate-unavailable', RESX + ' AADLoginForServicePrincipal', 'rendered',
    "Enter-AzVM: Azure PowerShell doesn't currently support AAD login for Service Principal accounts. Provide a -LocalUser.")
add('ps-openssh-not-found', 'client-binaries-not-found', RESX + ' OpenSSHClientNotFound', 'rendered',
    "Enter-AzVM: Unable to find OpenSSH Client. Make sure to update the PATH environment variable to make OpenSSH client discoverable.")
add('ps-proxy-download', 'proxy-download-blocked', RESX + ' FailedToDownloadProxy (Az.Ssh before 0.1.2)', 'rendered',
    "Enter-AzVM: Failed to download client proxy executable from https://sshproxysa.blob.core.windows.net/release01-11-21/sshProxy_windows_amd64_1_3_017634.exe. Error: The remote certificate is invalid according to the validation procedure.")
add('ps-port-not-allowed', 'ssh-traffic-not-allowed', RESX + ' MakeSurePortIsEnabled', 'rendered',
    "{\"level\":\"fatal\",\"msg\":\"sshproxy: error copying information from the connection: read tcp 10.1.0.4:51234-\u003e20.42.0.1:443: wsarecv: An existing connection was forcibly closed by the remote host.\",\"proxyVersion\":\"1.3.022941\"}\nWARNING: Please make sure SSH port is allowed using \"azcmagent config list\" in the target Arc Server. Ensure SSHD is running on the target machine.")

# ---- az ssh arc (ssh extension) messages -----------------------------------------
add('cli-service-config-port-forbidden', 'endpoint-creation-forbidden', CLIEXT + 'connectivity_utils.py (service configuration PUT, 403)', 'rendered',
    "ERROR: Client is not authorized to create a new service configuration to allow SSH connection to port 2222 on default endpoint for 'web01' in Resource Group 'rg-prod'. This is a one-time operation that must be performed by someone with Owner or Contributor role to allow SSH connections on the specified port.")
add('cli-more-than-one-target', 'resource-name-ambiguous', CLIEXT + 'resource_type_utils.py', 'rendered',
    "ERROR: rg-prod has more than one valid target with the same name: web01.\nPlease provide a --resource-type.")
add('cli-aad-windows', 'local-user-required', CLIEXT + 'custom.py (Windows target without --local-user)', 'rendered',
    "ERROR: SSH Login using AAD credentials is not currently supported for Windows.\nPlease provide --local-user.")
add('cli-proxy-download-mcr', 'proxy-download-blocked', CLIEXT + 'connectivity_utils.py (ssh >= 2.0.3, oras pull)', 'rendered',
    "ERROR: Failed to download Arc Connectivity proxy with error HTTPSConnectionPool(host='mcr.microsoft.com', port=443): Max retries exceeded with url: /v2/azureconnectivity/proxy/linux/amd64/ssh-proxy/manifests/1.3.026973 (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)'))). Please try again.")
add('cli-proxy-download-unable', 'proxy-download-blocked', CLIEXT + 'connectivity_utils.py (ssh >= 2.0.3)', 'rendered',
    "ERROR: Unable to download Arc Connectivity Proxy. Please try again.")
add('cli-proxy-download-unexpected', 'proxy-download-blocked', CLIEXT + 'connectivity_utils.py (sic "unnexpected")', 'rendered',
    "ERROR: Attempt to download Arc Connectivity Proxy returned unnexpected result. Please try again.")
add('cli-proxy-download-legacy', 'proxy-download-blocked', CLIEXT + 'connectivity_utils.py (ssh <= 2.0.2, blob storage)', 'rendered',
    "ERROR: Failed to download client proxy executable from https://sshproxysa.blob.core.windows.net/release17-02-24/sshProxy_linux_amd64_1_3_026031. Error: HTTPSConnectionPool(host='sshproxysa.blob.core.windows.net', port=443): Max retries exceeded with url: /release17-02-24/sshProxy_linux_amd64_1_3_026031 (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f2c1a2b3c40>: Failed to establish a new connection: [Errno 101] Network is unreachable'))")
add('cli-unknown-port-after-update', 'ssh-connection-closed', 'https://github.com/MicrosoftDocs/azure-docs/pull/119035', 'excerpt',
    "$ az ssh arc --resource-group rg-prod --name web01 --local-user azureuser\nConnection closed by UNKNOWN port 65535")
add('cli-no-listeners', 'relay-listener-unavailable', 'az-ssh-anatomy.md row 12 (public az ssh arc log)', 'excerpt',
    "{\"level\":\"fatal\",\"msg\":\"sshproxy: error connecting to the address: 404 There are no listeners connected for the endpoint. TrackingId:0f3b2a10-0000-4000-8000-0000000000aa_G5, SystemTracker:azgn-eastus-public-2p-cusdm-vazr0002.servicebus.windows.net:microsoft.hybridcompute/machines/9c1e0000/1700000000/v2, Timestamp:2024-06-01T08:00:00. websocket: bad handshake\",\"proxyVersion\":\"1.3.026973\"}\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535")
add('cli-503-refused', 'ssh-traffic-not-allowed', DOCS + ' (SSH traffic not allowed on the server)', 'verbatim',
    "{\"level\":\"fatal\",\"msg\":\"sshproxy: error connecting to the address: 503 connection to localhost:22 failed: dial tcp [::1]:22: connectex: No connection could be made because the target machine actively refused it.. websocket: bad handshake\",\"proxyVersion\":\"1.3.022941\"}")

# ---- sign-in states --------------------------------------------------------------
add('cloudshell-ssh-cert', 'entra-certificate-unavailable', 'https://github.com/Azure/CloudShell/issues/203', 'verbatim',
    "A Cloud Shell credential problem occurred. When you report the issue with the error below, please mention the hostname 'cc-98b7850f-c555cf4b5-dsfpn'\ntoken_type ssh-cert is not supported by this version of Azure Portal\nPlease explicitly log in with:\naz login --scope https://pas.windows.net/CheckMyAccess/Linux/.default")
add('vm-ssh-managed-identity', 'entra-certificate-unavailable', 'https://github.com/Azure/azure-cli/issues/22057', 'verbatim',
    "VM SSH currently doesn't support managed identity or Cloud Shell.")
add('vm-ssh-cert-managed-identity', 'entra-certificate-unavailable', 'https://github.com/Azure/azure-cli/issues/21443', 'excerpt',
    "$ az login -i -u /subscriptions/%s/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myMI\n$ az ssh cert --public-key-file ./test.pub\nVM SSH currently doesn't support managed identity or Cloud Shell" % SP)
add('vm-ssh-mi-pr', 'entra-certificate-unavailable', 'https://github.com/Azure/azure-cli/pull/19051', 'verbatim',
    "$ az ssh vm --resource-group vm-ssh-rg --vm-name myvm\nVM SSH currently doesn't support managed identity.")
add('local-cache', 'not-signed-in', 'https://github.com/Azure/azure-cli/pull/19051', 'verbatim',
    "$ az ssh vm --resource-group vm-ssh-rg --vm-name myvm\nCould not retrieve token from local cache.")
add('aadsts-mfa', 'not-signed-in', 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes (AADSTS50076)', 'rendered',
    "ERROR: AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '797f4846-ba00-4fd7-ba43-dac1f8f63013'. Trace ID: 0c1d0000-0000-4000-8000-000000000003 Correlation ID: 0c1d0000-0000-4000-8000-000000000004 Timestamp: 2025-03-01 09:00:00Z\nInteractive authentication is needed. Please run:\naz login --scope https://management.core.windows.net//.default")
add('aadsts-revoked', 'not-signed-in', 'https://github.com/seanslma/maki Azure/Security/Credential.md (AADSTS50173)', 'verbatim',
    "SharedTokenCacheCredential: Azure Active Directory error '(invalid_grant) AADSTS50173: \nThe provided grant has expired due to it being revoked, a fresh auth token is needed. \nThe user might have changed or reset their password.")
add('aadsts-signin-frequency', 'not-signed-in', 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes (AADSTS70043)', 'rendered',
    "ERROR: AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on 2025-02-01T08:00:00.0000000Z and the maximum allowed lifetime for this request is 43200.")
add('connect-azaccount-expired', 'not-signed-in', 'Az.Accounts (Enter-AzVM without a context)', 'rendered',
    "Enter-AzVM: Your Azure credentials have not been set up or have expired, please run Connect-AzAccount to set up your Azure credentials.\nNo certificate thumbprint or secret provided for the given service principal 'a1b2c3d4-0000-4000-8000-000000000005'.")
add('msal-user-missing', 'not-signed-in', 'Azure CLI core (azure/cli/core/auth/identity.py)', 'rendered',
    "ERROR: User bob@contoso.com does not exist in MSAL token cache. Run `az login`.")

# ---- certificates and keys -------------------------------------------------------
add('wam-too-open-docs', 'entra-cert-too-open-wam', 'https://github.com/MicrosoftDocs/azure-docs/issues/113897', 'verbatim',
    "PS C:\\Users\\XXXXXXX> az ssh vm --ip XXXXXXX\nOpenSSH_for_Windows_8.6p1, LibreSSL 3.4.3\nBad permissions. Try removing permissions for user: BUILTIN\\\\Users (S-1-5-32-545) on file C:/Users/XXXXXXX~1/AppData/Local/Temp/aadsshcertth9v8iqr/id_rsa.pub-aadcert.pub.\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions for 'C:\\\\Users\\\\XXXXXXX~1\\\\AppData\\\\Local\\\\Temp\\\\aadsshcertth9v8iqr\\\\id_rsa.pub-aadcert.pub' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.\nLoad key \"C:\\\\Users\\\\XXXXXXX~1\\\\AppData\\\\Local\\\\Temp\\\\aadsshcertth9v8iqr\\\\id_rsa.pub-aadcert.pub\": bad permissions\nXXXXXXX@microsoft.com@XXXXXXX: Permission denied (publickey).")
add('wam-too-open-linux-ext', 'entra-cert-too-open-wam', 'https://github.com/Azure/azure-linux-extensions/issues/1756', 'verbatim',
    "OpenSSH_for_Windows_8.6p1, LibreSSL 3.4.3\nBad permissions. Try removing permissions for user: BUILTIN\\\\Users (S-1-5-32-545) on file C:/Users/XXXXXXXX/AppData/Local/Temp/aadsshcertm3sm0ed8/id_rsa.pub-aadcert.pub.\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions for 'C:\\\\Users\\\\XXXXXXXX\\\\AppData\\\\Local\\\\Temp\\\\aadsshcertm3sm0ed8\\\\id_rsa.pub-aadcert.pub' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.\nLoad key \"C:\\\\Users\\\\XXXXXXXX\\\\AppData\\\\Local\\\\Temp\\\\aadsshcertm3sm0ed8\\\\id_rsa.pub-aadcert.pub\": bad permissions\nXXXXXXX@mydomain.com@10.132.1.4: Permission denied (publickey).")
add('user-key-too-open', 'private-key-permissions', 'OpenSSH sshkey_perm_ok (authfile.c)', 'rendered',
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions 0644 for '/home/bob/.ssh/id_ed25519' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.\nLoad key \"/home/bob/.ssh/id_ed25519\": bad permissions\nbob@web01: Permission denied (publickey).")
add('no-mutual-sigalg', 'openssh-version-incompatible', 'https://github.com/Azure/azure-cli-extensions/issues/6898', 'excerpt',
    "debug1: Offering public key: /home/user/scp_ssh_keys/az_ssh_config/AD-TEST-AD-TEST/id_rsa.pub-aadcert.pub RSA-CERT SHA256:tS/9gTUU+OcD4a6irJfRG1bapWI1w/U69DGcvYNPIR4 explicit\ndebug1: send_pubkey_test: no mutual signature algorithm\ndebug1: Offering public key: /home/user/scp_ssh_keys/az_ssh_config/AD-TEST-AD-TEST/id_rsa RSA SHA256:tS/9gTUU+OcD4a6irJfRG1bapWI1w/U69DGcvYNPIR4 explicit\ndebug2: we sent a publickey packet, wait for reply\ndebug1: Authentications that can continue: publickey\ndebug1: No more authentication methods to try.\nuser@ad-test: Permission denied (publickey).")
add('sshd-cert-sigalg', 'openssh-version-incompatible', 'https://github.com/hashicorp/vault/pull/12852', 'verbatim',
    "error seen on host /var/log/auth.log:\n  userauth_pubkey: certificate signature algorithm ssh-rsa: signature algorithm not supported [preauth]")
add('aad-certhandler-plain-key', 'openssh-version-incompatible', 'https://github.com/Azure/azure-cli-extensions/issues/6898 (server side, aad_certhandler)', 'excerpt',
    "sshd[4121]: error: AuthorizedKeysCommand /usr/sbin/aad_certhandler ssh-rsa-cert-v01@openssh.com failed, status 22\naad_certhandler[4122]: The public key is of type ssh-rsa, not a certificate.\nsshd[4121]: Connection closed by authenticating user user@contoso.com 10.0.0.5 port 50412 [preauth]")

# ---- every shell's "not found" and "not allowed" ---------------------------------
add('cmd-ssh-not-recognized', 'client-binaries-not-found', 'cmd.exe (message 9009), e.g. az ssh arc with ssh off PATH on Windows', 'rendered',
    "C:\\Users\\bob>ssh -V\n'ssh' is not recognized as an internal or external command,\noperable program or batch file.")
add('ps51-keygen-not-recognized', 'client-binaries-not-found', 'Windows PowerShell 5.1 CommandNotFoundException', 'rendered',
    "ssh-keygen : The term 'ssh-keygen' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.\nAt line:1 char:1\n+ ssh-keygen -t rsa\n+ ~~~~~~~~~~\n    + CategoryInfo          : ObjectNotFound: (ssh-keygen:String) [], CommandNotFoundException\n    + FullyQualifiedErrorId : CommandNotFoundException")
add('ps7-ssh-not-recognized', 'client-binaries-not-found', 'PowerShell 7 CommandNotFoundException (ConciseView)', 'rendered',
    "ssh: The term 'ssh' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again.")
add('dotnet-start-ssh', 'client-binaries-not-found', '.NET System.ComponentModel.Win32Exception from Process.Start (PowerShell 7 on Linux)', 'rendered',
    "Enter-AzVM: An error occurred trying to start process 'ssh' with working directory '/home/bob'. No such file or directory")
add('bash-ssh-keygen-missing', 'client-binaries-not-found', 'bash (command_not_found_handle absent)', 'rendered',
    "bash: ssh-keygen: command not found")
add('zsh-ssh-missing', 'client-binaries-not-found', 'zsh', 'rendered',
    "zsh: command not found: ssh")
add('dash-exec-ssh-missing', 'client-binaries-not-found', 'dash (/bin/sh on Debian and Ubuntu)', 'rendered',
    "/bin/sh: 1: exec: ssh: not found")
add('old-ext-keygen-missing', 'client-binaries-not-found', 'older ssh extension wording (issue 13 of this project)', 'rendered',
    "ERROR: Could not find ssh-keygen.exe. Is the OpenSSH client installed?")
add('cli-run-ssh-failed', 'client-binaries-not-found', CLIEXT + 'ssh_utils.py', 'rendered',
    "ERROR: Failed to run ssh command with error: [WinError 2] The system cannot find the file specified.\nEnsure OpenSSH is installed correctly.\nAlternatively, use --ssh-client-folder to provide OpenSSH folder path.")
add('bash-proxy-denied-noexec', 'proxy-permission-denied', 'bash (file_error) running ProxyCommand from a noexec home', 'rendered',
    "/bin/bash: /home/bob/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: Permission denied\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535")
add('bash-exec-proxy-denied', 'proxy-permission-denied', DOCS + ' (User doesn\'t have permissions to execute proxy)', 'verbatim',
    "/bin/bash: line 1: exec: /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941: cannot execute: Permission denied")
add('zsh-proxy-denied', 'proxy-permission-denied', 'zsh running ProxyCommand on macOS', 'rendered',
    "zsh:1: permission denied: /Users/bob/.clientsshproxy/sshProxy_darwin_arm64_1_3_026973\nConnection closed by UNKNOWN port 65535")
add('dotnet-proxy-denied', 'proxy-permission-denied', '.NET Process.Start of the proxy (PowerShell 7)', 'rendered',
    "Enter-AzVM: An error occurred trying to start process '/home/bob/.local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941' with working directory '/home/bob'. Permission denied")
add('win32-createprocess-denied', 'proxy-permission-denied', DOCS, 'verbatim',
    "CreateProcessW failed error:5\nposix_spawnp: Input/output error")

# ---- PowerShell's rendering of ARM errors -----------------------------------------
add('ps-arm-not-found', 'machine-not-found', 'Az.ConnectedMachine Get-AzConnectedMachine (ARM ResourceNotFound, ConciseView)', 'rendered',
    "Get-AzConnectedMachine_Get: The Resource 'Microsoft.HybridCompute/machines/web01' under resource group 'rg-prod' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
add('ps-arm-authz-read', 'connect-permission-missing', 'Az.ConnectedMachine Get-AzConnectedMachine (ARM AuthorizationFailed, ConciseView)', 'rendered',
    "Get-AzConnectedMachine_Get: \nLine |\n   2 |  Get-AzConnectedMachine -ResourceGroupName rg-prod -Name web01\n     |  ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n     | The client 'bob@contoso.com' with object id '3f1c0000-0000-4000-8000-000000000002' does not have\n     | authorization to perform action 'Microsoft.HybridCompute/machines/read' over scope\n     | '/subscriptions/%s/resourceGroups/rg-prod/providers/Microsoft.HybridCompute/machines/web01'\n     | or the scope is invalid. If access was recently granted, please refresh your credentials." % SP)

# ---- the ssh extension itself ------------------------------------------------------
add('ext-rpds-traceback', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli/issues/29938', 'excerpt',
    "  File \"<frozen importlib._bootstrap>\", line 1176, in _find_and_load\n  File \"<frozen importlib._bootstrap>\", line 1147, in _find_and_load_unlocked\n  File \"<frozen importlib._bootstrap>\", line 690, in _load_unlocked\n  File \"<frozen importlib._bootstrap_external>\", line 940, in exec_module\n  File \"<frozen importlib._bootstrap>\", line 241, in _call_with_frames_removed\n  File \"/root/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 20, in <module>\n    from . import rdp_utils\n  File \"/root/.azure/cliextensions/ssh/azext_ssh/rdp_utils.py\", line 19, in <module>\n    from . import ssh_utils\n  File \"/root/.azure/cliextensions/ssh/azext_ssh/ssh_utils.py\", line 20, in <module>\n    from . import connectivity_utils\n  File \"/root/.azure/cliextensions/ssh/azext_ssh/connectivity_utils.py\", line 10, in <module>\n    import oras.client\n  File \"/root/.azure/cliextensions/ssh/oras/client.py\", line 12, in <module>\n    import oras.provider\n  File \"/root/.azure/cliextensions/ssh/oras/provider.py\", line 14, in <module>\n    import jsonschema\n  File \"/root/.azure/cliextensions/ssh/jsonschema/__init__.py\", line 13, in <module>\n    from jsonschema._format import FormatChecker\nModuleNotFoundError: No module named 'rpds.rpds'")
add('ext-oras-traceback-cut', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli/issues/31408', 'excerpt',
    "  File \"/usr/local/Cellar/python@3.12/3.12.10/Frameworks/Python.framework/Versions/3.12/lib/python3.12/importlib/__init__.py\", line 90, in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)\n  File \"<frozen importlib._bootstrap>\", line 1387, in _gcd_import\n  File \"/Users/an-bsd/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 20, in <module>\n    from . import rdp_utils\n  File \"/Users/an-bsd/.azure/cliextensions/ssh/azext_ssh/ssh_utils.py\", line 20, in <module>\n    from . import connectivity_utils\n  File \"/Users/an-bsd/.azure/cliextensions/ssh/azext_ssh/connectivity_utils.py\", line 10, in <module>\n    import oras.client")
add('core-msrestazure', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli/issues/31769', 'excerpt',
    "The command failed with an unexpected error. Here is the traceback:\nNo module named 'msrestazure'\nTraceback (most recent call last):\n  File \"D:\\a\\_work\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\knack/cli.py\", line 233, in invoke\n  File \"D:\\a\\_work\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\azure/cli/core/commands/__init__.py\", line 564, in execute\n  File \"D:\\a\\_work\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\azure/cli/core/__init__.py\", line 552, in load_arguments")
add('ext-nonetype', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli-extensions/issues/6655', 'excerpt',
    "The command failed with an unexpected error. Here is the traceback:\ncannot unpack non-iterable NoneType object\nTraceback (most recent call last):\n  File \"/home/bob/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 67, in ssh_vm\n    _do_ssh_op(cmd, ssh_session, op_call)\n  File \"/home/bob/.azure/cliextensions/ssh/azext_ssh/target_os_utils.py\", line 22, in handle_target_os_type\nTypeError: cannot unpack non-iterable NoneType object")
add('ext-needs-core', 'ssh-extension-broken', 'Azure CLI core extension loading (azure/cli/core/extension)', 'rendered',
    "The 'ssh' extension is not compatible with this version of the CLI.\nYou have CLI core version 2.40.0 and this extension requires a min of 2.45.0.\n'ssh' is misspelled or not recognized by the system.")
add('ext-pip-oschmod', 'ssh-extension-missing', 'https://github.com/Azure/azure-cli/issues/26631', 'excerpt',
    "pip._internal.exceptions.DistributionNotFound: No matching distribution found for oschmod==0.3.12\nRemoved build tracker: '/private/var/folders/wp/r9cz533965x68m1cn7zmjhw00000gp/T/pip-build-tracker-q_dxc0ng'\n\ncli.azure.cli.core.extension.operations: Command '['/usr/local/Cellar/azure-cli/2.49.0/libexec/bin/python', '-m', 'pip', 'install', '--target', '/Users/kl298p/.azure/cliextensions/ssh', '/var/folders/wp/T/tmpprbvtlpe/ssh-1.1.6-py3-none-any.whl', '-vv', '--disable-pip-version-check', '--no-cache-dir']' returned non-zero exit status 1.")
add('ext-not-installed', 'ssh-extension-missing', 'Azure CLI core (no ssh extension)', 'rendered',
    "ERROR: 'ssh' is misspelled or not recognized by the system.\n\nExamples from AI knowledge base:\naz ssh vm --resource-group MyResourceGroup --name MyVm")

# ---- negatives: other Azure errors, Kubernetes relay, generic ssh noise -----------
add('neg-storage-authz', None, 'ARM AuthorizationFailed for a storage account (az storage account show)', 'rendered',
    "(AuthorizationFailed) The client 'bob@contoso.com' with object id '3f1c0000-0000-4000-8000-000000000002' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/read' over scope '/subscriptions/%s/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stdata01' or the scope is invalid. If access was recently granted, please refresh your credentials.\nCode: AuthorizationFailed" % SP)
add('neg-aks-rg-not-found', None, 'ARM ResourceGroupNotFound (az aks show)', 'rendered',
    "(ResourceGroupNotFound) Resource group 'rg-aks' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'rg-aks' could not be found.")
add('neg-webapp-not-found', None, 'ARM ResourceNotFound for a web app', 'rendered',
    "(ResourceNotFound) The Resource 'Microsoft.Web/sites/app01' under resource group 'rg-web' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
add('neg-k8s-relay-listeners', None, 'Azure Arc-enabled Kubernetes cluster connect through a custom location (https://learn.microsoft.com/azure/azure-arc/kubernetes/cluster-connect)', 'rendered',
    "$ az connectedk8s proxy -n arc-k8s-01 -g rg-edge\nProxy is listening on port 47011\nMerged \"arc-k8s-01\" as current context in /home/bob/.kube/config\n$ kubectl get pods -A\nE0301 09:00:00.000000   1234 memcache.go:265] couldn't get current server API group list: an error on the server (\"Error: 404 There are no listeners connected for the endpoint. TrackingId:7d2c0000-0000-4000-8000-0000000000bb_G2, SystemTracker:azgn-westeurope.servicebus.windows.net:microsoft.kubernetes/connectedclusters/abc/def, Timestamp:2025-03-01T09:00:00\") has prevented the request from succeeding\nThe custom location 'cl-edge' cannot reach its cluster.")
add('neg-helm-cert', None, 'https://github.com/helm/chartmuseum/issues/505', 'verbatim',
    "az connectedk8s connect --name nvlastanzu-arc --resource-group RG-AzureArcTest --location westus2\nThis operation might take a while...\n\nDownloading helm client for first time. This can take few minutes...\nFailed to download helm client.\nPlease check your internet connection.<urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:852)>")
add('neg-azcopy-cert', None, 'https://github.com/Azure/azure-storage-azcopy/issues/3290', 'verbatim',
    "https://aka.ms/downloadazcopy-v10-linux\nResolving aka.ms (aka.ms)... \nConnecting to aka.ms (aka.ms)... connected.\nERROR: The certificate of \\'aka.ms\\' is not trusted.")
add('neg-devops-login', None, 'https://github.com/Azure/azure-devops-cli-extension/issues/1207', 'verbatim',
    "Before you can run Azure DevOps commands, you need to run the login command(az login if using AAD/MSA identity else az devops login if using PAT token) to setup credentials.  Please see https://aka.ms/azure-devops-cli-auth for more information.")
add('neg-colab-unknown-port', None, 'https://github.com/WassimBenzarti/colab-ssh/issues/70', 'verbatim',
    "packet_write_wait: Connection to UNKNOWN port 65535: Unknown error")
add('neg-corkscrew-closed', None, 'https://github.com/bryanpkc/corkscrew/issues/19', 'excerpt',
    "debug1: Executing proxy command: exec corkscrew 127.0.0.1 7890 github.com 22\ndebug1: identity file /Users/dingrui/.ssh/my_github type 0\ndebug1: Local version string SSH-2.0-OpenSSH_9.0\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535")
add('neg-ssh-timeout', None, 'OpenSSH ssh_connect_direct', 'rendered',
    "ssh: connect to host 10.20.30.40 port 22: Connection timed out")
add('neg-host-key-changed', None, 'OpenSSH check_host_key', 'rendered',
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nHost key verification failed.")
add('neg-git-publickey', None, 'git over ssh to GitHub (OpenSSH)', 'rendered',
    "git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.")
add('neg-python-module-missing', None, 'a Python script unrelated to az', 'rendered',
    "Traceback (most recent call last):\n  File \"/home/bob/tools/report.py\", line 3, in <module>\n    import pandas\nModuleNotFoundError: No module named 'pandas'")
add('neg-kubectl-not-found', None, 'bash, another tool missing', 'rendered',
    "bash: kubectl: command not found")
add('neg-aadsts-app-not-found', None, 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes (AADSTS700016)', 'rendered',
    "AADSTS700016: Application with identifier 'a1b2c3d4-0000-4000-8000-000000000009' was not found in the directory 'contoso'. This can happen if the application has not been installed by the administrator of the tenant.")
add('neg-certd-rsa', None, 'https://github.com/certd/certd/issues/96', 'verbatim',
    "userauth_pubkey: key type ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]")
add('neg-vm-extension', None, 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/error-codes/vmextensionerror-k8sapiserverconnfail', 'verbatim',
    "Code=\"VMExtensionProvisioningError\"\nMessage=\"CSE failed with 'VMExtensionError_K8SAPIServerConnFail'. Agents are unable to establish connection to Kubernetes API server.\"")



# ---- Independent holdout (issue 13, second round) ----------------------------------
# Sixteen texts found afterwards with the search tools (issue threads and Q&A), copied
# as their reporters pasted them, and measured once before any change to the knowledge
# base. They are always held out (never tuned on) and scored on their own.
INDEPENDENT = []


def held(id, expect, source, kind, text):
    INDEPENDENT.append({'id': id, 'expect': expect, 'source': source, 'kind': kind, 'text': text})


held('ind-ext-get-msal-token', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli-extensions/issues/4061', 'excerpt',
     "The command failed with an unexpected error. Here is the traceback:\n'Profile' object has no attribute 'get_msal_token'\nTraceback (most recent call last):\n  File \"/usr/lib64/az/lib/python3.6/site-packages/knack/cli.py\", line 231, in invoke\n    cmd_result = self.invocation.execute(args)\n  File \"/usr/lib64/az/lib/python3.6/site-packages/azure/cli/core/commands/__init__.py\", line 657, in execute\n    raise ex\n  File \"/home/joanna.schrap@cobase.local/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 22, in ssh_vm")
held('ind-ext-claims-challenge', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli-extensions/issues/3975', 'excerpt',
     "request() got an unexpected keyword argument 'claims_challenge'\nTraceback (most recent call last):\npython3/dist-packages/knack/cli.py, ln 233, in invoke\n    cmd_result = self.invocation.execute(args)\ncli/core/commands/__init__.py, ln 659, in execute\n    raise ex\n...\ndist-packages/msal/oauth2cli/oauth2.py, ln 235, in _obtain_token\n    resp = (post or self._http_client.post)(\npython3/dist-packages/requests/sessions.py, ln 590, in post\n    return self.request('POST', url, data=data, json=json, **kwargs)\nTypeError: request() got an unexpected keyword argument 'claims_challenge'")
held('ind-ext-public-ip-keyerror', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli-extensions/issues/6195', 'excerpt',
     "The command failed with an unexpected error. Here is the traceback:\n'publicIPAddress'\nTraceback (most recent call last):\n  File \"/usr/lib64/az/lib/python3.9/site-packages/knack/cli.py\", line 233, in invoke\n    cmd_result = self.invocation.execute(args)\n  File \"/usr/lib64/az/lib/python3.9/site-packages/azure/cli/core/commands/command_operation.py\", line 121, in handler\n    return op(**command_args)\n  File \"/usr/lib/python3.9/site-packages/azure-cli-extensions/ssh/azext_ssh/custom.py\", line 66, in")
held('ind-ext-config-winerror-123', 'ssh-extension-broken', 'https://github.com/Azure/azure-cli-extensions/issues/4119', 'excerpt',
     "The command failed with an unexpected error. Here is the traceback:\n[WinError 123] The filename, directory name, or volume label syntax is incorrect: 'C:\\\\az_ssh_config\\\\*'\nTraceback (most recent call last):\n  File \"D:\\a\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\knack/cli.py\", line 231, in invoke\n  File \"D:\\a\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\azure/cli/core/commands/__init__.py\", line 657, in execute")
held('ind-ssh-vm-refresh-inactive', 'not-signed-in', 'https://github.com/Azure/azure-cli-extensions/issues/4611', 'excerpt',
     "The command failed with an unexpected error. Here is the traceback:\nGet Token request returned http error: 400 and server response: {\"error\":\"invalid_grant\",\"error_description\":\"AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2021-11-07T15:33:50.2272016Z and was inactive for 90.00:00:00.\\r\\nTrace ID: c3312c26-f395-4027-8ae0-278146bf2f00\\r\\nCorrelation ID: a08e5af8-a9b1-43ab-9276-56a04c7f8341\\r\\nTimestamp: 2022-04-01 10:23:15Z\",\"error_codes\":[700082],\"timestamp\":\"2022-04-01 10:23:15Z\",\"error_uri\":\"https://login.microsoftonline.com/error?code=700082\"}\nTraceback (most recent call last):\n  File \"D:\\a\\1\\s\\build_scripts\\windows\\artifacts\\cli\\Lib\\site-packages\\knack/cli.py\", line 231, in invoke")
held('ind-ari-inactivity', 'not-signed-in', 'https://github.com/microsoft/ARI/issues/10', 'verbatim',
     "Credentials have expired due to inactivity please run az login.\n\nERROR: AADSTS700082: The refresh token has expired due to inactivity.")
held('ind-azps-token-expiry', 'not-signed-in', 'https://github.com/Azure/azure-powershell/issues/13504', 'verbatim',
     "Get-AzSubscription: The access token expiry UTC time '11/13/2020 7:42:16 AM' is earlier than current UTC time '11/13/2020 8:38:15 AM'.")
held('ind-arcbox-concise-not-found', 'machine-not-found', 'https://github.com/microsoft/azure_arc/issues/3254', 'verbatim',
     "Get-AzConnectedMachine_Get: C:\\ArcBox\\ArcServersLogonScript.ps1:261\nLine |\n 261 |          $ArcServer = Get-AzConnectedMachine -Name $SQLvmName -Resourc \u2026\n     |          ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n     | The Resource 'Microsoft.HybridCompute/machines/ArcBox-SQL' under resource group 'ArcRG' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
held('ind-bastion-cert-too-open', 'private-key-permissions', 'https://github.com/Azure/azure-cli-extensions/issues/6408', 'verbatim',
     "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions 0644 for '/tmp/aadsshcert23cd5o7q/id_rsa' are too open.\nIt is required that your private key files are NOT accessible by others.\nThis private key will be ignored.")
held('ind-docs-aad-publickey', 'ssh-auth-refused', 'https://github.com/MicrosoftDocs/azure-docs/issues/90087', 'excerpt',
     "<user>@<domain>@<vm-ip-address>: Permission denied (publickey).\ncli.azext_ssh.ssh_utils: Running ssh command ssh <user>@<domain>@<vm-ip-address> -i /tmp/aadsshcertam2xmar5/id_rsa -o CertificateFile=\"/tmp/aadsshcertam2xmar5/id_rsa.pub-aadcert.pub\" -v\nOpenSSH_7.6p1 Ubuntu-4ubuntu0.6, OpenSSL 1.0.2n  7 Dec 2017")
held('ind-vscode-keygen-not-recognized', 'client-binaries-not-found', 'https://github.com/microsoft/vscode-azurevirtualmachines/issues/95', 'verbatim',
     "Command \"ssh-keygen -t rsa -b 4096 -f \"C:\\Users\\fivei\\.ssh\\azure_uxtest_rsa\" -N \"\"\" failed with exit code \"1\": \n'ssh-keygen' is not recognized as an internal or external command, operable program or batch file.")
held('ind-neg-pam-aad-closed', None, 'https://github.com/aad-for-linux/pam_aad/issues/33', 'verbatim',
     "(test@172.21.48.235) Please use this one-time passcode (OTP) to sign in to your account: INC8YYL2H\n\nEnter the code at https://aka.ms/devicelogin.\ndebug3: send packet: type 61\nConnection closed by 172.21.48.235 port 22")
held('ind-neg-proxychains-closed', None, 'https://github.com/rofl0r/proxychains-ng/issues/319', 'verbatim',
     "[proxychains] config file found: /etc/proxychains4.conf\n[proxychains] preloading /usr/lib/x86_64-linux-gnu/libproxychains.so.4\n[proxychains] DLL init: proxychains-ng 4.12\n[proxychains] Strict chain  ...  127.0.0.1:7891  ...  45.32.137.160:22200  ...  OK\nssh_exchange_identification: Connection closed by remote host")
held('ind-neg-tunnelrelay-ip', None, 'https://github.com/OfficeDev/microsoft-teams-tunnelrelay/issues/36', 'excerpt',
     "Error - TunnelRelay.Windows.MainWindow - Failed to establish connection to Azure RelayException - Microsoft.Azure.Relay.AuthorizationFailedException: Generic: Ip has been prevented to connect to the endpoint.\\n           For more information see:\\n           Virtual Network service endpoints:\\n              Service Bus: https://go.microsoft.com/fwlink/?linkid=2044235")
held('ind-neg-liveshare-relay', None, 'https://github.com/microsoft/live-share/issues/795', 'excerpt',
     "[2018-11-14 12:19:40.667 Agent E] Relay server exception - Exception: Microsoft.Azure.Relay.RelayException: BadRequest: This endpoint is only for web-socket requests. TrackingId:2f100bce-70dd-44a3-a54d-b5b972f2be95, Address:sb://vsls-prod-ins-euw-private-relay.servicebus.windows.net/481bcdf4dd0d43fb6dc409c02062876f1ac4--245890c4-b72a-48eb-ba5c-ba3bc3dbf660, Timestamp:2018/11/14 12:19:40 ---> System.Net.WebSockets.WebSocketException: The server returned status code '400 This endpoint is only for web-socket requests' when status code '101' was expected.")
held('ind-neg-azcmagent-endpoints', None, 'https://github.com/Azure/Azure-Sentinel/issues/13955', 'verbatim',
     "time=\"2026-03-31T11:42:29+01:00\" level=fatal msg=\"required endpoints unavailable: https://gbl.his.arc.azure.com/ (error: Get \\\"https://gbl.his.arc.azure.com/connectivitytest\\\": remote error: tls: handshake failure), https://agentserviceapi.guestconfiguration.azure.com/ (error: Get \\\"https://agentserviceapi.guestconfiguration.azure.com\\\": remote error: tls: handshake failure), https://pas.windows.net/ (error: Get \\\"https://pas.windows.net\\\": EOF), https://management.azure.com/ (error: Get \\\"https://management.azure.com\\\": read tcp 172.21.112.60:49577->4.150.241.10:443: wsarecv: An existing connection was forcibly closed by the remote host.)\"")

def fnv1a(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


out = Path(__file__).with_name('corpus.jsonl')
ids = set()
with out.open('w') as f:
    for row in C:
        assert row['id'] not in ids, row['id']
        ids.add(row['id'])
        row['holdout'] = fnv1a(row['id']) % 3 == 0
        f.write(json.dumps(row, ensure_ascii=False) + '\n')
    for row in INDEPENDENT:
        assert row['id'] not in ids, row['id']
        ids.add(row['id'])
        row['holdout'] = True
        row['independent'] = True
        f.write(json.dumps(row, ensure_ascii=False) + '\n')
print(len(C) + len(INDEPENDENT), 'texts,', sum(r['holdout'] for r in C + INDEPENDENT), 'held out,', sum(r['expect'] is None for r in C + INDEPENDENT), 'negatives')
