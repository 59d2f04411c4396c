//! The remedies of the diagnoses that sit on the client (OpenSSH, the az extension and its proxy, the PowerShell modules).

use super::{Step, Values};
use crate::catalogue::{cmd, ps_quote, sh_quote, var};
use crate::model::Shell;

pub(super) fn client_binaries_not_found(v: &Values) -> Step {
    let Values {
        vars,
        machine_sh,
        rg_sh,
        ..
    } = v;
    (
        "Install the OpenSSH client, or tell the client which folder holds ssh and ssh-keygen: \
         az takes --ssh-client-folder; Azure PowerShell looks only on PATH."
            .into(),
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az ssh arc -g {rg_sh} -n {machine_sh} --ssh-client-folder {}",
                    sh_quote(var(vars, "folder", "<folder with ssh>"))
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "$env:PATH = {} + [IO.Path]::PathSeparator + $env:PATH",
                    ps_quote(var(vars, "folder", "<folder with ssh>"))
                ),
            ),
            cmd(
                Shell::Sh,
                "sudo apt-get install openssh-client    # or: sudo dnf install openssh-clients",
            ),
        ],
    )
}

pub(super) fn arcproxy_version_mismatch(v: &Values) -> Step {
    let Values { vars, .. } = v;
    (
        format!(
            "Az.Ssh supports only Az.Ssh.ArcProxy 1.x; the module at {} is version {}. Install a 1.x version beside it and update Az.Ssh.",
            var(vars, "modulePath", "<module path>"),
            var(vars, "version", "<version>")
        ),
        vec![cmd(
            Shell::Powershell,
            "Update-Module Az.Ssh; Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force",
        )],
    )
}

pub(super) fn arcproxy_not_installed(_: &Values) -> Step {
    (
        "Install the Az.Ssh.ArcProxy module (1.x) from the PowerShell Gallery into a folder on PSModulePath.".into(),
        vec![cmd(Shell::Powershell, "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9 -Repository PSGallery -Force")],
    )
}

pub(super) fn proxy_permission_denied(v: &Values) -> Step {
    let Values { vars, .. } = v;
    let path = var(vars, "path", "<proxy file>");
    (
        format!(
            "Let the connecting user execute the SSH proxy {path}: add the execute bit, or move the proxy folder off a noexec mount."
        ),
        vec![
            cmd(Shell::Sh, format!("chmod u+x {}", sh_quote(path))),
            cmd(Shell::Powershell, format!("chmod u+x {}", ps_quote(path))),
        ],
    )
}

pub(super) fn relay_unreachable(v: &Values) -> Step {
    let Values { vars, .. } = v;
    let namespace = var(vars, "namespace", "<namespace>.servicebus.windows.net");
    (
        format!(
            "The SSH proxy on this machine could not open its TLS connection to Azure Relay ({namespace}, port 443). Let this machine resolve and reach *.servicebus.windows.net on 443: allow it in the firewall and in any outbound proxy (without TLS inspection, which the proxy refuses), and when a proxy is required set HTTPS_PROXY where az or PowerShell runs."
        ),
        vec![
            cmd(
                Shell::Sh,
                format!(
                    "getent hosts {} && curl -sS -o /dev/null -w '%{{http_code}}\\n' {}",
                    sh_quote(namespace),
                    sh_quote(&format!("https://{namespace}/"))
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Resolve-DnsName {0}; Test-NetConnection {0} -Port 443",
                    ps_quote(namespace)
                ),
            ),
        ],
    )
}

pub(super) fn proxy_architecture_unsupported(v: &Values) -> Step {
    let Values { vars, .. } = v;
    (
        format!(
            "There is no SSH proxy build for {} in the client in use. Use an x64 or arm64 build of a current Azure CLI ssh extension (2.0.3 or later supports arm64), or connect from a supported machine.",
            var(vars, "platform", "this platform")
        ),
        vec![cmd(Shell::Az, "az extension update --name ssh")],
    )
}

pub(super) fn openssh_version_incompatible(_: &Values) -> Step {
    (
        "An OpenSSH server older than 7.8 cannot accept the certificates an OpenSSH client 8.8 or newer sends for Microsoft Entra login. Update OpenSSH on the server, or connect with --local-user.".into(),
        vec![],
    )
}

