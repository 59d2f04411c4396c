//! `server.agent-services`: the agent's services are running: himds (the agent itself)
//! and the connectivity proxy (`arcproxyd` on Linux, `arcproxy` on Windows), which holds
//! the relay listener SSH connections arrive through.
//!
//! Where systemd answers, `systemctl is-active himdsd arcproxyd`; otherwise the
//! `Dependent Service Status` block of `azcmagent show` (also what Windows reports).

use std::time::Duration;

use crate::catalogue::Vars;
use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::platform::Os;
use crate::probe::process;

pub const ID: &str = "server.agent-services";
const RUN_TIMEOUT: Duration = Duration::from_secs(5);

pub struct AgentServices;

/// The agent service and the connectivity proxy service on `os`.
pub fn services(os: Os) -> [&'static str; 2] {
    match os {
        Os::Windows => ["himds", "arcproxy"],
        _ => ["himdsd", "arcproxyd"],
    }
}

/// `systemctl is-active A B` prints one state per unit, in order. `None` when the
/// answer is not that (no systemd: "System has not been booted with systemd...").
pub fn parse_is_active(stdout: &str, units: &[&str]) -> Option<Vec<(String, String)>> {
    let states: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let known = [
        "active",
        "inactive",
        "failed",
        "activating",
        "deactivating",
        "reloading",
        "unknown",
        "maintenance",
        "refreshing",
    ];
    (states.len() == units.len() && states.iter().all(|s| known.contains(s))).then(|| {
        units
            .iter()
            .zip(states)
            .map(|(u, s)| (u.to_string(), s.to_string()))
            .collect()
    })
}

fn is_running(state: &str) -> bool {
    matches!(state.to_ascii_lowercase().as_str(), "active" | "running")
}

impl Check for AgentServices {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Agent services (himds, connectivity proxy)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::RelayListenerUnavailable]
    }
    fn after(&self) -> &'static [&'static str] {
        &[server_agent::ID]
    }
    fn timeout(&self) -> Duration {
        RUN_TIMEOUT + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let facts = deps.get::<AgentFacts>(server_agent::ID);
        if facts.and_then(|f| f.path.as_ref()).is_none() {
            return Ok(Outcome::skip("The agent is not installed."));
        }
        let units = services(ctx.env.os());
        let (from_systemd, systemctl_note) = if ctx.env.os() != Os::Windows {
            ask_systemd(ctx, &units)
        } else {
            (None, None)
        };
        let listed = facts.and_then(|f| f.show.as_ref()).map(|s| &s.services);
        let states = from_systemd.or_else(|| from_agent_show(&units, listed));
        let vars = facts.map(AgentFacts::vars).unwrap_or_default();
        Ok(judge(&units, states, systemctl_note, &vars))
    }
}

/// The units' states and where they were read.
#[derive(Debug)]
struct ServiceStates {
    source: String,
    states: Vec<(String, String)>,
}

/// `systemctl is-active`, when systemd is there and answers; otherwise why not (if
/// systemctl was found at all).
fn ask_systemd(ctx: &Context, units: &[&str; 2]) -> (Option<ServiceStates>, Option<String>) {
    let Some(systemctl) = ctx.env.find_on_path("systemctl") else {
        return (None, None);
    };
    match process::run_until(
        &systemctl,
        &["is-active", units[0], units[1]],
        RUN_TIMEOUT,
        &ctx.cancel,
    ) {
        Ok(ran) => match parse_is_active(&ran.stdout, units) {
            Some(states) => (
                Some(ServiceStates {
                    source: format!("{systemctl} is-active {} {}", units[0], units[1]),
                    states,
                }),
                None,
            ),
            None => (
                None,
                Some(
                    ran.stderr
                        .lines()
                        .chain(ran.stdout.lines())
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("no answer")
                        .trim()
                        .to_string(),
                ),
            ),
        },
        Err(e) => (None, Some(e.to_string())),
    }
}

