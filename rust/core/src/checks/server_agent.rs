//! `server.agent`: the Azure Connected Machine agent on this server: installed, 1.31 or
//! newer (the first version with SSH), and Connected.
//!
//! Reads `azcmagent show` (text; documented shape: `Key   : value` lines and an
//! indented `Dependent Service Status` block, e.g. `  Azure Arc Proxy (arcproxyd) : active`),
//! falling back to `azcmagent version` for the version. Later server checks read
//! [`AgentFacts`].

use std::time::Duration;

use crate::cancel::Cancel;
use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::env::HostEnv;
use crate::model::DiagnosisId;
use crate::model::{Remedy, Shell, ShellCommand, Status};
use crate::platform::Os;
use crate::probe::process;

pub const ID: &str = "server.agent";
/// Bound on one `azcmagent` run (`show` talks to the local himds service).
pub const RUN_TIMEOUT: Duration = Duration::from_secs(10);
const MIN_VERSION: (u32, u32) = (1, 31);

pub struct Agent;

/// What `azcmagent show` said, as far as the server checks need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowInfo {
    pub version: Option<String>,
    pub status: Option<String>,
    pub location: Option<String>,
    pub resource_name: Option<String>,
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    /// `(service name, state)` from the `Dependent Service Status` block.
    pub services: Vec<(String, String)>,
}

/// For the checks after this one.
#[derive(Debug, Clone, Default)]
pub struct AgentFacts {
    pub path: Option<String>,
    pub show: Option<ShowInfo>,
}

impl AgentFacts {
    /// Machine, resource group and subscription for remedies.
    pub fn vars(&self) -> Vars {
        let mut vars = Vars::new();
        if let Some(s) = &self.show {
            for (k, v) in [
                ("machine", &s.resource_name),
                ("resourceGroup", &s.resource_group),
                ("subscription", &s.subscription),
            ] {
                if let Some(v) = v {
                    vars.insert(k.into(), v.clone());
                }
            }
        }
        vars
    }
}

/// Parses `azcmagent show` text output.
pub fn parse_show(text: &str) -> ShowInfo {
    let mut info = ShowInfo::default();
    let mut in_services = false;
    for line in text.lines() {
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if line.trim() == "Dependent Service Status" {
            in_services = true;
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if in_services && indented {
            // `Agent Service (himdsd)` -> himdsd
            if let (Some(open), Some(close)) = (key.rfind('('), key.rfind(')')) {
                if open < close {
                    info.services
                        .push((key[open + 1..close].to_string(), value.to_string()));
                }
            }
            continue;
        }
        in_services = false;
        let value = (!value.is_empty()).then(|| value.to_string());
        match key {
            "Agent Version" => info.version = value,
            "Agent Status" => info.status = value,
            "Location" => info.location = value,
            "Resource Name" => info.resource_name = value,
            "Resource Group Name" => info.resource_group = value,
            "Subscription ID" => info.subscription = value,
            _ => {}
        }
    }
    info
}

/// The first `major.minor[.more]` in `text` (`azcmagent version` prints e.g.
/// `azcmagent version 1.31.02347.957`), as `(major, minor, whole)`.
pub fn parse_version(text: &str) -> Option<(u32, u32, String)> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .find_map(|t| {
            let mut parts = t.split('.');
            let major = parts.next()?.parse().ok()?;
            let minor = parts.next()?.parse().ok()?;
            Some((major, minor, t.to_string()))
        })
}

/// Where the installers put azcmagent when it is not on PATH.
pub fn install_locations(os: Os, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    match os {
        Os::Windows => {
            let pf = env("ProgramFiles").unwrap_or_else(|| r"C:\Program Files".into());
            vec![format!(
                r"{}\AzureConnectedMachineAgent\azcmagent.exe",
                pf.trim_end_matches('\\')
            )]
        }
        Os::Linux => vec!["/opt/azcmagent/bin/azcmagent".into()],
        _ => vec![],
    }
}

fn locate(env: &HostEnv) -> (Option<String>, Vec<String>) {
    let mut searched = vec!["PATH".to_string()];
    if let Some(p) = env.find_on_path("azcmagent") {
        return (Some(p), searched);
    }
    for candidate in install_locations(env.os(), &|k| env.var(k)) {
        searched.push(candidate.clone());
        if crate::env::is_runnable_file(&candidate) {
            return (Some(candidate), searched);
        }
    }
    (None, searched)
}

fn not_installed(searched: &[String]) -> Outcome {
    let mut o = Outcome::new(
        Status::Fail,
        format!(
            "The Azure Connected Machine agent (azcmagent) is not installed here (looked on {}): \
             without it nothing on this server listens for SSH connections through Azure.",
            searched.join(", ")
        ),
    );
    o.remedy = Some(Remedy {
        text: "Install the Azure Connected Machine agent and connect this server to Azure Arc \
               (the portal's \"Add a server\" page generates the script), then run this again."
            .into(),
        commands: vec![ShellCommand {
            shell: Shell::Sh,
            command: "sudo azcmagent connect --resource-group <resource-group> --location <region> --subscription-id <subscription>    # after installing the agent".into(),
        }],
        docs: "https://learn.microsoft.com/azure/azure-arc/servers/onboard-portal".into(),
    });
    o.evidence(
        "azcmagent",
        format!("not found; looked on {}", searched.join(", ")),
    )
}

