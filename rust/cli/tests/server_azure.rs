//! `ssh-troubleshoot server` without `--port`: the port Azure allows is read from the
//! machine's SSH service configuration (the ARM stand-in) and the sshd checks judge a
//! real sshd against it. The machine's name comes from the flags or from `azcmagent
//! show`.

mod support;

use serde_json::{Value, json};
use support::arm::{self, RG, SUB, Scenario, TOKEN_MARK, VM};
use support::sshd::{BASE, Sshd, free_port};
use support::{Machine, finding, text};

/// The scenario's SSH service configuration allowing `port` (a number, as ARM may send).
fn allowing(port: u16) -> Scenario {
    Scenario::healthy().answer(
        "GET",
        &arm::config_path(),
        200,
        json!({"id": arm::config_path(), "name": "SSH",
               "properties": {"serviceName": "SSH", "port": port, "provisioningState": "Succeeded"}}),
    )
}

/// A server host signed in through SSH_TROUBLESHOOT_ACCESS_TOKEN that trusts the stand-in.
fn signed_in(standin: &arm_standin::Standin) -> Machine {
    let mut m = Machine::bare();
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    m
}

fn server(m: &Machine, url: &str, config: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "server",
        "--arm-endpoint",
        url,
        "--sshd-config",
        config,
        "--network-target",
        "127.0.0.1:1",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = m.run(&args);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(TOKEN_MARK), "the token leaked: {all}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"))
}

const NAMED: &[&str] = &["-g", RG, "-n", VM, "--subscription", SUB];

fn s<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key].as_str().unwrap_or_default()
}

#[test]
fn the_port_azure_allows_is_the_port_sshd_is_judged_on() {
    let sshd = Sshd::start(&format!("Port {{port}}\n{BASE}"), &[]);
    let standin = arm_standin::Standin::start(&allowing(sshd.port).json());
    let m = signed_in(&standin);
    let report = server(&m, &standin.url, &sshd.config(), NAMED);

    let allowed = finding(&report, "server.allowed-port");
    assert_eq!(allowed["status"], "pass", "{allowed:#}");
    assert!(
        s(allowed, "summary").contains(&format!("port {}", sshd.port)),
        "{allowed:#}"
    );
    assert_eq!(
        s(&allowed["evidence"], "token from"),
        "SSH_TROUBLESHOOT_ACCESS_TOKEN"
    );
    for check in ["server.sshd-answers", "server.sshd-config"] {
        let f = finding(&report, check);
        assert_eq!(f["status"], "pass", "{f:#}\n{}", sshd.log());
        assert!(
            s(&f["evidence"], "port judged").starts_with(&format!(
                "{} (allowed by the SSH service configuration",
                sshd.port
            )),
            "{f:#}"
        );
    }
    let gets: Vec<String> = standin
        .requests()
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(gets.len(), 1, "one read: {gets:?}");
    assert!(
        gets[0].eq_ignore_ascii_case(&arm::config_path()),
        "{gets:?}"
    );
}

#[test]
fn sshd_on_another_port_than_azure_allows_fails_with_both_named() {
    let sshd = Sshd::start(&format!("Port {{port}}\n{BASE}"), &[]);
    let allowed = free_port();
    let standin = arm_standin::Standin::start(&allowing(allowed).json());
    let report = server(&signed_in(&standin), &standin.url, &sshd.config(), NAMED);

    let c = finding(&report, "server.sshd-config");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        s(c, "summary").contains(&format!("port {}, not on port {allowed}", sshd.port)),
        "{c:#}"
    );
    let a = finding(&report, "server.sshd-answers");
    assert_eq!(a["status"], "fail", "{a:#}");
    assert_eq!(a["diagnosis"], "ssh-traffic-not-allowed");
}

