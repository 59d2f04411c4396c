//! The core of ssh-troubleshoot: every check, the knowledge base of error messages and
//! the platform rules. It knows nothing of its hosts and never prints; a host hands it
//! a [`Request`] and renders the [`Report`] it gets back.

pub mod arm;
pub mod azure;
pub mod cancel;
pub mod catalogue;
pub mod checks;
pub mod engine;
pub mod env;
pub mod error;
pub mod explain;
pub mod fixes;
pub mod fixes_azure;
pub mod fleet;
pub mod model;
pub mod parse;
pub mod platform;
pub mod probe;
pub mod registry;
pub mod run;
pub mod share;
pub mod watch;

pub use cancel::Cancel;
pub use engine::EngineOptions;
pub use error::Error;
pub use model::{Report, Request};
pub use run::{
    run, run_cancellable, run_watching, run_with, run_with_cancel, run_with_options,
    run_with_progress,
};

/// Requests past this size are refused: they can only be mistakes or attacks.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// JSON in, JSON out, never failing: the answer is a report or
/// `{"error": {"code": "...", "message": "..."}}`. What the C ABI and bindings call.
pub fn run_json(request_json: &str) -> String {
    run_json_with(request_json, run)
}

/// Decodes a request document as [`run_json`] does: size limit, then the schema.
pub fn decode_request(request_json: &str) -> Result<Request, Error> {
    if request_json.len() > MAX_REQUEST_BYTES {
        return Err(Error::RequestTooLarge {
            size: request_json.len(),
            limit: MAX_REQUEST_BYTES,
        });
    }
    serde_json::from_str::<Request>(request_json).map_err(|e| Error::InvalidRequest(e.to_string()))
}

/// [`run_json`] with another way to run the decoded request (the fuzz targets run only
/// what has no side effects on the machine).
#[doc(hidden)]
pub fn run_json_with(
    request_json: &str,
    run: impl FnOnce(&Request) -> Result<Report, Error>,
) -> String {
    match decode_request(request_json)
        .and_then(|request| run(&request))
        .and_then(|report| {
            serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))
        }) {
        Ok(json) => json,
        Err(e) => error_json(&e),
    }
}

pub fn error_json(e: &Error) -> String {
    serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } }).to_string()
}
