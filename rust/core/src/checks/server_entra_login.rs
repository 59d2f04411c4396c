//! `server.entra-login`: the `aadsshlogin` package the AADSSHLoginForLinux extension
//! installs, needed only for Microsoft Entra login (local users are unaffected).
//! Asked of `dpkg-query` or `rpm`, whichever this server has.

use std::time::Duration;

use crate::checks::server_agent::{self, AgentFacts};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::platform::Os;
use crate::probe::process;

pub const ID: &str = "server.entra-login";
const PACKAGE: &str = "aadsshlogin";
const RUN_TIMEOUT: Duration = Duration::from_secs(5);

pub struct EntraLoginPackage;

/// Reads a package tool's answer: the installed version, or `None`.
type Parse = fn(Option<i32>, &str) -> Option<String>;

/// `dpkg-query -W -f '${Status}\t${Version}\n' aadsshlogin`: the version when the
/// package is installed (`install ok installed\t1.0.02351.1`), else `None` (removed with
/// its configuration left: `deinstall ok config-files\t...`).
pub fn parse_dpkg(code: Option<i32>, stdout: &str) -> Option<String> {
    if code != Some(0) {
        return None;
    }
    let line = stdout.lines().find(|l| !l.trim().is_empty())?;
    let (status, version) = line.split_once('\t').unwrap_or((line, ""));
    status
        .trim()
        .ends_with(" installed")
        .then(|| version.trim().to_string())
}

/// `rpm -q aadsshlogin`: `aadsshlogin-1.0.02351.1-1.x86_64` (exit 0) or
/// `package aadsshlogin is not installed` (exit 1).
pub fn parse_rpm(code: Option<i32>, stdout: &str) -> Option<String> {
    let line = stdout.lines().map(str::trim).find(|l| !l.is_empty())?;
    (code == Some(0) && line.starts_with(PACKAGE) && !line.contains("not installed"))
        .then(|| line.to_string())
}

impl Check for EntraLoginPackage {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Microsoft Entra login package (aadsshlogin)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::EntraLoginExtensionMissing]
    }
    fn after(&self) -> &'static [&'static str] {
        &[server_agent::ID]
    }
    fn timeout(&self) -> Duration {
        RUN_TIMEOUT + Duration::from_secs(1)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        if ctx.env.os() == Os::Linux {
            Applicability::Run
        } else {
            Applicability::Skip("Microsoft Entra login is for Linux servers only.".into())
        }
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let (tool, args, parse): (_, &[&str], Parse) = if let Some(t) =
            ctx.env.find_on_path("dpkg-query")
        {
            (
                t,
                &["-W", "-f", "${Status}\t${Version}\n", PACKAGE],
                parse_dpkg,
            )
        } else if let Some(t) = ctx.env.find_on_path("rpm") {
            (t, &["-q", PACKAGE], parse_rpm)
        } else {
            return Ok(Outcome::skip(
                "Neither dpkg-query nor rpm is on PATH: cannot tell whether aadsshlogin is installed.",
            ));
        };
        let ran = process::run_until(&tool, args, RUN_TIMEOUT, &ctx.cancel)
            .map_err(|e| CheckError(format!("{tool}: {e}")))?;
        let answer = ran
            .stdout
            .lines()
            .chain(ran.stderr.lines())
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no output")
            .to_string();
        let evidence = format!(
            "{tool} {}: {answer}",
            args.join(" ").replace('\t', "\\t").replace('\n', "\\n")
        );
        if let Some(version) = parse(ran.code, &ran.stdout) {
            return Ok(
                Outcome::pass(format!("{PACKAGE} is installed ({version})."))
                    .evidence("package", evidence),
            );
        }
        let mut vars = deps
            .get::<AgentFacts>(server_agent::ID)
            .map(AgentFacts::vars)
            .unwrap_or_default();
        vars.entry("machine".into())
            .or_insert_with(|| "<machine>".into());
        Ok(Outcome::problem(
            Status::Warn,
            DiagnosisId::EntraLoginExtensionMissing,
            format!(
                "{PACKAGE} is not installed: needed only for Microsoft Entra login; local users are unaffected."
            ),
            &vars,
        )
        .evidence("package", evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_answers() {
        assert_eq!(
            parse_dpkg(Some(0), "install ok installed\t1.0.02351.1\n"),
            Some("1.0.02351.1".into())
        );
        assert_eq!(
            parse_dpkg(Some(0), "deinstall ok config-files\t1.0.1\n"),
            None
        );
        assert_eq!(parse_dpkg(Some(0), "unknown ok not-installed\t\n"), None);
        assert_eq!(parse_dpkg(Some(1), ""), None);
    }

    #[test]
    fn rpm_answers() {
        assert_eq!(
            parse_rpm(Some(0), "aadsshlogin-1.0.02351.1-1.x86_64\n"),
            Some("aadsshlogin-1.0.02351.1-1.x86_64".into())
        );
        assert_eq!(
            parse_rpm(Some(1), "package aadsshlogin is not installed\n"),
            None
        );
    }
}
