//! One machine's diagnosis from what the fleet read: its Resource Graph row, its SSH
//! service configuration, and the provider and permission reads of its scopes. The
//! rules are the single-machine checks' own (`azure.machine`, `azure.ssh-service-config`,
//! `azure.permissions`, `azure.resource-provider`).

use serde_json::Value;

use super::{MachineRow, commands};
use crate::arm::permissions::Permissions;
use crate::azure::{Fetched, HYBRID_COMPUTE};
use crate::catalogue::Vars;
use crate::checks::azure_machine::{self, read_failure};
use crate::checks::azure_permissions::shortfall;
use crate::checks::azure_service_config::{
    Needed, needed_from_config, preview_ports, unregistered, verdict,
};
use crate::model::DiagnosisId;
use crate::model::{Request, Status};

/// One thing found about a machine.
pub struct Problem {
    pub status: Status,
    pub diagnosis: Option<DiagnosisId>,
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
        && row.diagnoses.iter().any(|d| {
            *d == DiagnosisId::ConnectPermissionMissing.as_str()
                || *d == DiagnosisId::EndpointCreationForbidden.as_str()
        })
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

/// One machine's row from what the fleet read about it: the same judgments as a single
/// machine's checks (provider, machine, service configuration, permissions), then the
/// worst of them and a one-line summary.
pub fn judge(row: &Value, reads: &Reads, request: &Request) -> MachineRow {
    let seen = Seen::of(row, request);
    let mut found: Vec<Problem> = Vec::new();
    provider_problem(&mut found, reads, &seen);
    if seen.resource_type.eq_ignore_ascii_case(HYBRID_COMPUTE) {
        machine_problem(&mut found, row, &seen);
    }
    let must_change = config_problem(&mut found, row, reads, &seen);
    if let Some(f) = reads.permissions {
        permission_problem(
            &mut found,
            f,
            reads.permissions_on_machine,
            request,
            must_change,
            &seen,
        );
    }
    found.sort_by_key(|p| std::cmp::Reverse(rank(p.status)));
    summarise(row, request, seen, &found)
}

/// The machine's names and the values its remedies are filled with.
struct Seen<'a> {
    name: String,
    group: String,
    subscription: String,
    resource_type: &'a str,
    port: String,
    vars: Vars,
}

impl<'a> Seen<'a> {
    fn of(row: &'a Value, request: &Request) -> Seen<'a> {
        let name = text(row, "/name").to_string();
        let group = text(row, "/resourceGroup").to_string();
        let subscription = text(row, "/subscriptionId").to_string();
        let port = request.port.unwrap_or(22).to_string();
        let mut vars = Vars::new();
        vars.insert("machine".into(), name.clone());
        vars.insert("resourceGroup".into(), group.clone());
        vars.insert("subscription".into(), subscription.clone());
        vars.insert("port".into(), port.clone());
        Seen {
            name,
            group,
            subscription,
            resource_type: text(row, "/type"),
            port,
            vars,
        }
    }
}

fn provider_problem(found: &mut Vec<Problem>, reads: &Reads, seen: &Seen) {
    let subscription = &seen.subscription;
    if let Some(state) = reads
        .provider
        .and_then(Fetched::ok_body)
        .and_then(|b| b.get("registrationState"))
        .and_then(Value::as_str)
        .filter(|s| !s.eq_ignore_ascii_case("Registered"))
    {
        add(
            found,
            Status::Fail,
            Some(DiagnosisId::ProviderNotRegistered),
            format!(
                "Microsoft.HybridConnectivity is {state} in subscription {subscription}, not Registered."
            ),
        );
    }
}

fn machine_problem(found: &mut Vec<Problem>, row: &Value, seen: &Seen) {
    let outcome = azure_machine::judge(row, &seen.vars);
    if outcome.status != Status::Pass {
        add(found, outcome.status, outcome.diagnosis, outcome.summary);
    }
}

/// The SSH service configuration's verdict; whether it must change (which decides the
/// permissions needed).
fn config_problem(found: &mut Vec<Problem>, row: &Value, reads: &Reads, seen: &Seen) -> bool {
    let (name, port) = (&seen.name, &seen.port);
    let legacy = preview_ports(row);
    let known_unregistered = found
        .iter()
        .any(|p| p.diagnosis == Some(DiagnosisId::ProviderNotRegistered));
    let mut must_change = false;
    if let Some(config) = reads.config {
        let needed = needed_from_config(config, port);
        must_change = !matches!(needed, Needed::Nothing | Needed::Unknown);
        let v = verdict(&needed, config, unregistered(config), name, port, &legacy);
        // The provider's own read already said so.
        let repeated =
            known_unregistered && v.diagnosis == Some(DiagnosisId::ProviderNotRegistered);
        if v.status != Status::Pass && !repeated {
            add(found, v.status, v.diagnosis, v.summary);
        }
    }
    must_change
}

fn permission_problem(
    found: &mut Vec<Problem>,
    f: &Fetched,
    on_machine: bool,
    request: &Request,
    must_change: bool,
    seen: &Seen,
) {
    let Seen {
        name,
        group,
        port,
        vars,
        resource_type,
        ..
    } = seen;
    match f.ok_body().map(Permissions::from_response) {
        Some(Ok(perms)) => {
            let scope = if on_machine {
                format!("on {name}")
            } else {
                format!("in resource group {group}")
            };
            let verdict = shortfall(
                &perms,
                resource_type,
                request.local_user.is_none(),
                must_change,
            );
            if let (Some(diagnosis), Some(summary)) = (
                verdict.diagnosis(),
                verdict.summary(name, port, Some(&scope)),
            ) {
                add(found, Status::Fail, Some(diagnosis), summary);
            }
        }
        Some(Err(e)) => add(
            found,
            Status::Error,
            None,
            format!("Could not judge your permissions: {e}"),
        ),
        None => {
            let scope = if on_machine {
                format!("on {name}")
            } else {
                format!("in {group}")
            };
            let o = read_failure(f, vars, &format!("read your permissions {scope}"));
            add(found, o.status, o.diagnosis, o.summary);
        }
    }
}

/// The worst problem, every diagnosis once, the summary line and the commands.
fn summarise(row: &Value, request: &Request, seen: Seen, found: &[Problem]) -> MachineRow {
    let Seen {
        name,
        group,
        subscription,
        resource_type,
        port,
        ..
    } = seen;
    let worst = found
        .first()
        .filter(|p| rank(p.status) >= rank(Status::Warn));
    let mut diagnoses: Vec<String> = Vec::new();
    for d in found.iter().filter_map(|p| p.diagnosis) {
        if !diagnoses.iter().any(|x| d == x.as_str()) {
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
                .filter(|d| p.diagnosis.is_none_or(|own| own != d.as_str()))
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
        worst_diagnosis: worst.and_then(|p| p.diagnosis).map(String::from),
        summary,
        diagnoses,
        command,
        commands: cmds,
    }
}

fn add(found: &mut Vec<Problem>, status: Status, diagnosis: Option<DiagnosisId>, summary: String) {
    found.push(Problem {
        status,
        diagnosis,
        summary,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::permissions::actions::{LIST_CREDENTIALS, LOGIN};
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
