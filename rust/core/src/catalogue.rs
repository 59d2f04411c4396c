//! The diagnosis catalogue of `CONTRACT.md` §5: one entry per id, with its title, docs
//! link and the remedy filled with the user's own values.
//!
//! Live checks and the explain engine both name these ids; remedies are rendered here
//! so the two always give the same advice.

use std::collections::BTreeMap;

use crate::model::{Remedy, Shell, ShellCommand};

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
];

pub fn diagnosis(id: &str) -> Option<&'static Diagnosis> {
    DIAGNOSES.iter().find(|d| d.id == id)
}

/// Values a remedy is filled with; missing ones render as `<name>`.
pub type Vars = BTreeMap<String, String>;

fn var<'a>(vars: &'a Vars, key: &str, placeholder: &'a str) -> &'a str {
    vars.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .unwrap_or(placeholder)
}

fn cmd(shell: Shell, command: impl Into<String>) -> ShellCommand {
    ShellCommand {
        shell,
        command: command.into(),
    }
}

/// Single-quotes a value for POSIX sh and PowerShell alike (both double a quote inside
/// single quotes differently, so each gets its own form).
pub fn sh_quote(value: &str) -> String {
    if !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:=@%,".contains(&b))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

pub fn ps_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

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
pub fn remedy(id: &str, vars: &Vars) -> Remedy {
    let docs = diagnosis(id).map(|d| d.docs).unwrap_or(GUIDE).to_string();
    let machine = var(vars, "machine", "<machine>");
    let rg = var(vars, "resourceGroup", "<resource-group>");
    let port = var(vars, "port", "22");
    let (text, commands): (String, Vec<ShellCommand>) = match id {
        "client-binaries-not-found" => (
            "Install the OpenSSH client, or tell the client which folder holds ssh and ssh-keygen: \
             az takes --ssh-client-folder; Azure PowerShell looks only on PATH."
                .into(),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg} -n {machine} --ssh-client-folder {}", sh_quote(var(vars, "folder", "<folder with ssh>")))),
                cmd(Shell::Powershell, format!("$env:PATH = {} + [IO.Path]::PathSeparator + $env:PATH", ps_quote(var(vars, "folder", "<folder with ssh>")))),
                cmd(Shell::Sh, "sudo apt-get install openssh-client    # or: sudo dnf install openssh-clients"),
            ],
        ),
        "arcproxy-version-mismatch" => (
            format!(
                "Az.Ssh supports only Az.Ssh.ArcProxy 1.x; the module at {} is version {}. Install a 1.x version beside it and update Az.Ssh.",
                var(vars, "modulePath", "<module path>"),
                var(vars, "version", "<version>")
            ),
            vec![cmd(Shell::Powershell, "Update-Module Az.Ssh; Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force")],
        ),
        "arcproxy-not-installed" => (
            "Install the Az.Ssh.ArcProxy module (1.x) from the PowerShell Gallery into a folder on PSModulePath.".into(),
            vec![cmd(Shell::Powershell, "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force")],
        ),
        "proxy-permission-denied" => {
            let path = var(vars, "path", "<proxy file>");
            (
                format!("Let the connecting user execute the SSH proxy {path}: add the execute bit, or move the proxy folder off a noexec mount."),
                vec![
                    cmd(Shell::Sh, format!("chmod u+x {}", sh_quote(path))),
                    cmd(Shell::Powershell, format!("chmod u+x {}", ps_quote(path))),
                ],
            )
        }
        "post-preview-reconfiguration" | "ssh-traffic-not-allowed" => {
            let uri = service_config_uri(vars);
            let text = if id == "post-preview-reconfiguration" {
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
        "endpoint-creation-forbidden" => (
            format!("Creating the default connectivity endpoint or SSH service configuration of {machine} needs Owner or Contributor on it; ask one of them to run the connection once or to set it up."),
            vec![
                cmd(Shell::Az, format!("az role assignment create --assignee {} --role Contributor --scope \"/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}\"", var(vars, "user", "<user>"), var(vars, "subscription", "<subscription>"))),
            ],
        ),
        "connect-permission-missing" => {
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
        "provider-not-registered" => (
            "Register the Microsoft.HybridConnectivity resource provider, wait until registrationState is Registered, then restart the Connected Machine agent on the server.".into(),
            vec![
                cmd(Shell::Az, "az provider register -n Microsoft.HybridConnectivity && az provider show -n Microsoft.HybridConnectivity --query registrationState"),
                cmd(Shell::Powershell, "Register-AzResourceProvider -ProviderNamespace Microsoft.HybridConnectivity"),
            ],
        ),
        "not-signed-in" => (
            "Sign in to Azure (or refresh the sign-in) in the client you connect with.".into(),
            vec![cmd(Shell::Az, "az login"), cmd(Shell::Powershell, "Connect-AzAccount")],
        ),
        "machine-not-found" => (
            format!("No Arc-enabled server named {machine} was found in {rg}. Check the active subscription and the names, and that you can read the resource group."),
            vec![
                cmd(Shell::Az, format!("az account show --query id && az resource list -g {rg} --query \"[?name=='{machine}'].type\"")),
                cmd(Shell::Powershell, format!("Get-AzResource -ResourceGroupName {rg} -Name {machine}")),
            ],
        ),
        "machine-disconnected" => (
            format!("{machine} is not connected to Azure. Check the Connected Machine agent on the server."),
            vec![cmd(Shell::Sh, "sudo azcmagent show && sudo azcmagent check")],
        ),
        "agent-outdated" => (
            format!("Upgrade the Connected Machine agent on {machine} to 1.31 or newer (it reports {}).", var(vars, "version", "an older version")),
            vec![cmd(Shell::Sh, "sudo apt-get install --only-upgrade azcmagent    # or: sudo dnf upgrade azcmagent")],
        ),
        "entra-login-extension-missing" => (
            format!("Install the Microsoft Entra SSH login extension on {machine}, or connect with --local-user."),
            vec![cmd(Shell::Az, format!("az connectedmachine extension create -g {rg} --machine-name {machine} --publisher Microsoft.Azure.ActiveDirectory --name AADSSHLogin --type AADSSHLoginForLinux --location <machine location>"))],
        ),
        "service-config-propagating" => (
            "The SSH service configuration was just created and has not reached the agent yet; wait a minute and connect again.".into(),
            vec![],
        ),
        "relay-listener-unavailable" => (
            "The Connected Machine agent's relay listener is not connected. Restart the agent's services on the server and check its network access to *.servicebus.windows.net.".into(),
            vec![cmd(Shell::Sh, "sudo systemctl restart himdsd arcproxyd; sudo azcmagent check")],
        ),
        "proxy-architecture-unsupported" => (
            format!("There is no SSH proxy build for {} in the client in use. Use an x64 or arm64 build of a current Azure CLI ssh extension (2.0.3 or later supports arm64), or connect from a supported machine.", var(vars, "platform", "this platform")),
            vec![cmd(Shell::Az, "az extension update --name ssh")],
        ),
        "openssh-version-incompatible" => (
            "An OpenSSH server older than 7.8 cannot accept the certificates an OpenSSH client 8.8 or newer sends for Microsoft Entra login. Update OpenSSH on the server, or connect with --local-user.".into(),
            vec![],
        ),
        "private-key-permissions" => {
            let path = var(vars, "path", "<key file>");
            (
                format!("ssh refuses {path} because other users can read it. Restrict it to your own user."),
                vec![
                    cmd(Shell::Sh, format!("chmod 600 {}", sh_quote(path))),
                    cmd(Shell::Powershell, format!("icacls {} /inheritance:r /grant:r \"$($env:USERNAME):R\"", ps_quote(path))),
                ],
            )
        }
        "local-user-required" => (
            format!("SSH login with Microsoft Entra ID is not supported for Windows; connect to {machine} as a local user."),
            vec![
                cmd(Shell::Az, format!("az ssh arc -g {rg} -n {machine} --local-user <user>")),
                cmd(Shell::Powershell, format!("Enter-AzVM -ResourceGroupName {rg} -Name {machine} -LocalUser <user>")),
            ],
        ),
        "proxy-file-corrupt" => (
            format!("{} is not a working proxy (empty, cut short, a link to nowhere, or built for another system). Delete it so the client fetches a fresh copy.", var(vars, "path", "The proxy file")),
            vec![cmd(Shell::Sh, format!("rm {}", sh_quote(var(vars, "path", "<proxy file>"))))],
        ),
        "ssh-extension-missing" => (
            "Install or update the Azure CLI ssh extension (2.0.0 or later; 2.0.3 or later on arm64).".into(),
            vec![cmd(Shell::Az, "az extension add --name ssh --upgrade")],
        ),
        "azssh-module-missing" => (
            "Install the Az.Ssh module (it brings Enter-AzVM) together with Az.Ssh.ArcProxy 1.x.".into(),
            vec![cmd(Shell::Powershell, "Install-Module Az.Ssh, Az.Ssh.ArcProxy -Scope CurrentUser -Repository PSGallery")],
        ),
        _ => ("See the troubleshooting guide.".into(), vec![]),
    };
    Remedy {
        text,
        commands,
        docs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_diagnosis_has_a_specific_remedy_and_https_docs() {
        for d in DIAGNOSES {
            let r = remedy(d.id, &Vars::new());
            assert_ne!(
                r.text, "See the troubleshooting guide.",
                "{} has no remedy",
                d.id
            );
            assert!(r.docs.starts_with("https://"), "{}", d.id);
        }
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = DIAGNOSES.iter().map(|d| d.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), DIAGNOSES.len());
    }

    #[test]
    fn remedy_fills_the_users_values() {
        let vars: Vars = [(
            "path",
            "/home/a b/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        )]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let r = remedy("proxy-permission-denied", &vars);
        assert_eq!(
            r.commands[0].command,
            "chmod u+x '/home/a b/.clientsshproxy/sshProxy_linux_amd64_1_3_026973'"
        );
        let vars: Vars = [
            ("port", "2222"),
            ("machine", "web01"),
            ("resourceGroup", "rg1"),
            ("subscription", "0000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let r = remedy("ssh-traffic-not-allowed", &vars);
        assert!(r.commands[0].command.contains("/subscriptions/0000/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/web01/"));
        assert!(r.commands[0].command.contains("\"port\": 2222"));
    }

    #[test]
    fn quoting_survives_hostile_values() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(ps_quote("it's"), "'it''s'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }
}
