//! One machine's diagnosis from what the fleet read: its Resource Graph row, its SSH
//! service configuration, and the provider and permission reads of its scopes. The
//! rules are the single-machine checks' own (`azure.machine`, `azure.ssh-service-config`,
//! `azure.permissions`, `azure.resource-provider`).

use serde_json::Value;

use super::{MachineRow, commands};
use crate::arm::permissions::{Permissions, roles_granting};
use crate::azure::{Fetched, HYBRID_COMPUTE};
use crate::catalogue::Vars;
use crate::checks::azure_machine::{self, read_failure};
use crate::checks::azure_service_config::{port_of, preview_ports, unregistered};
use crate::model::{Request, Status};

const LIST_CREDENTIALS: &str = "Microsoft.HybridConnectivity/endpoints/listCredentials/action";
const LOGIN: &str = "Microsoft.HybridCompute/machines/login/action";
const LOGIN_AS_ADMIN: &str = "Microsoft.HybridCompute/machines/loginAsAdmin/action";
const ENDPOINT_WRITE: &str = "Microsoft.HybridConnectivity/endpoints/write";
const CONFIG_WRITE: &str = "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write";

/// One thing found about a machine.
pub struct Problem {
    pub status: Status,
    pub diagnosis: Option<&'static str>,
    pub summary: String,
}

/// What the scopes of one machine said.
pub struct Reads<'a> {
    pub provider: Option<&'a Fetched>,
    /// The caller's permissions on the resource group, or on the machine itself when
    /// `permissions_on_machine` (which then include what the group grants).
    pub permissions: Option<&'a Fetched>,
    pub permissions_on_machine: bool,
    pub config: Option<&'a Fetched>,
}

/// Would permissions read on the machine itself change this row? Only when the group's
/// were read and fell short: a role assigned on the machine alone may grant the rest.
pub fn short_of_permissions(row: &MachineRow, reads: &Reads) -> bool {
    !reads.permissions_on_machine
        && reads.permissions.and_then(Fetched::ok_body).is_some()
        && row
            .diagnoses
            .iter()
            .any(|d| d == "connect-permission-missing" || d == "endpoint-creation-forbidden")
}

fn text<'a>(row: &'a Value, pointer: &str) -> &'a str {
    row.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

pub fn rank(status: Status) -> u8 {
    match status {
        Status::Fail => 4,
        Status::Error => 3,
        Status::Warn => 2,
        Status::Skip => 1,
        Status::Pass => 0,
    }
}

