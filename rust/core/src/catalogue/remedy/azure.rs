//! The remedies of the diagnoses that sit in Azure (resources, roles, the provider, sign-in).

use super::{Step, Values};
use crate::catalogue::{cmd, ps_quote, var};
use crate::model::Shell;
use crate::quote::ps_word;

pub(super) fn endpoint_creation_forbidden(v: &Values) -> Step {
    let Values {
        vars, machine, rg, ..
    } = v;
    (
        format!(
            "Creating the default connectivity endpoint or SSH service configuration of {machine} needs Owner or Contributor on it; ask one of them to run the connection once or to set it up."
        ),
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az role assignment create --assignee {} --role Contributor --scope \"/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}\"",
                    var(vars, "user", "<user>"),
                    var(vars, "subscription", "<subscription>")
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "New-AzRoleAssignment -SignInName {} -RoleDefinitionName Contributor -Scope {}",
                    ps_word(var(vars, "user", "<user>")),
                    ps_quote(&format!(
                        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}",
                        var(vars, "subscription", "<subscription>")
                    ))
                ),
            ),
        ],
    )
}

pub(super) fn connect_permission_missing(v: &Values) -> Step {
    let Values {
        vars, machine, rg, ..
    } = v;
    // The role azure.permissions found to grant what is missing; without a live
    // read (explain), the smallest role that lets one connect at all.
    let role = var(vars, "role", "Virtual Machine Local User Login");
    (
        format!(
            "Grant the connecting user '{role}' on {machine} (for Microsoft Entra login 'Virtual Machine User Login' or 'Virtual Machine Administrator Login'; with --local-user 'Virtual Machine Local User Login' is enough), then sign in again."
        ),
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az role assignment create --assignee {} --role \"{role}\" --scope \"/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}\"",
                    var(vars, "user", "<user>"),
                    var(vars, "subscription", "<subscription>")
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "New-AzRoleAssignment -SignInName {} -RoleDefinitionName '{role}' -Scope '/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.HybridCompute/machines/{machine}'",
                    var(vars, "user", "<user>"),
                    var(vars, "subscription", "<subscription>")
                ),
            ),
        ],
    )
}

pub(super) fn provider_not_registered(_: &Values) -> Step {
    (
        "Register the Microsoft.HybridConnectivity resource provider, wait until registrationState is Registered, then restart the Connected Machine agent on the server.".into(),
        vec![
            cmd(Shell::Az, "az provider register -n Microsoft.HybridConnectivity && az provider show -n Microsoft.HybridConnectivity --query registrationState"),
            cmd(Shell::Powershell, "Register-AzResourceProvider -ProviderNamespace Microsoft.HybridConnectivity"),
        ],
    )
}

pub(super) fn not_signed_in(_: &Values) -> Step {
    (
        "Sign in to Azure (or refresh the sign-in) in the client you connect with.".into(),
        vec![
            cmd(Shell::Az, "az login"),
            cmd(Shell::Powershell, "Connect-AzAccount"),
        ],
    )
}

pub(super) fn machine_not_found(v: &Values) -> Step {
    let Values {
        machine, rg, rg_sh, ..
    } = v;
    (
        format!(
            "No Arc-enabled server named {machine} was found in {rg}. Check the active subscription and the names, and that you can read the resource group."
        ),
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az account show --query id && az resource list -g {rg_sh} --query \"[?name=='{machine}'].type\""
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Get-AzResource -ResourceGroupName {} -Name {}",
                    ps_word(rg),
                    ps_word(machine)
                ),
            ),
        ],
    )
}

pub(super) fn machine_disconnected(v: &Values) -> Step {
    let Values { machine, .. } = v;
    (
        format!(
            "{machine} is not connected to Azure. Check the Connected Machine agent on the server."
        ),
        vec![cmd(
            Shell::Sh,
            "sudo azcmagent show && sudo azcmagent check",
        )],
    )
}

pub(super) fn entra_login_extension_missing(v: &Values) -> Step {
    let Values {
        machine,
        machine_sh,
        rg_sh,
        ..
    } = v;
    (
        format!(
            "Install the Microsoft Entra SSH login extension on {machine}, or connect with --local-user."
        ),
        vec![cmd(
            Shell::Az,
            format!(
                "az connectedmachine extension create -g {rg_sh} --machine-name {machine_sh} --publisher Microsoft.Azure.ActiveDirectory --name AADSSHLogin --type AADSSHLoginForLinux --location <machine location>"
            ),
        )],
    )
}

pub(super) fn service_config_propagating(_: &Values) -> Step {
    (
        "The SSH service configuration was just created and has not reached the agent yet; wait a minute and connect again.".into(),
        vec![],
    )
}

pub(super) fn local_user_required(v: &Values) -> Step {
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
            "SSH login with Microsoft Entra ID is not supported for Windows; connect to {machine} as a local user."
        ),
        vec![
            cmd(
                Shell::Az,
                format!("az ssh arc -g {rg_sh} -n {machine_sh} --local-user <user>"),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -LocalUser <user>"
                ),
            ),
        ],
    )
}

pub(super) fn entra_certificate_unavailable(v: &Values) -> Step {
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
            "Only a user account can get the Microsoft Entra SSH certificate here; a managed identity, Cloud Shell's own sign-in or (in Azure PowerShell before Az.Ssh 0.3.1) a service principal cannot. Connect to {machine} as a local user, or sign in as a user (in Cloud Shell: az login --scope https://pas.windows.net/CheckMyAccess/Linux/.default)."
        ),
        vec![
            cmd(
                Shell::Az,
                format!("az ssh arc -g {rg_sh} -n {machine_sh} --local-user <user>"),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -LocalUser <user>"
                ),
            ),
            cmd(
                Shell::Az,
                "az login --scope https://pas.windows.net/CheckMyAccess/Linux/.default",
            ),
        ],
    )
}

pub(super) fn resource_name_ambiguous(v: &Values) -> Step {
    let Values {
        machine,
        rg,
        machine_sh,
        rg_sh,
        machine_ps,
        rg_ps,
        ..
    } = v;
    (
        format!(
            "More than one resource in {rg} is named {machine} (an Arc-enabled server and an Azure VM, or several Arc types); name the type you mean."
        ),
        vec![
            cmd(
                Shell::Az,
                format!(
                    "az ssh arc -g {rg_sh} -n {machine_sh} --resource-type Microsoft.HybridCompute/machines"
                ),
            ),
            cmd(
                Shell::Powershell,
                format!(
                    "Enter-AzVM -ResourceGroupName {rg_ps} -Name {machine_ps} -ResourceType Microsoft.HybridCompute/machines"
                ),
            ),
        ],
    )
}
