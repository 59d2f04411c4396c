//! proxy-standin -p PORT: a test stand-in for the SSH connectivity proxy both clients run
//! (`sshProxy_<os>_<arch>_<version>`). Like the real one it reads the relay information
//! from `SSHPROXY_RELAY_INFO` (base64 of `{"relay": {...}}`) and the port from `-p`;
//! what it then does is chosen by `PROXY_STANDIN_MODE`:
//!
//! - `relay` (default): connects to 127.0.0.1:PORT (a real sshd standing in for the
//!   server behind the relay) and copies bytes both ways until either side closes;
//! - `endpoint-not-exist`, `no-listeners`, `dns`, `tls`, `refused`, `copy-error`:
//!   prints the real proxy's fatal JSON log line for that failure on stderr and exits 1,
//!   as the real proxy does;
//! - `hang`: says nothing and never exits; `flood`: writes bytes that are not SSH
//!   forever; `exit`: exits 1 at once without a word.
//!
//! With `PROXY_STANDIN_RECORD=FILE` it appends one JSON line per run: its arguments,
//! the relay fields it was given (names only, plus the namespace), never their secrets.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};

const VERSION: &str = "1.3.026973";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = args
        .windows(2)
        .find(|w| w[0] == "-p")
        .and_then(|w| w[1].parse::<u16>().ok())
        .unwrap_or(22);
    let relay = match relay_info() {
        Ok(relay) => relay,
        Err(why) => return fatal(&format!("sshproxy: error reading relay information: {why}")),
    };
    record(&args, &relay);
    let namespace = format!(
        "{}.{}",
        relay["namespaceName"].as_str().unwrap_or_default(),
        relay["namespaceNameSuffix"].as_str().unwrap_or_default()
    );
    let hc = relay["hybridConnectionName"].as_str().unwrap_or_default();
    let mode = std::env::var("PROXY_STANDIN_MODE").unwrap_or_else(|_| "relay".into());
    let tracking = "TrackingId:5f1e2d3c-0000-4000-8000-123456789abc_G21";
    match mode.as_str() {
        "relay" => relay_to(port),
        "endpoint-not-exist" => fatal(&format!(
            "sshproxy: error connecting to the address: 404 Endpoint does not exist. {tracking}, SystemTracker:{namespace}:{hc}, Timestamp:2026-12-05T10:00:00. websocket: bad handshake"
        )),
        "no-listeners" => fatal(&format!(
            "sshproxy: error connecting to the address: 404 There are no listeners connected for the endpoint. {tracking}, SystemTracker:{namespace}:{hc}, Timestamp:2026-12-05T10:00:00. websocket: bad handshake"
        )),
        "dns" => fatal(&format!(
            "sshproxy: error connecting to the address: dial tcp: lookup {namespace}: no such host"
        )),
        "tls" => fatal(
            "sshproxy: error connecting to the address: tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ),
        "refused" => fatal(&format!(
            "sshproxy: error connecting to the address: 503 connection to localhost:{port} failed: dial tcp [::1]:{port}: connect: connection refused. websocket: bad handshake"
        )),
        "copy-error" => fatal(
            "sshproxy: error copying information from the connection: read tcp 10.1.0.4:51000->20.42.65.93:443: read: connection reset by peer",
        ),
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "flood" => {
            let mut out = std::io::stdout().lock();
            let junk = [b'x'; 4096];
            while out.write_all(&junk).is_ok() {}
            ExitCode::from(1)
        }
        "exit" => ExitCode::from(1),
        other => fatal(&format!(
            "proxy-standin: unknown PROXY_STANDIN_MODE {other}"
        )),
    }
}

/// The real proxy logs with logrus as JSON and exits 1 on a fatal line.
fn fatal(msg: &str) -> ExitCode {
    let line = json!({"level": "fatal", "msg": msg, "proxyVersion": VERSION});
    eprintln!("{line}");
    ExitCode::from(1)
}

fn relay_info() -> Result<Value, String> {
    let encoded =
        std::env::var("SSHPROXY_RELAY_INFO").map_err(|_| "SSHPROXY_RELAY_INFO is not set")?;
    let bytes = base64_decode(encoded.trim()).ok_or("SSHPROXY_RELAY_INFO is not base64")?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
    let relay = doc.get("relay").cloned().ok_or("no relay member")?;
    for key in ["namespaceName", "hybridConnectionName", "accessKey"] {
        if relay[key].as_str().is_none_or(str::is_empty) {
            return Err(format!("relay.{key} is missing"));
        }
    }
    Ok(relay)
}

fn record(args: &[String], relay: &Value) {
    let Ok(path) = std::env::var("PROXY_STANDIN_RECORD") else {
        return;
    };
    let fields: Vec<&String> = relay
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    let line = json!({"args": args, "relayFields": fields, "namespace": relay["namespaceName"]});
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Copies stdin to the server and the server to stdout until either side closes.
fn relay_to(port: u16) -> ExitCode {
    let server = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => {
            return fatal(&format!(
                "sshproxy: error connecting to the address: 503 connection to localhost:{port} failed: dial tcp 127.0.0.1:{port}: {e}. websocket: bad handshake"
            ));
        }
    };
    let mut upstream = server.try_clone().expect("clone the socket");
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let _ = std::io::copy(&mut stdin, &mut upstream);
        let _ = upstream.shutdown(Shutdown::Write);
    });
    let mut from_server = server;
    let mut out = std::io::stdout().lock();
    let mut buf = [0u8; 8192];
    while let Ok(n) = from_server.read(&mut buf) {
        if n == 0 || out.write_all(&buf[..n]).is_err() || out.flush().is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().take_while(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let v: Vec<u8> = chunk.iter().map(|&c| value(c)).collect::<Option<_>>()?;
        let n = v
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..v.len()]);
    }
    Some(out)
}
