//! `--probe` and `--watch` through the binary: the ARM stand-in issues relay
//! credentials, the proxy stand-in (`proxy-standin`, in the place az keeps its proxy)
//! either relays to a real sshd on loopback or fails the way the real proxy does.
//! One test per row of issue 16's table, the bad proxies, and the watch loop.

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::arm::{self, Scenario, TOKEN_MARK, arc_args};
use support::sshd::{BASE, Sshd};
use support::{Machine, finding, text};

const KEY_MARK: &str = "RELAYKEYMARK";
const SERVICE_TOKEN_MARK: &str = "SERVICETOKENMARK";

/// The proxy stand-in, built once (cargo does not build another package's binaries
/// for this one's tests).
fn proxy_standin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "arm-standin", "--bin", "proxy-standin"])
                .current_dir(&root)
                .status()
                .expect("run cargo");
            assert!(status.success(), "could not build proxy-standin");
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| root.join("target"), PathBuf::from);
            target.join("debug/proxy-standin")
        })
        .clone()
}

fn credentials() -> Value {
    json!({"relay": {
        "namespaceName": "azgnrelay-eastus-l1", "namespaceNameSuffix": "servicebus.windows.net",
        "hybridConnectionName": "microsoft.hybridcompute/machines/abc/123/v2",
        "accessKey": format!("SharedAccessSignature sr=x&sig={KEY_MARK}&se=1&skn=y"),
        "expiresOn": 1_900_000_000u64,
        "serviceConfigurationToken": SERVICE_TOKEN_MARK}})
}

/// A healthy machine whose service configuration allows `port`, issuing credentials.
fn scenario(port: u16) -> Scenario {
    let list = format!("{}/listCredentials", arm::endpoint_path());
    Scenario::healthy()
        .answer(
            "GET",
            &arm::config_path(),
            200,
            json!({"id": arm::config_path(), "name": "SSH",
                   "properties": {"serviceName": "SSH", "port": port.to_string(), "provisioningState": "Succeeded"}}),
        )
        .answer("POST", &list, 200, credentials())
}

struct Probe {
    code: i32,
    report: Value,
    all: String,
    record: String,
    took: Duration,
}

fn probe_with(standin: &arm_standin::Standin, mode: &str, port: u16, extra: &[&str]) -> Probe {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o755);
    std::fs::copy(proxy_standin(), &proxy).unwrap();
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    m.set_env("PROXY_STANDIN_MODE", mode);
    let record = m.root.join("proxy-record.jsonl");
    m.set_env("PROXY_STANDIN_RECORD", record.to_str().unwrap());
    let port = port.to_string();
    let mut args = arc_args(&standin.url);
    args.extend(["--port", &port, "--output", "json"]);
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = m.run(&args);
    let took = started.elapsed();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let report =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"));
    for secret in [TOKEN_MARK, KEY_MARK, SERVICE_TOKEN_MARK] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    Probe {
        code: out.status.code().unwrap(),
        report,
        all,
        record: std::fs::read_to_string(record).unwrap_or_default(),
        took,
    }
}

fn probe(mode: &str) -> Probe {
    let standin = arm_standin::Standin::start(&scenario(22).json());
    probe_with(&standin, mode, 22, &["--probe"])
}

fn live(p: &Probe) -> &Value {
    finding(&p.report, "azure.live-probe")
}

fn assert_broke_at(p: &Probe, diagnosis: &str, hop: &str) {
    let f = live(p);
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], diagnosis, "{f:#}");
    assert_eq!(f["evidence"]["hop"], hop, "{f:#}");
    assert!(
        f["evidence"]["time: Azure (listCredentials)"].is_string(),
        "{f:#}"
    );
    assert_eq!(p.code, 1, "{}", p.all);
}

#[test]
fn the_banner_of_a_real_sshd_comes_through_and_nobody_logs_in() {
    let sshd = Sshd::start(&format!("{BASE}LogLevel DEBUG3\n"), &[]);
    let standin = arm_standin::Standin::start(&scenario(sshd.port).json());
    let p = probe_with(&standin, "relay", sshd.port, &["--probe"]);
    let f = live(&p);
    assert_eq!(f["status"], "pass", "{f:#}\n{}", p.all);
    assert_eq!(p.code, 0, "{:#}", p.report);
    let version = f["evidence"]["server SSH version"].as_str().unwrap();
    assert!(version.starts_with("SSH-2.0-OpenSSH_"), "{version}");
    assert_eq!(f["evidence"]["hop"], "all hops");
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
fn a_proxy_the_user_may_not_run_breaks_at_the_client() {
    let standin = arm_standin::Standin::start(&scenario(22).json());
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o644);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut args = arc_args(&standin.url);
    args.push("--probe");
    let (code, report) = m.json(&args);
    let f = finding(&report, "azure.live-probe");
    assert_eq!(code, 1);
    assert_eq!(f["diagnosis"], "proxy-permission-denied", "{f:#}");
    assert_eq!(f["evidence"]["hop"], "client", "{f:#}");
}

