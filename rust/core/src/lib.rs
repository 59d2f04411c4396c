//! The core of ssh-troubleshoot: every check, the knowledge base of error messages and
//! the platform rules. It knows nothing of its hosts and never prints; a host hands it
//! a [`Request`] and renders the [`Report`] it gets back.

pub mod arm;
pub mod azure;
pub(crate) mod cancel;
pub mod catalogue;
pub(crate) mod check;
pub mod checks;
pub(crate) mod diagnose;
pub(crate) mod engine;
pub mod env;
pub mod error;
pub mod explain;
pub(crate) mod fixes;
pub(crate) mod fixes_azure;
pub mod fleet;
pub mod model;
pub mod parse;
pub mod platform;
pub mod probe;
pub(crate) mod quote;
pub mod registry;
pub mod run;
pub(crate) mod share;
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
    let mut request = serde_json::from_str::<Request>(request_json)
        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
    resolve_resource_id(&mut request, request_json)?;
    Ok(request)
}

/// `target.resourceId` (extension, what `Enter-AzVM -ResourceId` takes) names the
/// machine in one value; it becomes the target's subscription, group, type and name, by
/// the same rules as every ARM path. Given with any of those, they must agree.
fn resolve_resource_id(request: &mut Request, request_json: &str) -> Result<(), Error> {
    #[derive(serde::Deserialize)]
    struct WithId {
        target: Option<IdOnly>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct IdOnly {
        resource_id: Option<String>,
    }
    let named = serde_json::from_str::<WithId>(request_json)
        .ok()
        .and_then(|w| w.target)
        .and_then(|t| t.resource_id);
    let Some(id) = named else {
        return Ok(());
    };
    let invalid = |why: String| Error::InvalidRequest(format!("target.resourceId: {why}"));
    let parsed = arm::path::parse_machine_id(&id).map_err(|e| invalid(e.to_string()))?;
    let target = request.target.get_or_insert_with(Default::default);
    let pairs = [
        (
            "subscription",
            &mut target.subscription,
            parsed.subscription,
        ),
        (
            "resourceGroup",
            &mut target.resource_group,
            parsed.resource_group,
        ),
        (
            "resourceType",
            &mut target.resource_type,
            parsed.resource_type.to_string(),
        ),
        ("name", &mut target.name, parsed.name),
    ];
    for (field, given, from_id) in pairs {
        match given {
            Some(g) if !g.eq_ignore_ascii_case(&from_id) => {
                return Err(invalid(format!(
                    "it names {field} {from_id:?}, but target.{field} is {g:?}"
                )));
            }
            _ => *given = Some(from_id),
        }
    }
    Ok(())
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
