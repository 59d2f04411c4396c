//! Names the commit this build comes from, for `--version` and the report's `versions`.
//!
//! Order: `SSH_TROUBLESHOOT_COMMIT` (set by the release workflow, or by anyone building
//! from a source archive), else `git rev-parse` of the checkout, else "unknown" (a source
//! tree without `.git` and without git still builds).

use std::path::PathBuf;
use std::process::Command;

const COMMIT_ENV: &str = "SSH_TROUBLESHOOT_COMMIT";

fn main() {
    println!("cargo:rerun-if-env-changed={COMMIT_ENV}");
    let commit = std::env::var(COMMIT_ENV)
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| is_commit_like(c))
        .or_else(commit_from_git)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=SSH_TROUBLESHOOT_BUILD_COMMIT={commit}");
}

/// Only something that looks like an abbreviated or full commit id (optionally
/// "-dirty"): the value lands in every report.
fn is_commit_like(value: &str) -> bool {
    let id = value.strip_suffix("-dirty").unwrap_or(value);
    (7..=40).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn git(args: &[&str]) -> Option<String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new("git")
        .args(args)
        .current_dir(manifest_dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn commit_from_git() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves: HEAD itself (a branch switch) and the branch's ref (a
    // commit); packed-refs for a ref that git packed.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &name]) {
            if PathBuf::from(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    Some(commit).filter(|c| is_commit_like(c))
}
