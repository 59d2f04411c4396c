//! `server.allowed-port`: which SSH port Azure lets through to this server, read from
//! its SSH service configuration when the request carries a token, so the sshd checks
//! judge the port that matters rather than a guess.
//!
//! The machine is the request's target, else what `azcmagent show` says this server
//! is. Without a token or a name the sshd checks fall back to port 22 and say so.

use std::time::Duration;

use serde_json::Value;

use crate::arm::{Method, machine_path};
use crate::azure::facts::{CONNECTIVITY_API, ssh_config_path};
use crate::azure::{self, Answer, HYBRID_COMPUTE, fetch};
use crate::catalogue::Vars;
use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::{DiagnosisId, Status};

pub const ID: &str = "server.allowed-port";
pub const DEFAULT_PORT: u16 = 22;
/// The sshd checks wait for this read, so it is bounded tighter than the arc checks'.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const READ_RETRIES: u32 = 1;

pub struct AllowedPort;

/// The port the sshd checks judge, and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortChoice {
    pub port: u16,
    pub source: PortSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSource {
    Flag,
    Azure,
    Default,
}

impl PortChoice {
    pub fn describe(&self) -> String {
        match self.source {
            PortSource::Flag => format!("{} (given with --port)", self.port),
            PortSource::Azure => format!(
                "{} (allowed by the SSH service configuration in Azure)",
                self.port
            ),
            PortSource::Default => format!("{} (the default; not read from Azure)", self.port),
        }
    }
}

/// The machine to read, from the request or the agent.
fn machine(ctx: &Context, deps: &Deps) -> Option<(String, String, String, String)> {
    let t = ctx.request.target.clone().unwrap_or_default();
    let show = deps
        .get::<AgentFacts>(server_agent::ID)
        .and_then(|f| f.show.clone())
        .unwrap_or_default();
    Some((
        t.subscription.or(show.subscription)?,
        t.resource_group.or(show.resource_group)?,
        t.name.or(show.resource_name)?,
        t.resource_type
            .unwrap_or_else(|| HYBRID_COMPUTE.to_string()),
    ))
}

const DEFAULT_CHOICE: PortChoice = PortChoice {
    port: DEFAULT_PORT,
    source: PortSource::Default,
};

fn fallback(summary: String) -> Outcome {
    Outcome::skip(summary).with_output(DEFAULT_CHOICE)
}

/// The port in a service configuration body (ARM answers it as a number or a string).
pub fn configured_port(body: &Value) -> Option<u16> {
    let p = body.pointer("/properties/port")?;
    p.as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .or_else(|| p.as_str()?.trim().parse().ok())
        .filter(|&p| p != 0)
}

impl Check for AllowedPort {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SSH port allowed in Azure"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::SshTrafficNotAllowed, DiagnosisId::NotSignedIn]
    }
    fn after(&self) -> &'static [&'static str] {
        &[server_agent::ID]
    }
    fn timeout(&self) -> Duration {
        READ_TIMEOUT * (READ_RETRIES + 1) + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        if let Some(port) = ctx.request.port {
            return Ok(Outcome::skip(format!(
                "Port {port} was given with --port; Azure's SSH service configuration was not read."
            ))
            .with_output(PortChoice {
                port,
                source: PortSource::Flag,
            }));
        }
        let client = match azure::client_with(&ctx.request, READ_TIMEOUT, READ_RETRIES) {
            Ok(client) => client,
            Err(why) => {
                return Ok(fallback(format!(
                    "Not signed in to Azure ({why}): the sshd checks use port 22. Pass --port, or sign in (az login, SSH_TROUBLESHOOT_ACCESS_TOKEN, or the agent's identity as root) to read the allowed port."
                )));
            }
        };
        let Some((subscription, group, name, resource_type)) = machine(ctx, deps) else {
            return Ok(fallback(
                "This server's Azure name is unknown (azcmagent show did not tell it): the sshd checks use port 22. Pass -g, -n and --subscription, or --port.".into(),
            ));
        };
        let mut vars = Vars::new();
        vars.insert("machine".into(), name.clone());
        vars.insert("resourceGroup".into(), group.clone());
        vars.insert("subscription".into(), subscription.clone());
        vars.insert("port".into(), DEFAULT_PORT.to_string());
        let path = ssh_config_path(machine_path(&subscription, &group, &resource_type, &name)?);
        let read = fetch(&client, Method::Get, &path, CONNECTIVITY_API, &[], None);
        let with_read = |o: Outcome| o.evidence("service configuration", read.evidence());
        let outcome = match &read.answer {
            Answer::Http { status: 200..=299, body } => match configured_port(body) {
                Some(port) => Outcome::pass(format!(
                    "Azure lets SSH through to port {port} on {name}; the sshd checks judge that port."
                ))
                .with_output(PortChoice {
                    port,
                    source: PortSource::Azure,
                }),
                None => fallback(format!(
                    "{name}'s SSH service configuration names no port: the sshd checks use port 22."
                )),
            },
            Answer::Http { status: 404, .. } => Outcome::problem(
                Status::Fail,
                DiagnosisId::SshTrafficNotAllowed,
                format!(
                    "Azure lets no SSH connection through to {name}: it has no SSH service configuration (nor perhaps a connectivity endpoint)."
                ),
                &vars,
            )
            .with_output(DEFAULT_CHOICE),
            Answer::Http { status: 401, .. } => Outcome::problem(
                Status::Warn,
                DiagnosisId::NotSignedIn,
                "Azure rejected the token: the sshd checks use port 22.",
                &vars,
            )
            .with_output(DEFAULT_CHOICE),
            Answer::Http { status, .. } => fallback(format!(
                "Azure answered {status} for {name}'s SSH service configuration (the identity in use may not read it): the sshd checks use port 22. Pass --port to judge another."
            )),
            Answer::Transport(e) => return Err(CheckError(format!("reading {name}'s SSH service configuration: {e}"))),
        };
        let source = ctx
            .request
            .azure
            .as_ref()
            .and_then(|a| a.token_source.clone())
            .unwrap_or_else(|| "the request".into());
        Ok(with_read(outcome)
            .evidence("machine", format!("{group}/{name}"))
            .evidence("token from", source))
    }
}

/// The port the sshd checks judge: `--port`, else Azure's answer, else 22.
pub fn chosen(ctx: &Context, deps: &Deps) -> PortChoice {
    if let Some(port) = ctx.request.port {
        return PortChoice {
            port,
            source: PortSource::Flag,
        };
    }
    deps.get::<PortChoice>(ID)
        .copied()
        .unwrap_or(DEFAULT_CHOICE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_port_as_arm_answers_it() {
        assert_eq!(
            configured_port(&json!({"properties": {"port": 2222}})),
            Some(2222)
        );
        assert_eq!(
            configured_port(&json!({"properties": {"port": "22"}})),
            Some(22)
        );
        assert_eq!(configured_port(&json!({"properties": {"port": 0}})), None);
        assert_eq!(
            configured_port(&json!({"properties": {"port": 70000}})),
            None
        );
        assert_eq!(configured_port(&json!({"properties": {}})), None);
        assert_eq!(configured_port(&json!("x")), None);
    }

    #[test]
    fn each_source_is_worded() {
        let c = |source| PortChoice { port: 2222, source }.describe();
        assert!(c(PortSource::Flag).contains("--port"));
        assert!(c(PortSource::Azure).contains("Azure"));
        assert!(c(PortSource::Default).contains("default"));
    }
}
