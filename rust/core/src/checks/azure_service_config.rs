//! `azure.ssh-service-config`: the machine's `default` connectivity endpoint exists and
//! its `SSH` service configuration allows the port asked for. A machine still set up
//! the preview way (agent-local port allow-list, no service configuration) is told
//! apart from a plain missing configuration.

use serde_json::Value;

use crate::azure::facts::{ENDPOINT, MACHINE, RESOURCE, Resource, SERVICE_CONFIG};
use crate::azure::{self, Fetched, need};
use crate::checks::azure_machine::{self, target_vars};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, FixAction, Outcome};
use crate::model::DiagnosisId;
use crate::model::{FixImpact, Status};

pub const ID: &str = "azure.ssh-service-config";

pub struct SshServiceConfig;

/// What the endpoint reads say must change for SSH on the port to work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    Nothing,
    /// Neither the endpoint nor the configuration exists.
    EndpointAndConfig,
    Config,
    /// The configuration allows another port.
    Port {
        allowed: String,
    },
    Unknown,
}

impl Check for SshServiceConfig {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SSH service configuration"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::SshTrafficNotAllowed,
            DiagnosisId::PostPreviewReconfiguration,
            DiagnosisId::ProviderNotRegistered,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_machine::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[RESOURCE, MACHINE, ENDPOINT, SERVICE_CONFIG]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let vars = target_vars(ctx);
        let port = vars.get("port").cloned().unwrap_or_else(|| "22".into());
        let name = vars.get("machine").cloned().unwrap_or_default();
        let Some((resource_type, _)) = need::<Resource>(deps, RESOURCE)?.found() else {
            return Ok(Outcome::skip("No machine to look at."));
        };
        let (Some(endpoint), Some(config)) = (
            need::<Option<Fetched>>(deps, ENDPOINT)?,
            need::<Option<Fetched>>(deps, SERVICE_CONFIG)?,
        ) else {
            return Ok(Outcome::skip("No machine to look at."));
        };
        let needed = needed(endpoint, config, &port);
        let legacy_ports = need::<Option<Fetched>>(deps, MACHINE)?
            .as_ref()
            .and_then(|m| m.ok_body())
            .map(preview_ports)
            .unwrap_or_default();
        let with_reads = |o: Outcome| {
            o.evidence("endpoint", endpoint.evidence())
                .evidence("service configuration", config.evidence())
        };
        let verdict = verdict(
            &needed,
            config,
            [endpoint, config].iter().any(|f| unregistered(f)),
            &name,
            &port,
            &legacy_ports,
        );
        let outcome = match verdict.diagnosis {
            Some(diagnosis) => Outcome::problem(verdict.status, diagnosis, verdict.summary, &vars),
            None if verdict.status == Status::Pass => Outcome::pass(verdict.summary),
            None if verdict.status == Status::Skip => {
                return Ok(with_reads(Outcome::skip(verdict.summary)));
            }
            None => return Ok(with_reads(Outcome::new(verdict.status, verdict.summary))),
        };
        let outcome = if verdict.diagnosis == Some(DiagnosisId::PostPreviewReconfiguration) {
            outcome.evidence("agent incomingConnectionsPorts", legacy_ports.join(", "))
        } else {
            outcome
        };
        let mut outcome = with_reads(outcome);
        if !matches!(needed, Needed::Nothing | Needed::Unknown)
            && outcome.diagnosis != Some(DiagnosisId::ProviderNotRegistered)
        {
            let create_endpoint = needed == Needed::EndpointAndConfig;
            outcome = outcome.with_fix(
                format!("{ID}:allow-port-{port}"),
                format!(
                    "{}Create or update the SSH service configuration of {name} to allow port {port} (it can take a minute to go live).",
                    if create_endpoint { "Create the default connectivity endpoint, then " } else { "" }
                ),
                FixAction::AllowSshPort { resource_type: resource_type.to_string(), port: port.parse().unwrap_or(22), create_endpoint },
            );
            if let Some(fix) = outcome.fix.as_mut() {
                fix.offer.impact = FixImpact::AzureResource;
            }
        }
        Ok(outcome)
    }
}

