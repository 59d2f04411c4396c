//! The request log (`requests.jsonl`) and the ids put on answers.

use crate::http::Request;
use serde_json::{Map, Value, json};
use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct RequestLog(Mutex<File>, std::time::Instant);

impl RequestLog {
    pub fn new(file: File) -> RequestLog {
        RequestLog(Mutex::new(file), std::time::Instant::now())
    }

    /// Appends one JSON line and flushes it, so tests can read the log while we serve.
    pub fn record(&self, req: &Request, route: Option<usize>) {
        self.record_with(req, route, &Value::Null);
    }

    /// [`RequestLog::record`] plus the fields of `extra` (an object), and `ms`: when the
    /// request arrived, in milliseconds since the server started.
    pub fn record_with(&self, req: &Request, route: Option<usize>, extra: &Value) {
        let mut headers = Map::new();
        for (k, v) in &req.headers {
            let v = match k.as_str() {
                "authorization" => redact(v),
                "x-identity-header" => format!("<redacted:{} chars>", v.len()),
                _ => v.clone(),
            };
            match headers.get_mut(k) {
                Some(Value::String(prev)) => *prev = format!("{prev}, {v}"),
                _ => {
                    headers.insert(k.clone(), Value::String(v));
                }
            }
        }
        let query: Map<String, Value> = req
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let body = if req.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&req.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&req.body).into_owned()))
        };
        let mut line = json!({
            "method": req.method, "path": req.path, "query": query,
            "headers": headers, "body": body, "route": route,
            "ms": self.1.elapsed().as_millis() as u64,
        });
        if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
            line.extend(extra.clone());
        }
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = f.write_all(format!("{line}\n").as_bytes());
        let _ = f.flush();
    }
}

/// `Bearer abc` becomes `Bearer <redacted:3 chars>`.
fn redact(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, secret)) => format!("{scheme} <redacted:{} chars>", secret.trim().len()),
        None => format!("<redacted:{} chars>", value.len()),
    }
}

/// A random UUID-shaped id (version 4 layout).
pub fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let word = || {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.finish()
    };
    let (a, b) = (word(), word());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}
