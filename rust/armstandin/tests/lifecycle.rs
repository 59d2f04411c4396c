//! The process: its stdout line, how it ends, its arguments, the jwt helper.

use arm_standin::Standin;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_arm-standin");

fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn scenario_file(dir: &Path, v: &Value) -> String {
    let p = dir.join("scenario.json");
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (child, v)
}

#[test]
fn prints_one_line_and_exits_when_stdin_closes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_file(dir.path(), &json!({"routes": []}));
    let state = dir.path().join("state");
    let (mut child, started) = spawn(&[
        "--scenario",
        &scenario,
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    let port = started["port"].as_u64().unwrap();
    assert!(port > 0);
    assert_eq!(started["url"], format!("https://127.0.0.1:{port}"));
    let state = state.canonicalize().unwrap();
    assert_eq!(started["caBundle"], state.join("ca.pem").to_str().unwrap());
    assert_eq!(
        started["requestLog"],
        state.join("requests.jsonl").to_str().unwrap()
    );
    let ca = std::fs::read_to_string(state.join("ca.pem")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still serving while stdin is open"
    );
    drop(child.stdin.take());
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits on stdin EOF");
    assert!(status.success());
}

#[test]
fn max_seconds_ends_it_and_default_state_dir_is_a_new_temp_dir() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_file(dir.path(), &json!({}));
    let t = Instant::now();
    let (mut child, started) = spawn(&["--scenario", &scenario, "--max-seconds", "1"]);
    let ca = Path::new(started["caBundle"].as_str().unwrap()).to_path_buf();
    assert!(ca.is_file());
    let state = ca.parent().unwrap();
    assert!(
        state
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("arm-standin-")
    );
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits by itself");
    assert!(status.success() && t.elapsed() >= Duration::from_secs(1));
    std::fs::remove_dir_all(state).unwrap();
}

#[test]
fn bad_arguments_and_scenarios_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.stdout,
        )
    };
    let (code, err, _) = run(&[]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err, _) = run(&["--scenario", "x.json", "--bogus", "1"]);
    assert_eq!(code, Some(2), "{err}");
    let typo = scenario_file(
        dir.path(),
        &json!({"routes": [{"path": "/", "requireBearr": false}]}),
    );
    let (code, err, stdout) = run(&["--scenario", &typo]);
    assert_eq!(code, Some(1));
    assert!(err.contains("requireBearr") && stdout.is_empty(), "{err}");
    let both = scenario_file(
        dir.path(),
        &json!({"routes": [{"body": {}, "bodyText": "x"}]}),
    );
    let (code, err, _) = run(&["--scenario", &both]);
    assert_eq!(code, Some(1));
    assert!(err.contains("both body and bodyText"), "{err}");
}

#[test]
fn jwt_subcommand_prints_a_decodable_unsigned_token() {
    let out = Command::new(BIN)
        .args([
            "jwt",
            "--tid",
            "t-1",
            "--oid",
            "o-1",
            "--upn",
            "u@example.com",
            "--exp",
            "2000000000",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert!(parts.iter().all(|p| !p.is_empty() && !p.contains('=')));
    // Decode the way Python clients do.
    let script = "import base64,json,sys\nfor p in sys.argv[1].split('.')[:2]: print(json.dumps(json.loads(base64.urlsafe_b64decode(p + '=' * (-len(p) % 4)))))";
    let out = Command::new("python3")
        .args(["-c", script, &token])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
    assert_eq!(lines.next().unwrap()["alg"], "none");
    let claims = lines.next().unwrap();
    assert_eq!(
        (
            &claims["tid"],
            &claims["oid"],
            &claims["upn"],
            &claims["exp"]
        ),
        (
            &json!("t-1"),
            &json!("o-1"),
            &json!("u@example.com"),
            &json!(2_000_000_000)
        )
    );
    assert_eq!(claims["aud"], "https://management.azure.com/");
    let lib = arm_standin::jwt("t-1", "o-1", "u@example.com", Some(2_000_000_000));
    assert_eq!(lib.split('.').count(), 3);
}

#[test]
fn dropping_the_harness_kills_the_process() {
    let s = Standin::start(&json!({"routes": []}));
    let pid = s.pid();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    drop(s);
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}
