//! `--explain`, `--explain-file`, the `checks` catalogue, usage errors and exit codes.

mod support;

use std::io::Write;
use std::process::Stdio;

use support::{Machine, text};

const PROXY_DENIED: &str = "/bin/bash: line 1: exec: /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941: cannot execute: Permission denied";

#[test]
fn explain_names_the_diagnosis_fills_the_remedy_and_runs_the_checks_that_bear_on_it() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    let (code, report) = m.json(&["arc", "--explain", PROXY_DENIED]);
    assert_eq!(code, 1, "an explained error counts as a problem");
    let first = &report["explained"][0];
    assert_eq!(first["diagnosis"], "proxy-permission-denied", "{report:#}");
    assert_eq!(
        first["extracted"]["path"],
        "/usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941"
    );
    let commands = first["remedy"]["commands"].as_array().unwrap();
    assert!(commands.iter().any(|c| c["command"]
        == "chmod u+x /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941"));
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"client.proxy-binary"), "{checks:?}");
    assert!(
        !checks.contains(&"client.openssh"),
        "ssh binaries do not bear on a proxy permission error: {checks:?}"
    );
}

#[test]
fn explain_file_reads_standard_input_and_survives_crlf_and_colour() {
    let m = Machine::new();
    let log = format!(
        "\x1b[31mERROR: Request for Azure Relay Information Failed: (NoRegisteredProviderFound) Code: NoRegisteredProviderFound\x1b[0m\r\n{}",
        "DEBUG: cli.azure.cli.core: Command ran in 1.234 seconds\r\n".repeat(2000)
    );
    let mut child = m
        .command(&["arc", "--explain-file", "-", "--output", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(log.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        report["explained"][0]["diagnosis"], "provider-not-registered",
        "{report:#}"
    );
    assert!(
        report["explained"][0]["remedy"]["commands"][0]["command"]
            .as_str()
            .unwrap()
            .contains("az provider register -n Microsoft.HybridConnectivity")
    );
}

#[test]
fn unrelated_text_and_garbage_explain_nothing() {
    let m = Machine::new();
    let (code, report) = m.json(&[
        "arc",
        "--explain",
        "Welcome to Ubuntu 22.04 LTS; last login from 10.0.0.1",
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["explained"], serde_json::json!([]));

    let garbage = m.root.join("garbage.bin");
    let bytes: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, bytes).unwrap();
    let (code, report) = m.json(&["arc", "--explain-file", garbage.to_str().unwrap()]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["explained"], serde_json::json!([]));

    let out = m.run(&["arc", "--explain-file", garbage.to_str().unwrap()]);
    assert!(text(&out.stdout).contains("Nothing in the given text matches"));
}

#[test]
fn an_unreadable_explain_file_is_a_clear_could_not_run() {
    let m = Machine::new();
    let missing = m.root.join("no-such.log");
    let out = m.run(&["arc", "--explain-file", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read") && err.contains("no-such.log"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    std::os::unix::fs::symlink(m.root.join("gone"), m.root.join("dangling.log")).unwrap();
    let out = m.run(&[
        "arc",
        "--explain-file",
        m.root.join("dangling.log").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn usage_errors_exit_2() {
    let m = Machine::new();
    for args in [
        &["arc", "--no-such-flag"][..],
        &["arc", "--explain", "x", "--explain-file", "y"],
        &["arc", "--port", "not-a-port"],
        &["arc", "--output", "xml"],
        &["frobnicate"],
    ] {
        let out = m.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn checks_lists_every_check_and_every_contract_diagnosis() {
    let m = Machine::new();
    let (code, report) = m.json(&["checks"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = report["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    // The contract's ids (docs/CONTRACT.md §5, the one list): every one is listed.
    let contract = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CONTRACT.md"),
    )
    .expect("docs/CONTRACT.md");
    let section = contract.split("## 5.").nth(1).expect("§5");
    let section = section.split("\n## ").next().unwrap_or(section);
    for id in section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
    {
        assert!(ids.contains(&id), "{id} missing");
    }
    for d in report["diagnoses"].as_array().unwrap() {
        assert!(d["docs"].as_str().unwrap().starts_with("https://"), "{d}");
    }
    let checks = report["checks"].as_array().unwrap();
    let in_group = |g: &str| checks.iter().filter(|c| c["group"] == g).count();
    assert_eq!(
        (in_group("client"), in_group("azure")),
        (7, 9),
        "{checks:#?}"
    );
    assert!(
        checks
            .iter()
            .all(|c| !c["id"].as_str().unwrap().contains(".fact.")),
        "hidden nodes are not checks"
    );
    let out = m.run(&["checks"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("client.proxy-binary") && stdout.contains("proxy-permission-denied"),
        "{stdout}"
    );
}

#[test]
fn json_output_is_exactly_one_report_document() {
    let m = Machine::new();
    let out = m.run(&["arc", "--offline", "--output", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "schemaVersion",
        "tool",
        "target",
        "client",
        "status",
        "durationMs",
        "findings",
        "explained",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(report["tool"]["name"], "ssh-troubleshoot");
}

#[test]
fn a_generic_symptom_is_reported_as_one_with_its_likely_causes() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    let closed = "kex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535";
    let (code, report) = m.json(&["arc", "--explain", closed]);
    assert_eq!(code, 1, "{report:#}");
    let first = &report["explained"][0];
    assert_eq!(first["diagnosis"], "ssh-connection-closed", "{report:#}");
    assert_eq!(first["symptom"], true, "{first:#}");
    let causes: Vec<&str> = first["likelyCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(causes.contains(&"ssh-traffic-not-allowed"), "{causes:?}");
    assert!(
        causes.contains(&"post-preview-reconfiguration"),
        "{causes:?}"
    );
    assert!(
        first["tellApart"].as_array().unwrap().len() >= 3,
        "{first:#}"
    );
    // The checks of its likely causes run: here the proxy's.
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(checks.contains(&"client.proxy-binary"), "{checks:?}");

    // A cause on the line above takes its place; the symptom is not repeated.
    let both = format!(
        "/bin/bash: /home/a/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: Permission denied\n{closed}"
    );
    let (_, report) = m.json(&["arc", "--explain", &both]);
    let explained = report["explained"].as_array().unwrap();
    assert_eq!(explained.len(), 1, "{report:#}");
    assert_eq!(explained[0]["diagnosis"], "proxy-permission-denied");
    assert!(explained[0].get("symptom").is_none(), "{report:#}");

    let out = m.run(&[
        "arc",
        "--explain",
        "Connection closed by UNKNOWN port 65535",
    ]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("likely causes: ssh-traffic-not-allowed"),
        "{shown}"
    );
}
