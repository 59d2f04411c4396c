//! `client.proxy-download`: when az has not downloaded its SSH proxy yet, can this
//! machine reach where az downloads it from? A TLS handshake (certificate validated,
//! no HTTP) to `mcr.microsoft.com:443`, or `sshproxysa.blob.core.windows.net:443` for
//! ssh extensions before 2.0.3, the way az would make it:
//!
//! - through `HTTPS_PROXY` when set (az's requests honour it);
//! - trusting `REQUESTS_CA_BUNDLE` when set, else Mozilla's roots, which is what az's
//!   certifi bundle holds. A TLS-inspecting proxy whose CA sits only in the OS store
//!   fails here exactly as it fails az.
//!
//! `SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET` (`host:port`) replaces the host, so tests
//! and air-gapped mirrors can point it elsewhere.

use std::sync::Arc;
use std::time::Duration;

use semver::Version;

use crate::catalogue::Vars;
use crate::checks::az_extension::{self, AzExtensionFacts};
use crate::checks::proxy_binary;
use crate::checks::proxy_file::ProxyToRun;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::probe::tls::{self, Proxy, Reach};

pub const ID: &str = "client.proxy-download";
pub const TARGET_VAR: &str = "SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET";
const DIAGNOSIS: DiagnosisId = DiagnosisId::ProxyDownloadBlocked;
const REGISTRY: &str = "mcr.microsoft.com:443";
/// Where extensions before 2.0.3 downloaded the proxy from.
const LEGACY_STORAGE: &str = "sshproxysa.blob.core.windows.net:443";
const TARGET_TIMEOUT: Duration = Duration::from_secs(5);

pub struct ProxyDownload;

impl Check for ProxyDownload {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SSH proxy download (Azure CLI)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
    }
    fn after(&self) -> &'static [&'static str] {
        &[az_extension::ID, proxy_binary::ID]
    }
    fn timeout(&self) -> Duration {
        TARGET_TIMEOUT + Duration::from_secs(2)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        // --offline promises no network: this is the one client check that dials out.
        match az_extension::proxy_applies(ctx) {
            Applicability::Run if ctx.request.offline => {
                Applicability::Skip("--offline: the download host is not contacted.".into())
            }
            other => other,
        }
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        match deps.get::<ProxyToRun>(proxy_binary::ID) {
            Some(p) if p.not_downloaded => {}
            Some(_) => {
                return Ok(Outcome::skip(
                    "The proxy is already here; az downloads nothing.",
                ));
            }
            None => return Ok(Outcome::skip("Whether the proxy is here is not known.")),
        }
        let env = &ctx.env;
        let legacy = deps
            .get::<AzExtensionFacts>(az_extension::ID)
            .and_then(|f| f.version.as_ref())
            .is_some_and(|v| *v < Version::new(2, 0, 3));
        let target = env
            .var(TARGET_VAR)
            .unwrap_or_else(|| if legacy { LEGACY_STORAGE } else { REGISTRY }.to_string());
        let (host, port) = tls::split_host_port(&target, 443)
            .map_err(|e| CheckError(format!("{TARGET_VAR}: {e}")))?;
        let proxy_url = env.var("HTTPS_PROXY").or_else(|| env.var("https_proxy"));
        let proxy = proxy_url
            .as_deref()
            .map(Proxy::parse)
            .transpose()
            .map_err(|e| CheckError(format!("HTTPS_PROXY: {e}")))?;
        let ca = env.var("REQUESTS_CA_BUNDLE");
        let config = client_config(ca.as_deref())?;
        let reach = tls::reach_all(
            &[(host, port)],
            proxy.as_ref(),
            Arc::new(config),
            TARGET_TIMEOUT,
        )
        .pop()
        .expect("one answer per target");
        let trust = ca.map_or("Mozilla's roots (as az's certifi)".into(), |c| {
            format!("REQUESTS_CA_BUNDLE {c}")
        });
        let via = proxy.map_or("direct".into(), |p| format!("via {}", p.display()));
        Ok(judge(&target, &reach)
            .evidence("download host", target)
            .evidence("route", via)
            .evidence("trust", trust))
    }
}

/// The rule: the proxy cannot come down unless this handshake completes; a refused
/// certificate is most often a TLS-inspecting proxy.
pub fn judge(target: &str, reach: &Reach) -> Outcome {
    match &reach.result {
        Ok(version) => Outcome::pass(format!(
            "az can download the SSH proxy: TLS to {target} succeeded ({version}, certificate valid)."
        )),
        Err(e) => {
            let why = if e.contains("certificate") || e.contains("Certificate") {
                " The certificate presented is not one az trusts: a TLS-inspecting proxy usually."
            } else {
                ""
            };
            let mut vars = Vars::new();
            vars.insert("host".into(), target.to_string());
            Outcome::problem(
                Status::Fail,
                DIAGNOSIS,
                format!(
                    "The SSH proxy is not downloaded yet and az cannot fetch it: {target}: {e}.{why}"
                ),
                &vars,
            )
        }
    }
}

/// Exactly the PEM bundle when given (az's `REQUESTS_CA_BUNDLE`), else Mozilla's roots.
fn client_config(ca_bundle: Option<&str>) -> Result<rustls::ClientConfig, CheckError> {
    let roots = match ca_bundle {
        Some(path) => {
            crate::arm::endpoint::load_roots(path).map_err(|e| CheckError(e.to_string()))?
        }
        None => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add_parsable_certificates(
                webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned(),
            );
            roots
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CheckError(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_refused_handshake_names_the_host_and_why() {
        let fail = Reach {
            address: None,
            result: Err("TLS handshake failed: invalid peer certificate: UnknownIssuer".into()),
        };
        let o = judge("mcr.microsoft.com:443", &fail);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DIAGNOSIS));
        assert!(o.summary.contains("TLS-inspecting"), "{}", o.summary);
        let ok = Reach {
            address: None,
            result: Ok("TLSv1_3".into()),
        };
        assert_eq!(judge("mcr.microsoft.com:443", &ok).status, Status::Pass);
    }

    /// A real listener on 127.0.0.1 that closes every connection without TLS.
    #[test]
    fn a_server_that_hangs_up_is_a_blocked_download() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in listener.incoming().take(1) {
                drop(s);
            }
        });
        let config = client_config(None).unwrap();
        let reach = tls::reach("127.0.0.1", port, None, Arc::new(config), TARGET_TIMEOUT);
        let o = judge(&format!("127.0.0.1:{port}"), &reach);
        assert_eq!(o.status, Status::Fail, "{}", o.summary);
    }
}
