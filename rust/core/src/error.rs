//! Tool failures (not findings): each has a stable code hosts can map and users can
//! search for.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("the request is not valid JSON for schemaVersion 1: {0}")]
    InvalidRequest(String),
    #[error("schemaVersion {0} is not supported; this build speaks schemaVersion 1")]
    UnsupportedSchema(u32),
    #[error("the command '{0}' is not available in this build")]
    UnsupportedCommand(String),
    #[error("this operating system is not supported (Windows, macOS and Linux are)")]
    UnsupportedPlatform,
    #[error("the request is too large ({size} bytes; the limit is {limit})")]
    RequestTooLarge { size: usize, limit: usize },
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Stable identifiers: never change one, only add.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid-request",
            Error::UnsupportedSchema(_) => "unsupported-schema",
            Error::UnsupportedCommand(_) => "unsupported-command",
            Error::UnsupportedPlatform => "unsupported-platform",
            Error::RequestTooLarge { .. } => "request-too-large",
            Error::Internal(_) => "internal",
        }
    }
}
