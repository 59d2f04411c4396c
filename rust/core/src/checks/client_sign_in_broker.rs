//! `client.sign-in-broker` (Windows, Azure CLI): when az signs in through the Web
//! Account Manager broker (WAM), the temporary Entra certificate has been written with
//! permissions OpenSSH refuses ("UNPROTECTED PRIVATE KEY FILE", then
//! `Permission denied (publickey)`); chmod cannot help because the file is new on
//! every run (Azure/azure-cli#28417, MicrosoftDocs/azure-docs#113897).
//!
//! The probe reads az's own settings, `core.allow_broker` (older az) and
//! `core.enable_broker_on_windows` (on by default since az 2.61), from the environment
//! (`AZURE_CORE_…`, which az lets win) or `<az config dir>/config`; [`judge`] decides.

use std::path::Path;

use crate::catalogue::Vars;
use crate::checks::az_extension;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::platform::{self, Os};

pub const ID: &str = "client.sign-in-broker";
const DIAGNOSIS: DiagnosisId = DiagnosisId::EntraCertTooOpenWam;
/// The two settings that turn the broker on, as `az config set` names them.
const SETTINGS: [&str; 2] = ["allow_broker", "enable_broker_on_windows"];
const MAX_CONFIG: u64 = 256 * 1024;

pub struct SignInBroker;

/// One setting: its value as az reads it, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub on: Option<bool>,
    pub source: String,
}

impl Check for SignInBroker {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Sign-in broker (Windows, Azure CLI)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        if ctx.env.os() != Os::Windows {
            return Applicability::NotListed;
        }
        az_extension::azure_cli_applies(ctx)
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let env = &ctx.env;
        let lookup = |k: &str| env.var(k);
        let dir = platform::az_config_dir(env.os(), &env.home, &lookup);
        let settings = probe(Path::new(&dir), &lookup);
        Ok(judge(&settings, ctx.request.local_user.is_some()))
    }
}

/// Each broker setting: the `AZURE_CORE_<NAME>` variable first (az's own precedence),
/// else `[core]` in the config file.
pub fn probe(config_dir: &Path, var: &dyn Fn(&str) -> Option<String>) -> Vec<Setting> {
    let file = config_dir.join("config");
    let text = read_capped(&file).unwrap_or_default();
    SETTINGS
        .iter()
        .map(|name| {
            let env_name = format!("AZURE_CORE_{}", name.to_ascii_uppercase());
            if let Some(v) = var(&env_name) {
                return Setting {
                    name,
                    on: boolean(&v),
                    source: env_name,
                };
            }
            Setting {
                name,
                on: ini_value(&text, "core", name).as_deref().and_then(boolean),
                source: file.display().to_string(),
            }
        })
        .collect()
}

/// The rule: a broker the user turned on is a warning for Entra login; the default is
/// noted, not judged (most default sign-ins work, and the remedy is the same).
pub fn judge(settings: &[Setting], local_user: bool) -> Outcome {
    let on: Vec<&Setting> = settings.iter().filter(|s| s.on == Some(true)).collect();
    let off = settings.iter().all(|s| s.on == Some(false));
    let mut outcome = if local_user {
        Outcome::pass("Logging in as a local user: no Entra certificate is written.")
    } else if let Some(first) = on.first() {
        Outcome::problem(
            Status::Warn,
            DIAGNOSIS,
            format!(
                "az signs in through the Windows broker (core.{} = true, from {}): ssh may refuse the temporary Entra certificate as too open.",
                first.name, first.source
            ),
            &Vars::new(),
        )
    } else if off {
        Outcome::pass("az does not use the Windows sign-in broker.")
    } else {
        Outcome::pass(
            "The sign-in broker is az's default (on since az 2.61); if ssh refuses the Entra certificate as too open, turn it off.",
        )
    };
    for s in settings {
        let value = match s.on {
            Some(v) => format!("{v} (from {})", s.source),
            None => "not set".into(),
        };
        outcome = outcome.evidence(format!("core.{}", s.name), value);
    }
    outcome
}

/// configparser's booleans.
fn boolean(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// `key = value` (or `key: value`) in `[section]`, as Python's configparser reads it:
/// section and key names case-insensitive, `#`/`;` lines are comments.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim().eq_ignore_ascii_case(section);
            continue;
        }
        let Some((k, v)) = line.split_once(['=', ':']) else {
            continue;
        };
        if inside && k.trim().eq_ignore_ascii_case(key) {
            found = Some(v.trim().to_string());
        }
    }
    found
}

fn read_capped(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_CONFIG)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config"), text).unwrap();
        dir
    }

    #[test]
    fn a_broker_turned_on_in_az_config_is_a_warning_for_entra_login() {
        // What `az config set core.allow_broker=true` writes.
        let dir = config("[cloud]\nname = AzureCloud\n\n[core]\nallow_broker = true\n");
        let settings = probe(dir.path(), &|_| None);
        let o = judge(&settings, false);
        assert_eq!(o.status, Status::Warn, "{}", o.summary);
        assert_eq!(o.diagnosis, Some(DIAGNOSIS));
        assert!(o.evidence["core.allow_broker"].starts_with("true (from "));
        assert_eq!(judge(&settings, true).status, Status::Pass);
    }

    #[test]
    fn the_environment_wins_over_the_file_and_off_is_off() {
        let dir = config("[core]\nENABLE_BROKER_ON_WINDOWS = True\n");
        let on = probe(dir.path(), &|_| None);
        assert_eq!(judge(&on, false).status, Status::Warn);
        let env = |k: &str| (k == "AZURE_CORE_ENABLE_BROKER_ON_WINDOWS").then(|| "false".into());
        let settings = probe(dir.path(), &env);
        assert_eq!(settings[1].on, Some(false));
        assert_eq!(settings[1].source, "AZURE_CORE_ENABLE_BROKER_ON_WINDOWS");
        let off = probe(
            config("[core]\nallow_broker=0\nenable_broker_on_windows: no\n").path(),
            &|_| None,
        );
        let o = judge(&off, false);
        assert_eq!(o.status, Status::Pass);
        assert!(o.summary.contains("does not use"), "{}", o.summary);
    }

    #[test]
    fn no_config_or_a_damaged_one_is_the_default() {
        let empty = tempfile::tempdir().unwrap();
        let o = judge(&probe(empty.path(), &|_| None), false);
        assert_eq!(o.status, Status::Pass);
        assert!(o.summary.contains("default"), "{}", o.summary);
        let junk = config("\u{0}\u{1}[core\nallow_broker\n= = =\n[core]\nallow_broker = maybe\n");
        let o = judge(&probe(junk.path(), &|_| None), false);
        assert_eq!(o.status, Status::Pass, "{}", o.summary);
    }
}