#[test]
fn no_service_configuration_in_azure_is_the_finding_and_sshd_is_judged_on_22() {
    let sshd = Sshd::start(&format!("Port {{port}}\n{BASE}"), &[]);
    let scenario = Scenario::healthy().answer(
        "GET",
        &arm::config_path(),
        404,
        arm::error("ResourceNotFound", "The resource was not found."),
    );
    let standin = arm_standin::Standin::start(&scenario.json());
    let report = server(&signed_in(&standin), &standin.url, &sshd.config(), NAMED);
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "ssh-traffic-not-allowed");
    let commands = f["remedy"]["commands"].to_string();
    assert!(commands.contains(VM) && commands.contains(RG), "{f:#}");
    let c = finding(&report, "server.sshd-config");
    assert!(
        s(&c["evidence"], "port judged").starts_with("22 (the default"),
        "{c:#}"
    );
}

#[test]
fn the_machine_is_found_through_azcmagent_show() {
    let config = "/nonexistent/sshd_config";
    let port = free_port();
    let standin = arm_standin::Standin::start(&allowing(port).json());
    let m = signed_in(&standin);
    let show = format!(
        "Resource Name                           : {VM}\n\
         Resource Group Name                     : {RG}\n\
         Subscription ID                         : {SUB}\n\
         Agent Version                           : 1.44.02628.1456\n\
         Agent Status                            : Connected\n"
    );
    m.script(
        "azcmagent",
        &format!("[ \"$1\" = show ] && printf '%s' '{show}' && exit 0\nexit 2"),
    );
    let report = server(&m, &standin.url, config, &[]);
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "pass", "{f:#}");
    assert_eq!(s(&f["evidence"], "machine"), format!("{RG}/{VM}"));
    let a = finding(&report, "server.sshd-answers");
    assert!(
        s(&a["evidence"], "port judged").starts_with(&format!("{port} (allowed")),
        "{a:#}"
    );
}

#[test]
fn refusals_and_missing_sign_in_fall_back_to_22_and_say_why() {
    let forbidden = Scenario::healthy().answer(
        "GET",
        &arm::config_path(),
        403,
        arm::error("AuthorizationFailed", "no read"),
    );
    let standin = arm_standin::Standin::start(&forbidden.json());
    let report = server(&signed_in(&standin), &standin.url, "/nonexistent", NAMED);
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "skip", "{f:#}");
    assert!(s(f, "summary").contains("403"), "{f:#}");

    // Nobody signed in: no token in the environment, no az, no agent identity.
    let mut m = Machine::bare();
    m.set_env(
        "IDENTITY_ENDPOINT",
        &format!(
            "http://127.0.0.1:{}/metadata/identity/oauth2/token",
            free_port()
        ),
    );
    let report = server(&m, &standin.url, "/nonexistent", NAMED);
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "skip", "{f:#}");
    assert!(s(f, "summary").contains("Not signed in"), "{f:#}");
    let before = standin.requests().len();
    assert_eq!(before, 1, "only the signed-in run called ARM");

    // --port wins and nothing is read.
    let report = server(
        &signed_in(&standin),
        &standin.url,
        "/nonexistent",
        &["--port", "2222"],
    );
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "skip", "{f:#}");
    assert_eq!(standin.requests().len(), before);
}

#[test]
fn a_hanging_arm_is_an_error_and_the_sshd_checks_still_run_on_22() {
    let scenario = Scenario::healthy().first(json!({
        "method": "GET", "path": arm::config_path(), "fault": "hang"
    }));
    let standin = arm_standin::Standin::start(&scenario.json());
    let started = std::time::Instant::now();
    let report = server(&signed_in(&standin), &standin.url, "/nonexistent", NAMED);
    // One 5 s read and one retry bound the wait, well inside the 30 s deadline.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let f = finding(&report, "server.allowed-port");
    assert_eq!(f["status"], "error", "{f:#}");
    let a = finding(&report, "server.sshd-answers");
    assert_ne!(a["status"], "skip", "{a:#}");
    assert!(
        s(&a["evidence"], "port judged").starts_with("22 (the default"),
        "{a:#}"
    );
    assert_eq!(
        report["status"], "problems",
        "sshd-config fails on the missing file"
    );
}
