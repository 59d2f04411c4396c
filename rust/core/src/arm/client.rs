//! A blocking HTTPS client for Azure Resource Manager (reqwest + rustls with `ring`).
//!
//! - Trust: with `ca_bundle` (hosts pass `REQUESTS_CA_BUNDLE`/`SSL_CERT_FILE`, as az
//!   honours them) exactly the certificates of that PEM file; otherwise the platform's
//!   verifier (`rustls-platform-verifier`, which reqwest already depends on: the OS
//!   trust store on Windows/macOS, the system CA files on Linux), so a corporate CA the
//!   OS trusts is trusted here too.
//! - Proxy: `proxy` from the host (with `NO_PROXY` applied), else `HTTPS_PROXY`/
//!   `https_proxy`/`ALL_PROXY` and `NO_PROXY` from the environment (and the Windows/
//!   macOS system settings). Loopback endpoints never go through a proxy.
//! - Retries: 429, 500, 502, 503, 504 and broken connections are retried up to
//!   `max_retries` times, honouring `Retry-After` (seconds or HTTP-date) and
//!   `retry-after-ms`; a requested wait over [`super::retry::MAX_WAIT`] is not waited
//!   for (the answer goes back to the caller), and all waits together stay under
//!   `request_timeout`. Timeouts, TLS failures and other 4xx are never retried.
//! - Time: each attempt (connect, headers and body) is bounded by `request_timeout`,
//!   and one call, retries and waits included, by `request_timeout * (max_retries + 1)`
//!   and by the client's give-up instant ([`ArmClient::give_up_at`]) when it has one.
//! - Secrets: the token is only ever put in the `Authorization` header (marked
//!   sensitive); `Debug` of the settings and the client redacts it, and no error holds it.
//!
//! - Cancel: a client made with [`ArmClient::with_cancel`] stops waiting the moment
//!   its handle fires: the call in flight is aborted (its connection closed) and
//!   comes back as [`ArmError::Cancelled`], and no retry wait goes on.
//!
//! Each client (with its clones) drives its I/O on one thread of its own
//! ([`super::io_thread`]), joined when the last clone is dropped. Do not create or use
//! a client from inside an async (tokio) runtime.

use super::error::{ArmError, classify};
use super::io_thread::{IoThread, Waited};
use super::path::ArmPath;
use super::retry;
use crate::cancel::Cancel;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue,
};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

pub use super::response::{ArmResponse, ArmResult, Method};

/// Answers larger than this are refused (ARM pages are far smaller).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// `request_timeout` is clamped to 1 ms ..= this.
pub const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(3600);
/// `max_retries` is capped at this.
pub const MAX_RETRIES: u32 = 10;
/// The public cloud's endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://management.azure.com";

/// What a host hands the client.
#[derive(Clone)]
pub struct ArmSettings {
    /// e.g. `https://management.azure.com` (a trailing `/` is fine).
    pub endpoint: String,
    /// The ARM access token (without `Bearer `). `None`: every call fails with `NoToken`.
    pub token: Option<String>,
    /// PEM file whose certificates are the only ones trusted.
    pub ca_bundle: Option<String>,
    /// Proxy URL (`http://[user:pass@]host:port`); `None`: the environment's.
    pub proxy: Option<String>,
    /// Bound on one attempt (connect + answer + body); clamped to 1 ms ..= 1 hour.
    pub request_timeout: Duration,
    /// Retries after the first attempt (at most [`MAX_RETRIES`]).
    pub max_retries: u32,
}

impl Default for ArmSettings {
    fn default() -> Self {
        ArmSettings {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            token: None,
            ca_bundle: None,
            proxy: None,
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
        }
    }
}

impl fmt::Debug for ArmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmSettings")
            .field("endpoint", &redact_userinfo(&self.endpoint))
            .field("token", &self.token.as_ref().map(|t| Redacted(t.len())))
            .field("ca_bundle", &self.ca_bundle)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted:{} chars>", self.0)
    }
}

