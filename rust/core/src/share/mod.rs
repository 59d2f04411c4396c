//! The shareable report (`reportPath`, `--report FILE`, `-ReportPath`): the report with
//! every identifier and secret replaced by a stable placeholder, written as JSON and
//! as Markdown by the core itself, so that every host writes the same bytes.
//!
//! Files: a path ending in `.md` names the Markdown and the JSON goes beside it with
//! `.json`; any other path names the JSON and the Markdown goes beside it with `.md`
//! (`report` → `report` + `report.md`, `x.json` → `x.json` + `x.md`). Each file is
//! written to a temporary file in the same folder and renamed over the final name; a
//! final name that is a folder or a symbolic link is refused, as is a missing folder.
//! Durations are zeroed in both files: they are the one thing that differs run to run
//! and nothing support needs.

pub mod markdown;
mod patterns;
pub mod redact;
pub mod versions;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::env::HostEnv;
use crate::model::{Report, Request, SharedReport};
use redact::{Kind, Redactor};

/// Field names of the report document: kept as they are. Every other object key
/// (evidence, extracted values, anything added later) is redacted like a value.
const SCHEMA_KEYS: &[&str] = &[
    "schemaVersion",
    "tool",
    "name",
    "version",
    "target",
    "subscription",
    "resourceGroup",
    "resourceType",
    "client",
    "status",
    "durationMs",
    "findings",
    "check",
    "title",
    "diagnosis",
    "summary",
    "evidence",
    "remedy",
    "text",
    "commands",
    "shell",
    "command",
    "docs",
    "fix",
    "id",
    "description",
    "impact",
    "blockedBy",
    "explained",
    "confidence",
    "excerpt",
    "extracted",
    "entry",
    "symptom",
    "likelyCauses",
    "tellApart",
    "applied",
    "outcome",
    "message",
    "checks",
    "group",
    "diagnoses",
    "provenBy",
    "versions",
];

/// The user and host names of this machine, which reports mention in paths and
/// prompts without saying what they are.
pub fn local_identities(env: &HostEnv) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    for key in ["USER", "USERNAME", "LOGNAME"] {
        if let Some(user) = env.var(key) {
            out.push((Kind::User, user));
        }
    }
    let home_user = env
        .home
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|_| {
            let h = env.home.to_ascii_lowercase();
            h.starts_with("/home/") || h.starts_with("/users/") || h.contains("\\users\\")
        });
    if let Some(user) = home_user {
        out.push((Kind::User, user.to_string()));
    }
    let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    for host in [kernel, env.var("HOSTNAME"), env.var("COMPUTERNAME")]
        .into_iter()
        .flatten()
    {
        let host = host.trim().to_string();
        if let Some((short, _)) = host.split_once('.') {
            out.push((Kind::Host, short.to_string()));
        }
        out.push((Kind::Host, host));
    }
    out
}

/// The report as the shared files carry it: identifiers and secrets replaced,
/// durations zeroed, the `sharedReport` outcome left out.
pub fn redacted(report: &Report, request: &Request, local: &[(Kind, String)]) -> Value {
    let mut plain = report.clone();
    plain.shared_report = None;
    let mut value = serde_json::to_value(&plain).unwrap_or(Value::Null);
    let mut redactor = Redactor::new(request, local);
    let mut secrets = Vec::new();
    learn(&mut value, "", &mut redactor, &mut secrets);
    redactor.learn_secrets(secrets);
    apply(&mut value, "", &mut redactor);
    value
}

fn learn(value: &mut Value, hint: &str, r: &mut Redactor, secrets: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            let s = redact::strip_secrets(s, secrets);
            r.learn(&s, hint);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| learn(v, hint, r, secrets)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if !SCHEMA_KEYS.contains(&key.as_str()) {
                    let k = redact::strip_secrets(key, secrets);
                    r.learn(&k, hint);
                }
                learn(v, key, r, secrets);
            }
        }
        _ => {}
    }
}

fn apply(value: &mut Value, parent: &str, r: &mut Redactor) {
    match value {
        // Versions are curated values: only secret-shaped text is taken out of them.
        Value::String(s) if parent == "versions" => {
            *s = redact::strip_secrets(s, &mut Vec::new());
        }
        Value::String(s) => *s = r.apply(s),
        Value::Array(items) => items.iter_mut().for_each(|v| apply(v, parent, r)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (key, mut v) in old {
                if key == "durationMs" {
                    v = Value::from(0);
                }
                apply(&mut v, &key, r);
                let mut key = if SCHEMA_KEYS.contains(&key.as_str()) || parent == "versions" {
                    key
                } else {
                    r.apply(&key)
                };
                // Two keys may meet under one placeholder; neither is dropped.
                while map.contains_key(&key) {
                    key.push_str(" (again)");
                }
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

/// The JSON and Markdown paths for a `reportPath`.
pub fn report_paths(given: &str) -> (PathBuf, PathBuf) {
    let path = std::path::absolute(given).unwrap_or_else(|_| PathBuf::from(given));
    let is_md = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"));
    if is_md {
        (path.with_extension("json"), path)
    } else {
        let md = path.with_extension("md");
        (path, md)
    }
}

/// Writes both files for `report`; never fails the run: the outcome says what happened.
pub fn write(report: &Report, request: &Request, env: &HostEnv, given: &str) -> SharedReport {
    let (json_path, md_path) = report_paths(given);
    let outcome = |error: Option<String>| SharedReport {
        written: error.is_none(),
        json: json_path.display().to_string(),
        markdown: md_path.display().to_string(),
        error,
    };
    if given.trim().is_empty() {
        return outcome(Some("the report path is empty".into()));
    }
    let value = redacted(report, request, &local_identities(env));
    let json = match serde_json::to_string_pretty(&value) {
        Ok(json) => json + "\n",
        Err(e) => return outcome(Some(format!("cannot serialise the report: {e}"))),
    };
    let md = match serde_json::from_value::<Report>(value) {
        Ok(shared) => markdown::render(&shared),
        Err(e) => return outcome(Some(format!("cannot render the report: {e}"))),
    };
    let written = check_target(&json_path)
        .and_then(|()| check_target(&md_path))
        .and_then(|()| write_atomically(&json_path, json.as_bytes()))
        .and_then(|()| write_atomically(&md_path, md.as_bytes()));
    outcome(written.err())
}

/// The final name must be a plain file or nothing, in a folder that exists.
fn check_target(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    match folder.map(std::fs::metadata) {
        Some(Ok(m)) if m.is_dir() => {}
        Some(Ok(_)) => return Err(format!("cannot write {shown}: its folder is not a folder")),
        Some(Err(e)) => {
            return Err(format!(
                "cannot write {shown}: folder {}: {e}",
                folder.map_or(String::new(), |f| f.display().to_string())
            ));
        }
        None => return Err(format!("cannot write {shown}: it names no file")),
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Err(format!("cannot write {shown}: it is a folder")),
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "cannot write {shown}: it is a symbolic link; give the path it points to"
        )),
        Ok(m) if !m.is_file() => Err(format!("cannot write {shown}: it is not a regular file")),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot write {shown}: {e}")),
    }
}

/// A temporary file beside `path`, renamed over it once complete: a reader never sees
/// half a report, and a symbolic link planted at the final name is replaced, not
/// followed.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let folder = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = folder.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(format!("cannot write {shown}: {e}")),
        }
    };
    let done = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    done.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {shown}: {e}")
    })
}

#[cfg(test)]
mod tests;