pub(super) fn private_key_permissions(v: &Values) -> Step {
    let Values { vars, .. } = v;
    let path = var(vars, "path", "<key file>");
    (
        format!(
            "ssh refuses {path} because other users can read it. Restrict it to your own user."
        ),
        vec![
            cmd(Shell::Sh, format!("chmod 600 {}", sh_quote(path))),
            cmd(
                Shell::Powershell,
                format!(
                    "icacls {} /inheritance:r /grant:r \"$($env:USERNAME):R\"",
                    ps_quote(path)
                ),
            ),
        ],
    )
}

pub(super) fn proxy_file_corrupt(v: &Values) -> Step {
    let Values { vars, .. } = v;
    (
        format!(
            "{} is not a working proxy (empty, cut short, a link to nowhere, or built for another system). Delete it so the client fetches a fresh copy.",
            var(vars, "path", "The proxy file")
        ),
        vec![cmd(
            Shell::Sh,
            format!("rm {}", sh_quote(var(vars, "path", "<proxy file>"))),
        )],
    )
}

pub(super) fn ssh_extension_missing(_: &Values) -> Step {
    (
        "Install or update the Azure CLI ssh extension (2.0.0 or later; 2.0.3 or later on arm64)."
            .into(),
        vec![cmd(Shell::Az, "az extension add --name ssh --upgrade")],
    )
}

pub(super) fn azssh_module_missing(_: &Values) -> Step {
    (
        "Install the Az.Ssh module (it brings Enter-AzVM) together with Az.Ssh.ArcProxy 1.x."
            .into(),
        vec![cmd(
            Shell::Powershell,
            "Install-Module Az.Ssh, Az.Ssh.ArcProxy -Scope CurrentUser -Repository PSGallery",
        )],
    )
}

pub(super) fn ssh_extension_broken(_: &Values) -> Step {
    (
        "The ssh extension fails inside itself (a traceback, a missing dependency such as oras, or an extension that needs a newer CLI core). Reinstall it so that it and its dependencies match this Azure CLI, and update the CLI if the extension asks for a newer core.".into(),
        vec![
            cmd(Shell::Az, "az extension remove --name ssh; az extension add --name ssh"),
            cmd(Shell::Az, "az upgrade"),
        ],
    )
}

pub(super) fn entra_cert_too_open_wam(_: &Values) -> Step {
    (
        "On Windows, az signed in through the Web Account Manager broker (WAM) writes the temporary Entra certificate with permissions OpenSSH refuses. Changing them does not help (the file is new on every run): update the Azure CLI, or turn the broker off and sign in again.".into(),
        vec![
            cmd(Shell::Az, "az upgrade"),
            cmd(Shell::Az, "az config set core.allow_broker=false core.enable_broker_on_windows=false; az account clear; az login"),
        ],
    )
}

pub(super) fn proxy_download_blocked(v: &Values) -> Step {
    let Values {
        vars,
        machine_sh,
        rg_sh,
        ..
    } = v;
    let folder = var(vars, "folder", "<folder with a copied proxy>");
    (
        "az could not download the SSH proxy (from mcr.microsoft.com; extensions before 2.0.3 from sshproxysa.blob.core.windows.net): a TLS-inspecting proxy, a firewall or no internet. Let az through with the settings it honours (HTTPS_PROXY, REQUESTS_CA_BUNDLE holding your inspection CA), or copy the proxy from a machine that has it and pass its folder with --ssh-proxy-folder.".into(),
        vec![
            cmd(Shell::Az, format!("az ssh arc -g {rg_sh} -n {machine_sh} --ssh-proxy-folder {}", sh_quote(folder))),
            cmd(Shell::Sh, "export HTTPS_PROXY=http://<proxy>:<port> REQUESTS_CA_BUNDLE=<CA bundle with your inspection certificate>"),
        ],
    )
}

pub(super) fn ssh_connection_closed(v: &Values) -> Step {
    let Values {
        port,
        machine_sh,
        rg_sh,
        machine_ps,
        rg_ps,
        ..
    } = v;
    (
        format!(
            "ssh only says that the connection through the SSH proxy ended; the cause is elsewhere. It is usually one of: sshd not running or port {port} not allowed on the server, the agent's relay listener down, a service configuration made before the agent was 1.31, or a configuration not live yet. Run the doctor against the machine to tell them apart."
        ),
        vec![
            cmd(
                Shell::Az,
                format!("az ssh-troubleshoot arc -g {rg_sh} -n {machine_sh}"),
            ),
            cmd(
                Shell::Powershell,
                format!("Test-AzSshArc -ResourceGroupName {rg_ps} -Name {machine_ps}"),
            ),
            cmd(
                Shell::Sh,
                "sudo ssh-troubleshoot server    # on the Arc-enabled server",
            ),
        ],
    )
}
