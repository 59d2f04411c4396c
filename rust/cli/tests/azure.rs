//! The binary against the ARM stand-in (a real HTTPS server on 127.0.0.1 with its own
//! CA): one scenario per diagnosis, per fault class and per fix, path injection, token
//! redaction and concurrency.

mod support;

use serde_json::{Value, json};
use support::arm::{self, RG, SUB, Scenario, TOKEN_MARK, VM, arc_args, error};
use support::{Machine, finding, text};

struct Run {
    code: i32,
    report: Value,
    all_output: String,
}

/// A healthy az client machine that trusts `ca` and holds a token.
fn client_machine(ca: &std::path::Path) -> Machine {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", ca.to_str().unwrap());
    m
}

fn diagnose(standin: &arm_standin::Standin, extra: &[&str]) -> Run {
    let m = client_machine(&standin.ca_bundle);
    let mut args = arc_args(&standin.url);
    args.extend(["--output", "json"]);
    args.extend_from_slice(extra);
    let out = m.run(&args);
    let all_output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {all_output}"));
    assert!(
        !all_output.contains(TOKEN_MARK),
        "the token leaked: {all_output}"
    );
    Run {
        code: out.status.code().unwrap(),
        report,
        all_output,
    }
}

fn start(scenario: Scenario) -> arm_standin::Standin {
    arm_standin::Standin::start(&scenario.json())
}