/// The ARM client; `Send + Sync`, share it with `Arc` (or clone: clones share the
/// connection pool).
#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    io: Arc<IoThread>,
    /// Calls stop waiting when this fires (a fresh handle, never fired, by default).
    cancel: Cancel,
    /// `scheme://authority[/prefix]`, no trailing `/`.
    base: String,
    /// The prefix part of `base` (`""` for most endpoints).
    base_path: String,
    auth: Option<Arc<HeaderValue>>,
    token_len: usize,
    bad_token: Option<&'static str>,
    timeout: Duration,
    max_retries: u32,
    ca_bundle: Option<String>,
    proxy: Option<String>,
    /// No call runs (or waits to retry) past this instant.
    give_up_at: Option<Instant>,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.base)
            .field(
                "token",
                &self.auth.as_ref().map(|_| Redacted(self.token_len)),
            )
            .field("ca_bundle", &self.ca_bundle)
            .field("proxy", &self.proxy)
            .field("request_timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

impl ArmClient {
    /// Validates the settings and builds the HTTP client; no network I/O.
    pub fn new(settings: ArmSettings) -> Result<ArmClient, ArmError> {
        let ep = super::endpoint::parse(&settings.endpoint)?;
        let tls = super::endpoint::tls_config(settings.ca_bundle.as_deref(), &ep.base)?;
        let timeout = settings
            .request_timeout
            .clamp(Duration::from_millis(1), MAX_REQUEST_TIMEOUT);
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("ssh-troubleshoot/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout);
        let proxy = settings
            .proxy
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        if let Some(p) = proxy {
            let url = if p.contains("://") {
                p.to_string()
            } else {
                format!("http://{p}")
            };
            let proxy = reqwest::Proxy::all(&url)
                .map_err(|e| ArmError::InvalidProxy(format!("{}: {e}", redact_userinfo(&url))))?
                .no_proxy(reqwest::NoProxy::from_env());
            builder = builder.proxy(proxy);
        } else if ep.loopback {
            builder = builder.no_proxy();
        }
        let io = IoThread::start().map_err(|e| {
            ArmError::InvalidEndpoint(format!("cannot start the HTTP client's thread: {e}"))
        })?;
        let http = io.enter(|| builder.build()).map_err(|e| {
            ArmError::InvalidEndpoint(format!("cannot set up the HTTP client: {e}"))
        })?;
        let token = settings
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let (auth, bad_token) = match token {
            None => (None, None),
            Some(t) => match bearer(t) {
                Ok(v) => (Some(Arc::new(v)), None),
                Err(why) => (None, Some(why)),
            },
        };
        Ok(ArmClient {
            http,
            io: Arc::new(io),
            cancel: Cancel::new(),
            base: ep.base,
            base_path: ep.base_path,
            auth,
            token_len: token.map_or(0, str::len),
            bad_token,
            timeout,
            max_retries: settings.max_retries.min(MAX_RETRIES),
            ca_bundle: settings.ca_bundle,
            proxy: proxy.map(redact_userinfo),
            give_up_at: None,
        })
    }

    /// The same client (sharing the connection pool), whose calls end by `at`: an
    /// attempt still running then fails as a timeout, no retry waits past it, and a
    /// call made after it fails at once. A host running under a deadline uses this so
    /// that a hanging call comes back as a timeout, naming its URL, while there is
    /// still time to report it.
    pub fn give_up_at(&self, at: Instant) -> ArmClient {
        ArmClient {
            give_up_at: Some(at),
            ..self.clone()
        }
    }

    /// The same client (sharing the connection pool), whose calls stop when `cancel`
    /// fires: the call in flight is aborted and fails with [`ArmError::Cancelled`], and
    /// a call made after it fails at once.
    pub fn with_cancel(&self, cancel: &Cancel) -> ArmClient {
        ArmClient {
            cancel: cancel.clone(),
            ..self.clone()
        }
    }

    /// The endpoint in use, without a trailing `/`.
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// `GET {path}?api-version={api_version}`.
    pub fn get(&self, path: &ArmPath, api_version: &str) -> ArmResult {
        self.send(Method::Get, path, api_version, &[], None)
    }

    /// One ARM call with retries (see the module docs). Non-2xx answers are `Ok`.
    pub fn send(
        &self,
        method: Method,
        path: &ArmPath,
        api_version: &str,
        extra_query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> ArmResult {
        self.send_observed(method, path, api_version, extra_query, body)
            .map(|(r, _)| r)
    }

    /// [`ArmClient::send`], also giving the throttling headers of the last answer (for
    /// callers that pace many calls themselves: build the client with `max_retries: 0`).
    pub fn send_observed(
        &self,
        method: Method,
        path: &ArmPath,
        api_version: &str,
        extra_query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(ArmResponse, Throttling), ArmError> {
        if let Some(why) = self.bad_token {
            return Err(ArmError::InvalidToken(why));
        }
        let auth = self.auth.as_deref().ok_or(ArmError::NoToken)?;
        let url = self.url_for(path, api_version, extra_query)?;
        let body = body.map(|b| b.to_string().into_bytes());
        let cancelled = || ArmError::Cancelled {
            url: url.as_str().to_string(),
        };
        if self.cancel.is_cancelled() {
            return Err(cancelled());
        }
        let request_id = super::response::new_request_id();
        let own = Instant::now()
            + self
                .timeout
                .saturating_mul(self.max_retries.saturating_add(1));
        let deadline = self.give_up_at.map_or(own, |at| at.min(own));
        if Instant::now() >= deadline {
            return Err(ArmError::Timeout {
                url: url.as_str().to_string(),
            });
        }
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let per_attempt = self.timeout.min(remaining).max(Duration::from_millis(1));
            let outcome = self.attempt(
                method,
                &url,
                auth,
                &request_id,
                body.as_deref(),
                per_attempt,
            );
            let (retryable, requested) = match &outcome {
                Ok((resp, t)) => (retry::is_retryable_status(resp.status), t.retry_after),
                Err((_, retryable)) => (*retryable, None),
            };
            if !retryable || attempt >= self.max_retries {
                return finish(outcome);
            }
            let wait = match requested {
                Some(w) if w > retry::MAX_WAIT => return finish(outcome),
                Some(w) => w,
                None => retry::backoff(attempt),
            };
            if waited + wait > self.timeout || Instant::now() + wait >= deadline {
                return finish(outcome);
            }
            if !self.cancel.sleep(wait) {
                return Err(cancelled());
            }
            waited += wait;
            attempt += 1;
        }
    }

    fn url_for(
        &self,
        path: &ArmPath,
        api_version: &str,
        extra_query: &[(&str, &str)],
    ) -> Result<reqwest::Url, ArmError> {
        let text = format!("{}{}", self.base, path.as_str());
        let mut url = reqwest::Url::parse(&text)
            .map_err(|e| ArmError::InvalidEndpoint(format!("{text}: {e}")))?;
        let expected = format!("{}{}", self.base_path, path.as_str());
        if url.path() != expected {
            return Err(ArmError::InvalidEndpoint(format!(
                "the path {expected} would be sent as {}",
                url.path()
            )));
        }
        if !api_version.is_empty() || !extra_query.is_empty() {
            let mut q = url.query_pairs_mut();
            if !api_version.is_empty() {
                q.append_pair("api-version", api_version);
            }
            for (k, v) in extra_query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// One request; `Err((error, retryable))` for transport failures.
    fn attempt(
        &self,
        method: Method,
        url: &reqwest::Url,
        auth: &HeaderValue,
        request_id: &str,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<(ArmResponse, Throttling), (ArmError, bool)> {
        let url_text = url.as_str();
        let mut req = self
            .http
            .request(method.to_reqwest(), url.clone())
            .timeout(timeout)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, auth.clone())
            .header("x-ms-client-request-id", request_id);
        match body {
            Some(b) => {
                req = req
                    .header(CONTENT_TYPE, "application/json")
                    .body(b.to_vec())
            }
            // ARM refuses a bodiless POST without a length (411); say it is empty.
            None if matches!(method, Method::Put | Method::Post) => {
                req = req.header(CONTENT_LENGTH, "0").body(Vec::new())
            }
            None => {}
        }
        let exchange = exchange(req, url_text.to_string(), timeout);
        // The task bounds itself by `timeout`; the wait's own bound only guards against
        // a runtime that stopped answering.
        let bound = timeout.saturating_add(Duration::from_secs(1));
        let (status, headers, bytes) = match self.io.run(exchange, bound, &self.cancel) {
            Waited::Done(answer) => answer?,
            Waited::Cancelled => {
                let url = url_text.to_string();
                return Err((ArmError::Cancelled { url }, false));
            }
            Waited::TimedOut => {
                let url = url_text.to_string();
                return Err((ArmError::Timeout { url }, false));
            }
        };
        let throttling = Throttling {
            retry_after: retry::requested_wait(&headers, SystemTime::now()),
            remaining_subscription_reads: header_text(
                &headers,
                "x-ms-ratelimit-remaining-subscription-reads",
            )
            .and_then(|v| v.parse().ok()),
            user_quota_remaining: header_text(&headers, "x-ms-user-quota-remaining")
                .and_then(|v| v.parse().ok()),
            user_quota_resets_after: header_text(&headers, "x-ms-user-quota-resets-after")
                .as_deref()
                .and_then(retry::parse_hms),
        };
        let body = super::response::parse_body(&bytes, status, url_text).map_err(|e| (e, false))?;
        Ok((
            ArmResponse {
                status,
                body,
                correlation_id: header_text(&headers, "x-ms-correlation-request-id"),
                request_id: header_text(&headers, "x-ms-request-id"),
                url: url_text.to_string(),
            },
            throttling,
        ))
    }
}

/// An answer's status, headers and body, as the I/O thread read them.
type Exchanged = Result<(u16, HeaderMap, Vec<u8>), (ArmError, bool)>;

/// Sends `req` and reads the whole answer, on the I/O thread, within `timeout`.
async fn exchange(req: reqwest::RequestBuilder, url: String, timeout: Duration) -> Exchanged {
    let whole = async {
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let t = classify(&e);
                let retryable = matches!(t, super::error::Transport::Connect { .. });
                return Err((t.into_error(&url), retryable));
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = super::response::read_body(&mut resp, &url, status).await?;
        Ok((status, headers, bytes))
    };
    match tokio::time::timeout(timeout, whole).await {
        Ok(answer) => answer,
        Err(_) => Err((ArmError::Timeout { url: url.clone() }, false)),
    }
}

fn finish(
    outcome: Result<(ArmResponse, Throttling), (ArmError, bool)>,
) -> Result<(ArmResponse, Throttling), ArmError> {
    outcome.map_err(|(e, _)| e)
}

/// What an answer said about throttling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttling {
    /// `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`.
    pub retry_after: Option<Duration>,
    /// `x-ms-ratelimit-remaining-subscription-reads`.
    pub remaining_subscription_reads: Option<u64>,
    /// Resource Graph: `x-ms-user-quota-remaining`.
    pub user_quota_remaining: Option<u64>,
    /// Resource Graph: `x-ms-user-quota-resets-after` (`hh:mm:ss`).
    pub user_quota_resets_after: Option<Duration>,
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `Bearer <token>` as a sensitive header value, or why the token cannot be sent.
fn bearer(token: &str) -> Result<HeaderValue, &'static str> {
    if token.chars().any(char::is_control) {
        return Err("control characters");
    }
    if !token.is_ascii() {
        return Err("non-ASCII characters");
    }
    if token.contains(' ') {
        return Err("spaces");
    }
    let mut v =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| "invalid characters")?;
    v.set_sensitive(true);
    Ok(v)
}

/// `scheme://user:pass@host` -> `scheme://***@host`; other text unchanged.
pub fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return match url.rfind('@') {
            Some(at) => format!("***{}", &url[at..]),
            None => url.to_string(),
        };
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end + 3], &rest[at..]),
        None => url.to_string(),
    }
}
