//! `ssh-troubleshoot server` against a real sshd (Debian's openssh-server) started on a
//! loopback high port with its own host key and configuration, a listener that is not
//! SSH, and a closed port.

mod support;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::sshd::{BASE, Sshd, free_port};
use support::{Machine, finding, text};

/// `server --port N --sshd-config C -o json`; the network check is pointed at a closed
/// local port so it answers at once.
fn server(port: u16, config: &str) -> Value {
    let m = Machine::bare();
    let out = m.run(&[
        "server",
        "--port",
        &port.to_string(),
        "--sshd-config",
        config,
        "--network-target",
        "127.0.0.1:1",
        "-o",
        "json",
    ]);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn s<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key].as_str().unwrap_or_default()
}

#[test]
fn a_real_sshd_answers_with_its_version_and_its_included_port() {
    let sshd = Sshd::start(
        &format!("Include {{dir}}/sshd_config.d/*.conf\n{BASE}"),
        &[("sshd_config.d/10-port.conf", "Port {port}\n")],
    );
    let report = server(sshd.port, &sshd.config());

    let f = finding(&report, "server.sshd-answers");
    assert_eq!(f["status"], "pass", "{f:#}\n{}", sshd.log());
    let version = s(&f["evidence"], "version");
    assert!(version.starts_with("OpenSSH_"), "{f:#}");
    assert!(s(f, "summary").contains(version), "{f:#}");
    let listening = s(&f["evidence"], &format!("listening on port {}", sshd.port));
    assert!(
        listening.contains(&format!("127.0.0.1:{}", sshd.port)),
        "{f:#}"
    );

    let c = finding(&report, "server.sshd-config");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        s(&c["evidence"], "files read").contains("10-port.conf"),
        "{c:#}"
    );
    assert!(
        s(&c["evidence"], "Port").contains("10-port.conf:1"),
        "{c:#}"
    );

    let svc = finding(&report, "server.sshd-service");
    if !Path::new("/run/systemd/system").exists() {
        assert_eq!(svc["status"], "skip", "{svc:#}");
        assert!(s(svc, "summary").contains("systemd"), "{svc:#}");
    }
}

#[test]
fn sshd_on_ipv4_loopback_only_warns() {
    let sshd = Sshd::start(
        "Port {port}\nListenAddress 127.0.0.1\nPidFile none\nUsePAM no\n",
        &[],
    );
    let report = server(sshd.port, &sshd.config());
    let f = finding(&report, "server.sshd-answers");
    assert_eq!(f["status"], "warn", "{f:#}");
    assert_eq!(f["diagnosis"], "ssh-traffic-not-allowed");
    assert!(
        s(f, "summary").contains(&format!("not on [::1]:{}", sshd.port)),
        "{f:#}"
    );
    assert!(
        s(&f["remedy"], "text").contains("ListenAddress ::1"),
        "{f:#}"
    );
    assert_eq!(finding(&report, "server.sshd-config")["status"], "warn");
}

#[test]
fn a_listener_that_is_not_ssh_fails_and_shows_what_it_said() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        }
    });
    let config = write_config(&format!("Port {port}\n"));
    let report = server(port, &config.1);
    let f = finding(&report, "server.sshd-answers");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "ssh-traffic-not-allowed");
    assert!(s(f, "summary").contains("not sshd"), "{f:#}");
    assert!(
        s(f, "summary").contains("HTTP/1.1 400 Bad Request"),
        "{f:#}"
    );
    assert!(
        f["remedy"]["commands"]
            .to_string()
            .contains(&format!("sport = :{port}")),
        "{f:#}"
    );
}

#[test]
fn a_closed_port_fails_with_start_commands() {
    let port = free_port();
    let config = write_config(&format!("Port {port}\n"));
    let report = server(port, &config.1);
    let f = finding(&report, "server.sshd-answers");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "ssh-traffic-not-allowed");
    assert!(s(f, "summary").contains("Nothing listens"), "{f:#}");
    let commands = f["remedy"]["commands"].to_string();
    assert!(commands.contains("systemctl enable --now"), "{f:#}");
    assert!(commands.contains(&format!("Port {port}")), "{f:#}");
}

#[test]
fn a_config_for_another_port_fails_naming_both() {
    let config = write_config("Port 2222\nMatch User nobody\n  X11Forwarding no\n");
    let report = server(2200, &config.1);
    let f = finding(&report, "server.sshd-config");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "ssh-traffic-not-allowed");
    assert!(
        s(f, "summary").contains("port 2222, not on port 2200"),
        "{f:#}"
    );
    let remedy = s(&f["remedy"], "text");
    assert!(
        remedy.contains("`Port 2200`") && remedy.contains("az ssh arc --port"),
        "{f:#}"
    );
}

#[test]
fn a_missing_config_is_a_finding_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope").display().to_string();
    let report = server(free_port(), &missing);
    let f = finding(&report, "server.sshd-config");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(s(f, "summary").contains("does not exist"), "{f:#}");
}

fn write_config(body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("sshd_config");
    std::fs::write(&path, body).unwrap();
    let p = path.display().to_string();
    (dir, p)
}
