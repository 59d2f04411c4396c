//! Runs a program with a hard timeout, so a hanging `ssh` cannot hold a check, and
//! stops it (killed and reaped) as soon as the run is cancelled.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cancel::Cancel;

/// At most this much of each stream is kept; the rest is read and dropped.
const MAX_CAPTURE: usize = 64 * 1024;

#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug)]
pub enum RunError {
    /// The program could not be started; `kind` says why in plain words.
    Spawn {
        kind: &'static str,
        detail: String,
    },
    TimedOut(Duration),
    /// The run was cancelled; the program was stopped.
    Cancelled,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn { kind, detail } => write!(f, "{kind} ({detail})"),
            RunError::TimedOut(d) => write!(
                f,
                "did not finish within {} ms and was stopped",
                d.as_millis()
            ),
            RunError::Cancelled => write!(f, "was stopped: the run was cancelled"),
        }
    }
}

pub fn run(program: &str, args: &[&str], timeout: Duration) -> Result<Ran, RunError> {
    run_until(program, args, timeout, &Cancel::new())
}

/// [`run`], also stopping the program (killed and reaped) within milliseconds of
/// `cancel` firing.
pub fn run_until(
    program: &str,
    args: &[&str],
    timeout: Duration,
    cancel: &Cancel,
) -> Result<Ran, RunError> {
    if cancel.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RunError::Spawn {
            kind: spawn_error_kind(&e),
            detail: e.to_string(),
        })?;
    let out = child.stdout.take().map(reader);
    let err = child.stderr.take().map(reader);
    let started = Instant::now();
    // A grandchild may keep a pipe open; don't wait for it past a short grace.
    let collect = |h: Option<std::sync::mpsc::Receiver<String>>, grace: Duration| {
        h.and_then(|rx| rx.recv_timeout(grace).ok())
            .unwrap_or_default()
    };
    // Polled, first often: most programs asked for a version answer within milliseconds.
    let mut nap = Duration::from_micros(250);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if cancel.is_cancelled() => {
                let _ = child.kill();
                let _ = child.wait();
                // The pipes close with the child: its readers end (joined by the wait).
                let short = Duration::from_millis(50);
                let (_, _) = (collect(out, short), collect(err, short));
                return Err(RunError::Cancelled);
            }
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::TimedOut(timeout));
            }
            Ok(None) => {
                cancel.sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(5));
            }
            Err(e) => {
                return Err(RunError::Spawn {
                    kind: "could not be waited for",
                    detail: e.to_string(),
                });
            }
        }
    };
    let grace = Duration::from_millis(200);
    Ok(Ran {
        code: status.code(),
        stdout: collect(out, grace),
        stderr: collect(err, grace),
    })
}

fn reader<R: Read + Send + 'static>(mut stream: R) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = MAX_CAPTURE.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        let _ = tx.send(String::from_utf8_lossy(&kept).into_owned());
    });
    rx
}

fn spawn_error_kind(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not found",
        std::io::ErrorKind::PermissionDenied => "permission denied: not executable by this user",
        _ if e.raw_os_error() == Some(8) => {
            "not an executable this system can run (exec format error)"
        }
        _ => "could not be started",
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn captures_both_streams_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "t", "echo out; echo err >&2; exit 3");
        let ran = run(&p, &[], Duration::from_secs(5)).unwrap();
        assert_eq!(
            (ran.code, ran.stdout.trim(), ran.stderr.trim()),
            (Some(3), "out", "err")
        );
    }

    #[test]
    fn a_hanging_program_is_stopped_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "hang", "exec sleep 30");
        let started = Instant::now();
        let err = run(&p, &[], Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, RunError::TimedOut(_)), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn spawn_failures_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope").to_string_lossy().into_owned();
        assert!(matches!(
            run(&missing, &[], Duration::from_secs(1)),
            Err(RunError::Spawn {
                kind: "not found",
                ..
            })
        ));
        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, [0x7fu8, 0x45, 0x4c, 0x46, 0, 0, 0]).unwrap();
        std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = run(garbage.to_str().unwrap(), &[], Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().contains("exec format error"), "{err}");
    }

    #[test]
    fn output_beyond_the_cap_is_dropped_not_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "loud", "head -c 1000000 /dev/zero | tr '\\0' x");
        let ran = run(&p, &[], Duration::from_secs(10)).unwrap();
        assert_eq!(ran.stdout.len(), MAX_CAPTURE);
    }
}