/// The states `azcmagent show` lists under Dependent Service Status, when it lists any
/// of the units.
fn from_agent_show(
    units: &[&str; 2],
    listed: Option<&Vec<(String, String)>>,
) -> Option<ServiceStates> {
    let found: Vec<(String, String)> = units
        .iter()
        .filter_map(|u| {
            listed?
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(u))
                .cloned()
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    // A service the agent no longer lists is not running.
    let states = units
        .iter()
        .map(|u| {
            found
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(u))
                .cloned()
                .unwrap_or_else(|| (u.to_string(), "not listed".into()))
        })
        .collect();
    Some(ServiceStates {
        source: "azcmagent show (Dependent Service Status)".into(),
        states,
    })
}

fn judge(
    units: &[&str; 2],
    states: Option<ServiceStates>,
    systemctl_note: Option<String>,
    vars: &Vars,
) -> Outcome {
    let Some(ServiceStates { source, states }) = states else {
        let mut o = Outcome::skip("The state of the agent's services could not be read.");
        if let Some(n) = systemctl_note {
            o = o.evidence("systemctl", n);
        }
        return o;
    };
    let down: Vec<&(String, String)> = states.iter().filter(|(_, s)| !is_running(s)).collect();
    let mut outcome = if down.is_empty() {
        Outcome::pass(format!("{} and {} are running.", units[0], units[1]))
    } else {
        let listed: Vec<String> = down.iter().map(|(u, s)| format!("{u} is {s}")).collect();
        let proxy_down = down.iter().any(|(u, _)| u == units[1]);
        let why = if proxy_down {
            "the connectivity proxy service holds the relay listener, so SSH connections through Azure fail with \"404 There are no listeners connected for the endpoint\""
        } else {
            "without the agent service the connectivity proxy gets no relay credentials"
        };
        Outcome::problem(
            Status::Fail,
            DiagnosisId::RelayListenerUnavailable,
            format!("{}: {why}.", listed.join(", ")),
            vars,
        )
    };
    outcome = outcome.evidence("source", source);
    for (u, s) in &states {
        outcome = outcome.evidence(u.clone(), s.clone());
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_active_answers_map_to_units_in_order() {
        let units = services(Os::Linux);
        assert_eq!(
            parse_is_active("active\ninactive\n", &units),
            Some(vec![
                ("himdsd".into(), "active".into()),
                ("arcproxyd".into(), "inactive".into())
            ])
        );
        assert_eq!(parse_is_active("active\n", &units), None);
        assert_eq!(
            parse_is_active(
                "System has not been booted with systemd as init system (PID 1). Can't operate.\n",
                &units
            ),
            None
        );
    }

    #[test]
    fn windows_names_are_the_service_names_azcmagent_show_lists() {
        assert_eq!(services(Os::Windows), ["himds", "arcproxy"]);
        assert!(is_running("running") && is_running("active") && !is_running("stopped"));
    }

    #[test]
    fn a_stopped_connectivity_proxy_fails_for_want_of_a_relay_listener() {
        let units = services(Os::Linux);
        let listed = vec![
            ("himdsd".to_string(), "active".to_string()),
            ("arcproxyd".to_string(), "inactive".to_string()),
        ];
        let states = from_agent_show(&units, Some(&listed));
        let o = judge(&units, states, None, &Vars::new());
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DiagnosisId::RelayListenerUnavailable));
        assert_eq!(
            o.summary,
            "arcproxyd is inactive: the connectivity proxy service holds the relay listener, so SSH connections through Azure fail with \"404 There are no listeners connected for the endpoint\"."
        );
        assert_eq!(
            o.evidence.get("source").map(String::as_str),
            Some("azcmagent show (Dependent Service Status)")
        );
    }

    #[test]
    fn unreadable_states_skip_with_what_systemctl_said() {
        let units = services(Os::Linux);
        assert!(from_agent_show(&units, None).is_none());
        let o = judge(
            &units,
            None,
            Some("Failed to connect to bus".into()),
            &Vars::new(),
        );
        assert_eq!(o.status, Status::Skip);
        assert_eq!(
            o.summary,
            "The state of the agent's services could not be read."
        );
        assert_eq!(
            o.evidence.get("systemctl").map(String::as_str),
            Some("Failed to connect to bus")
        );
    }
}
