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

use crate::catalogue::Vars;
use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Shell, Status};
use crate::probe::process;
use crate::probe::tls::{self, Proxy, Reach};

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
        let (proxy, proxy_note) = agent_proxy(facts.and_then(|f| f.path.as_deref()), ctx)?;

        let ca = ctx
            .env
            .var("REQUESTS_CA_BUNDLE")
            .or_else(|| ctx.env.var("SSL_CERT_FILE"));
        let config = crate::arm::endpoint::tls_config(ca.as_deref(), &targets.join(", "))
            .map_err(|e| CheckError(e.to_string()))?;
        let results = tls::reach_all(&parsed, proxy.as_ref(), Arc::new(config), TARGET_TIMEOUT);
        let reached = Reached {
            targets,
            results,
            proxy,
            proxy_note,
            ca,
        };
        Ok(judge(
            &reached,
            &facts.map(AgentFacts::vars).unwrap_or_default(),
        ))
    }
}

/// The agent's proxy (`azcmagent config get proxy.url`) and how to describe it.
fn agent_proxy(
    azcmagent: Option<&str>,
    ctx: &Context,
) -> Result<(Option<Proxy>, String), CheckError> {
    let Some(path) = azcmagent else {
        return Ok((
            None,
            "none (the agent is not installed; trying directly)".into(),
        ));
    };
    let mut proxy_note = "none (the agent has no proxy.url)".to_string();
    let mut proxy = None;
    match process::run_until(
        path,
        &["config", "get", "proxy.url"],
        server_agent::RUN_TIMEOUT,
        &ctx.cancel,
    ) {
        Ok(ran) if ran.code == Some(0) => {
            if let Some(url) = parse_proxy_url(&ran.stdout) {
                proxy_note = format!("{} (azcmagent proxy.url)", redact(&url));
                proxy = Some(
                    Proxy::parse(&url)
                        .map_err(|e| CheckError(format!("proxy.url {}: {e}", redact(&url))))?,
                );
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
    Ok((proxy, proxy_note))
}

/// What the server's attempts to reach the targets came to.
struct Reached {
    targets: Vec<String>,
    /// One per target, in the same order.
    results: Vec<Reach>,
    proxy: Option<Proxy>,
    proxy_note: String,
    /// The PEM bundle trusted instead of the platform verifier.
    ca: Option<String>,
}

fn judge(reached: &Reached, vars: &Vars) -> Outcome {
    let targets = &reached.targets;
    let mut failed = Vec::new();
    let mut lines = Vec::new();
    for (target, r) in targets.iter().zip(&reached.results) {
        let via = route(reached.proxy.as_ref(), r);
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
            vars,
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
    outcome = outcome
        .evidence("proxy", reached.proxy_note.clone())
        .evidence(
            "trust",
            reached
                .ca
                .as_ref()
                .map_or("platform verifier".into(), |c| format!("PEM bundle {c}")),
        );
    for (k, v) in lines {
        outcome = outcome.evidence(k, v);
    }
    outcome
}

/// How a target was tried: through the proxy or directly, and the address connected to.
fn route(proxy: Option<&Proxy>, reach: &Reach) -> String {
    let address = reach.address.map_or("unresolved".into(), |a| a.to_string());
    match proxy {
        Some(p) => format!("via proxy {} ({address})", p.display()),
        None => format!("direct to {address}"),
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

    #[test]
    fn an_unreachable_target_fails_naming_it_and_the_proxy_used() {
        let reached = Reached {
            targets: vec![
                GUEST_NOTIFICATION_SERVICE.into(),
                "relay.example:443".into(),
            ],
            results: vec![
                Reach {
                    address: Some("10.0.0.9:3128".parse().unwrap()),
                    result: Ok("TLSv1_3".into()),
                },
                Reach {
                    address: None,
                    result: Err("DNS lookup failed".into()),
                },
            ],
            proxy: Some(Proxy::parse("http://10.0.0.9:3128").unwrap()),
            proxy_note: "http://10.0.0.9:3128 (azcmagent proxy.url)".into(),
            ca: None,
        };
        let o = judge(&reached, &Vars::new());
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DiagnosisId::RelayListenerUnavailable));
        assert_eq!(
            o.summary,
            "This server cannot reach relay.example:443 (DNS lookup failed): the agent's relay listener needs these endpoints."
        );
        assert_eq!(
            o.evidence.get("relay.example:443").map(String::as_str),
            Some("via proxy http://10.0.0.9:3128 (unresolved): DNS lookup failed")
        );
        assert_eq!(
            o.evidence.get("trust").map(String::as_str),
            Some("platform verifier")
        );
    }

    #[test]
    fn every_target_reached_passes() {
        let reached = Reached {
            targets: vec![GUEST_NOTIFICATION_SERVICE.into()],
            results: vec![Reach {
                address: Some("20.1.2.3:443".parse().unwrap()),
                result: Ok("TLSv1_3".into()),
            }],
            proxy: None,
            proxy_note: "none (the agent has no proxy.url)".into(),
            ca: Some("/etc/ca.pem".into()),
        };
        let o = judge(&reached, &Vars::new());
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.summary,
            "TLS to guestnotificationservice.azure.com:443 succeeded with a valid certificate."
        );
        assert_eq!(
            o.evidence
                .get(GUEST_NOTIFICATION_SERVICE)
                .map(String::as_str),
            Some("direct to 20.1.2.3:443: TLSv1_3, certificate valid")
        );
        assert_eq!(
            o.evidence.get("trust").map(String::as_str),
            Some("PEM bundle /etc/ca.pem")
        );
    }
}
