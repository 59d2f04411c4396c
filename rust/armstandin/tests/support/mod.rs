//! A real TLS client for the tests: curl, trusting only what it is told to.

#![allow(dead_code)]

use arm_standin::Standin;
use std::process::Command;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.test-token-value.sig";

pub struct Reply {
    /// curl's exit code (0 ok, 18 short body, 28 timeout, 56 recv failure, 60 bad cert...).
    pub exit: i32,
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// `curl` against `url` with exactly these extra arguments (no CA, no headers added).
pub fn curl_raw(url: &str, args: &[&str]) -> Reply {
    let t = Instant::now();
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl must be installed (apt-get install curl)");
    let elapsed = t.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut rest = text.as_str();
    let mut head = "";
    // Skip interim answers (100 Continue); the last head is the answer's.
    while rest.starts_with("HTTP/") {
        match rest.split_once("\r\n\r\n") {
            Some((h, b)) => {
                head = h;
                rest = b;
            }
            None => {
                head = rest;
                rest = "";
            }
        }
    }
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        exit: out.status.code().unwrap_or(-1),
        status,
        headers,
        body: rest.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
    }
}

/// `curl` trusting only the stand-in's CA, with a bearer token, plus `args`.
pub fn curl(s: &Standin, path: &str, args: &[&str]) -> Reply {
    let ca = s.ca_bundle.to_str().unwrap().to_string();
    let auth = format!("Authorization: Bearer {TOKEN}");
    let mut all = vec!["--cacert", &ca, "-H", &auth];
    all.extend_from_slice(args);
    curl_raw(&format!("{}{path}", s.url), &all)
}

/// `curl` trusting only the stand-in's CA, without an Authorization header.
pub fn curl_anon(s: &Standin, path: &str, args: &[&str]) -> Reply {
    let ca = s.ca_bundle.to_str().unwrap().to_string();
    let mut all = vec!["--cacert", ca.as_str()];
    all.extend_from_slice(args);
    curl_raw(&format!("{}{path}", s.url), &all)
}
