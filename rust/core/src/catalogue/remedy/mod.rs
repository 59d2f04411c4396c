//! The remedy of each diagnosis, filled with the user's own values: one text and the
//! commands for each client, so that live checks and the explain engine give the same advice.
//! One function per diagnosis, by where it sits: `client.rs`, `server.rs`, `azure.rs`;
//! the `match` here names every id, so a new one does not compile without its remedy.

use super::{Vars, entry, sh_quote, var};
use crate::model::{DiagnosisId, Remedy, ShellCommand};
use crate::quote::ps_word;

mod azure;
mod client;
mod server;

pub(super) fn service_config_uri(vars: &Vars) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.HybridCompute/machines/{}/providers/Microsoft.HybridConnectivity/endpoints/default/serviceconfigurations/SSH?api-version=2023-03-15",
        var(vars, "subscription", "<subscription>"),
        var(vars, "resourceGroup", "<resource-group>"),
        var(vars, "machine", "<machine>"),
    )
}

/// The remedy for `id`, filled with `vars` (keys: `path`, `port`, `version`, `machine`,
/// `resourceGroup`, `subscription`, `folder`, `modulePath`, `user`).
/// A remedy's text and its commands.
type Step = (String, Vec<ShellCommand>);

/// What every remedy is filled from: the user's values, and the names as one word of
/// each command line (prose keeps them as they are).
struct Values<'a> {
    id: DiagnosisId,
    vars: &'a Vars,
    machine: &'a str,
    rg: &'a str,
    port: &'a str,
    machine_sh: String,
    rg_sh: String,
    machine_ps: String,
    rg_ps: String,
}

pub fn remedy(id: DiagnosisId, vars: &Vars) -> Remedy {
    let docs = entry(id).docs.to_string();
    let machine = var(vars, "machine", "<machine>");
    let rg = var(vars, "resourceGroup", "<resource-group>");
    let (machine_sh, rg_sh) = (sh_arg(machine), sh_arg(rg));
    let (machine_ps, rg_ps) = (ps_arg(machine), ps_arg(rg));
    let port = var(vars, "port", "22");
    let values = Values {
        id,
        vars,
        machine,
        rg,
        port,
        machine_sh,
        rg_sh,
        machine_ps,
        rg_ps,
    };
    let (text, commands) = match id {
        DiagnosisId::ClientBinariesNotFound => client::client_binaries_not_found(&values),
        DiagnosisId::ArcproxyVersionMismatch => client::arcproxy_version_mismatch(&values),
        DiagnosisId::ArcproxyNotInstalled => client::arcproxy_not_installed(&values),
        DiagnosisId::ProxyPermissionDenied => client::proxy_permission_denied(&values),
        DiagnosisId::PostPreviewReconfiguration | DiagnosisId::SshTrafficNotAllowed => {
            server::port_not_allowed(&values)
        }
        DiagnosisId::EndpointCreationForbidden => azure::endpoint_creation_forbidden(&values),
        DiagnosisId::ConnectPermissionMissing => azure::connect_permission_missing(&values),
        DiagnosisId::ProviderNotRegistered => azure::provider_not_registered(&values),
        DiagnosisId::NotSignedIn => azure::not_signed_in(&values),
        DiagnosisId::MachineNotFound => azure::machine_not_found(&values),
        DiagnosisId::MachineDisconnected => azure::machine_disconnected(&values),
        DiagnosisId::AgentOutdated => server::agent_outdated(&values),
        DiagnosisId::EntraLoginExtensionMissing => azure::entra_login_extension_missing(&values),
        DiagnosisId::ServiceConfigPropagating => azure::service_config_propagating(&values),
        DiagnosisId::RelayListenerUnavailable => server::relay_listener_unavailable(&values),
        DiagnosisId::RelayUnreachable => client::relay_unreachable(&values),
        DiagnosisId::ProxyArchitectureUnsupported => {
            client::proxy_architecture_unsupported(&values)
        }
        DiagnosisId::OpensshVersionIncompatible => client::openssh_version_incompatible(&values),
        DiagnosisId::PrivateKeyPermissions => client::private_key_permissions(&values),
        DiagnosisId::LocalUserRequired => azure::local_user_required(&values),
        DiagnosisId::ProxyFileCorrupt => client::proxy_file_corrupt(&values),
        DiagnosisId::SshExtensionMissing => client::ssh_extension_missing(&values),
        DiagnosisId::AzsshModuleMissing => client::azssh_module_missing(&values),
        DiagnosisId::EntraCertificateUnavailable => azure::entra_certificate_unavailable(&values),
        DiagnosisId::SshExtensionBroken => client::ssh_extension_broken(&values),
        DiagnosisId::EntraCertTooOpenWam => client::entra_cert_too_open_wam(&values),
        DiagnosisId::ResourceNameAmbiguous => azure::resource_name_ambiguous(&values),
        DiagnosisId::ProxyDownloadBlocked => client::proxy_download_blocked(&values),
        DiagnosisId::SshAuthRefused => server::ssh_auth_refused(&values),
        DiagnosisId::SshConnectionClosed => client::ssh_connection_closed(&values),
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
