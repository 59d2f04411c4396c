//! `client.openssh`: find ssh and ssh-keygen exactly where the client in use looks, and
//! prove each one runs.

use std::time::Duration;

use crate::cancel::Cancel;
use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Client, Shell, ShellCommand, Status};
use crate::platform::{self, Candidate, Os};
use crate::probe::process::{self, RunError};

pub const ID: &str = "client.openssh";
const RUN_TIMEOUT: Duration = Duration::from_secs(3);

pub struct OpenSsh;

/// What later checks may want to know about the local OpenSSH.
#[derive(Debug, Clone)]
pub struct OpenSshFacts {
    pub ssh: Option<String>,
    pub version: Option<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    AzureCli,
    PowerShell,
}

impl Rules {
    fn name(self) -> &'static str {
        match self {
            Rules::AzureCli => "az",
            Rules::PowerShell => "Enter-AzVM",
        }
    }
}

struct Lookup {
    rules: Rules,
    program: &'static str,
    found: Option<String>,
    searched: Vec<String>,
    /// `--ssh-client-folder` was given but did not hold the program.
    missed_folder: Option<String>,
    /// What running the program found said: its banner (None for ssh-keygen's usage),
    /// or why it does not run. Absent until run, and when nothing was found.
    ran: Option<Result<Option<String>, String>>,
}

impl Check for OpenSsh {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "OpenSSH client (ssh, ssh-keygen)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::ClientBinariesNotFound]
    }
    fn timeout(&self) -> Duration {
        RUN_TIMEOUT * 4 + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let rules: &[Rules] = match ctx.request.client {
            Client::AzureCli => &[Rules::AzureCli],
            Client::Powershell => &[Rules::PowerShell],
            Client::Standalone => &[Rules::AzureCli, Rules::PowerShell],
        };
        let mut lookups: Vec<Lookup> = rules
            .iter()
            .flat_map(|r| ["ssh", "ssh-keygen"].map(|p| lookup(ctx, *r, p)))
            .collect();
        run_each_found(&mut lookups, &ctx.cancel);
        let keygen_optional = ctx.request.local_user.is_some();
        Ok(judge(
            &lookups,
            keygen_optional,
            &remedy_vars(ctx),
            ctx.env.os(),
        ))
    }
}

