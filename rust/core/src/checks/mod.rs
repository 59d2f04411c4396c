//! Every check, one file each; `crate::registry` decides which run and in what order.
//! The contract they implement is [`crate::check`], re-exported here.

pub use crate::check::*;

pub mod az_extension;
pub mod azure_entra_identity;
pub mod azure_entra_login;
pub mod azure_live_probe;
pub mod azure_machine;
pub mod azure_permissions;
pub mod azure_provider;
pub mod azure_relay_credentials;
pub mod azure_service_config;
pub mod azure_sign_in;
pub mod client_proxy_download;
pub mod client_sign_in_broker;
pub mod openssh;
pub mod proxy_binary;
pub mod proxy_file;
pub mod ps_modules;
pub mod ps_proxy_binary;
pub mod server_agent;
pub mod server_agent_allowlist;
pub mod server_agent_services;
pub mod server_allowed_port;
pub mod server_entra_login;
pub mod server_network;
pub mod server_sshd_answers;
pub mod server_sshd_common;
pub mod server_sshd_config;
pub mod server_sshd_service;
