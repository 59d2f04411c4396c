//! `azure.machine`: the Arc resource exists once under that name, is connected, and
//! runs a Connected Machine agent of 1.31 or later.

use serde_json::Value;

use crate::azure::facts::{MACHINE, RESOURCE, Resource};
use crate::azure::{self, Fetched, need};
use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome, azure_sign_in};
use crate::model::DiagnosisId;
use crate::model::Status;

pub const ID: &str = "azure.machine";
const MINIMUM_AGENT: (u64, u64) = (1, 31);

pub struct Machine;

impl Check for Machine {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Arc-enabled server"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::MachineNotFound,
            DiagnosisId::ResourceNameAmbiguous,
            DiagnosisId::MachineDisconnected,
            DiagnosisId::AgentOutdated,
            DiagnosisId::ConnectPermissionMissing,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_sign_in::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[RESOURCE, MACHINE]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let vars = target_vars(ctx);
        let name = vars.get("machine").cloned().unwrap_or_default();
        let group = vars.get("resourceGroup").cloned().unwrap_or_default();
        let resource = need::<Resource>(deps, RESOURCE)?;
        let resource_type = match resource {
            Resource::Invalid(why) => {
                return Ok(Outcome::new(
                    Status::Error,
                    format!("Cannot look up the machine: {why}."),
                ));
            }
            Resource::Failed(f) => {
                return Ok(read_failure(
                    f,
                    &vars,
                    &format!("list the resources of {group}"),
                ));
            }
            Resource::NotFound { listed } => {
                return Ok(Outcome::problem(
                    Status::Fail,
                    DiagnosisId::MachineNotFound,
                    format!("No Arc-enabled server named {name} in resource group {group}."),
                    &vars,
                )
                .evidence("ARM", listed.evidence()));
            }
            Resource::Ambiguous { types, listed } => {
                return Ok(Outcome::problem(
                    Status::Fail,
                    DiagnosisId::ResourceNameAmbiguous,
                    format!("{group} holds more than one Arc resource named {name} ({}); pass --resource-type.", types.join(", ")),
                    &vars,
                )
                .evidence("ARM", listed.evidence()));
            }
            Resource::Found { resource_type, .. } => resource_type.clone(),
        };
        let Some(fetched) = need::<Option<Fetched>>(deps, MACHINE)? else {
            return Ok(Outcome::pass(format!(
                "{name} is a {resource_type}; its connection status is not checked for that type."
            )));
        };
        let Some(body) = fetched.ok_body() else {
            return Ok(match fetched.status() {
                Some(404) => Outcome::problem(
                    Status::Fail,
                    DiagnosisId::MachineNotFound,
                    format!("No Arc-enabled server named {name} in resource group {group}."),
                    &vars,
                )
                .evidence("ARM", fetched.evidence()),
                _ => read_failure(fetched, &vars, &format!("read {name}")),
            });
        };
        Ok(judge(body, &vars)
            .evidence("resource type", resource_type)
            .evidence("ARM", fetched.evidence()))
    }
}

/// The machine's properties against what SSH needs.
pub fn judge(machine: &Value, vars: &Vars) -> Outcome {
    let name = vars.get("machine").map_or("", String::as_str);
    let props = machine.get("properties").unwrap_or(&Value::Null);
    let text = |k: &str| {
        props
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (status, agent, changed) = (
        text("status"),
        text("agentVersion"),
        text("lastStatusChange"),
    );
    let mut vars = vars.clone();
    vars.insert("version".into(), agent.clone());
    let outcome = if matches!(
        status.to_ascii_lowercase().as_str(),
        "disconnected" | "expired" | "error"
    ) {
        Outcome::problem(
            Status::Fail,
            DiagnosisId::MachineDisconnected,
            format!(
                "{name} is {status} (since {}).",
                if changed.is_empty() {
                    "an unknown time"
                } else {
                    &changed
                }
            ),
            &vars,
        )
    } else if agent_older_than(&agent, MINIMUM_AGENT) {
        Outcome::problem(
            Status::Fail,
            DiagnosisId::AgentOutdated,
            format!("{name} runs Connected Machine agent {agent}; SSH needs 1.31 or later."),
            &vars,
        )
    } else {
        Outcome::pass(format!("{name} is {status} with agent {agent}."))
    };
    outcome
        .evidence("status", status)
        .evidence("agent version", agent)
        .evidence("last status change", changed)
        .evidence(
            "OS",
            format!("{} {}", text("osType"), text("osName"))
                .trim()
                .to_string(),
        )
}

fn agent_older_than(version: &str, (major, minor): (u64, u64)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) < (major, minor),
        _ => false,
    }
}

/// A read that did not succeed: 403 is evidence of missing access, the rest is error.
pub fn read_failure(fetched: &Fetched, vars: &Vars, what: &str) -> Outcome {
    let outcome = match fetched.status() {
        Some(403) => Outcome::problem(
            Status::Fail,
            DiagnosisId::ConnectPermissionMissing,
            format!(
                "Azure refused to let you {what} ({}).",
                fetched.error_code().unwrap_or("403")
            ),
            vars,
        ),
        Some(401) => Outcome::problem(
            Status::Fail,
            DiagnosisId::NotSignedIn,
            format!("Azure rejected the token while trying to {what}."),
            vars,
        ),
        _ => Outcome::new(
            Status::Error,
            format!("Could not {what}: {}", fetched.evidence()),
        ),
    };
    outcome.evidence("ARM", fetched.evidence())
}

pub fn target_vars(ctx: &Context) -> Vars {
    let mut vars = Vars::new();
    if let Some(t) = &ctx.request.target {
        for (k, v) in [
            ("machine", &t.name),
            ("resourceGroup", &t.resource_group),
            ("subscription", &t.subscription),
        ] {
            if let Some(v) = v {
                vars.insert(k.into(), v.clone());
            }
        }
    }
    vars.insert("port".into(), ctx.request.port.unwrap_or(22).to_string());
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_versions_compare_numerically() {
        assert!(agent_older_than("1.30.02312.1234", (1, 31)));
        assert!(!agent_older_than("1.31.0", (1, 31)));
        assert!(
            !agent_older_than("2.5.1", (1, 31)),
            "az's own 'minor < 31' slip must not repeat"
        );
        assert!(!agent_older_than("", (1, 31)));
    }
}
