//! `client.ps-modules`: Az.Ssh and Az.Ssh.ArcProxy in every PSModulePath folder, read
//! from their manifests, judged by the rule Az.Ssh applies (ArcProxy 1.x only).

use std::path::Path;
use std::time::Duration;

use semver::Version;

use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Client, Status};
use crate::parse::psd1;
use crate::platform::{self, Os};

pub const ID: &str = "client.ps-modules";
pub const ARCPROXY: &str = "Az.Ssh.ArcProxy";
pub const AZ_SSH: &str = "Az.Ssh";
/// Real manifests are a few KB; anything past this is not one.
const MAX_MANIFEST: u64 = 1024 * 1024;

pub struct PsModules;

/// One installed copy of a module.
#[derive(Debug, Clone)]
pub struct Install {
    /// The folder holding the manifest (the version folder).
    pub folder: String,
    pub version: Result<Version, String>,
    pub version_text: String,
}

/// The ArcProxy copy Az.Ssh would use.
#[derive(Debug, Clone)]
pub struct ArcProxyChoice {
    pub folder: String,
    pub version: Version,
}

impl Check for PsModules {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Az.Ssh and Az.Ssh.ArcProxy modules"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::ArcproxyVersionMismatch,
            DiagnosisId::ArcproxyNotInstalled,
            DiagnosisId::AzsshModuleMissing,
        ]
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(10)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        powershell_applies(ctx)
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let env = &ctx.env;
        let lookup = |k: &str| env.var(k);
        let paths = platform::ps_module_paths(env.os(), &env.home, &lookup);
        let mut notes = Vec::new();
        for p in &paths {
            match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => notes.push(format!("{p} is not a folder")),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => notes.push(format!("{p} cannot be read: {e}")),
            }
        }
        let az_ssh = scan(&paths, AZ_SSH, env.os(), &mut notes);
        let arcproxy = scan(&paths, ARCPROXY, env.os(), &mut notes);

        let mut outcome = judge(ctx.request.client, &az_ssh, &arcproxy);
        outcome.evidence.insert(
            "PSModulePath".into(),
            paths.join(&env.os().path_list_separator().to_string()),
        );
        outcome.evidence.insert(AZ_SSH.into(), describe(&az_ssh));
        outcome
            .evidence
            .insert(ARCPROXY.into(), describe(&arcproxy));
        if !notes.is_empty() {
            outcome.evidence.insert("notes".into(), notes.join("; "));
        }
        Ok(outcome)
    }
}

/// The decision, apart from the file system.
pub fn judge(client: Client, az_ssh: &[Install], arcproxy: &[Install]) -> Outcome {
    let vars = Vars::new();
    let malformed: Vec<&Install> = arcproxy
        .iter()
        .chain(az_ssh)
        .filter(|i| i.version.is_err())
        .collect();
    let unsupported: Vec<&Install> = arcproxy
        .iter()
        .filter(|i| matches!(&i.version, Ok(v) if v.major >= 2))
        .collect();
    let has_az_ssh = az_ssh.iter().any(|i| i.version.is_ok());

    if !has_az_ssh && arcproxy.is_empty() && client == Client::Standalone {
        return Outcome::skip(
            "Az.Ssh is not installed, so Enter-AzVM is not used on this machine.",
        );
    }
    let mut outcome = if let Some(choice) = choose_arcproxy(arcproxy) {
        judge_usable(client, choice, &unsupported, has_az_ssh)
    } else if let Some(first) = unsupported.first() {
        let mut vars = vars.clone();
        vars.insert("modulePath".into(), first.folder.clone());
        vars.insert("version".into(), first.version_text.clone());
        Outcome::problem(
            Status::Fail,
            DiagnosisId::ArcproxyVersionMismatch,
            format!(
                "The Az.Ssh.ArcProxy module {} version is {}, and Az.Ssh only supports version 1.x.x.",
                first.folder, first.version_text
            ),
            &vars,
        )
    } else {
        let found_broken = if arcproxy.is_empty() {
            ""
        } else {
            " (only copies whose manifest could not be read)"
        };
        Outcome::problem(
            Status::Fail,
            DiagnosisId::ArcproxyNotInstalled,
            format!("Az.Ssh.ArcProxy is not installed in any PSModulePath folder{found_broken}."),
            &vars,
        )
    };
    if !malformed.is_empty() {
        note_malformed(&mut outcome, &malformed);
    }
    outcome
}

/// Get-Module -ListAvailable lists newest first within a folder; Az.Ssh takes the
/// first copy it accepts, i.e. the newest 1.x.
fn choose_arcproxy(arcproxy: &[Install]) -> Option<ArcProxyChoice> {
    arcproxy
        .iter()
        .filter_map(|i| match &i.version {
            Ok(v) if v.major < 2 => Some((v, i)),
            _ => None,
        })
        .max_by(|a, b| a.0.cmp(b.0))
        .map(|(v, i)| ArcProxyChoice {
            folder: i.folder.clone(),
            version: v.clone(),
        })
}