/// A 409 that means the provider is not registered in the subscription.
pub fn unregistered(f: &Fetched) -> bool {
    f.status() == Some(409)
        && matches!(
            f.error_code(),
            Some("NoRegisteredProviderFound" | "MissingSubscriptionRegistration")
        )
}

/// ARM may give the port as a number or a string.
pub fn port_of(config: &Value) -> Option<String> {
    match config.pointer("/properties/port")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_string()),
        _ => None,
    }
}

/// What must change, from the endpoint and configuration reads.
pub fn needed(endpoint: &Fetched, config: &Fetched, port: &str) -> Needed {
    match endpoint.status() {
        Some(404) => Needed::EndpointAndConfig,
        _ => needed_from_config(config, port),
    }
}

/// What must change, from the configuration read alone (fleet mode reads no endpoint).
pub fn needed_from_config(config: &Fetched, port: &str) -> Needed {
    match config.status() {
        Some(404 | 412) => Needed::Config,
        Some(200) => match config.ok_body().and_then(port_of) {
            Some(p) if p == port => Needed::Nothing,
            Some(allowed) => Needed::Port { allowed },
            None => Needed::Config,
        },
        _ => Needed::Unknown,
    }
}

/// The judgment of one machine's SSH service configuration, in single-machine and fleet
/// mode alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub diagnosis: Option<DiagnosisId>,
    pub summary: String,
}

/// Judges what `needed` says for machine `name` and `port`. `unregistered` is whether a
/// read was refused because Microsoft.HybridConnectivity is not registered; `legacy_ports`
/// the machine's preview-era agent allow-list.
pub fn verdict(
    needed: &Needed,
    config: &Fetched,
    unregistered: bool,
    name: &str,
    port: &str,
    legacy_ports: &[String],
) -> Verdict {
    let (status, diagnosis, summary) = match needed {
        Needed::Nothing => (
            Status::Pass,
            None,
            format!("SSH connections to port {port} are allowed on {name}."),
        ),
        Needed::Unknown if unregistered => (
            Status::Fail,
            Some(DiagnosisId::ProviderNotRegistered),
            format!(
                "Azure cannot look up {name}'s connectivity endpoint: Microsoft.HybridConnectivity is not registered."
            ),
        ),
        Needed::Unknown => match config.status() {
            Some(403) => (
                Status::Skip,
                None,
                "You may not read the SSH service configuration (403); az assumes it is set up."
                    .to_string(),
            ),
            _ => (
                Status::Error,
                None,
                format!(
                    "Could not read the SSH service configuration: {}",
                    config.evidence()
                ),
            ),
        },
        Needed::Port { allowed } => (
            Status::Fail,
            Some(DiagnosisId::SshTrafficNotAllowed),
            format!(
                "{name} allows SSH on port {allowed}, not {port}: SSH connection is not enabled in the target port {port}."
            ),
        ),
        Needed::EndpointAndConfig | Needed::Config if !legacy_ports.is_empty() => (
            Status::Fail,
            Some(DiagnosisId::PostPreviewReconfiguration),
            format!(
                "{name} is still set up the preview way (agent allow-list: ports {}) and has no SSH service configuration.",
                legacy_ports.join(", ")
            ),
        ),
        Needed::EndpointAndConfig | Needed::Config => (
            Status::Fail,
            Some(DiagnosisId::SshTrafficNotAllowed),
            format!(
                "{name} has no SSH service configuration{}: SSH is not enabled (az offers to create it when you have Owner or Contributor).",
                if *needed == Needed::EndpointAndConfig {
                    " (and no connectivity endpoint)"
                } else {
                    ""
                }
            ),
        ),
    };
    Verdict {
        status,
        diagnosis,
        summary,
    }
}

/// The preview-era allow-list (`azcmagent config set incomingconnections.ports`).
pub fn preview_ports(machine: &Value) -> Vec<String> {
    machine
        .pointer("/properties/agentConfiguration/incomingConnectionsPorts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            p.as_str()
                .map(str::to_string)
                .or_else(|| p.as_u64().map(|n| n.to_string()))
        })
        .collect()
}