pub fn judge(row: &Value, reads: &Reads, request: &Request) -> MachineRow {
    let name = text(row, "/name").to_string();
    let group = text(row, "/resourceGroup").to_string();
    let subscription = text(row, "/subscriptionId").to_string();
    let port = request.port.unwrap_or(22).to_string();
    let mut vars = Vars::new();
    vars.insert("machine".into(), name.clone());
    vars.insert("resourceGroup".into(), group.clone());
    vars.insert("subscription".into(), subscription.clone());
    vars.insert("port".into(), port.clone());
    let mut found: Vec<Problem> = Vec::new();

    if let Some(state) = reads
        .provider
        .and_then(Fetched::ok_body)
        .and_then(|b| b.get("registrationState"))
        .and_then(Value::as_str)
        .filter(|s| !s.eq_ignore_ascii_case("Registered"))
    {
        add(
            &mut found,
            Status::Fail,
            Some("provider-not-registered"),
            format!(
                "Microsoft.HybridConnectivity is {state} in subscription {subscription}, not Registered."
            ),
        );
    }
    let resource_type = text(row, "/type");
    if resource_type.eq_ignore_ascii_case(HYBRID_COMPUTE) {
        let outcome = azure_machine::judge(row, &vars);
        if outcome.status != Status::Pass {
            add(
                &mut found,
                outcome.status,
                outcome.diagnosis,
                outcome.summary,
            );
        }
    }

    let legacy = preview_ports(row);
    let mut must_change = false;
    let known_unregistered = found
        .iter()
        .any(|p| p.diagnosis == Some("provider-not-registered"));
    match reads.config {
        None => {}
        Some(f) if unregistered(f) && known_unregistered => {}
        Some(f) if unregistered(f) => add(
            &mut found,
            Status::Fail,
            Some("provider-not-registered"),
            format!(
                "Azure cannot look up {name}'s connectivity endpoint: Microsoft.HybridConnectivity is not registered."
            ),
        ),
        Some(f) => match (f.status(), f.ok_body().and_then(port_of)) {
            (Some(200), Some(allowed)) if allowed == port => {}
            (Some(200), Some(allowed)) => {
                must_change = true;
                add(
                    &mut found,
                    Status::Fail,
                    Some("ssh-traffic-not-allowed"),
                    format!("{name} allows SSH on port {allowed}, not {port}."),
                );
            }
            (Some(200 | 404 | 412), _) if !legacy.is_empty() => {
                must_change = true;
                add(
                    &mut found,
                    Status::Fail,
                    Some("post-preview-reconfiguration"),
                    format!(
                        "{name} is still set up the preview way (agent allow-list: ports {}) and has no SSH service configuration.",
                        legacy.join(", ")
                    ),
                );
            }
            (Some(200 | 404 | 412), _) => {
                must_change = true;
                add(
                    &mut found,
                    Status::Fail,
                    Some("ssh-traffic-not-allowed"),
                    format!("{name} has no SSH service configuration: SSH is not enabled."),
                );
            }
            (Some(403), _) => add(
                &mut found,
                Status::Skip,
                None,
                "You may not read its SSH service configuration (403).".into(),
            ),
            _ => add(
                &mut found,
                Status::Error,
                None,
                format!(
                    "Could not read the SSH service configuration: {}",
                    f.evidence()
                ),
            ),
        },
    }

    if let Some(f) = reads.permissions {
        match f.ok_body().map(Permissions::from_response) {
            Some(Ok(perms)) => {
                let read = format!("{resource_type}/read");
                let mut missing: Vec<&str> = [read.as_str(), LIST_CREDENTIALS]
                    .into_iter()
                    .filter(|a| !perms.allows_action(a))
                    .collect();
                let mut data = Vec::new();
                if request.local_user.is_none()
                    && !perms.allows_data_action(LOGIN)
                    && !perms.allows_data_action(LOGIN_AS_ADMIN)
                {
                    data.push(LOGIN);
                }
                let scope = if reads.permissions_on_machine {
                    format!("on {name}")
                } else {
                    format!("in resource group {group}")
                };
                if !missing.is_empty() || !data.is_empty() {
                    let role = roles_granting(&missing, &data)
                        .first()
                        .map_or("a role that grants them", |r| r.name);
                    missing.extend(&data);
                    add(
                        &mut found,
                        Status::Fail,
                        Some("connect-permission-missing"),
                        format!(
                            "You lack {} {scope}; '{role}' grants what is missing.",
                            missing.join(", ")
                        ),
                    );
                } else if must_change {
                    let missing: Vec<&str> = [ENDPOINT_WRITE, CONFIG_WRITE]
                        .into_iter()
                        .filter(|a| !perms.allows_action(a))
                        .collect();
                    if !missing.is_empty() {
                        add(
                            &mut found,
                            Status::Fail,
                            Some("endpoint-creation-forbidden"),
                            format!(
                                "SSH must first be enabled on {name} for port {port}, which needs {}; you lack it {scope}.",
                                missing.join(", ")
                            ),
                        );
                    }
                }
            }
            Some(Err(e)) => add(
                &mut found,
                Status::Error,
                None,
                format!("Could not judge your permissions: {e}"),
            ),
            None => {
                let scope = if reads.permissions_on_machine {
                    format!("on {name}")
                } else {
                    format!("in {group}")
                };
                let o = read_failure(f, &vars, &format!("read your permissions {scope}"));
                add(&mut found, o.status, o.diagnosis, o.summary);
            }
        }
    }

    found.sort_by_key(|p| std::cmp::Reverse(rank(p.status)));
    let worst = found
        .first()
        .filter(|p| rank(p.status) >= rank(Status::Warn));
    let mut diagnoses: Vec<String> = Vec::new();
    for d in found.iter().filter_map(|p| p.diagnosis) {
        if !diagnoses.iter().any(|x| x == d) {
            diagnoses.push(d.to_string());
        }
    }
    let summary = match worst {
        None => {
            let note = found
                .first()
                .map(|p| format!(" {}", p.summary))
                .unwrap_or_default();
            format!(
                "{name} is {} with agent {}; SSH is allowed on port {port}.{note}",
                text(row, "/properties/status"),
                text(row, "/properties/agentVersion"),
            )
        }
        Some(p) if diagnoses.len() > 1 => format!(
            "{} Also: {}.",
            p.summary,
            diagnoses
                .iter()
                .filter(|d| Some(d.as_str()) != p.diagnosis)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(p) => p.summary.clone(),
    };
    let cmds = commands::for_machine(&subscription, &group, &name, request);
    let command = commands::for_client(&cmds, request.client);
    MachineRow {
        name,
        resource_group: group,
        subscription,
        resource_type: resource_type.to_string(),
        status: text(row, "/properties/status").to_string(),
        agent_version: text(row, "/properties/agentVersion").to_string(),
        os: format!(
            "{} {}",
            text(row, "/properties/osType"),
            text(row, "/properties/osName")
        )
        .trim()
        .to_string(),
        worst_status: worst.map_or(Status::Pass, |p| p.status),
        worst_diagnosis: worst.and_then(|p| p.diagnosis).map(str::to_string),
        summary,
        diagnoses,
        command,
        commands: cmds,
    }
}

fn add(found: &mut Vec<Problem>, status: Status, diagnosis: Option<&'static str>, summary: String) {
    found.push(Problem {
        status,
        diagnosis,
        summary,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::Answer;
    use serde_json::json;

    fn fetched(status: u16, body: Value) -> Fetched {
        Fetched {
            method: "GET",
            url: "https://arm.example/permissions".into(),
            answer: Answer::Http { status, body },
            correlation_id: None,
        }
    }

    fn grant(actions: &[&str], data: &[&str]) -> Fetched {
        fetched(
            200,
            json!({"value": [{"actions": actions, "notActions": [], "dataActions": data, "notDataActions": []}]}),
        )
    }

    fn row() -> Value {
        json!({"name": "web01", "resourceGroup": "rg", "subscriptionId": "s",
            "type": "Microsoft.HybridCompute/machines",
            "properties": {"status": "Connected", "agentVersion": "1.45.02800.1234"}})
    }

    fn judged(permissions: &Fetched, on_machine: bool) -> (MachineRow, bool) {
        let config = fetched(200, json!({"properties": {"port": "22"}}));
        let reads = Reads {
            provider: None,
            permissions: Some(permissions),
            permissions_on_machine: on_machine,
            config: Some(&config),
        };
        let row = judge(&row(), &reads, &Request::default());
        let short = short_of_permissions(&row, &reads);
        (row, short)
    }

    #[test]
    fn only_a_group_that_grants_too_little_asks_for_the_machine() {
        let reader = grant(&["Microsoft.HybridCompute/machines/read"], &[]);
        let (row, short) = judged(&reader, false);
        assert_eq!(row.diagnoses, ["connect-permission-missing"]);
        assert!(
            row.summary.contains("in resource group rg"),
            "{}",
            row.summary
        );
        assert!(short);

        // Read on the machine: the verdict stands, named for the machine, and no more reads.
        let (row, short) = judged(&reader, true);
        assert!(row.summary.contains("on web01"), "{}", row.summary);
        assert!(!short);

        // Enough on the group: nothing to ask.
        let user = grant(
            &["Microsoft.HybridCompute/machines/read", LIST_CREDENTIALS],
            &[LOGIN],
        );
        let (row, short) = judged(&user, false);
        assert_eq!(row.worst_status, Status::Pass, "{}", row.summary);
        assert!(!short);

        // The group's permissions could not be read: a machine read would not say more.
        let (row, short) = judged(&fetched(403, json!({})), false);
        assert!(!row.diagnoses.is_empty() || row.worst_status != Status::Pass);
        assert!(!short);
    }
}
