//! `server.sshd-answers`: does sshd answer on the port where the agent's proxy forwards
//! (`localhost`: `[::1]` and `127.0.0.1`)? Reads the SSH identification line (RFC 4253
//! 4.2) and, when loopback is silent, names the addresses that do listen on the port.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::checks::server_allowed_port;
use crate::checks::server_sshd_common::{self as common, DIAGNOSIS, sh};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::parse::proc_net_tcp::{self, Listener};

pub const ID: &str = "server.sshd-answers";
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// RFC 4253 lets a server send lines before its identification; read no more than this.
const MAX_READ: usize = 8 * 1024;
const SHOWN: usize = 160;

pub struct SshdAnswers;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3` and the banner lines before it.
    Ssh {
        ident: String,
        banner: usize,
    },
    /// Something else answered; what it said, sanitised and cut short.
    NotSsh(String),
    /// Accepted the connection and said nothing (sshd always speaks first).
    Silent {
        closed: bool,
    },
    Refused,
    /// No such address here (IPv6 turned off), so nothing can be dialled on it.
    NoAddress,
    Unreachable(String),
}

impl Answer {
    fn describe(&self) -> String {
        match self {
            Answer::Ssh { ident, banner: 0 } => ident.clone(),
            Answer::Ssh { ident, banner } => format!("{ident} (after {banner} banner lines)"),
            Answer::NotSsh(said) => format!("not SSH; it said: {said}"),
            Answer::Silent { closed: true } => "accepted, then closed without a word".into(),
            Answer::Silent { closed: false } => format!(
                "accepted, then said nothing for {} s (sshd speaks first)",
                READ_TIMEOUT.as_secs()
            ),
            Answer::Refused => "connection refused: nothing listens".into(),
            Answer::NoAddress => "address not configured on this machine".into(),
            Answer::Unreachable(e) => e.clone(),
        }
    }
}

/// What the bytes a server sent first say about it, once that is known: an
/// identification line (after any banner lines), or the connection closed (`eof`), or
/// the read cap reached without one. `None`: keep reading.
pub fn classify(bytes: &[u8], eof: bool) -> Option<Answer> {
    let complete = bytes.iter().filter(|b| **b == b'\n').count();
    for (i, line) in bytes.split(|b| *b == b'\n').take(complete).enumerate() {
        if line.starts_with(b"SSH-") {
            let ident = common::sanitise(line, 255);
            return Some(Answer::Ssh { ident, banner: i });
        }
    }
    if bytes.is_empty() {
        return eof.then_some(Answer::Silent { closed: true });
    }
    (eof || bytes.len() >= MAX_READ).then(|| Answer::NotSsh(common::sanitise(bytes, SHOWN)))
}

pub fn probe(addr: SocketAddr) -> Answer {
    let mut stream = match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
        Ok(s) => s,
        Err(e) => {
            return match e.kind() {
                std::io::ErrorKind::ConnectionRefused => Answer::Refused,
                std::io::ErrorKind::AddrNotAvailable => Answer::NoAddress,
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    Answer::Unreachable(format!(
                        "no answer to connect within {} ms (a firewall dropping it?)",
                        CONNECT_TIMEOUT.as_millis()
                    ))
                }
                // ENETUNREACH / EAFNOSUPPORT: IPv6 turned off.
                _ if matches!(e.raw_os_error(), Some(97 | 101)) => Answer::NoAddress,
                _ => Answer::Unreachable(e.to_string()),
            };
        }
    };
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let left = READ_TIMEOUT.saturating_sub(started.elapsed());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => return classify(&bytes, true).unwrap_or(Answer::Silent { closed: true }),
            Ok(n) => {
                let room = MAX_READ - bytes.len();
                bytes.extend_from_slice(&buf[..n.min(room)]);
                if let Some(a) = classify(&bytes, false) {
                    return a;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if bytes.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Answer::Silent { closed: true };
            }
            Err(_) => break,
        }
    }
    if bytes.is_empty() {
        Answer::Silent { closed: false }
    } else {
        Answer::NotSsh(common::sanitise(&bytes, SHOWN))
    }
}

/// The software version of an identification line: `OpenSSH_9.2p1 Debian-2+deb12u3`.
pub fn software(ident: &str) -> String {
    let rest = ident.splitn(3, '-').nth(2).unwrap_or(ident);
    rest.trim().to_string()
}

#[path = "server_sshd_answers_judge.rs"]
mod verdict;
pub use verdict::{Kind, Verdict, judge};

fn is_loopback_or_any(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

/// Listening sockets on `port` from the kernel's tables (Linux; empty elsewhere).
fn listeners_on(port: u16) -> Vec<Listener> {
    let mut all = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = read_capped(table) {
            all.extend(
                proc_net_tcp::listeners(&text)
                    .into_iter()
                    .filter(|l| l.port == port),
            );
        }
    }
    all.sort();
    all.dedup();
    all
}

fn read_capped(path: &str) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(16 * 1024 * 1024)
        .read_to_string(&mut text)?;
    Ok(text)
}

impl Check for SshdAnswers {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "sshd answers on the port (localhost)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
    }
    fn timeout(&self) -> Duration {
        (CONNECT_TIMEOUT + READ_TIMEOUT) * 4 + Duration::from_secs(1)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }

    fn after(&self) -> &'static [&'static str] {
        &[server_allowed_port::ID]
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let choice = common::port(ctx, deps);
        let port = choice.port;
        let (v4, v6) = std::thread::scope(|s| {
            let v6 = s.spawn(|| probe(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port)));
            let v4 = probe(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port));
            (
                v4,
                v6.join()
                    .unwrap_or(Answer::Unreachable("probe failed".into())),
            )
        });
        let listening = listeners_on(port);
        let others: Vec<(Listener, Answer)> = listening
            .iter()
            .filter(|l| !is_loopback_or_any(l.addr))
            .take(4)
            .map(|l| (*l, probe(SocketAddr::new(l.addr, l.port))))
            .collect();
        let verdict = judge(port, &v4, &v6, &others);
        let mut outcome = if verdict.status == Status::Pass {
            Outcome::pass(verdict.summary)
        } else {
            let mut o = Outcome::new(verdict.status, verdict.summary);
            o.diagnosis = Some(DIAGNOSIS);
            o.remedy = Some(remedy_for(verdict.kind, port, &common::config_path(ctx)));
            o
        };
        outcome = outcome
            .evidence("port judged", choice.describe())
            .evidence(format!("127.0.0.1:{port}"), v4.describe())
            .evidence(format!("[::1]:{port}"), v6.describe());
        if let Some(ident) = [&v4, &v6].into_iter().find_map(|a| match a {
            Answer::Ssh { ident, .. } => Some(ident),
            _ => None,
        }) {
            outcome = outcome.evidence("version", software(ident));
        }
        if cfg!(target_os = "linux") {
            let list: Vec<String> = listening.iter().map(ToString::to_string).collect();
            let shown = if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            };
            outcome = outcome.evidence(format!("listening on port {port}"), shown);
        }
        Ok(outcome)
    }
}

fn remedy_for(kind: Kind, port: u16, config: &str) -> crate::model::Remedy {
    let unit = common::unit_name(common::host_unit());
    let hint = common::allow_port_hint();
    let (text, commands) = match kind {
        Kind::NotSsh => (
            format!(
                "Port {port} on localhost belongs to another program. Find it and move it, or run sshd on another port {hint}."
            ),
            vec![sh(format!("sudo ss -ltnp 'sport = :{port}'"))],
        ),
        Kind::OneLoopbackOnly | Kind::OtherAddressOnly => (
            format!(
                "Make sshd listen on loopback: in the global section of {config} add `ListenAddress 127.0.0.1` and `ListenAddress ::1` beside the others (or remove every ListenAddress line to listen everywhere), then restart sshd."
            ),
            vec![
                sh(format!(
                    "sudo grep -Ein '^[[:space:]]*(ListenAddress|Port|Include)' {config}"
                )),
                sh(format!("sudo sshd -t && sudo systemctl restart {unit}")),
            ],
        ),
        _ => (
            format!(
                "Start sshd and make it listen on port {port}: add `Port {port}` to the global section of {config} (before any Match block) and restart sshd, {hint}."
            ),
            vec![
                sh(format!("sudo systemctl enable --now {unit}")),
                sh(format!(
                    "sudo sed -i '1i Port {port}' {config} && sudo sshd -t && sudo systemctl restart {unit}"
                )),
            ],
        ),
    };
    common::remedy(text, commands)
}

#[cfg(test)]
#[path = "server_sshd_answers_tests.rs"]
mod tests;