impl Check for Agent {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Azure Connected Machine agent (installed, 1.31+, Connected)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::AgentOutdated, DiagnosisId::MachineDisconnected]
    }
    fn timeout(&self) -> Duration {
        RUN_TIMEOUT * 2 + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let (path, searched) = locate(&ctx.env);
        let Some(path) = path else {
            return Ok(not_installed(&searched).with_output(AgentFacts::default()));
        };
        Ok(judge(ask_agent(path, &ctx.cancel)))
    }
}

/// What the installed azcmagent said about itself.
struct AgentAnswers {
    path: String,
    show: Option<ShowInfo>,
    /// How `azcmagent show` went: "answered", or why it did not.
    show_evidence: String,
    version: Option<(u32, u32, String)>,
}

/// `azcmagent show`, and `azcmagent version` when show gives no version.
fn ask_agent(path: String, cancel: &Cancel) -> AgentAnswers {
    let show = process::run_until(&path, &["show"], RUN_TIMEOUT, cancel);
    let (info, show_evidence) = match &show {
        Ok(ran) if ran.code == Some(0) || ran.stdout.contains("Agent Status") => {
            (Some(parse_show(&ran.stdout)), "answered".to_string())
        }
        Ok(ran) => (
            None,
            format!(
                "exit {:?}: {}",
                ran.code,
                first_line(&ran.stderr, &ran.stdout)
            ),
        ),
        Err(e) => (None, e.to_string()),
    };
    let mut version = info
        .as_ref()
        .and_then(|i| i.version.as_deref())
        .and_then(parse_version);
    if version.is_none() {
        if let Ok(ran) = process::run_until(&path, &["version"], RUN_TIMEOUT, cancel) {
            version = parse_version(&ran.stdout);
        }
    }
    AgentAnswers {
        path,
        show: info,
        show_evidence,
        version,
    }
}

fn judge(answers: AgentAnswers) -> Outcome {
    let AgentAnswers {
        path,
        show: info,
        show_evidence,
        version,
    } = answers;
    let facts = AgentFacts {
        path: Some(path.clone()),
        show: info.clone(),
    };
    let mut vars = facts.vars();
    let status = info.as_ref().and_then(|i| i.status.clone());
    let evidence = agent_evidence(&path, show_evidence, version.as_ref(), info.as_ref());

    let outdated = version
        .as_ref()
        .filter(|(a, b, _)| (*a, *b) < MIN_VERSION)
        .map(|v| v.2.clone());
    let disconnected = status
        .as_deref()
        .filter(|s| !s.eq_ignore_ascii_case("Connected"));
    let mut outcome = if let Some(s) = disconnected {
        let mut line =
            format!("The agent reports status {s}: Azure cannot reach this server through it.");
        if let Some(v) = &outdated {
            line.push_str(&format!(" It is also version {v}, older than 1.31."));
        }
        Outcome::problem(Status::Fail, DiagnosisId::MachineDisconnected, line, &vars)
    } else if let Some(v) = outdated {
        vars.insert("version".into(), v.clone());
        Outcome::problem(
            Status::Fail,
            DiagnosisId::AgentOutdated,
            format!("The agent is version {v}; SSH access needs 1.31 or newer."),
            &vars,
        )
    } else if version.is_none() || status.is_none() {
        Outcome::new(
            Status::Warn,
            "azcmagent is installed but its version or status could not be read.",
        )
    } else {
        Outcome::pass(format!(
            "Agent {} is installed at {path} and Connected.",
            version.as_ref().map_or("", |v| v.2.as_str())
        ))
    };
    for (k, v) in evidence {
        outcome = outcome.evidence(k, v);
    }
    outcome.with_output(facts)
}

/// What the agent said, shown whatever the judgment.
fn agent_evidence(
    path: &str,
    show_evidence: String,
    version: Option<&(u32, u32, String)>,
    info: Option<&ShowInfo>,
) -> Vec<(String, String)> {
    let status = info.and_then(|i| i.status.clone());
    let mut evidence = vec![
        ("azcmagent".to_string(), path.to_string()),
        ("azcmagent show".to_string(), show_evidence),
        (
            "version".to_string(),
            version.map_or("unknown".into(), |v| v.2.clone()),
        ),
        (
            "status".to_string(),
            status.unwrap_or_else(|| "unknown".into()),
        ),
    ];
    if let Some(loc) = info.and_then(|i| i.location.clone()) {
        evidence.push(("location".into(), loc));
    }
    evidence
}

fn first_line(a: &str, b: &str) -> String {
    a.lines()
        .chain(b.lines())
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no output")
        .to_string()
}

#[cfg(test)]
#[path = "server_agent_tests.rs"]
mod tests;
