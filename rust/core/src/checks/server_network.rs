//! `server.network`: can this server reach what the agent's relay listener needs, over
//! TLS with certificate validation, through the agent's configured proxy?
//!
//! Targets: the request's `network_targets` (`--network-target`), else
//! `guestnotificationservice.azure.com:443` (the guest notification service, the same
//! name in every region) and, when `azcmagent show` gives the region, the relay
//! namespace `azgnrelay-<region>-l1.servicebus.windows.net:443`: the namespace the
//! relay hands out in that region (seen in relay errors, listCredentials answers and
//! Microsoft's own cluster-connect connectivity check). Azure may place a machine's
//! listener in another namespace of the region (`-l2`, ...) which only the relay
//! credentials name, so this proves the path to Service Bus, not to that exact
//! namespace. Without a region only the guest notification service is tried.
//!
//! Trust: exactly the PEM bundle in `REQUESTS_CA_BUNDLE` (else `SSL_CERT_FILE`) when
//! set, otherwise the platform verifier. Proxy: `azcmagent config get proxy.url`.

use std::sync::Arc;
use std::time::Duration;

use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Shell, Status};
use crate::probe::process;
use crate::probe::tls::{self, Proxy};

pub const ID: &str = "server.network";
pub const GUEST_NOTIFICATION_SERVICE: &str = "guestnotificationservice.azure.com:443";
/// Each target's own bound (connect, CONNECT and handshake).
const TARGET_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Network;

/// The endpoints tried when the request names none.
pub fn default_targets(location: Option<&str>) -> Vec<String> {
    let mut t = vec![GUEST_NOTIFICATION_SERVICE.to_string()];
    let region = location
        .map(|l| l.trim().to_ascii_lowercase().replace(' ', ""))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric()));
    if let Some(r) = region {
        t.push(format!("azgnrelay-{r}-l1.servicebus.windows.net:443"));
    }
    t
}

/// The proxy URL in `azcmagent config get proxy.url` output (the value alone, or after
/// the key); `None` when not set.
pub fn parse_proxy_url(stdout: &str) -> Option<String> {
    stdout
        .split_whitespace()
        .map(|t| t.trim_matches(|c| c == '"' || c == '\''))
        .find(|t| {
            t.contains("://")
                || (t.contains(':') && !t.ends_with(':') && !t.starts_with("proxy.url"))
        })
        .map(str::to_string)
}

fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((s, rest)) if rest.contains('@') => {
            format!(
                "{s}://<redacted>@{}",
                rest.rsplit_once('@').map_or("", |r| r.1)
            )
        }
        _ => url.to_string(),
    }
}