fn diagnosis(run: &Run, check: &str) -> String {
    finding(&run.report, check)["diagnosis"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn a_healthy_machine_passes_every_azure_check() {
    let standin = start(Scenario::healthy());
    let run = diagnose(&standin, &[]);
    assert_eq!(run.code, 0, "{:#}", run.report);
    for check in [
        "azure.sign-in",
        "azure.resource-provider",
        "azure.machine",
        "azure.ssh-service-config",
        "azure.permissions",
        "azure.entra-login",
    ] {
        assert_eq!(
            finding(&run.report, check)["status"],
            "pass",
            "{check}: {:#}",
            finding(&run.report, check)
        );
    }
    assert!(
        finding(&run.report, "azure.sign-in")["summary"]
            .as_str()
            .unwrap()
            .contains("ada@contoso.com")
    );
    assert!(
        finding(&run.report, "azure.machine")["evidence"]["ARM"]
            .as_str()
            .unwrap()
            .contains("correlation id corr-0001")
    );
    // Every request carried the token, which the stand-in logs only by length.
    let requests = standin.requests();
    assert!(
        requests.iter().all(|r| r["headers"]["authorization"]
            .as_str()
            .unwrap()
            .starts_with("Bearer <redacted:")),
        "{requests:#?}"
    );
    assert_eq!(requests.len(), 7, "one call per read: {requests:#?}");
}

#[test]
fn each_azure_diagnosis_is_proven_from_what_arm_says() {
    let cases: Vec<(&str, Scenario, &str, &str)> = vec![
        ("provider", Scenario::healthy().answer("GET", &arm::provider_path(), 200, json!({"namespace": "Microsoft.HybridConnectivity", "registrationState": "NotRegistered"})),
            "azure.resource-provider", "provider-not-registered"),
        ("not found", Scenario::healthy().answer("GET", &format!("/subscriptions/{SUB}/resourceGroups/{RG}/resources"), 200, json!({"value": []})),
            "azure.machine", "machine-not-found"),
        ("two Arc types, one name", Scenario::healthy().answer("GET", &format!("/subscriptions/{SUB}/resourceGroups/{RG}/resources"), 200, json!({"value": [
                {"id": arm::machine_path(), "name": VM, "type": "Microsoft.HybridCompute/machines"},
                {"id": format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ConnectedVMwarevSphere/virtualMachines/{VM}"), "name": VM, "type": "Microsoft.ConnectedVMwarevSphere/virtualMachines"}]})),
            "azure.machine", "resource-name-ambiguous"),
        ("disconnected", Scenario::healthy().answer("GET", &arm::machine_path(), 200, json!({"properties": {"status": "Disconnected", "agentVersion": "1.45.0", "lastStatusChange": "2026-11-01T00:00:00Z", "osType": "linux"}})),
            "azure.machine", "machine-disconnected"),
        ("old agent", Scenario::healthy().answer("GET", &arm::machine_path(), 200, json!({"properties": {"status": "Connected", "agentVersion": "1.30.02312.1", "osType": "linux"}})),
            "azure.machine", "agent-outdated"),
        ("no config", Scenario::healthy().answer("GET", &arm::config_path(), 404, error("ResourceNotFound", "not found")),
            "azure.ssh-service-config", "ssh-traffic-not-allowed"),
        ("preview", Scenario::healthy()
            .answer("GET", &arm::endpoint_path(), 404, error("ResourceNotFound", "not found"))
            .answer("GET", &arm::config_path(), 404, error("ResourceNotFound", "not found"))
            .answer("GET", &arm::machine_path(), 200, json!({"properties": {"status": "Connected", "agentVersion": "1.45.0", "osType": "linux", "agentConfiguration": {"incomingConnectionsPorts": ["22"]}}})),
            "azure.ssh-service-config", "post-preview-reconfiguration"),
        ("other port", Scenario::healthy().answer("GET", &arm::config_path(), 200, json!({"properties": {"serviceName": "SSH", "port": 2222}})),
            "azure.ssh-service-config", "ssh-traffic-not-allowed"),
        ("no listCredentials", Scenario::healthy().answer("GET", &format!("{}/providers/Microsoft.Authorization/permissions", arm::machine_path()), 200,
            json!({"value": [{"actions": ["Microsoft.HybridCompute/machines/read"], "notActions": [], "dataActions": ["Microsoft.HybridCompute/machines/login/action"], "notDataActions": []}]})),
            "azure.permissions", "connect-permission-missing"),
        ("no writes", Scenario::healthy().answer("GET", &arm::config_path(), 404, error("ResourceNotFound", "not found")),
            "azure.permissions", "endpoint-creation-forbidden"),
        ("no Entra extension", Scenario::healthy().answer("GET", &format!("{}/extensions", arm::machine_path()), 200, json!({"value": []})),
            "azure.entra-login", "entra-login-extension-missing"),
        ("Windows", Scenario::healthy().answer("GET", &arm::machine_path(), 200, json!({"properties": {"status": "Connected", "agentVersion": "1.45.0", "osType": "windows"}})),
            "azure.entra-login", "local-user-required"),
        ("rejected token", Scenario::healthy().answer("GET", &arm::provider_path(), 401, error("InvalidAuthenticationToken", "The access token is invalid.")),
            "azure.sign-in", "not-signed-in"),
        ("machine 403", Scenario::healthy().answer("GET", &arm::machine_path(), 403, error("AuthorizationFailed", "The client does not have authorization")),
            "azure.machine", "connect-permission-missing"),
    ];
    for (name, scenario, check, expected) in cases {
        let standin = start(scenario);
        let run = diagnose(&standin, &[]);
        assert_eq!(
            diagnosis(&run, check),
            expected,
            "{name}: {:#}",
            finding(&run.report, check)
        );
        assert_eq!(run.code, 1, "{name}");
        let remedy = &finding(&run.report, check)["remedy"];
        assert!(
            remedy["docs"].as_str().unwrap().starts_with("https://"),
            "{name}"
        );
    }
}

#[test]
fn a_rejected_token_blocks_the_checks_that_need_it() {
    let standin = start(Scenario::healthy().answer(
        "GET",
        &arm::provider_path(),
        401,
        error("ExpiredAuthenticationToken", "expired"),
    ));
    let run = diagnose(&standin, &[]);
    for check in ["azure.resource-provider", "azure.machine"] {
        assert_eq!(
            finding(&run.report, check)["blockedBy"],
            "azure.sign-in",
            "{check}"
        );
    }
}

#[test]
fn without_a_token_azure_checks_say_not_signed_in() {
    let standin = start(Scenario::healthy());
    let mut m = Machine::new();
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let (code, report) = m.json(&arc_args(&standin.url));
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "azure.sign-in")["diagnosis"],
        "not-signed-in"
    );
    assert!(
        standin.requests().is_empty(),
        "nothing is sent without a token"
    );
}

#[test]
fn transport_faults_become_errors_while_the_rest_still_report() {
    let cases = [
        ("503", Scenario::healthy().answer("GET", &arm::machine_path(), 503, error("ServiceUnavailable", "try later"))),
        ("malformed", Scenario::healthy().first(json!({"method": "GET", "path": arm::machine_path(), "status": 200, "bodyText": "{\"properties\": {\"status\": "}))),
        ("reset", Scenario::healthy().first(json!({"method": "GET", "path": arm::machine_path(), "fault": "reset"}))),
        ("truncated", Scenario::healthy().first(json!({"method": "GET", "path": arm::machine_path(), "status": 200, "body": {"properties": {}}, "fault": "truncate"}))),
    ];
    for (name, scenario) in cases {
        let standin = start(scenario);
        let run = diagnose(&standin, &[]);
        let machine = finding(&run.report, "azure.machine");
        assert_eq!(machine["status"], "error", "{name}: {machine:#}");
        assert_eq!(run.report["status"], "incomplete", "{name}");
        assert_eq!(
            finding(&run.report, "azure.resource-provider")["status"],
            "pass",
            "{name}: the others still report"
        );
        assert_eq!(run.code, 0, "{name}: an error is not a failed check");
    }
}

#[test]
fn an_untrusted_certificate_is_a_tls_error_with_a_hint() {
    let standin = start(Scenario::healthy());
    let other = start(Scenario::healthy());
    let m = client_machine(&other.ca_bundle);
    let (_, report) = m.json(&arc_args(&standin.url));
    let f = finding(&report, "azure.sign-in");
    assert_eq!(f["status"], "error", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("REQUESTS_CA_BUNDLE"),
        "{f:#}"
    );
}

#[test]
fn a_hanging_arm_is_bounded_by_the_deadline() {
    let standin = start(
        Scenario::healthy()
            .first(json!({"method": "GET", "path": arm::machine_path(), "fault": "hang"})),
    );
    let started = std::time::Instant::now();
    let run = diagnose(&standin, &["--deadline", "3"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.report["status"], "incomplete");
}

#[test]
fn a_name_cannot_add_path_segments_or_a_query() {
    let standin = start(Scenario::healthy());
    let m = client_machine(&standin.ca_bundle);
    let evil = "web01/../../providers/Microsoft.Authorization/roleAssignments/x?api-version=1#frag";
    let _ = m.json(&[
        "arc",
        "-g",
        RG,
        "-n",
        evil,
        "--subscription",
        SUB,
        "--arm-endpoint",
        &standin.url,
        "--client",
        "azure-cli",
        "--resource-type",
        "Microsoft.HybridCompute/machines",
    ]);
    let requests = standin.requests();
    assert!(!requests.is_empty());
    let mut machine_scoped = 0;
    for r in requests {
        let path = r["path"].as_str().unwrap();
        assert!(
            !path.contains("/../") && !path.contains('#') && !path.contains("roleAssignments/x?"),
            "{path}"
        );
        if path.contains("/machines/") {
            assert!(
                path.contains("/machines/web01%2F..%2F..%2Fproviders%2F"),
                "{path}"
            );
            machine_scoped += 1;
        }
    }
    assert!(machine_scoped >= 4, "the machine reads were made");
}

#[test]
fn the_fixes_send_exactly_the_documented_requests() {
    // NotRegistered for the first look and for the look apply-fixes takes before it
    // changes anything; Registered once the fix has registered it.
    let standin = start(
        Scenario::healthy()
            .answer("GET", &arm::config_path(), 404, error("ResourceNotFound", "not found"))
            .answer("GET", &arm::endpoint_path(), 404, error("ResourceNotFound", "not found"))
            .answer("PUT", &arm::endpoint_path(), 200, json!({"properties": {"type": "default"}}))
            .answer("PUT", &arm::config_path(), 200, json!({"properties": {"serviceName": "SSH", "port": 2222}}))
            .answer("POST", &format!("{}/register", arm::provider_path()), 200, json!({"registrationState": "Registering"}))
            .first(json!({"method": "GET", "path": arm::provider_path(), "status": 200, "times": 2,
                          "body": {"namespace": "Microsoft.HybridConnectivity", "registrationState": "NotRegistered"}}))
            .answer("GET", &format!("{}/providers/Microsoft.Authorization/permissions", arm::machine_path()), 200,
                json!({"value": [{"actions": ["*"], "notActions": [], "dataActions": ["Microsoft.HybridCompute/machines/login/action"], "notDataActions": []}]})),
    );
    let run = diagnose(&standin, &["--port", "2222", "--fix", "--yes"]);
    let applied: Vec<(&str, &str)> = run.report["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        applied.contains(&("azure.resource-provider:register", "applied")),
        "{applied:?} {}",
        run.all_output
    );
    assert!(
        applied.contains(&("azure.ssh-service-config:allow-port-2222", "applied")),
        "{applied:?}"
    );
    let sent: Vec<&Value> = standin
        .requests()
        .iter()
        .filter(|r| r["method"] != "GET")
        .cloned()
        .collect::<Vec<_>>()
        .leak()
        .iter()
        .collect();
    let find = |method: &str, path: &str| {
        sent.iter()
            .find(|r| {
                r["method"] == method && r["path"].as_str().unwrap().eq_ignore_ascii_case(path)
            })
            .copied()
    };
    assert!(
        find("POST", &format!("{}/register", arm::provider_path())).is_some(),
        "{sent:#?}"
    );
    assert_eq!(
        find("PUT", &arm::endpoint_path()).unwrap()["body"],
        json!({"properties": {"type": "default"}})
    );
    assert_eq!(
        find("PUT", &arm::config_path()).unwrap()["body"],
        json!({"properties": {"serviceName": "SSH", "port": 2222}})
    );
    assert_eq!(
        find("PUT", &arm::config_path()).unwrap()["query"]["api-version"],
        "2023-03-15"
    );
}

#[test]
fn disable_ssh_deletes_the_configuration_then_the_endpoint() {
    let standin = start(
        Scenario::healthy()
            .answer("DELETE", &arm::config_path(), 200, Value::Null)
            .answer("DELETE", &arm::endpoint_path(), 200, Value::Null),
    );
    let run = diagnose(&standin, &["--disable-ssh", "--yes"]);
    let deletes: Vec<String> = standin
        .requests()
        .iter()
        .filter(|r| r["method"] == "DELETE")
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        deletes,
        [arm::config_path(), arm::endpoint_path()],
        "{}",
        run.all_output
    );
    assert!(
        run.report["applied"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["outcome"] == "applied"),
        "{:#}",
        run.report["applied"]
    );
}

#[test]
fn independent_reads_go_out_together() {
    // 500 ms per request: discovery, then the five machine reads at once, is about two
    // round trips; one after another it would be seven.
    let standin = start(Scenario::healthy().delayed(500));
    let run = diagnose(&standin, &[]);
    let ms = run.report["durationMs"].as_u64().unwrap();
    assert!(ms < 1500, "took {ms} ms for 7 requests of 500 ms each");
    let standin = start(Scenario::healthy().delayed(500));
    let run = diagnose(
        &standin,
        &["--resource-type", "Microsoft.HybridCompute/machines"],
    );
    let ms = run.report["durationMs"].as_u64().unwrap();
    assert!(
        ms < 1000,
        "with --resource-type all reads are independent: {ms} ms"
    );
}

#[test]
fn probing_credentials_proves_access_and_never_shows_the_relay_key() {
    let list = format!("{}/listCredentials", arm::endpoint_path());
    let standin = start(Scenario::healthy().answer("POST", &list, 200, json!({"relay": {
        "namespaceName": "azgnrelay-eastus-l1", "namespaceNameSuffix": "servicebus.windows.net",
        "hybridConnectionName": "microsoft.hybridcompute/machines/abc/123/v2",
        "accessKey": "SharedAccessSignature sr=x&sig=RELAYKEYMARK&se=1&skn=y", "expiresOn": 1_900_000_000u64,
        "serviceConfigurationToken": "SERVICETOKENMARK"}})));
    let run = diagnose(&standin, &["--probe-credentials"]);
    let f = finding(&run.report, "azure.relay-credentials");
    assert_eq!(f["status"], "pass", "{f:#}");
    assert_eq!(
        f["evidence"]["relay namespace"],
        "azgnrelay-eastus-l1.servicebus.windows.net"
    );
    assert!(
        !run.all_output.contains("RELAYKEYMARK") && !run.all_output.contains("SERVICETOKENMARK"),
        "{}",
        run.all_output
    );
    let post = standin
        .requests()
        .into_iter()
        .find(|r| r["method"] == "POST")
        .unwrap();
    assert_eq!(post["body"], json!({"serviceName": "SSH"}));
    assert_eq!(post["query"]["expiresin"], "600");

    let denied = start(Scenario::healthy().answer("POST", &list, 403, error("AuthorizationFailed",
        "The client 'ada@contoso.com' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action'")));
    let run = diagnose(&denied, &["--probe-credentials"]);
    assert_eq!(
        diagnosis(&run, "azure.relay-credentials"),
        "connect-permission-missing"
    );
    // Without the flag nothing is asked for.
    let quiet = start(Scenario::healthy());
    diagnose(&quiet, &[]);
    assert!(quiet.requests().iter().all(|r| r["method"] == "GET"));
}

#[test]
fn an_unregistered_provider_answering_409_is_named() {
    let standin = start(
        Scenario::healthy()
            .answer(
                "GET",
                &arm::endpoint_path(),
                409,
                error(
                    "NoRegisteredProviderFound",
                    "No registered resource provider found for location 'eastus'",
                ),
            )
            .answer(
                "GET",
                &arm::config_path(),
                409,
                error(
                    "NoRegisteredProviderFound",
                    "No registered resource provider found",
                ),
            ),
    );
    let run = diagnose(&standin, &[]);
    assert_eq!(
        diagnosis(&run, "azure.ssh-service-config"),
        "provider-not-registered",
        "{:#}",
        run.report
    );
}

#[test]
fn the_token_subscription_and_cloud_come_from_an_installed_az() {
    let standin = start(Scenario::healthy());
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    // An `az` that answers the three questions the tool asks, and records them.
    let log = m.root.join("az-calls");
    m.script(
        "az",
        &format!(
            "echo \"$*\" >> {log}\ncase \"$*\" in\n  'cloud show'*) echo '{url}/' ;;\n  'account show --subscription Production'*) echo '{SUB}' ;;\n  'account show'*) echo '{SUB}' ;;\n  'account get-access-token'*) echo '{token}' ;;\n  *) exit 1 ;;\nesac",
            log = log.display(),
            url = standin.url,
            token = arm::token()
        ),
    );
    let out = m.run(&[
        "arc",
        "-g",
        RG,
        "-n",
        VM,
        "--subscription",
        "Production",
        "--client",
        "azure-cli",
        "--output",
        "json",
    ]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(TOKEN_MARK));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        finding(&report, "azure.machine")["status"],
        "pass",
        "{report:#}"
    );
    assert_eq!(report["target"]["subscription"], SUB);
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains(&format!(
            "account get-access-token --resource {}",
            standin.url
        )),
        "{calls}"
    );
    assert!(
        calls.contains("account show --subscription Production"),
        "a subscription name is resolved to its id: {calls}"
    );
}
