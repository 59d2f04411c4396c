//! `server.agent-allowlist`: the preview-era local port allow-list
//! (`azcmagent config get incomingconnections.ports`). Since general availability the
//! SSH service configuration in Azure decides which port is reachable; a machine still
//! set up the preview way usually has no service configuration.

use std::time::Duration;

use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Shell, ShellCommand, Status};
use crate::probe::process;

pub const ID: &str = "server.agent-allowlist";

pub struct AgentAllowList;

/// The ports in `azcmagent config get incomingconnections.ports` output (`22`,
/// `22,6516`, `[22 6516]`, or with the key in front); empty when none is set.
pub fn parse_ports(stdout: &str) -> Vec<u16> {
    stdout
        .lines()
        .map(|l| l.rsplit_once(':').map_or(l, |(_, v)| v))
        .flat_map(|l| l.split(|c: char| !c.is_ascii_digit()))
        .filter_map(|t| t.parse::<u16>().ok())
        .filter(|p| *p > 0)
        .collect()
}

impl Check for AgentAllowList {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Preview-era agent port allow-list"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::PostPreviewReconfiguration]
    }
    fn after(&self) -> &'static [&'static str] {
        &[server_agent::ID]
    }
    fn timeout(&self) -> Duration {
        server_agent::RUN_TIMEOUT + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let facts = deps.get::<AgentFacts>(server_agent::ID);
        let Some(path) = facts.and_then(|f| f.path.clone()) else {
            return Ok(Outcome::skip("The agent is not installed."));
        };
        let ran = process::run_until(
            &path,
            &["config", "get", "incomingconnections.ports"],
            server_agent::RUN_TIMEOUT,
            &ctx.cancel,
        )
        .map_err(|e| CheckError(format!("azcmagent config get: {e}")))?;
        if ran.code != Some(0) {
            return Err(CheckError(format!(
                "azcmagent config get incomingconnections.ports exited {:?}: {}",
                ran.code,
                ran.stderr.trim()
            )));
        }
        let ports = parse_ports(&ran.stdout);
        let answer = ran.stdout.trim().to_string();
        if ports.is_empty() {
            return Ok(
                Outcome::pass("No preview-era port allow-list is set on the agent.")
                    .evidence("incomingconnections.ports", "(not set)"),
            );
        }
        let listed: Vec<String> = ports.iter().map(u16::to_string).collect();
        let port = ctx
            .request
            .port
            .or_else(|| ports.iter().copied().find(|p| *p == 22))
            .unwrap_or(ports[0]);
        let mut vars = facts.map(AgentFacts::vars).unwrap_or_default();
        vars.insert("port".into(), port.to_string());
        let mut outcome = Outcome::problem(
            Status::Warn,
            DiagnosisId::PostPreviewReconfiguration,
            format!(
                "The agent still has the preview-era allow-list incomingconnections.ports = {}. \
                 Since general availability the SSH service configuration in Azure decides which \
                 port is reachable; this setting no longer does.",
                listed.join(",")
            ),
            &vars,
        );
        if let Some(r) = outcome.remedy.as_mut() {
            r.commands.insert(
                0,
                ShellCommand {
                    shell: Shell::Sh,
                    command: "sudo azcmagent config clear incomingconnections.ports    # on this server; other features (e.g. Windows Admin Center) may still list ports here".into(),
                },
            );
        }
        outcome = outcome.evidence("incomingconnections.ports", answer);
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_read_from_the_shapes_azcmagent_prints() {
        assert_eq!(parse_ports("22\n"), vec![22]);
        assert_eq!(parse_ports("22,6516\n"), vec![22, 6516]);
        assert_eq!(parse_ports("[22 6516]\n"), vec![22, 6516]);
        assert_eq!(parse_ports("incomingconnections.ports : 22\n"), vec![22]);
        assert!(parse_ports("\n").is_empty());
        assert!(parse_ports("[]\n").is_empty());
    }
}