impl Check for Network {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Network from the server (relay, guest notification service)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::RelayListenerUnavailable]
    }
    fn after(&self) -> &'static [&'static str] {
        &[server_agent::ID]
    }
    fn timeout(&self) -> Duration {
        server_agent::RUN_TIMEOUT + TARGET_TIMEOUT + Duration::from_secs(2)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let facts = deps.get::<AgentFacts>(server_agent::ID);
        let targets = if ctx.request.network_targets.is_empty() {
            default_targets(facts.and_then(|f| f.show.as_ref()?.location.as_deref()))
        } else {
            ctx.request.network_targets.clone()
        };
        let parsed: Vec<(String, u16)> = targets
            .iter()
            .map(|t| tls::split_host_port(t, 443))
            .collect::<Result<_, _>>()
            .map_err(CheckError)?;

        let mut proxy_note = "none (the agent has no proxy.url)".to_string();
        let mut proxy = None;
        if let Some(path) = facts.and_then(|f| f.path.as_deref()) {
            match process::run_until(
                path,
                &["config", "get", "proxy.url"],
                server_agent::RUN_TIMEOUT,
                &ctx.cancel,
            ) {
                Ok(ran) if ran.code == Some(0) => {
                    if let Some(url) = parse_proxy_url(&ran.stdout) {
                        proxy_note = format!("{} (azcmagent proxy.url)", redact(&url));
                        proxy =
                            Some(Proxy::parse(&url).map_err(|e| {
                                CheckError(format!("proxy.url {}: {e}", redact(&url)))
                            })?);
                    }
                }
                Ok(ran) => {
                    proxy_note = format!(
                        "unknown: azcmagent config get proxy.url exited {:?}; trying directly",
                        ran.code
                    )
                }
                Err(e) => proxy_note = format!("unknown ({e}); trying directly"),
            }
        } else {
            proxy_note = "none (the agent is not installed; trying directly)".into();
        }

        let ca = ctx
            .env
            .var("REQUESTS_CA_BUNDLE")
            .or_else(|| ctx.env.var("SSL_CERT_FILE"));
        let config = crate::arm::endpoint::tls_config(ca.as_deref(), &targets.join(", "))
            .map_err(|e| CheckError(e.to_string()))?;
        let results = tls::reach_all(&parsed, proxy.as_ref(), Arc::new(config), TARGET_TIMEOUT);

        let mut failed = Vec::new();
        let mut lines = Vec::new();
        for (target, r) in targets.iter().zip(&results) {
            let via = match &proxy {
                Some(p) => format!(
                    "via proxy {} ({})",
                    p.display(),
                    r.address.map_or("unresolved".into(), |a| a.to_string())
                ),
                None => format!(
                    "direct to {}",
                    r.address.map_or("unresolved".into(), |a| a.to_string())
                ),
            };
            match &r.result {
                Ok(v) => lines.push((target.clone(), format!("{via}: {v}, certificate valid"))),
                Err(e) => {
                    lines.push((target.clone(), format!("{via}: {e}")));
                    failed.push(format!("{target} ({e})"));
                }
            }
        }
        let mut outcome = if failed.is_empty() {
            Outcome::pass(format!(
                "TLS to {} succeeded with a valid certificate.",
                targets.join(", ")
            ))
        } else {
            let mut o = Outcome::problem(
                Status::Fail,
                DiagnosisId::RelayListenerUnavailable,
                format!(
                    "This server cannot reach {}: the agent's relay listener needs these endpoints.",
                    failed.join("; ")
                ),
                &facts.map(AgentFacts::vars).unwrap_or_default(),
            );
            if let Some(r) = o.remedy.as_mut() {
                r.text = format!(
                    "Allow outbound TLS (443, with websockets) from this server to {} and *.servicebus.windows.net, \
                     directly or through the proxy set with `azcmagent config set proxy.url`; a proxy or firewall \
                     that inspects TLS must leave these endpoints alone. Then let azcmagent check the whole list.",
                    targets.join(", ")
                );
                r.commands.retain(|c| c.shell == Shell::Sh);
            }
            o
        };
        outcome = outcome.evidence("proxy", proxy_note).evidence(
            "trust",
            ca.map_or("platform verifier".into(), |c| format!("PEM bundle {c}")),
        );
        for (k, v) in lines {
            outcome = outcome.evidence(k, v);
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_add_the_regional_relay_namespace_when_the_region_is_known() {
        assert_eq!(default_targets(None), vec![GUEST_NOTIFICATION_SERVICE]);
        assert_eq!(
            default_targets(Some("eastus")),
            vec![
                GUEST_NOTIFICATION_SERVICE.to_string(),
                "azgnrelay-eastus-l1.servicebus.windows.net:443".into()
            ]
        );
        assert_eq!(default_targets(Some("bad/region")).len(), 1);
    }

    #[test]
    fn proxy_url_answers() {
        assert_eq!(
            parse_proxy_url("http://10.100.0.4:8081\n").as_deref(),
            Some("http://10.100.0.4:8081")
        );
        assert_eq!(
            parse_proxy_url("proxy.url : http://p:3128\n").as_deref(),
            Some("http://p:3128")
        );
        assert_eq!(parse_proxy_url("\n"), None);
        assert_eq!(redact("http://u:p@h:1"), "http://<redacted>@h:1");
    }
}
