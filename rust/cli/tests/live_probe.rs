//! `--probe` through the binary: the ARM stand-in issues relay credentials, the proxy
//! stand-in (`proxy-standin`, in the place az keeps its proxy) either relays to a real
//! sshd on loopback or fails the way the real proxy does. One test per row of issue
//! 16's table, from the table every host's probe test reads (`tests/probe_rows.json`),
//! then what the rows do not show: that nobody logs in, and the bad proxies.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::finding;
use support::probe::{Probe, assert_row, probe_with, row, scenario, table};
use support::sshd::{BASE, Sshd};

/// Runs `name`'s row of the shared table through the binary and checks its report.
fn run_row(name: &str) -> Probe {
    let row = row(name);
    let sshd = row["sshd"]
        .as_bool()
        .unwrap()
        .then(|| Sshd::start(BASE, &[]));
    let port = sshd.as_ref().map_or(22, |s| s.port);
    let standin =
        arm_standin::Standin::start(&scenario(port, row["credentials"].as_bool().unwrap()).json());
    let mode = u32::from_str_radix(row["proxyFileMode"].as_str().unwrap(), 8).unwrap();
    let p = probe_with(
        &standin,
        row["proxyMode"].as_str().unwrap(),
        mode,
        port,
        &["--probe"],
    );
    assert_row(row, &p);
    p
}

/// One `#[test]` per row, and a test that the list covers the table.
macro_rules! rows {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { run_row($name); })*
        #[test]
        fn every_row_of_the_shared_table_has_a_test() {
            let names: Vec<&str> = table()["rows"].as_array().unwrap().iter()
                .map(|r| r["name"].as_str().unwrap()).collect();
            assert_eq!(names, [$($name),*]);
        }
    };
}

rows! {
    row_proxy_cannot_start => "proxy-cannot-start",
    row_credentials_refused => "credentials-refused",
    row_relay_unresolvable => "relay-unresolvable",
    row_relay_tls => "relay-tls",
    row_endpoint_not_exist => "endpoint-not-exist",
    row_no_listeners => "no-listeners",
    row_local_connection_refused => "local-connection-refused",
    row_banner => "banner",
}

fn live(p: &Probe) -> &Value {
    finding(&p.report, "azure.live-probe")
}

#[test]
fn the_banner_of_a_real_sshd_comes_through_and_nobody_logs_in() {
    let sshd = Sshd::start(&format!("{BASE}LogLevel DEBUG3\n"), &[]);
    let standin = arm_standin::Standin::start(&scenario(sshd.port, true).json());
    let p = probe_with(&standin, "relay", 0o755, sshd.port, &["--probe"]);
    assert_row(row("banner"), &p);
    let f = live(&p);
    for key in [
        "time: Azure (listCredentials)",
        "time: client (proxy start)",
        "time: relay → agent → sshd (to the SSH banner)",
    ] {
        assert!(
            f["evidence"][key]
                .as_str()
                .is_some_and(|t| t.ends_with(" ms")),
            "{key}: {f:#}"
        );
    }
    // The proxy got what az gives it: -p PORT and the relay information.
    let record: Value = serde_json::from_str(p.record.lines().next().unwrap()).unwrap();
    assert_eq!(record["args"], json!(["-p", sshd.port.to_string()]));
    let fields = record["relayFields"].to_string();
    for field in [
        "accessKey",
        "serviceConfigurationToken",
        "namespaceName",
        "expiresOn",
    ] {
        assert!(fields.contains(field), "{fields}");
    }
    // sshd saw a connection that never sent its identification: no key exchange, no
    // authentication attempt.
    std::thread::sleep(Duration::from_millis(300));
    let log = sshd.log();
    assert!(log.contains("Connection from 127.0.0.1"), "{log}");
    // sshd's own words for a client that closed before sending its identification.
    assert!(
        log.contains("kex_exchange_identification: Connection closed by remote host"),
        "{log}"
    );
    for attempt in [
        "userauth",
        "Accepted",
        "Failed ",
        "Invalid user",
        "SSH2_MSG_KEXINIT",
        "Remote protocol version",
    ] {
        assert!(!log.contains(attempt), "{attempt} in the sshd log:\n{log}");
    }
}

#[test]
fn the_unresolvable_relay_is_named_in_the_remedy() {
    let p = run_row("relay-unresolvable");
    let remedy = live(&p)["remedy"].to_string();
    assert!(
        remedy.contains("azgnrelay-eastus-l1.servicebus.windows.net"),
        "{remedy}"
    );
    assert!(live(&p)["evidence"]["time: Azure (listCredentials)"].is_string());
}

#[test]
fn refused_credentials_never_start_the_proxy() {
    let p = run_row("credentials-refused");
    assert!(p.record.is_empty(), "the proxy ran without credentials");
}

#[test]
fn the_relaying_proxy_towards_a_closed_port_is_ssh_traffic_not_allowed() {
    let closed = support::sshd::free_port();
    let standin = arm_standin::Standin::start(&scenario(closed, true).json());
    let p = probe_with(&standin, "relay", 0o755, closed, &["--probe"]);
    assert_row(row("local-connection-refused"), &p);
}

#[test]
fn bad_proxies_give_a_clear_finding_within_the_bound() {
    let standin = arm_standin::Standin::start(&scenario(22, true).json());
    // --deadline 6: the proxy gets 3 s.
    let hang = probe_with(&standin, "hang", 0o755, 22, &["--probe", "--deadline", "6"]);
    assert_eq!(live(&hang)["status"], "error", "{:#}", live(&hang));
    assert!(
        live(&hang)["summary"]
            .as_str()
            .unwrap()
            .contains("within 3000 ms"),
        "{:#}",
        live(&hang)
    );
    assert!(hang.took < Duration::from_secs(12), "{:?}", hang.took);

    let flood = probe_with(
        &standin,
        "flood",
        0o755,
        22,
        &["--probe", "--deadline", "6"],
    );
    assert_eq!(
        live(&flood)["diagnosis"],
        "ssh-traffic-not-allowed",
        "{:#}",
        live(&flood)
    );
    assert!(flood.took < Duration::from_secs(12));

    let exit = probe_with(&standin, "exit", 0o755, 22, &["--probe", "--deadline", "6"]);
    assert_eq!(live(&exit)["status"], "error", "{:#}", live(&exit));
    assert!(
        live(&exit)["summary"]
            .as_str()
            .unwrap()
            .contains("exited with status 1"),
        "{:#}",
        live(&exit)
    );
    assert!(exit.took < Duration::from_secs(12));
}
