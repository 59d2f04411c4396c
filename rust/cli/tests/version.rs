//! `--version` and the report's `versions` name the version and the commit the binary
//! was built from (rust/core/build.rs): the workflow's `SSH_TROUBLESHOOT_COMMIT`, else
//! the checkout's HEAD, else "unknown".

mod support;

use std::process::Command;

use support::{Machine, text};

/// The commit build.rs saw: what the build's environment said, else git's HEAD.
fn expected_commit() -> String {
    if let Some(given) = option_env!("SSH_TROUBLESHOOT_COMMIT") {
        return given.trim().to_string();
    }
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match out {
        Ok(o) if o.status.success() => text(&o.stdout).trim().to_string(),
        _ => "unknown".to_string(),
    }
}

#[test]
fn version_names_the_version_and_the_commit() {
    let out = Machine::new().run(&["--version"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        format!(
            "ssh-troubleshoot {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            expected_commit()
        )
    );
}

#[test]
fn the_report_names_the_commit_and_keeps_the_bare_version_in_tool() {
    let (_, report) = Machine::new().json(&["arc", "--offline"]);
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        report["versions"]["ssh-troubleshoot"],
        format!(
            "{} (commit {})",
            env!("CARGO_PKG_VERSION"),
            expected_commit()
        )
    );
}
