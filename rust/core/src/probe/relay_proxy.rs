//! Runs the client's SSH proxy the way the client does, until the server's SSH
//! identification line arrives, and stops it there: nothing is ever written to the
//! proxy, so no key exchange starts and nobody logs in.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// RFC 4253 §4.2 lets a server send lines before its identification; more than this
/// many bytes without one is not an SSH server.
const MAX_BEFORE_BANNER: usize = 8 * 1024;
/// At most this much of the proxy's standard error is kept (its JSON log lines).
const MAX_STDERR: usize = 64 * 1024;
/// How long the proxy's last words are waited for once its output is closed.
const GRACE: Duration = Duration::from_millis(500);

/// How to start the proxy: the program, its arguments and the relay information the
/// client hands it in `SSHPROXY_RELAY_INFO` (a secret: never shown, never kept).
pub struct Launch<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    pub relay_info: &'a str,
    /// The whole probe ends by then: the banner, the proxy's exit, or it is stopped.
    pub bound: Duration,
}

/// How the proxy's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The server's identification line (`SSH-2.0-...`), without the line end.
    Banner(String),
    /// The proxy closed its output (or exited) before any identification; its exit
    /// status when it had one.
    Exited(Option<i32>),
    /// Nothing identified itself within the bound; the proxy was stopped.
    TimedOut,
    /// This many bytes came that are not an SSH identification.
    NotSsh(usize),
    /// The proxy could not be started at all.
    SpawnFailed { kind: SpawnFailure, detail: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnFailure {
    NotFound,
    PermissionDenied,
    ExecFormat,
    Other,
}

#[derive(Debug)]
pub struct ProxyRun {
    pub ending: Ending,
    /// From asking the system to start the proxy until it ran.
    pub start: Duration,
    /// From the proxy running until the ending.
    pub until_end: Duration,
    /// The proxy's standard error, at most [`MAX_STDERR`] bytes.
    pub stderr: Vec<u8>,
}

enum Seen {
    Banner(String),
    Closed,
    NotSsh(usize),
}

pub fn run(launch: &Launch<'_>) -> ProxyRun {
    let asked = Instant::now();
    let spawned = Command::new(launch.program)
        .args(launch.args)
        .env("SSHPROXY_RELAY_INFO", launch.relay_info)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return ProxyRun {
                ending: Ending::SpawnFailed {
                    kind: spawn_failure(&e),
                    detail: e.to_string(),
                },
                start: asked.elapsed(),
                until_end: Duration::ZERO,
                stderr: Vec::new(),
            };
        }
    };
    let start = asked.elapsed();
    let running = Instant::now();
    // Held open and never written: the proxy sees a client that has not spoken yet.
    let stdin = child.stdin.take();
    let seen = child.stdout.take().map(watch_stdout);
    let stderr = child.stderr.take().map(collect_stderr);

    let ending = match seen.map(|rx| rx.recv_timeout(launch.bound)) {
        Some(Ok(Seen::Banner(line))) => Ending::Banner(line),
        Some(Ok(Seen::NotSsh(n))) => Ending::NotSsh(n),
        Some(Ok(Seen::Closed)) | Some(Err(RecvTimeoutError::Disconnected)) | None => {
            Ending::Exited(exit_status_within(&mut child, GRACE))
        }
        Some(Err(RecvTimeoutError::Timeout)) => Ending::TimedOut,
    };
    let until_end = running.elapsed();
    drop(stdin);
    stop(&mut child);
    let stderr = stderr
        .and_then(|rx| rx.recv_timeout(GRACE).ok())
        .unwrap_or_default();
    ProxyRun {
        ending,
        start,
        until_end,
        stderr,
    }
}

/// Reads the proxy's output up to the identification line, then stops reading.
fn watch_stdout<R: Read + Send + 'static>(mut out: R) -> Receiver<Seen> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut before = 0usize;
        let mut buf = [0u8; 4096];
        loop {
            let n = match out.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Seen::Closed);
                    return;
                }
                Ok(n) => n,
            };
            for &b in &buf[..n] {
                if b != b'\n' {
                    line.push(b);
                    if before + line.len() > MAX_BEFORE_BANNER {
                        let _ = tx.send(Seen::NotSsh(before + line.len()));
                        return;
                    }
                    continue;
                }
                if line.starts_with(b"SSH-") {
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    let _ = tx.send(Seen::Banner(String::from_utf8_lossy(&line).into_owned()));
                    return;
                }
                before += line.len() + 1;
                line.clear();
            }
        }
    });
    rx
}

fn collect_stderr<R: Read + Send + 'static>(mut err: R) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = MAX_STDERR.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        let _ = tx.send(kept);
    });
    rx
}

fn exit_status_within(child: &mut Child, grace: Duration) -> Option<i32> {
    let until = Instant::now() + grace;
    while Instant::now() < until {
        match child.try_wait() {
            Ok(Some(status)) => return exit_code(status),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => return None,
        }
    }
    None
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|s| 128 + s))
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> Option<i32> {
    status.code()
}

fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

fn spawn_failure(e: &std::io::Error) -> SpawnFailure {
    match e.kind() {
        std::io::ErrorKind::NotFound => SpawnFailure::NotFound,
        std::io::ErrorKind::PermissionDenied => SpawnFailure::PermissionDenied,
        _ if e.raw_os_error() == Some(8) => SpawnFailure::ExecFormat,
        _ => SpawnFailure::Other,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &std::path::Path, body: &str) -> String {
        let path = dir.join("proxy");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn probe(body: &str, bound_ms: u64) -> ProxyRun {
        let dir = tempfile::tempdir().unwrap();
        let program = script(dir.path(), body);
        run(&Launch {
            program: &program,
            args: &["-p".into(), "22".into()],
            relay_info: "e30=",
            bound: Duration::from_millis(bound_ms),
        })
    }

    #[test]
    fn the_identification_line_ends_the_run_after_other_lines() {
        let ran = probe(
            "printf 'hello\\r\\nSSH-2.0-OpenSSH_9.2p1 Debian\\r\\n'; sleep 30",
            5000,
        );
        assert_eq!(
            ran.ending,
            Ending::Banner("SSH-2.0-OpenSSH_9.2p1 Debian".into())
        );
        assert!(ran.until_end < Duration::from_secs(5));
    }

    #[test]
    fn the_relay_info_and_port_reach_the_proxy() {
        let ran = probe("echo \"$SSHPROXY_RELAY_INFO $1 $2\" >&2; exit 7", 5000);
        assert_eq!(ran.ending, Ending::Exited(Some(7)));
        assert_eq!(String::from_utf8_lossy(&ran.stderr).trim(), "e30= -p 22");
    }

    #[test]
    fn a_silent_proxy_is_stopped_at_the_bound() {
        let ran = probe("sleep 30", 300);
        assert_eq!(ran.ending, Ending::TimedOut);
        assert!(ran.until_end < Duration::from_secs(5));
    }

    #[test]
    fn a_flood_of_other_bytes_is_not_ssh() {
        let ran = probe("head -c 100000 /dev/zero; sleep 30", 5000);
        assert!(matches!(ran.ending, Ending::NotSsh(n) if n > MAX_BEFORE_BANNER));
    }

    #[test]
    fn a_missing_program_is_a_spawn_failure() {
        let ran = run(&Launch {
            program: "/nonexistent/sshProxy",
            args: &[],
            relay_info: "",
            bound: Duration::from_secs(1),
        });
        assert!(matches!(
            ran.ending,
            Ending::SpawnFailed {
                kind: SpawnFailure::NotFound,
                ..
            }
        ));
    }
}