#[test]
fn refused_credentials_block_the_probe_as_today() {
    let list = format!("{}/listCredentials", arm::endpoint_path());
    let standin = arm_standin::Standin::start(
        &scenario(22)
            .answer("POST", &list, 403, arm::error("AuthorizationFailed",
                "The client 'ada@contoso.com' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action'"))
            .json(),
    );
    let p = probe_with(&standin, "relay", 22, &["--probe"]);
    let creds = finding(&p.report, "azure.relay-credentials");
    assert_eq!(
        creds["diagnosis"], "connect-permission-missing",
        "{creds:#}"
    );
    assert_eq!(live(&p)["status"], "skip");
    assert_eq!(live(&p)["blockedBy"], "azure.relay-credentials");
    assert!(p.record.is_empty(), "the proxy ran without credentials");
}

#[test]
fn an_unresolvable_relay_is_client_side_network() {
    let p = probe("dns");
    assert_broke_at(&p, "relay-unreachable", "client → relay");
    let remedy = live(&p)["remedy"].to_string();
    assert!(
        remedy.contains("azgnrelay-eastus-l1.servicebus.windows.net"),
        "{remedy}"
    );
    assert_broke_at(&probe("tls"), "relay-unreachable", "client → relay");
}

#[test]
fn a_missing_endpoint_is_a_propagating_service_configuration() {
    assert_broke_at(
        &probe("endpoint-not-exist"),
        "service-config-propagating",
        "relay",
    );
}

#[test]
fn no_listener_is_the_agent_side_of_the_relay() {
    assert_broke_at(
        &probe("no-listeners"),
        "relay-listener-unavailable",
        "relay → agent",
    );
}

#[test]
fn a_refused_local_connection_is_ssh_traffic_not_allowed() {
    assert_broke_at(&probe("refused"), "ssh-traffic-not-allowed", "agent → sshd");
    // The relaying stand-in towards a port where nothing listens says the same.
    let closed = support::sshd::free_port();
    let standin = arm_standin::Standin::start(&scenario(closed).json());
    let p = probe_with(&standin, "relay", closed, &["--probe"]);
    assert_broke_at(&p, "ssh-traffic-not-allowed", "agent → sshd");
}

#[test]
fn bad_proxies_give_a_clear_finding_within_the_bound() {
    let standin = arm_standin::Standin::start(&scenario(22).json());
    // --deadline 6: the proxy gets 3 s.
    let hang = probe_with(&standin, "hang", 22, &["--probe", "--deadline", "6"]);
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

    let flood = probe_with(&standin, "flood", 22, &["--probe", "--deadline", "6"]);
    assert_eq!(
        live(&flood)["diagnosis"],
        "ssh-traffic-not-allowed",
        "{:#}",
        live(&flood)
    );
    assert!(flood.took < Duration::from_secs(12));

    let exit = probe_with(&standin, "exit", 22, &["--probe", "--deadline", "6"]);
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

fn watch_scenario(times: u64) -> Scenario {
    Scenario::healthy().first(json!({
        "method": "GET", "path": arm::provider_path(), "status": 200, "times": times,
        "body": {"namespace": "Microsoft.HybridConnectivity", "registrationState": "NotRegistered"}}))
}

fn watch(standin: &arm_standin::Standin, extra: &[&str]) -> (i32, Value, String, Duration) {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut args = arc_args(&standin.url);
    args.extend(["--output", "json", "--watch", "--watch-interval", "1"]);
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = m.run(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (
        out.status.code().unwrap(),
        report,
        text(&out.stderr),
        started.elapsed(),
    )
}

#[test]
fn a_watch_ends_as_soon_as_the_provider_is_registered() {
    // Not registered for the first diagnosis and the first rerun, then registered.
    let standin = arm_standin::Standin::start(&watch_scenario(2).json());
    let (code, report, stderr, took) = watch(&standin, &["--watch-timeout", "60"]);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(report["watch"]["outcome"], "passed");
    let rounds = report["watch"]["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2, "{rounds:#?}");
    assert_eq!(rounds[1]["changes"][0]["check"], "azure.resource-provider");
    assert_eq!(rounds[1]["changes"][0]["to"], "pass");
    assert_eq!(
        finding(&report, "azure.resource-provider")["status"],
        "pass"
    );
    assert!(
        stderr.contains("azure.resource-provider fail -> pass"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_watch_whose_bound_passes_ends_with_the_failure() {
    let standin = arm_standin::Standin::start(&watch_scenario(1000).json());
    let (code, report, stderr, took) = watch(&standin, &["--watch-timeout", "3"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["watch"]["outcome"], "timed-out");
    assert_eq!(
        finding(&report, "azure.resource-provider")["diagnosis"],
        "provider-not-registered"
    );
    assert!(stderr.contains("still failing after 3 s"), "{stderr}");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[test]
fn a_watch_after_a_role_assignment_asks_for_a_new_token() {
    let permissions = format!(
        "{}/providers/Microsoft.Authorization/permissions",
        arm::machine_path()
    );
    let standin = arm_standin::Standin::start(
        &Scenario::healthy()
            .first(
                json!({"method": "GET", "path": permissions, "status": 200, "times": 1,
                "body": {"value": [{"actions": ["Microsoft.HybridCompute/machines/*/read"],
                         "notActions": [], "dataActions": [], "notDataActions": []}]}}),
            )
            .json(),
    );
    let (code, report, stderr, _) = watch(&standin, &["--watch-timeout", "60"]);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    let round = &report["watch"]["rounds"][0];
    assert_eq!(round["tokenRefreshed"], true, "{round:#}");
    assert!(stderr.contains("new access token"), "{stderr}");
}