/// Each program found is run once, all of them at once: waiting for a spawn is
/// most of this check's time, and of an offline run's.
fn run_each_found(lookups: &mut [Lookup], cancel: &Cancel) {
    let mut distinct: Vec<(String, &'static str)> = Vec::new();
    for l in lookups.iter() {
        let Some(path) = l.found.as_deref() else {
            continue;
        };
        if !distinct.iter().any(|(p, _)| p == path) {
            distinct.push((path.to_string(), l.program));
        }
    }
    let tried: Vec<(String, Result<Option<String>, String>)> = std::thread::scope(|s| {
        let running: Vec<_> = distinct
            .iter()
            .map(|(path, program)| (path, s.spawn(move || prove_runs(path, program, cancel))))
            .collect();
        running
            .into_iter()
            .map(|(path, h)| {
                let r = h
                    .join()
                    .unwrap_or_else(|_| Err("could not be run (the probe crashed)".into()));
                (path.clone(), r)
            })
            .collect()
    });
    for l in lookups.iter_mut() {
        l.ran = l
            .found
            .as_ref()
            .and_then(|path| tried.iter().find(|(p, _)| p == path))
            .map(|(_, r)| r.clone());
    }
}

/// The names a remedy's commands are filled in with.
fn remedy_vars(ctx: &Context) -> Vars {
    let mut vars = Vars::new();
    if let Some(folder) = &ctx.request.ssh_client_folder {
        vars.insert("folder".into(), folder.clone());
    }
    if let Some(target) = &ctx.request.target {
        vars.extend(target.name.clone().map(|n| ("machine".to_string(), n)));
        vars.extend(
            target
                .resource_group
                .clone()
                .map(|g| ("resourceGroup".to_string(), g)),
        );
    }
    vars
}

/// What the lookups and runs add up to, before it becomes an outcome.
struct Findings {
    evidence: crate::model::Evidence,
    problems: Vec<String>,
    warnings: Vec<String>,
    facts: OpenSshFacts,
}

fn judge(lookups: &[Lookup], keygen_optional: bool, vars: &Vars, os: Os) -> Outcome {
    let Findings {
        evidence,
        problems,
        warnings,
        facts,
    } = findings(lookups, keygen_optional);
    let outcome = if !problems.is_empty() {
        let mut o = Outcome::problem(
            Status::Fail,
            DiagnosisId::ClientBinariesNotFound,
            sentence(&problems),
            vars,
        );
        fit_remedy_to_os(&mut o, os);
        o
    } else if !warnings.is_empty() {
        let mut o = Outcome::problem(
            Status::Warn,
            DiagnosisId::ClientBinariesNotFound,
            sentence(&warnings),
            vars,
        );
        fit_remedy_to_os(&mut o, os);
        o
    } else {
        let ssh = facts.ssh.clone().unwrap_or_default();
        let version = evidence
            .iter()
            .find(|(k, _)| k.starts_with("ssh ("))
            .map(|(_, v)| v.clone())
            .unwrap_or(ssh);
        Outcome::pass(format!("ssh and ssh-keygen found and run ({version})."))
    };
    let mut outcome = outcome.with_output(facts);
    outcome.evidence.extend(evidence);
    outcome
}

fn findings(lookups: &[Lookup], keygen_optional: bool) -> Findings {
    let mut findings = Findings {
        evidence: crate::model::Evidence::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        facts: OpenSshFacts {
            ssh: None,
            version: None,
        },
    };
    for l in lookups {
        if let Some(folder) = &l.missed_folder {
            findings.warnings.push(format!(
                "{} is not in --ssh-client-folder {folder}",
                l.program
            ));
        }
        match &l.found {
            None => findings.not_found(l, keygen_optional),
            Some(path) => findings.found(l, path),
        }
    }
    findings
}

impl Findings {
    fn not_found(&mut self, l: &Lookup, keygen_optional: bool) {
        self.evidence.insert(
            evidence_key(l),
            format!("not found; looked in: {}", l.searched.join(", ")),
        );
        let optional = l.program == "ssh-keygen" && keygen_optional;
        let line = format!(
            "{} not found for {} (looked in {})",
            l.program,
            l.rules.name(),
            l.searched.join(", ")
        );
        if optional {
            self.warnings.push(line)
        } else {
            self.problems.push(line)
        }
    }

    fn found(&mut self, l: &Lookup, path: &str) {
        let result = l
            .ran
            .clone()
            .unwrap_or_else(|| Err("could not be run (the probe crashed)".into()));
        match result {
            Ok(banner) => {
                if l.program == "ssh" && self.facts.ssh.is_none() {
                    self.facts.ssh = Some(path.to_string());
                    self.facts.version = banner
                        .as_deref()
                        .and_then(platform::openssh_version)
                        .map(|(a, b, _)| (a, b));
                }
                self.evidence.insert(
                    evidence_key(l),
                    format!("{path}: {}", banner.unwrap_or_else(|| "runs".into())),
                );
            }
            Err(why) => {
                self.evidence
                    .insert(evidence_key(l), format!("{path}: {why}"));
                self.problems.push(format!("{path} {why}"));
            }
        }
    }
}

fn evidence_key(l: &Lookup) -> String {
    format!("{} ({})", l.program, l.rules.name())
}

fn lookup(ctx: &Context, rules: Rules, program: &'static str) -> Lookup {
    let os = ctx.env.os();
    let folder = match rules {
        Rules::AzureCli => ctx.request.ssh_client_folder.as_deref(),
        Rules::PowerShell => None,
    };
    let candidates = match rules {
        Rules::AzureCli => platform::az_ssh_client_candidates(
            os,
            program,
            folder,
            ctx.env.var("SystemRoot").as_deref(),
            ctx.env.process_32bit_on_64bit_os,
        ),
        Rules::PowerShell => platform::ps_ssh_client_candidates(os, program),
    };
    let mut searched = Vec::new();
    let mut missed_folder = None;
    for candidate in candidates {
        match candidate {
            Candidate::File(path) => {
                searched.push(path.clone());
                if std::path::Path::new(&path).is_file() {
                    return Lookup {
                        rules,
                        program,
                        found: Some(path),
                        searched,
                        missed_folder,
                        ran: None,
                    };
                }
                if let Some(f) = folder.filter(|f| path.starts_with(*f)) {
                    missed_folder = Some(f.to_string());
                }
            }
            Candidate::SearchPath(name) => {
                searched.push(format!("PATH ({name})"));
                if let Some(found) = ctx.env.find_on_path(&name) {
                    return Lookup {
                        rules,
                        program,
                        found: Some(found),
                        searched,
                        missed_folder,
                        ran: None,
                    };
                }
            }
        }
    }
    Lookup {
        rules,
        program,
        found: None,
        searched,
        missed_folder,
        ran: None,
    }
}

/// Runs `program -V`. ssh prints its version; ssh-keygen has no version flag and
/// answers with its usage, which proves it runs just as well.
fn prove_runs(path: &str, program: &str, cancel: &Cancel) -> Result<Option<String>, String> {
    match process::run_until(path, &["-V"], RUN_TIMEOUT, cancel) {
        Ok(ran) => {
            let text = format!("{}{}", ran.stderr, ran.stdout);
            if let Some(line) = text.lines().find(|l| l.contains("OpenSSH")) {
                return Ok(Some(line.trim().to_string()));
            }
            if program == "ssh-keygen" && text.contains("ssh-keygen") {
                return Ok(None);
            }
            let first = text.lines().next().unwrap_or("").trim();
            Err(format!(
                "ran but did not answer like OpenSSH (exit {}, said: {})",
                ran.code.map_or("by signal".into(), |c| c.to_string()),
                if first.is_empty() { "nothing" } else { first }
            ))
        }
        Err(RunError::TimedOut(d)) => {
            Err(format!("hung: no answer to -V within {} ms", d.as_millis()))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn sentence(parts: &[String]) -> String {
    format!("{}.", parts.join("; "))
}

fn fit_remedy_to_os(outcome: &mut Outcome, os: Os) {
    let Some(remedy) = outcome.remedy.as_mut() else {
        return;
    };
    let install = match os {
        Os::Windows => ShellCommand {
            shell: Shell::Powershell,
            command: "Add-WindowsCapability -Online -Name OpenSSH.Client~~~~0.0.1.0".into(),
        },
        Os::Macos => ShellCommand {
            shell: Shell::Sh,
            command: "xcode-select --install    # or: brew install openssh".into(),
        },
        Os::Linux => return,
    };
    remedy.commands.retain(|c| c.shell != Shell::Sh);
    remedy.commands.push(install);
}

#[cfg(test)]
#[path = "openssh_tests.rs"]
mod tests;
