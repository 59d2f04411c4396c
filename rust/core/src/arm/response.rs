//! ARM answers: the response type, reading and judging bodies, request ids.

use super::error::{ArmError, Transport, classify};
use serde_json::Value;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The outcome of one ARM call: any HTTP answer, or a transport failure.
pub type ArmResult = Result<ArmResponse, ArmError>;

/// The HTTP methods ARM calls use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Put => reqwest::Method::PUT,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// An HTTP answer from ARM, whatever its status.
#[derive(Clone, PartialEq)]
pub struct ArmResponse {
    pub status: u16,
    /// Parsed JSON; `Null` when empty; for a non-2xx answer that is not JSON (a proxy's
    /// HTML page, say) its text as a string, cut at 4 KB.
    pub body: Value,
    /// `x-ms-correlation-request-id`.
    pub correlation_id: Option<String>,
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// The full request URL (path and query; holds no secrets).
    pub url: String,
}

impl ArmResponse {
    /// 200-299.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `error.code` of an ARM error body (or a top-level `code`).
    pub fn error_code(&self) -> Option<&str> {
        self.body
            .pointer("/error/code")
            .or_else(|| self.body.get("code"))
            .and_then(Value::as_str)
    }

    /// `error.message` of an ARM error body (or a top-level `message`).
    pub fn error_message(&self) -> Option<&str> {
        self.body
            .pointer("/error/message")
            .or_else(|| self.body.get("message"))
            .and_then(Value::as_str)
    }
}

/// Debug shows the body with secret-looking fields (relay access keys, tokens, SAS
/// signatures) redacted, so a failed assertion or a log line cannot leak them.
impl fmt::Debug for ArmResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmResponse")
            .field("status", &self.status)
            .field("body", &redact_secrets(&self.body))
            .field("correlation_id", &self.correlation_id)
            .field("request_id", &self.request_id)
            .field("url", &self.url)
            .finish()
    }
}

/// A copy of `v` with the string values of secret-looking keys replaced.
pub fn redact_secrets(v: &Value) -> Value {
    const SECRET_WORDS: &[&str] = &["key", "token", "secret", "password", "signature", "sas"];
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    let secret = SECRET_WORDS.iter().any(|w| lower.contains(w));
                    let v = match v {
                        Value::String(s) if secret => {
                            Value::String(format!("<redacted:{} chars>", s.len()))
                        }
                        other => redact_secrets(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_secrets).collect()),
        Value::String(s) if s.contains("SharedAccessSignature") || s.contains("sig=") => {
            Value::String(format!("<redacted:{} chars>", s.len()))
        }
        other => other.clone(),
    }
}

/// Reads the whole body, up to [`super::client::MAX_BODY_BYTES`] (the request's own
/// timeout bounds the time). `Err((error, retryable))`: a body that broke off is
/// retryable.
pub(crate) async fn read_body(
    resp: &mut reqwest::Response,
    url: &str,
    status: u16,
) -> Result<Vec<u8>, (ArmError, bool)> {
    let limit = super::client::MAX_BODY_BYTES;
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(None) => return Ok(out),
            Ok(Some(chunk)) => out.extend_from_slice(&chunk),
            Err(e) => {
                return Err(match classify(&e) {
                    Transport::Connect { detail } => (
                        ArmError::BadBody {
                            url: url.to_string(),
                            status,
                            detail: format!(
                                "the answer broke off after {} bytes: {detail}",
                                out.len()
                            ),
                        },
                        true,
                    ),
                    other => (other.into_error(url), false),
                });
            }
        }
        if out.len() > limit {
            let detail = format!("the answer is larger than {limit} bytes");
            return Err((
                ArmError::BadBody {
                    url: url.to_string(),
                    status,
                    detail,
                },
                false,
            ));
        }
    }
}

/// JSON of a 2xx answer (else `BadBody`); lenient for other statuses.
#[doc(hidden)]
pub fn parse_body(bytes: &[u8], status: u16, url: &str) -> Result<Value, ArmError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => Ok(v),
        Err(e) if (200..300).contains(&status) => Err(ArmError::BadBody {
            url: url.to_string(),
            status,
            detail: format!("not valid JSON ({e})"),
        }),
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            Ok(Value::String(text.chars().take(4096).collect()))
        }
    }
}

/// A fresh random UUID (version 4 layout) for `x-ms-client-request-id`.
pub fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher, RandomState};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let word = |salt: u64| {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(salt);
        h.finish()
    };
    let mut v = (u128::from(word(1)) << 64) | u128::from(word(2));
    v = (v & !(0xF << 76)) | (0x4 << 76);
    v = (v & !(0x3 << 62)) | (0x2 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        v >> 96,
        (v >> 80) & 0xFFFF,
        (v >> 64) & 0xFFFF,
        (v >> 48) & 0xFFFF,
        v & 0xFFFF_FFFF_FFFF
    )
}
