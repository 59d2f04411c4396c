//! Ctrl+C as a user presses it: the binary runs on a pseudo-terminal that is its
//! controlling terminal, ARM (the stand-in) hangs, and ^C is typed on the terminal, so
//! the line discipline sends SIGINT to the foreground process group. The process
//! exits 130 promptly, says "cancelled", and prints no report.

#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::Machine;
use support::arm::{self, arc_args};

/// Far more than the under-1-second the binary takes: proves "does not hang".
const PROMPTLY: Duration = Duration::from_secs(5);
const CTRL_C: u8 = 0x03;

/// A pseudo-terminal: (controller side, the terminal's device for the child).
fn open_pty() -> (std::fs::File, OwnedFd) {
    let (mut controller, mut terminal) = (-1, -1);
    // SAFETY: openpty writes two descriptors into the locals; the NULL arguments ask
    // for no name, default settings and no window size.
    let rc = unsafe {
        libc::openpty(
            &mut controller,
            &mut terminal,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe {
        (
            std::fs::File::from_raw_fd(controller),
            OwnedFd::from_raw_fd(terminal),
        )
    }
}

/// Starts `args` on the terminal, as its session's foreground process.
fn spawn_on_terminal(m: &Machine, args: &[&str], terminal: &OwnedFd) -> Child {
    let mut cmd = m.command(args);
    cmd.stdin(Stdio::from(terminal.try_clone().unwrap()))
        .stdout(Stdio::from(terminal.try_clone().unwrap()))
        .stderr(Stdio::from(terminal.try_clone().unwrap()));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("start the binary on the terminal")
}

/// Waits (bounded) for the child; its exit status and when it ended.
fn wait_bounded(child: &mut Child) -> (std::process::ExitStatus, Instant) {
    let until = Instant::now() + PROMPTLY * 4;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, Instant::now());
        }
        if Instant::now() >= until {
            let _ = child.kill();
            panic!("the binary did not end after Ctrl+C");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Everything the terminal showed, read until the child's side closes.
fn drain(mut controller: std::fs::File) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once the last holder of the terminal's device is gone.
        while let Ok(n) = controller.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        let _ = tx.send(String::from_utf8_lossy(&all).into_owned());
    });
    rx.recv_timeout(PROMPTLY).unwrap_or_default()
}

fn wait_for_a_request(standin: &arm_standin::Standin) {
    let until = Instant::now() + Duration::from_secs(30);
    while standin.requests().is_empty() {
        assert!(Instant::now() < until, "the binary never called ARM");
        std::thread::sleep(Duration::from_millis(10));
    }
    // A moment more, so the call is waiting on the hanging answer.
    std::thread::sleep(Duration::from_millis(100));
}

/// Presses Ctrl+C while the binary waits on ARM, for one machine or (`fleet`, no
/// machine name) a fleet whose first call is a Resource Graph page.
fn ctrl_c_while_arm_hangs(fleet: bool) {
    let standin = arm_standin::Standin::start(&json!({"routes": [
        {"pathPrefix": "/", "fault": "hang", "requireBearer": false},
    ]}));
    let mut m = Machine::new();
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut args = arc_args(&standin.url);
    if fleet {
        let name = args.iter().position(|a| *a == "-n").unwrap();
        args.drain(name..name + 2);
    }
    args.extend(["--output", "json"]);
    let (mut controller, terminal) = open_pty();
    let mut child = spawn_on_terminal(&m, &args, &terminal);
    drop(terminal);
    wait_for_a_request(&standin);

    let pressed = Instant::now();
    controller.write_all(&[CTRL_C]).unwrap();
    let (status, ended) = wait_bounded(&mut child);
    let took = ended - pressed;
    let shown = drain(controller);

    let signal = status.signal();
    assert_eq!(
        status.code(),
        Some(130),
        "{status:?} (signal {signal:?}): {shown}"
    );
    assert!(took < PROMPTLY, "exited {took:?} after Ctrl+C");
    eprintln!("Ctrl+C to exit: {took:?}");
    assert!(shown.contains("cancelled"), "{shown}");
    assert!(!shown.contains("\"findings\""), "no report: {shown}");
    assert!(!shown.contains(arm::TOKEN_MARK), "{shown}");
}

#[test]
fn ctrl_c_while_a_machine_read_hangs_exits_130() {
    ctrl_c_while_arm_hangs(false);
}

#[test]
fn ctrl_c_while_a_fleet_read_hangs_exits_130() {
    ctrl_c_while_arm_hangs(true);
}

/// Ctrl+C during a `--watch` that waits for a provider registration that never comes:
/// the pause between rounds wakes at once and the binary exits 130.
#[test]
fn ctrl_c_stops_a_watch_promptly() {
    let standin = arm_standin::Standin::start(
        &arm::Scenario::healthy()
            .answer(
                "GET",
                &arm::provider_path(),
                200,
                json!({"namespace": "Microsoft.HybridConnectivity", "registrationState": "NotRegistered"}),
            )
            .json(),
    );
    let mut m = Machine::new();
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut args = arc_args(&standin.url);
    args.extend(["--output", "json", "--watch", "--watch-interval", "2"]);
    let (mut controller, terminal) = open_pty();
    let mut child = spawn_on_terminal(&m, &args, &terminal);
    drop(terminal);
    // Past the first diagnosis and at least one rerun: the watch is under way.
    let until = Instant::now() + Duration::from_secs(60);
    while standin
        .requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.eq_ignore_ascii_case(&arm::provider_path()))
        })
        .count()
        < 2
    {
        assert!(
            Instant::now() < until,
            "the watch never reran the provider check"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pressed = Instant::now();
    controller.write_all(&[CTRL_C]).unwrap();
    let (status, ended) = wait_bounded(&mut child);
    let took = ended - pressed;
    let shown = drain(controller);
    assert_eq!(status.code(), Some(130), "{status:?}: {shown}");
    assert!(took < PROMPTLY, "exited {took:?} after Ctrl+C");
    assert!(shown.contains("Watching"), "{shown}");
    assert!(shown.contains("cancelled"), "{shown}");
}
