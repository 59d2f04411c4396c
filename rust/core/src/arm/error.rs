//! Transport-level failures of ARM calls. Non-2xx answers are not errors: they come
//! back as [`super::ArmResponse`] so callers can interpret 401/403/404/409.
//!
//! No variant ever holds the access token; URLs hold no secrets (the endpoint may not
//! carry credentials, and proxy URLs are shown with their credentials removed).

use std::error::Error as StdError;
use std::io;

/// The hint added to every TLS failure.
pub const TLS_HINT: &str = "if you use a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at its CA";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArmError {
    #[error("invalid Azure Resource Manager endpoint: {0}")]
    InvalidEndpoint(String),
    #[error(
        "refusing to send an access token over plain http to {host}: use https (plain http is allowed only to 127.0.0.0/8, ::1 and localhost)"
    )]
    InsecureEndpoint { host: String },
    #[error("no Azure access token: sign in (az login) or set SSH_TROUBLESHOOT_ACCESS_TOKEN")]
    NoToken,
    #[error("the Azure access token cannot be sent in an HTTP header (it holds {0})")]
    InvalidToken(&'static str),
    #[error("invalid proxy: {0}")]
    InvalidProxy(String),
    #[error("timed out waiting for Azure Resource Manager at {url}")]
    Timeout { url: String },
    #[error("could not reach Azure Resource Manager at {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("TLS failure talking to {url}: {detail}; {hint}", hint = TLS_HINT)]
    Tls { url: String, detail: String },
    #[error(
        "Azure Resource Manager answered {status} with an unreadable body from {url}: {detail}"
    )]
    BadBody {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("cannot use the CA bundle {path}: {detail}")]
    CaBundle { path: String, detail: String },
    #[error("the call to {url} was cancelled")]
    Cancelled { url: String },
}

impl ArmError {
    /// A stable identifier per variant.
    pub fn code(&self) -> &'static str {
        match self {
            ArmError::InvalidEndpoint(_) => "arm-invalid-endpoint",
            ArmError::InsecureEndpoint { .. } => "arm-insecure-endpoint",
            ArmError::NoToken => "arm-no-token",
            ArmError::InvalidToken(_) => "arm-invalid-token",
            ArmError::InvalidProxy(_) => "arm-invalid-proxy",
            ArmError::Timeout { .. } => "arm-timeout",
            ArmError::Connect { .. } => "arm-connect",
            ArmError::Tls { .. } => "arm-tls",
            ArmError::BadBody { .. } => "arm-bad-body",
            ArmError::CaBundle { .. } => "arm-ca-bundle",
            ArmError::Cancelled { .. } => "arm-cancelled",
        }
    }
}

/// What went wrong on the wire, before it is tied to a URL.
#[derive(Debug)]
pub(crate) enum Transport {
    Timeout,
    Tls(String),
    /// Connection refused, reset or closed early; DNS and proxy failures.
    Connect {
        detail: String,
    },
}

impl Transport {
    pub(crate) fn into_error(self, url: &str) -> ArmError {
        let url = url.to_string();
        match self {
            Transport::Timeout => ArmError::Timeout { url },
            Transport::Tls(detail) => ArmError::Tls { url, detail },
            Transport::Connect { detail } => ArmError::Connect { url, detail },
        }
    }
}

/// Every error in the chain, looking inside `io::Error`s (whose `source()` skips the
/// error they wrap).
fn chain<'a>(top: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut cur = Some(top);
    while let Some(e) = cur {
        out.push(e);
        if out.len() > 16 {
            break;
        }
        cur = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    out
}

/// Classifies a transport failure from reqwest, hyper, rustls or I/O.
pub(crate) fn classify(err: &(dyn StdError + 'static)) -> Transport {
    let links = chain(err);
    if let Some(tls) = links.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return Transport::Tls(explain_tls(tls));
    }
    let timed_out = links.iter().any(|e| {
        e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
            || e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
    });
    if timed_out {
        return Transport::Timeout;
    }
    Transport::Connect {
        detail: describe(&links),
    }
}

/// rustls' message plus, for certificate problems, what it means in plain words.
fn explain_tls(err: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let plain = match err {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension => {
                Some("the server's certificate was not issued by a CA this client trusts")
            }
            C::Expired | C::ExpiredContext { .. } => Some("the server's certificate has expired"),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                Some("the server's certificate is for another host name")
            }
            C::Revoked => Some("the server's certificate is revoked"),
            _ => None,
        },
        _ => None,
    };
    match plain {
        Some(p) => format!("{p} ({err})"),
        None => err.to_string(),
    }
}

/// The chain's messages below reqwest's own "error sending request for url (...)",
/// joined with ": ", repeated texts dropped.
fn describe(links: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in links {
        if e.downcast_ref::<reqwest::Error>().is_some() && links.len() > 1 {
            continue;
        }
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        "connection failed".to_string()
    } else {
        parts.join(": ")
    }
}
