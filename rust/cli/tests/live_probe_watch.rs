//! `--watch` through the binary against the ARM stand-in whose answer changes after N
//! requests: the run ends as soon as the check passes; a bound that passes ends failing.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::arm::{self, Scenario, arc_args};
use support::{Machine, finding, text};

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