/// A usable ArcProxy was found: fine, unless Az.Ssh itself is missing.
fn judge_usable(
    client: Client,
    choice: ArcProxyChoice,
    unsupported: &[&Install],
    has_az_ssh: bool,
) -> Outcome {
    let mut o = Outcome::pass(format!(
        "Az.Ssh.ArcProxy {} at {} is usable.",
        choice.version, choice.folder
    ));
    if !unsupported.is_empty() {
        o.summary.push_str(&format!(
            " Az.Ssh skips the unsupported {} beside it.",
            unsupported
                .iter()
                .map(|i| i.version_text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !has_az_ssh {
        o = Outcome::problem(
            if client == Client::Powershell {
                Status::Fail
            } else {
                Status::Warn
            },
            DiagnosisId::AzsshModuleMissing,
            "Az.Ssh.ArcProxy is installed but Az.Ssh (which brings Enter-AzVM) is not.",
            &Vars::new(),
        );
    }
    o.with_output(choice)
}

/// Copies whose manifest could not be read are named, since PowerShell skips them.
fn note_malformed(outcome: &mut Outcome, malformed: &[&Install]) {
    let list: Vec<String> = malformed
        .iter()
        .map(|i| {
            format!(
                "{}: {}",
                i.folder,
                i.version.as_ref().err().map(String::as_str).unwrap_or("")
            )
        })
        .collect();
    outcome
        .evidence
        .insert("unreadable manifests".into(), list.join("; "));
    outcome.summary.push_str(&format!(
        " {} manifest(s) could not be read; PowerShell ignores those copies.",
        malformed.len()
    ));
}

pub fn powershell_applies(ctx: &Context) -> Applicability {
    match ctx.request.client {
        Client::Powershell => Applicability::Run,
        Client::AzureCli => Applicability::NotListed,
        Client::Standalone => {
            let env = &ctx.env;
            // Windows PowerShell ships with Windows.
            if env.os() == Os::Windows
                || platform::resolve_on_path(env.os(), "pwsh", &env.path_var(), |p| {
                    Path::new(p).is_file()
                })
                .is_some()
                || env.var("PSModulePath").is_some()
            {
                Applicability::Run
            } else {
                Applicability::Skip(
                    "PowerShell not found (no pwsh on PATH, no PSModulePath).".into(),
                )
            }
        }
    }
}

/// Every copy of `module` under each module folder: `<dir>/<module>/<version>/<module>.psd1`
/// and the unversioned `<dir>/<module>/<module>.psd1`.
pub fn scan(paths: &[String], module: &str, os: Os, notes: &mut Vec<String>) -> Vec<Install> {
    let mut installs = Vec::new();
    for base in paths {
        let module_dir = platform::join(os, base, &[module]);
        let entries = match std::fs::read_dir(&module_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                notes.push(format!("{module_dir} cannot be read: {e}"));
                continue;
            }
        };
        let manifest_name = format!("{module}.psd1");
        let mut candidates = vec![module_dir.clone()];
        // The entry's own type needs no `stat`; only a link is followed to see a folder.
        let mut versions: Vec<String> = entries
            .flatten()
            .filter(|e| {
                e.file_type()
                    .is_ok_and(|t| t.is_dir() || (t.is_symlink() && e.path().is_dir()))
            })
            .map(|e| e.path().to_string_lossy().into_owned())
            .collect();
        versions.sort();
        candidates.extend(versions);
        for folder in candidates {
            let manifest = Path::new(&folder).join(&manifest_name);
            // Opened without asking first whether it exists: one system call fewer per
            // folder, which counts with hundreds of versions installed.
            let read = psd1::read_manifest(&manifest, MAX_MANIFEST);
            if read.is_err() && !manifest.exists() {
                continue;
            }
            let (version, version_text) = match read.and_then(|text| psd1::module_version(&text)) {
                Ok(text) => match psd1::parse_version(&text) {
                    Some(v) => (Ok(v), text),
                    None => (
                        Err(format!("ModuleVersion '{text}' is not a version")),
                        text,
                    ),
                },
                Err(e) => (Err(e.to_string()), String::new()),
            };
            installs.push(Install {
                folder,
                version,
                version_text,
            });
        }
    }
    installs
}

fn describe(installs: &[Install]) -> String {
    if installs.is_empty() {
        return "not found".into();
    }
    installs
        .iter()
        .map(|i| match &i.version {
            Ok(_) => format!("{} at {}", i.version_text, i.folder),
            Err(e) => format!("unreadable at {} ({e})", i.folder),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(folder: &str, version: &str) -> Install {
        Install {
            folder: folder.into(),
            version: psd1::parse_version(version).ok_or_else(|| "not a version".to_string()),
            version_text: version.into(),
        }
    }

    #[test]
    fn the_newest_1x_arcproxy_is_chosen_and_a_2x_beside_it_is_named() {
        let az_ssh = [install("/m/Az.Ssh/0.2.3", "0.2.3")];
        let arcproxy = [
            install("/m/Az.Ssh.ArcProxy/1.0.0", "1.0.0"),
            install("/m/Az.Ssh.ArcProxy/1.2.0", "1.2.0"),
            install("/m/Az.Ssh.ArcProxy/2.0.0", "2.0.0"),
        ];
        let o = judge(Client::Powershell, &az_ssh, &arcproxy);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.diagnosis, None);
        assert_eq!(
            o.summary,
            "Az.Ssh.ArcProxy 1.2.0 at /m/Az.Ssh.ArcProxy/1.2.0 is usable. Az.Ssh skips the unsupported 2.0.0 beside it."
        );
    }

    #[test]
    fn only_a_2x_arcproxy_is_a_version_mismatch() {
        let az_ssh = [install("/m/Az.Ssh/0.2.3", "0.2.3")];
        let arcproxy = [install("/m/Az.Ssh.ArcProxy/2.0.0", "2.0.0")];
        let o = judge(Client::Powershell, &az_ssh, &arcproxy);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DiagnosisId::ArcproxyVersionMismatch));
        assert_eq!(
            o.summary,
            "The Az.Ssh.ArcProxy module /m/Az.Ssh.ArcProxy/2.0.0 version is 2.0.0, and Az.Ssh only supports version 1.x.x."
        );
    }
}
