//! `arm-standin`: a real HTTPS server on 127.0.0.1 standing in for Azure Resource
//! Manager in tests, driven by a scenario file (see the crate README).
//!
//! This library is the harness for Rust integration tests: [`Standin::start`] runs the
//! `arm-standin` binary found next to the running test executable
//! ([`binary_path`]). Cargo builds binaries only for their own package's tests and
//! never for a dependency, so a test of another workspace crate needs that binary
//! built first: `cargo test --workspace` does it (this crate's own tests need it), or
//! `cargo build -p arm-standin` beforehand; `ARM_STANDIN_BIN` overrides the path.

pub mod certs;
pub mod fleet;
pub mod fleet_spec;
pub mod http;
pub mod log;
pub mod scenario;
pub mod server;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running stand-in; killed when dropped.
pub struct Standin {
    pub url: String,
    pub port: u16,
    pub ca_bundle: PathBuf,
    pub request_log: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Standin {
    /// Starts the binary on an ephemeral port with this scenario. Panics (it is a test
    /// harness) when the binary is missing or the scenario is refused.
    pub fn start(scenario: &Value) -> Standin {
        let dir = tempfile::tempdir().expect("temp dir for arm-standin");
        let scenario_path = dir.path().join("scenario.json");
        std::fs::write(&scenario_path, scenario.to_string()).expect("write scenario");
        let bin = binary_path();
        assert!(
            bin.is_file(),
            "arm-standin binary not found at {}: run `cargo build -p arm-standin` (or `cargo test --workspace`) first, or set ARM_STANDIN_BIN",
            bin.display()
        );
        let mut child = Command::new(&bin)
            .arg("--scenario")
            .arg(&scenario_path)
            .arg("--state-dir")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        let _ = BufReader::new(stdout).read_line(&mut line);
        let started: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!("arm-standin did not start ({status:?}); first stdout line: {line:?}");
            }
        };
        let text = |k: &str| started[k].as_str().unwrap_or_default().to_string();
        Standin {
            url: text("url"),
            port: started["port"].as_u64().unwrap_or_default() as u16,
            ca_bundle: text("caBundle").into(),
            request_log: text("requestLog").into(),
            child,
            _dir: dir,
        }
    }

    /// Every request received so far, oldest first (the lines of `requests.jsonl`).
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.request_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The child process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ARM_STANDIN_BIN` if set, else `arm-standin` in the profile directory of the running
/// executable (a test executable lives in `target/<profile>/deps/`).
pub fn binary_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ARM_STANDIN_BIN") {
        return p.into();
    }
    let name = format!("arm-standin{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().unwrap_or_default();
    let deps = exe.parent().map(PathBuf::from).unwrap_or_default();
    let profile = deps.parent().map(PathBuf::from).unwrap_or_default();
    [profile.join(&name), deps.join(&name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| profile.join(name))
}

/// An unsigned JWT-shaped token (`alg: none`) with ARM's audience and these claims;
/// `exp` defaults to an hour from now.
pub fn jwt(tid: &str, oid: &str, upn: &str, exp: Option<u64>) -> String {
    let now = server::unix_now();
    let header = serde_json::json!({"typ": "JWT", "alg": "none", "kid": "arm-standin"});
    let claims = serde_json::json!({
        "aud": "https://management.azure.com/",
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": exp.unwrap_or(now + 3600),
        "tid": tid, "oid": oid, "upn": upn, "unique_name": upn,
    });
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(b"arm-standin-unsigned")
    )
}

/// Unpadded base64url.
pub fn base64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64url_matches_rfc4648() {
        let cases = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v")];
        for (i, o) in cases {
            assert_eq!(super::base64url(i.as_bytes()), o);
        }
        assert_eq!(super::base64url(&[0xfb, 0xff]), "-_8");
    }
}
