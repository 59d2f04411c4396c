//! The remedies of the diagnoses that sit on the Arc-enabled server.

use super::{Step, Values, service_config_uri};
use crate::catalogue::{cmd, var};
use crate::model::{DiagnosisId, Shell};

pub(super) fn port_not_allowed(v: &Values) -> Step {
    let Values { vars, port, id, .. } = v;
    let uri = service_config_uri(vars);
    let text = if *id == DiagnosisId::PostPreviewReconfiguration {
        format!(
            "The machine is still set up the preview way. Create the SSH service configuration for port {port} on its connectivity endpoint (the agent's local port allow-list no longer decides)."
        )
    } else {
        format!(
            "Make sure sshd runs on the server and allow port {port} in the SSH service configuration of the machine's connectivity endpoint."
        )
    };
    (
        text,
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az rest --method put --uri \"{uri}\" --body '{{\"properties\": {{\"serviceName\": \"SSH\", \"port\": {port}}}}}'"
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Invoke-AzRestMethod -Method PUT -Path \"{uri}\" -Payload '{{\"properties\": {{\"serviceName\": \"SSH\", \"port\": {port}}}}}'"
                ),
            ),
            cmd(
                Shell::Sh,
                "sudo systemctl enable --now ssh    # on the Arc-enabled server (sshd on RHEL-like systems)",
            ),
        ],
    )
}

pub(super) fn agent_outdated(v: &Values) -> Step {
    let Values { vars, machine, .. } = v;
    (
        format!(
            "Upgrade the Connected Machine agent on {machine} to 1.31 or newer (it reports {}).",
            var(vars, "version", "an older version")
        ),
        vec![cmd(
            Shell::Sh,
            "sudo apt-get install --only-upgrade azcmagent    # or: sudo dnf upgrade azcmagent",
        )],
    )
}

pub(super) fn relay_listener_unavailable(_: &Values) -> Step {
    (
        "The Connected Machine agent's relay listener is not connected. Restart the agent's services on the server and check its network access to *.servicebus.windows.net.".into(),
        vec![cmd(Shell::Sh, "sudo systemctl restart himdsd arcproxyd; sudo azcmagent check")],
    )
}

pub(super) fn ssh_auth_refused(v: &Values) -> Step {
    let Values {
        machine,
        machine_sh,
        rg_sh,
        machine_ps,
        rg_ps,
        ..
    } = v;
    (
        format!(
            "The server turned down every key ssh offered; that alone does not say why. For Microsoft Entra login it is usually a missing 'Virtual Machine User Login' role on {machine}, the AADSSHLoginForLinux extension missing, or OpenSSH versions that cannot agree on the certificate's signature; for a local user, a key the server does not know. Run the doctor against the machine to tell them apart."
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
        ],
    )
}
