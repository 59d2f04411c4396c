//! Checking the ARM endpoint and building the TLS configuration.

use super::client::redact_userinfo;
use super::error::ArmError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

/// A checked endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://authority[/prefix]`, no trailing `/`.
    pub base: String,
    /// `/prefix` or `""`.
    pub base_path: String,
    /// The host is 127.0.0.0/8, ::1 or localhost.
    pub loopback: bool,
}

/// Accepts `https://host[:port][/prefix][/]`, and `http://` only to a loopback host
/// (else [`ArmError::InsecureEndpoint`]: the token would cross the network in clear).
/// Credentials, queries and fragments are refused.
pub(crate) fn parse(endpoint: &str) -> Result<Endpoint, ArmError> {
    let raw = endpoint.trim();
    let shown = redact_userinfo(raw);
    let invalid = |why: &str| ArmError::InvalidEndpoint(format!("{shown:?}: {why}"));
    if raw.is_empty() {
        return Err(ArmError::InvalidEndpoint(
            "the endpoint is empty".to_string(),
        ));
    }
    let url = reqwest::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => {
            return Err(invalid(&format!(
                "unsupported scheme {other:?} (use https)"
            )));
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("an endpoint must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an endpoint must not contain a query or fragment"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("no host"))?;
    let loopback = is_loopback(host);
    if !https && !loopback {
        return Err(ArmError::InsecureEndpoint {
            host: host.to_string(),
        });
    }
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let base_path = url.path().trim_end_matches('/').to_string();
    Ok(Endpoint {
        base: format!("{}://{authority}{base_path}", url.scheme()),
        base_path,
        loopback,
    })
}

/// `localhost`, 127.0.0.0/8 or ::1 (as `url` prints hosts: IPv6 in brackets).
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// rustls with the `ring` provider: trusting exactly the certificates of `ca_bundle`,
/// or the platform verifier without one.
pub(crate) fn tls_config(
    ca_bundle: Option<&str>,
    endpoint: &str,
) -> Result<rustls::ClientConfig, ArmError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_setup = |detail: String| ArmError::Tls {
        url: endpoint.to_string(),
        detail: format!("cannot set up TLS: {detail}"),
        hint: super::error::tls_hint(crate::model::Client::default()),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_setup(e.to_string()))?;
    let path = ca_bundle.map(str::trim).filter(|p| !p.is_empty());
    let config = match path {
        Some(path) => builder
            .with_root_certificates(load_roots(path)?)
            .with_no_client_auth(),
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider)
                .map_err(|e| tls_setup(e.to_string()))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    Ok(config)
}

/// The certificates of a PEM bundle; other PEM sections (keys, CRLs) are skipped.
pub(crate) fn load_roots(path: &str) -> Result<rustls::RootCertStore, ArmError> {
    let fail = |detail: String| ArmError::CaBundle {
        path: path.to_string(),
        detail,
    };
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| fail(format!("not a readable PEM file ({e})")))?;
    if certs.is_empty() {
        return Err(fail(
            "no certificates found (expected PEM \"BEGIN CERTIFICATE\" blocks)".to_string(),
        ));
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(fail(format!(
            "none of its {ignored} certificates could be used"
        )));
    }
    Ok(roots)
}
