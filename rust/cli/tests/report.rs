//! `--report FILE`: the shareable report against the ARM stand-in holds none of the
//! real identifiers or the token; a report that cannot be written is a clear error and
//! the report is still printed.

mod support;

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;
use support::arm::{self, RG, SUB, Scenario, TOKEN_MARK, VM};
use support::{Machine, is_root, text};

fn machine(ca: &std::path::Path) -> Machine {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", ca.to_str().unwrap());
    m
}

fn arc<'a>(url: &'a str, report: &'a str) -> Vec<&'a str> {
    let mut args = arm::arc_args(url);
    args.extend(["--report", report]);
    args
}

#[test]
fn the_shared_files_hold_no_subscription_machine_group_user_or_token() {
    let standin = arm_standin::Standin::start(&Scenario::healthy().json());
    let m = machine(&standin.ca_bundle);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case-123.json");
    let out = m.run(&arc(&standin.url, path.to_str().unwrap()));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "written to {} and {}",
            path.display(),
            dir.path().join("case-123.md").display()
        )),
        "{stdout}"
    );
    let json = std::fs::read_to_string(&path).unwrap();
    let md = std::fs::read_to_string(dir.path().join("case-123.md")).unwrap();
    for (name, file) in [("json", &json), ("markdown", &md)] {
        let lower = file.to_ascii_lowercase().replace('\\', "");
        for secret in [
            SUB,
            RG,
            VM,
            TOKEN_MARK,
            "ada@contoso.com",
            "contoso",
            "72f988bf-0000-0000-0000-000000000000",
            "11111111-2222-3333-4444-555555555555",
            "eyJ",
        ] {
            assert!(
                !lower.contains(&secret.to_ascii_lowercase()),
                "{secret} in the {name}:\n{file}"
            );
        }
        // The machine's own home folder is in the client checks' evidence.
        assert!(file.contains("<machine-1>") || file.contains("\\<machine-1>"));
    }
    let shared: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(shared["target"]["subscription"], "<subscription-1>");
    assert_eq!(shared["target"]["resourceGroup"], "<resource-group-1>");
    assert_eq!(shared["durationMs"], 0);
    assert!(shared.get("sharedReport").is_none());
    let versions = &shared["versions"];
    assert_eq!(versions["az ssh extension"], "2.0.6", "{versions:#}");
    // The tool's version and commit are kept: neither names the user nor is a secret.
    let tool = versions["ssh-troubleshoot"].as_str().unwrap();
    assert!(
        tool.starts_with(concat!(env!("CARGO_PKG_VERSION"), " (commit ")),
        "{versions:#}"
    );
    assert_eq!(versions["az ssh proxy"], "1.3.026973", "{versions:#}");
    assert_eq!(
        versions["Connected Machine agent (from Azure)"],
        "1.45.02800.1234"
    );
    assert!(
        versions["OpenSSH (client)"]
            .as_str()
            .unwrap()
            .starts_with("OpenSSH_")
    );
    assert!(md.starts_with("# ssh-troubleshoot report\n"));
    assert!(md.contains("| az ssh extension | 2.0.6 |"), "{md}");
}

#[test]
fn an_unwritable_report_is_a_clear_error_and_the_report_is_still_printed() {
    let m = Machine::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder.json")).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
    let mut cases = vec![
        (dir.path().join("missing/r.json"), "missing"),
        (dir.path().join("folder.json"), "is a folder"),
    ];
    if !is_root() {
        cases.push((locked.join("r.json"), "ermission denied"));
    }
    for (path, why) in cases {
        let out = m.run(&[
            "arc",
            "--offline",
            "--output",
            "json",
            "--report",
            path.to_str().unwrap(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}: {stderr}", path.display());
        assert!(
            stderr.contains("the shareable report was not written") && stderr.contains(why),
            "{stderr}"
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!report["findings"].as_array().unwrap().is_empty());
        assert_eq!(report["sharedReport"]["written"], false);
        assert!(
            report["sharedReport"]["error"]
                .as_str()
                .unwrap()
                .contains(why)
        );
    }
}

#[test]
fn server_mode_writes_the_report_too_markdown_path_given() {
    let m = Machine::new();
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("server.md");
    let out = m.run(&[
        "server",
        "--port",
        "1",
        "--sshd-config",
        "/nonexistent/sshd_config",
        "--network-target",
        "127.0.0.1:1",
        "--deadline",
        "10",
        "--report",
        md.to_str().unwrap(),
    ]);
    assert_ne!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("server.json")).unwrap())
            .unwrap();
    assert!(json["findings"].as_array().unwrap().len() >= 5);
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("## Findings")
    );
    assert!(text(&out.stdout).contains("Shareable report"));
}
