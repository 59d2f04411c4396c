//! What the probe tests share: the table of issue 16's rows (`tests/probe_rows.json`,
//! read by every host's probe test), the proxy stand-in, and a probe run of the binary.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::arm::{self, Scenario, TOKEN_MARK, arc_args};
use super::{Machine, text};

/// The shared table, parsed once.
pub fn table() -> &'static Value {
    static TABLE: OnceLock<Value> = OnceLock::new();
    TABLE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/probe_rows.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
    })
}

pub fn row(name: &str) -> &'static Value {
    table()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in tests/probe_rows.json"))
}

/// What must never be seen: the relay key, the service configuration token, the ARM token.
pub fn secrets() -> Vec<String> {
    let mut all: Vec<String> = table()["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    all.push(TOKEN_MARK.into());
    all
}

/// The proxy stand-in, built once (cargo does not build another package's binaries
/// for this one's tests).
pub fn proxy_standin() -> PathBuf {
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

/// A healthy machine whose service configuration allows `port`, answering
/// listCredentials with the table's credentials (or its refusal).
pub fn scenario(port: u16, credentials: bool) -> Scenario {
    let list = format!("{}/listCredentials", arm::endpoint_path());
    let (status, body) = if credentials {
        (200, table()["credentials"].clone())
    } else {
        let refusal = &table()["refusal"];
        (
            refusal["status"].as_u64().unwrap() as u16,
            refusal["body"].clone(),
        )
    };
    Scenario::healthy()
        .answer(
            "GET",
            &arm::config_path(),
            200,
            json!({"id": arm::config_path(), "name": "SSH",
                   "properties": {"serviceName": "SSH", "port": port.to_string(), "provisioningState": "Succeeded"}}),
        )
        .answer("POST", &list, status, body)
}

pub struct Probe {
    pub code: i32,
    pub report: Value,
    pub all: String,
    pub record: String,
    pub took: Duration,
}

/// The binary's `arc` run as the az client on a machine whose az proxy is the stand-in
/// in `mode` (file mode `file_mode`), with `extra` arguments; no secret in any output.
pub fn probe_with(
    standin: &arm_standin::Standin,
    mode: &str,
    file_mode: u32,
    port: u16,
    extra: &[&str],
) -> Probe {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o755);
    std::fs::copy(proxy_standin(), &proxy).unwrap();
    std::fs::set_permissions(
        &proxy,
        std::os::unix::fs::PermissionsExt::from_mode(file_mode),
    )
    .unwrap();
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
    for secret in secrets() {
        assert!(!all.contains(&secret), "{secret} leaked: {all}");
    }
    Probe {
        code: out.status.code().unwrap(),
        report,
        all,
        record: std::fs::read_to_string(record).unwrap_or_default(),
        took,
    }
}

/// The report says what `row` expects: each finding's status, diagnosis, hop,
/// blocker and banner, and the exit status.
pub fn assert_row(row: &Value, p: &Probe) {
    for want in row["findings"].as_array().unwrap() {
        let f = super::finding(&p.report, want["check"].as_str().unwrap());
        assert_eq!(f["status"], want["status"], "{}: {f:#}", row["name"]);
        if let Some(d) = want.get("diagnosis") {
            assert_eq!(&f["diagnosis"], d, "{}: {f:#}", row["name"]);
        }
        if let Some(hop) = want.get("hop") {
            assert_eq!(&f["evidence"]["hop"], hop, "{}: {f:#}", row["name"]);
        }
        if let Some(b) = want.get("blockedBy") {
            assert_eq!(&f["blockedBy"], b, "{}: {f:#}", row["name"]);
        }
        if let Some(prefix) = want["bannerPrefix"].as_str() {
            let version = f["evidence"]["server SSH version"].as_str().unwrap_or("");
            assert!(version.starts_with(prefix), "{}: {f:#}", row["name"]);
        }
    }
    assert_eq!(
        Some(p.code as i64),
        row["exitCode"].as_i64(),
        "{}: {}",
        row["name"],
        p.all
    );
}
