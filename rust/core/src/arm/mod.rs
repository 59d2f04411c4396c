//! Azure Resource Manager: a blocking HTTPS client ([`ArmClient`]) and the pure helpers
//! the Azure checks need: injection-proof request paths ([`path`]), reading access-token
//! claims ([`token`]) and judging effective permissions ([`permissions`]).
//!
//! Self-contained: nothing here depends on other modules of the crate but the
//! platform names.

pub mod agent_identity;
pub mod client;
pub(crate) mod endpoint;
pub mod error;
pub(crate) mod io_thread;
pub mod path;
pub mod permissions;
pub mod response;
pub mod retry;
pub mod token;

pub use client::{
    ArmClient, ArmSettings, DEFAULT_ENDPOINT, MAX_BODY_BYTES, MAX_REQUEST_TIMEOUT, MAX_RETRIES,
    Throttling,
};
pub use error::ArmError;
pub use path::{ArmPath, PathError, machine_path};
pub use permissions::{Permissions, ROLES, Role, roles_granting};
pub use response::{ArmResponse, ArmResult, Method};
pub use token::{TokenClaims, TokenError};

#[cfg(test)]
mod client_retry_tests;
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod offline_tests;
#[cfg(test)]
mod path_tests;
#[cfg(test)]
mod permissions_tests;
#[cfg(test)]
mod token_tests;
