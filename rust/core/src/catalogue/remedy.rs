//! The remedy of each diagnosis, filled with the user's own values: one text and the
//! commands for each client, so that live checks and the explain engine give the same advice.

use super::{Vars, cmd, entry, ps_quote, sh_quote, var};
use crate::model::{DiagnosisId, Remedy, Shell, ShellCommand};
use crate::quote::ps_word;

fn service_config_uri(vars: &Vars) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.HybridCompute/machines/{}/providers/Microsoft.HybridConnectivity/endpoints/default/serviceconfigurations/SSH?api-version=2023-03-15",
        var(vars, "subscription", "<subscription>"),
        var(vars, "resourceGroup", "<resource-group>"),
        var(vars, "machine", "<machine>"),
    )
}

/// The remedy for `id`, filled with `vars` (keys: `path`, `port`, `version`, `machine`,
/// `resourceGroup`, `subscription`, `folder`, `modulePath`, `user`).
pub fn remedy(id: DiagnosisId, vars: &Vars) -> Remedy {
    let docs = entry(id).docs.to_string();
    let machine = var(vars, "machine", "<machine>");
    let rg = var(vars, "resourceGroup", "<resource-group>");
    // The same names as one word of each command line (prose keeps them as they are).
    let (machine_sh, rg_sh) = (sh_arg(machine), sh_arg(rg));
    let (machine_ps, rg_ps) = (ps_arg(machine), ps_arg(rg));
    let port = var(vars, "port", "22");
    let (text, commands): (String, Vec<ShellCommand>) = match id {
        DiagnosisId::ClientBinariesNotFound => (
            "Install the OpenSSH client, or tell the client which folder holds ssh and ssh-keygen: \
             az takes --ssh-client-folder; Azure PowerShell looks only on PATH."
                .into(),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --ssh-client-folder {}", sh_quote(var(vars, "folder", "<folder with ssh>")))),
                cmd(Shell::Powershell, format!("$env:PATH = {} + [IO.Path]::PathSeparator + $env:PATH", ps_quote(var(vars, "folder", "<folder with ssh>")))),
                cmd(Shell::Sh, "sudo apt-get install openssh-client    # or: sudo dnf install openssh-clients"),
            ],
        ),
        DiagnosisId::ArcproxyVersionMismatch => (
            format!(
                "Az.Ssh supports only Az.Ssh.ArcProxy 1.x; the module at {} is version {}. Install a 1.x version beside it and update Az.Ssh.",
                var(vars, "modulePath", "<module path>"),
                var(vars, "version", "<version>")
            ),
            vec![cmd(Shell::Powershell, "Update-Module Az.Ssh; Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force")],
        ),
        DiagnosisId::ArcproxyNotInstalled => (
            "Install the Az.Ssh.ArcProxy module (1.x) from the PowerShell Gallery into a folder on PSModulePath.".into(),
            vec![cmd(Shell::Powershell, "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force")],
        ),
        DiagnosisId::ProxyPermissionDenied => {
            let path = var(vars, "path", "<proxy file>");
            (
                format!("Let the connecting user execute the SSH proxy {path}: add the execute bit, or move the proxy folder off a noexec mount."),
                vec![
                    cmd(Shell::Sh, format!("chmod u+x {}", sh_quote(path))),
                    cmd(Shell::Powershell, format!("chmod u+x {}", ps_quote(path))),
                ],
            )
        }
        DiagnosisId::PostPreviewReconfiguration | DiagnosisId::SshTrafficNotAllowed => {
            let uri = service_config_uri(vars);
            let text = if id == DiagnosisId::PostPreviewReconfiguration {
                format!("The machine is still set up the preview way. Create the SSH service configuration for port {port} on its connectivity endpoint (the agent's local port allow-list no longer decides).")
            } else {
                format!("Make sure sshd runs on the server and allow port {port} in the SSH service configuration of the machine's connectivity endpoint.")
            };
            (
                text,
                vec![
                    cmd(Shell::Az, format!("az rest --method put --uri \"{uri}\" --body '{{\"properties\": {{\"serviceName\": \"SSH\", \"port\": {port}}}}}'")),
                    cmd(Shell::Powershell, format!("Invoke-AzRestMethod -Method PUT -Path \"{uri}\" -Payload '{{\"properties\": {{\"serviceName\": \"SSH\", \"port\": {port}}}}}'")),
                    cmd(Shell::Sh, "sudo systemctl enable --now ssh    # on the Arc-enabled server (sshd on RHEL-like systems)"),
                ],
            )
        }
        DiagnosisId::EndpointCreationForbidden => (
            format!("Creating the default connectivity endpoint or SSH service configuration of {machine} needs Owner or Contributor on it; ask one of them to run the connection once or to set it up."),
            vec![
                cmd(Shell::Az, format!("az role assignment create --assignee {} --role Contributor --scope \"/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}\"", var(vars, "user", "<user>"), var(vars, "subscription", "<subscription>"))),
                cmd(Shell::Powershell, format!("New-AzRoleAssignment -SignInName {} -RoleDefinitionName Contributor -Scope {}", ps_word(var(vars, "user", "<user>")), ps_quote(&format!("/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}", var(vars, "subscription", "<subscription>"))))),
            ],
        ),
        DiagnosisId::ConnectPermissionMissing => {
            // The role azure.permissions found to grant what is missing; without a live
            // read (explain), the smallest role that lets one connect at all.
            let role = var(vars, "role", "Virtual Machine Local User Login");
            (
                format!("Grant the connecting user '{role}' on {machine} (for Microsoft Entra login 'Virtual Machine User Login' or 'Virtual Machine Administrator Login'; with --local-user 'Virtual Machine Local User Login' is enough), then sign in again."),
                vec![
                    cmd(Shell::Az, format!("az role assignment create --assignee {} --role \"{role}\" --scope \"/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}\"", var(vars, "user", "<user>"), var(vars, "subscription", "<subscription>"))),
                    cmd(Shell::Powershell, format!("New-AzRoleAssignment -SignInName {} -RoleDefinitionName '{role}' -Scope '/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}'", var(vars, "user", "<user>"), var(vars, "subscription", "<subscription>"))),
                ],
            )
        }
        DiagnosisId::ProviderNotRegistered => (
            "Register the Microsoft.HybridConnectivity resource provider, wait until registrationState is Registered, then restart the Connected Machine agent on the server.".into(),
            vec![
                cmd(Shell::Az, "az provider register -n Microsoft.HybridConnectivity && az provider show -n Microsoft.HybridConnectivity --query registrationState"),
                cmd(Shell::Powershell, "Register-AzResourceProvider -ProviderNamespace Microsoft.HybridConnectivity"),
            ],
        ),
        DiagnosisId::NotSignedIn => (
            "Sign in to Azure (or refresh the sign-in) in the client you connect with.".into(),
            vec![cmd(Shell::Az, "az login"), cmd(Shell::Powershell, "Connect-AzAccount")],
        ),
        DiagnosisId::MachineNotFound => (
            format!("No Arc-enabled server named {machine} was found in {rg}. Check the active subscription and the names, and that you can read the resource group."),
            vec![
                cmd(Shell::Az, format!("az account show --query id && az resource list -g {rg_sh} --query \"[?name=='{machine}'].type\"")),
                cmd(Shell::Powershell, format!("Get-AzResource -ResourceGroupName {} -Name {}", ps_word(rg), ps_word(machine))),
            ],
        ),
        DiagnosisId::MachineDisconnected => (
            format!("{machine} is not connected to Azure. Check the Connected Machine agent on the server."),
            vec![cmd(Shell::Sh, "sudo azcmagent show && sudo azcmagent check")],
        ),
        DiagnosisId::AgentOutdated => (
            format!("Upgrade the Connected Machine agent on {machine} to 1.31 or newer (it reports {}).", var(vars, "version", "an older version")),
            vec![cmd(Shell::Sh, "sudo apt-get install --only-upgrade azcmagent    # or: sudo dnf upgrade azcmagent")],
        ),
        DiagnosisId::EntraLoginExtensionMissing => (
            format!("Install the Microsoft Entra SSH login extension on {machine}, or connect with --local-user."),
            vec![cmd(Shell::Az, format!("az connectedmachine extension create -g {rg_sh} --machine-name {machine_sh} --publisher Microsoft.Azure.ActiveDirectory --name AADSSHLogin --type AADSSHLoginForLinux --location <machine location>"))],
        ),
        DiagnosisId::ServiceConfigPropagating => (
            "The SSH service configuration was just created and has not reached the agent yet; wait a minute and connect again.".into(),
            vec![],
        ),
        DiagnosisId::RelayListenerUnavailable => (
            "The Connected Machine agent's relay listener is not connected. Restart the agent's services on the server and check its network access to *.servicebus.windows.net.".into(),
            vec![cmd(Shell::Sh, "sudo systemctl restart himdsd arcproxyd; sudo azcmagent check")],
        ),
        DiagnosisId::RelayUnreachable => {
            let namespace = var(vars, "namespace", "<namespace>.servicebus.windows.net");
            (
                format!("The SSH proxy on this machine could not open its TLS connection to Azure Relay ({namespace}, port 443). Let this machine resolve and reach *.servicebus.windows.net on 443: allow it in the firewall and in any outbound proxy (without TLS inspection, which the proxy refuses), and when a proxy is required set HTTPS_PROXY where az or PowerShell runs."),
                vec![
                    cmd(Shell::Sh, format!("getent hosts {} && curl -sS -o /dev/null -w '%{{http_code}}\\n' {}", sh_quote(namespace), sh_quote(&format!("https://{namespace}/")))),
                    cmd(Shell::Powershell, format!("Resolve-DnsName {0}; Test-NetConnection {0} -Port 443", ps_quote(namespace))),
                ],
            )
        }
        DiagnosisId::ProxyArchitectureUnsupported => (
            format!("There is no SSH proxy build for {} in the client in use. Use an x64 or arm64 build of a current Azure CLI ssh extension (2.0.3 or later supports arm64), or connect from a supported machine.", var(vars, "platform", "this platform")),
            vec![cmd(Shell::Az, "az extension update --name ssh")],
        ),
        DiagnosisId::OpensshVersionIncompatible => (
            "An OpenSSH server older than 7.8 cannot accept the certificates an OpenSSH client 8.8 or newer sends for Microsoft Entra login. Update OpenSSH on the server, or connect with --local-user.".into(),
            vec![],
        ),
        DiagnosisId::PrivateKeyPermissions => {
            let path = var(vars, "path", "<key file>");
            (
                format!("ssh refuses {path} because other users can read it. Restrict it to your own user."),
                vec![
                    cmd(Shell::Sh, format!("chmod 600 {}", sh_quote(path))),
                    cmd(Shell::Powershell, format!("icacls {} /inheritance:r /grant:r \"$($env:USERNAME):R\"", ps_quote(path))),
                ],
            )
        }
        DiagnosisId::LocalUserRequired => (
            format!("SSH login with Microsoft Entra ID is not supported for Windows; connect to {machine} as a local user."),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --local-user <user>")),
                cmd(Shell::Powershell, format!("Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -LocalUser <user>")),
            ],
        ),
        DiagnosisId::ProxyFileCorrupt => (
            format!("{} is not a working proxy (empty, cut short, a link to nowhere, or built for another system). Delete it so the client fetches a fresh copy.", var(vars, "path", "The proxy file")),
            vec![cmd(Shell::Sh, format!("rm {}", sh_quote(var(vars, "path", "<proxy file>"))))],
        ),
        DiagnosisId::SshExtensionMissing => (
            "Install or update the Azure CLI ssh extension (2.0.0 or later; 2.0.3 or later on arm64).".into(),
            vec![cmd(Shell::Az, "az extension add --name ssh --upgrade")],
        ),
        DiagnosisId::AzsshModuleMissing => (
            "Install the Az.Ssh module (it brings Enter-AzVM) together with Az.Ssh.ArcProxy 1.x.".into(),
            vec![cmd(Shell::Powershell, "Install-Module Az.Ssh, Az.Ssh.ArcProxy -Scope CurrentUser -Repository PSGallery")],
        ),
        DiagnosisId::EntraCertificateUnavailable => (
            format!("Only a user account can get the Microsoft Entra SSH certificate here; a managed identity, Cloud Shell's own sign-in or (in Azure PowerShell before Az.Ssh 0.3.1) a service principal cannot. Connect to {machine} as a local user, or sign in as a user (in Cloud Shell: az login --scope https://pas.windows.net/CheckMyAccess/Linux/.default)."),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --local-user <user>")),
                cmd(Shell::Powershell, format!("Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -LocalUser <user>")),
                cmd(Shell::Az, "az login --scope https://pas.windows.net/CheckMyAccess/Linux/.default"),
            ],
        ),
        DiagnosisId::SshExtensionBroken => (
            "The ssh extension fails inside itself (a traceback, a missing dependency such as oras, or an extension that needs a newer CLI core). Reinstall it so that it and its dependencies match this Azure CLI, and update the CLI if the extension asks for a newer core.".into(),
            vec![
                cmd(Shell::Az, "az extension remove --name ssh; az extension add --name ssh"),
                cmd(Shell::Az, "az upgrade"),
            ],
        ),
        DiagnosisId::EntraCertTooOpenWam => (
            "On Windows, az signed in through the Web Account Manager broker (WAM) writes the temporary Entra certificate with permissions OpenSSH refuses. Changing them does not help (the file is new on every run): update the Azure CLI, or turn the broker off and sign in again.".into(),
            vec![
                cmd(Shell::Az, "az upgrade"),
                cmd(Shell::Az, "az config set core.allow_broker=false core.enable_broker_on_windows=false; az account clear; az login"),
            ],
        ),
        DiagnosisId::ResourceNameAmbiguous => (
            format!("More than one resource in {rg} is named {machine} (an Arc-enabled server and an Azure VM, or several Arc types); name the type you mean."),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --resource-type Microsoft.HybridCompute/machines")),
                cmd(Shell::Powershell, format!("Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -ResourceType Microsoft.HybridCompute/machines")),
            ],
        ),
        DiagnosisId::ProxyDownloadBlocked => {
            let folder = var(vars, "folder", "<folder with a copied proxy>");
            (
                "az could not download the SSH proxy (from mcr.microsoft.com; extensions before 2.0.3 from sshproxysa.blob.core.windows.net): a TLS-inspecting proxy, a firewall or no internet. Let az through with the settings it honours (HTTPS_PROXY, REQUESTS_CA_BUNDLE holding your inspection CA), or copy the proxy from a machine that has it and pass its folder with --ssh-proxy-folder.".into(),
                vec![
                    cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --ssh-proxy-folder {}", sh_quote(folder))),
                    cmd(Shell::Sh, "export HTTPS_PROXY=http://<proxy>:<port> REQUESTS_CA_BUNDLE=<CA bundle with your inspection certificate>"),
                ],
            )
        }
        DiagnosisId::SshAuthRefused => (
            format!("The server turned down every key ssh offered; that alone does not say why. For Microsoft Entra login it is usually a missing 'Virtual Machine User Login' role on {machine}, the AADSSHLoginForLinux extension missing, or OpenSSH versions that cannot agree on the certificate's signature; for a local user, a key the server does not know. Run the doctor against the machine to tell them apart."),
            vec![
                cmd(Shell::Az, format!("az ssh-troubleshoot arc -g {rg_sh} -n {machine_sh}")),
                cmd(Shell::Powershell, format!("Test-AzSshArc -ResourceGroupName {rg_ps} -Name {machine_ps}")),
            ],
        ),
        DiagnosisId::SshConnectionClosed => (
            format!("ssh only says that the connection through the SSH proxy ended; the cause is elsewhere. It is usually one of: sshd not running or port {port} not allowed on the server, the agent's relay listener down, a service configuration made before the agent was 1.31, or a configuration not live yet. Run the doctor against the machine to tell them apart."),
            vec![
                cmd(Shell::Az, format!("az ssh-troubleshoot arc -g {rg_sh} -n {machine_sh}")),
                cmd(Shell::Powershell, format!("Test-AzSshArc -ResourceGroupName {rg_ps} -Name {machine_ps}")),
                cmd(Shell::Sh, "sudo ssh-troubleshoot server    # on the Arc-enabled server"),
            ],
        ),
    };
    Remedy {
        text,
        commands,
        docs,
    }
}

/// A value as one sh word; a `<placeholder>` (no value known) stays as it is for the
/// user to replace.
fn sh_arg(value: &str) -> String {
    if is_placeholder(value) {
        value.to_string()
    } else {
        sh_quote(value)
    }
}

/// A value as one PowerShell argument; a `<placeholder>` stays as it is.
fn ps_arg(value: &str) -> String {
    if is_placeholder(value) {
        value.to_string()
    } else {
        ps_word(value)
    }
}

fn is_placeholder(value: &str) -> bool {
    value.starts_with('<') && value.ends_with('>')
}
