//! The one place that decides which checks exist and in what order they are reported.

use std::sync::Arc;

use crate::checks::{self, Check};

pub fn all() -> Vec<Arc<dyn Check>> {
    let mut all: Vec<Arc<dyn Check>> = vec![
        Arc::new(checks::openssh::OpenSsh),
        Arc::new(checks::az_extension::AzSshExtension),
        Arc::new(checks::proxy_binary::ProxyBinary),
        Arc::new(checks::client_proxy_download::ProxyDownload),
        Arc::new(checks::client_sign_in_broker::SignInBroker),
        Arc::new(checks::ps_modules::PsModules),
        Arc::new(checks::ps_proxy_binary::PsProxyBinary),
        Arc::new(checks::azure_sign_in::SignIn),
        Arc::new(checks::azure_provider::ResourceProvider),
        Arc::new(checks::azure_machine::Machine),
        Arc::new(checks::azure_service_config::SshServiceConfig),
        Arc::new(checks::azure_permissions::AzurePermissions),
        Arc::new(checks::azure_entra_login::EntraLogin),
        Arc::new(checks::azure_entra_identity::EntraIdentity),
        Arc::new(checks::azure_relay_credentials::RelayCredentials),
        Arc::new(checks::azure_live_probe::LiveProbe),
    ];
    // Hidden nodes that read ARM; never reported, listed after the checks they feed.
    all.extend(crate::azure::facts::nodes());
    all
}

/// The checks `ssh-troubleshoot server` runs on the Arc-enabled server itself.
pub fn server() -> Vec<Arc<dyn Check>> {
    vec![
        // The port Azure allows, then sshd: answering on it, its service, its
        // configuration (issue 6).
        Arc::new(checks::server_allowed_port::AllowedPort),
        Arc::new(checks::server_sshd_answers::SshdAnswers),
        Arc::new(checks::server_sshd_service::SshdService),
        Arc::new(checks::server_sshd_config::SshdConfigCheck),
        // Connected Machine agent, Entra login, network (issue 6).
        Arc::new(checks::server_agent::Agent),
        Arc::new(checks::server_agent_services::AgentServices),
        Arc::new(checks::server_agent_allowlist::AgentAllowList),
        Arc::new(checks::server_entra_login::EntraLoginPackage),
        Arc::new(checks::server_network::Network),
    ]
}

/// The group a check is shown under, from its id's first part.
pub fn group(check_id: &str) -> &'static str {
    match check_id.split('.').next() {
        Some("client") => "client",
        Some("server") => "server",
        Some("azure") => "azure",
        _ => "other",
    }
}
