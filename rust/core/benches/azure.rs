//! Benchmark 2: one machine's Azure diagnosis against the ARM stand-in with 100 ms
//! injected before every answer, as the engine runs it (independent reads together) and
//! with the same checks one after another (`EngineOptions { max_parallel: Some(1) }`),
//! with resource discovery and with `--resource-type`; beside one round trip (a fresh
//! client, TLS handshake included, one GET), the unit `bench/run.sh` divides by.
//!
//! Needs the stand-in built for the same profile: `cargo build --release -p arm-standin`,
//! then `cargo bench -p ssh-troubleshoot-core --bench azure`.

use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use serde_json::{Value, json};
use ssh_troubleshoot_core::arm::{ArmClient, ArmPath, ArmSettings};
use ssh_troubleshoot_core::env::HostEnv;
use ssh_troubleshoot_core::model::{Request, Status};
use ssh_troubleshoot_core::{EngineOptions, registry, run_with_options};

const DELAY_MS: u64 = 100;
const SUB: &str = "00000000-1111-2222-3333-444444444444";
const RG: &str = "rg-arc";
const VM: &str = "web01";

fn machine_path() -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.HybridCompute/machines/{VM}"
    )
}

fn route(path: String, body: Value) -> Value {
    json!({"method": "GET", "path": path, "status": 200, "body": body, "delayMs": DELAY_MS})
}

/// A healthy, connected Linux machine with SSH on port 22 (as rust/cli/tests/support/arm.rs).
fn scenario() -> Value {
    let m = machine_path();
    let endpoint = format!("{m}/providers/Microsoft.HybridConnectivity/endpoints/default");
    json!({"routes": [
        route(format!("/subscriptions/{SUB}/resourceGroups/{RG}/resources"),
            json!({"value": [{"id": m, "name": VM, "type": "Microsoft.HybridCompute/machines", "location": "eastus"}]})),
        route(format!("/subscriptions/{SUB}/providers/Microsoft.HybridConnectivity"),
            json!({"namespace": "Microsoft.HybridConnectivity", "registrationState": "Registered"})),
        route(m.clone(), json!({"id": m, "name": VM, "type": "Microsoft.HybridCompute/machines", "location": "eastus",
            "properties": {"status": "Connected", "agentVersion": "1.45.02800.1234", "osType": "linux",
                           "provisioningState": "Succeeded", "agentConfiguration": {"incomingConnectionsPorts": []}}})),
        route(endpoint.clone(), json!({"id": endpoint, "name": "default", "type": "Microsoft.HybridConnectivity/endpoints",
            "properties": {"type": "default", "provisioningState": "Succeeded"}})),
        route(format!("{endpoint}/serviceConfigurations/SSH"),
            json!({"name": "SSH", "properties": {"serviceName": "SSH", "port": "22", "provisioningState": "Succeeded"}})),
        route(format!("{m}/providers/Microsoft.Authorization/permissions"), json!({"value": [
            {"actions": ["Microsoft.HybridCompute/machines/*/read", "Microsoft.HybridConnectivity/endpoints/listCredentials/action"],
             "notActions": [], "dataActions": ["Microsoft.HybridCompute/machines/login/action"], "notDataActions": []}]})),
        route(format!("{m}/extensions"), json!({"value": [
            {"name": "AADSSHLogin", "properties": {"publisher": "Microsoft.Azure.ActiveDirectory", "type": "AADSSHLoginForLinux"}}]})),
    ]})
}

fn request(standin: &arm_standin::Standin, token: &str, resource_type: bool) -> Request {
    let mut target = json!({"subscription": SUB, "resourceGroup": RG, "name": VM});
    if resource_type {
        target["resourceType"] = json!("Microsoft.HybridCompute/machines");
    }
    serde_json::from_value(json!({
        "schemaVersion": 1,
        "command": "diagnose",
        "client": "azure-cli",
        "target": target,
        "azure": {"accessToken": token, "armEndpoint": standin.url,
                  "caBundle": standin.ca_bundle.to_str().unwrap_or_default()},
    }))
    .unwrap_or_else(|e| panic!("request: {e}"))
}

fn diagnose(request: &Request, options: EngineOptions) {
    let env = HostEnv::from_process().unwrap_or_else(|| panic!("unsupported platform"));
    let report = run_with_options(request, env, &registry::all(), options)
        .unwrap_or_else(|e| panic!("run: {e}"));
    // A failing Azure check would mean a shorter or different path: not what is measured.
    for f in report
        .findings
        .iter()
        .filter(|f| f.check.starts_with("azure."))
    {
        assert!(
            matches!(f.status, Status::Pass | Status::Skip),
            "{}: {:?} {}",
            f.check,
            f.status,
            f.summary
        );
    }
}

fn bench(c: &mut Criterion) {
    let standin = arm_standin::Standin::start(&scenario());
    let token = arm_standin::jwt(
        "72f988bf-0000-0000-0000-000000000000",
        "oid",
        "ada@contoso.com",
        None,
    );
    let settings = ArmSettings {
        endpoint: standin.url.clone(),
        token: Some(token.clone()),
        ca_bundle: Some(standin.ca_bundle.to_string_lossy().into_owned()),
        ..ArmSettings::default()
    };
    let provider = ArmPath::root()
        .lit("subscriptions")
        .seg(SUB)
        .unwrap_or_else(|e| panic!("{e}"))
        .lit("providers")
        .lit("Microsoft.HybridConnectivity");
    let concurrent = EngineOptions::default();
    let sequential = EngineOptions {
        max_parallel: NonZeroUsize::new(1),
    };
    let (discover, typed) = (
        request(&standin, &token, false),
        request(&standin, &token, true),
    );

    let mut g = c.benchmark_group("azure");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("round-trip", |b| {
        b.iter(|| {
            let client = ArmClient::new(settings.clone()).unwrap_or_else(|e| panic!("{e}"));
            let r = client
                .get(&provider, "2024-03-01")
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status, 200);
        })
    });
    g.bench_function("discovery-concurrent", |b| {
        b.iter(|| diagnose(&discover, concurrent))
    });
    g.bench_function("resource-type-concurrent", |b| {
        b.iter(|| diagnose(&typed, concurrent))
    });
    g.bench_function("discovery-sequential", |b| {
        b.iter(|| diagnose(&discover, sequential))
    });
    g.bench_function("resource-type-sequential", |b| {
        b.iter(|| diagnose(&typed, sequential))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
