//! `server.sshd-config`: would sshd, by its configuration (`Include`s followed), listen
//! on the requested port on an address the agent's proxy reaches (localhost)?

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::checks::server_allowed_port;
use crate::checks::server_sshd_common::{self as common, DIAGNOSIS, sh};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::parse::sshd_config::{self, ConfigFs, SSHDIR, SshdConfig};

pub const ID: &str = "server.sshd-config";
/// Bytes read from any one file; sshd configurations are a few KiB.
const MAX_FILE: u64 = 4 * 1024 * 1024;

pub struct SshdConfigCheck;

struct RealFs;

impl ConfigFs for RealFs {
    fn read(&self, path: &Path) -> Result<String, String> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
        Ok(entries
            .filter_map(Result::ok)
            .take(10_000)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect())
    }
}

/// Where sshd resolves a relative `Include`: its compile-time folder, not the folder of
/// the file being read (so a config passed with `-f` elsewhere still includes from
/// /etc/ssh).
pub fn include_base(_config: &Path) -> PathBuf {
    PathBuf::from(SSHDIR)
}

/// Which loopback families reach `host` as sshd binds it (sshd sets IPV6_V6ONLY, so
/// `::` is IPv6 only): (IPv4, IPv6).
pub fn loopback_reach(host: &str) -> (bool, bool) {
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => (a.is_loopback() || a.is_unspecified(), false),
        Ok(std::net::IpAddr::V6(a)) => (false, a.is_loopback() || a.is_unspecified()),
        Err(_) => {
            let l = host.eq_ignore_ascii_case("localhost");
            (l, l)
        }
    }
}

pub struct Judged {
    pub status: Status,
    pub summary: String,
    /// The fix is a `Port` line (otherwise a `ListenAddress` one).
    pub port_missing: bool,
}

pub fn judge(cfg: &SshdConfig, port: u16) -> Judged {
    let binds = cfg.binds();
    let on_port: Vec<&String> = binds
        .iter()
        .filter(|(_, p)| *p == port)
        .map(|(h, _)| h)
        .collect();
    let mut ports: Vec<u16> = binds.iter().map(|(_, p)| *p).collect();
    ports.sort_unstable();
    ports.dedup();
    let list = |v: &[u16]| v.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    if on_port.is_empty() {
        return Judged {
            status: Status::Fail,
            summary: format!(
                "sshd is configured to listen on port {}, not on port {port}.",
                list(&ports)
            ),
            port_missing: true,
        };
    }
    let (v4, v6) = on_port.iter().fold((false, false), |(a, b), h| {
        let (x, y) = loopback_reach(h);
        (a || x, b || y)
    });
    let hosts = on_port
        .iter()
        .map(|h| h.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (status, summary) = match (v4, v6) {
        (false, false) => (
            Status::Fail,
            format!(
                "sshd listens on port {port} only on {hosts}: ListenAddress leaves out localhost, where the agent's proxy connects."
            ),
        ),
        (true, false) | (false, true) => (
            Status::Warn,
            format!(
                "sshd listens on port {port} on {hosts}: localhost is reachable over {} only.",
                if v4 { "IPv4 (127.0.0.1)" } else { "IPv6 (::1)" }
            ),
        ),
        (true, true) if !cfg.problems.is_empty() => (
            Status::Warn,
            format!(
                "sshd is configured for port {port} on localhost, but sshd may refuse this configuration: {}.",
                cfg.problems.join("; ")
            ),
        ),
        (true, true) => (
            Status::Pass,
            format!("sshd is configured to listen on port {port} on localhost ({hosts})."),
        ),
    };
    Judged {
        status,
        summary,
        port_missing: false,
    }
}

impl Check for SshdConfigCheck {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "sshd configuration (Port, ListenAddress)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
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
        let path = common::config_path(ctx);
        let base = include_base(Path::new(&path));
        let unit = common::unit_name(common::host_unit());
        let cfg = match sshd_config::parse(&RealFs, Path::new(&path), &base) {
            Ok(cfg) => cfg,
            Err(e) => {
                let exists = Path::new(&path).exists();
                return Ok(unreadable(path, &e, exists, common::host_unit()));
            }
        };
        let outcome = judged_outcome(judge(&cfg, port), port, &path, &unit)
            .evidence("port judged", choice.describe());
        Ok(with_config_evidence(outcome, &cfg, path, &base))
    }
}

/// The configuration could not be parsed: missing (sshd will not start), or unreadable
/// by us.
fn unreadable(path: String, error: &str, exists: bool, host_unit: Option<&str>) -> Outcome {
    if !exists {
        let mut o = Outcome::new(
            Status::Fail,
            format!(
                "{path} does not exist: sshd does not start without its configuration ({error})."
            ),
        );
        o.diagnosis = Some(DIAGNOSIS);
        o.remedy = Some(common::remedy(
            "Reinstall the OpenSSH server to restore its configuration, or pass the right file with --sshd-config.".into(),
            vec![sh(crate::parse::sshd_service::install_command(host_unit))],
        ));
        return o.evidence("config", path);
    }
    Outcome::new(Status::Warn, format!("Could not read the sshd configuration: {error}. Run as root, or pass a readable copy with --sshd-config.")).evidence("config", path)
}

/// The judgment as an outcome, with the line to add to the configuration when it fails.
fn judged_outcome(judged: Judged, port: u16, path: &str, unit: &str) -> Outcome {
    let status = match judged.status {
        Status::Pass => return Outcome::pass(judged.summary),
        status => status,
    };
    let mut o = Outcome::new(status, judged.summary);
    o.diagnosis = Some(DIAGNOSIS);
    let hint = common::allow_port_hint();
    o.remedy = Some(if judged.port_missing {
        common::remedy(
            format!(
                "Add `Port {port}` to the global section of {path} (before any Match block; keep `Port 22` too if it is still wanted) and restart sshd, {hint}."
            ),
            vec![sh(format!(
                "sudo sed -i '1i Port {port}' {path} && sudo sshd -t && sudo systemctl restart {unit}"
            ))],
        )
    } else {
        common::remedy(
            format!(
                "Let sshd listen on localhost: add `ListenAddress 127.0.0.1` and `ListenAddress ::1` to the global section of {path} beside the other ListenAddress lines (or remove them all), then restart sshd."
            ),
            vec![sh(format!(
                "sudo sed -i '1i ListenAddress 127.0.0.1\\nListenAddress ::1' {path} && sudo sshd -t && sudo systemctl restart {unit}"
            ))],
        )
    });
    o
}

/// What the configuration says, as evidence beside the judgment.
fn with_config_evidence(
    mut outcome: Outcome,
    cfg: &SshdConfig,
    path: String,
    base: &Path,
) -> Outcome {
    let ports: Vec<String> = cfg
        .ports
        .iter()
        .map(|(p, at)| format!("{p} ({at})"))
        .collect();
    let listen: Vec<String> = cfg
        .listen
        .iter()
        .map(|l| {
            format!(
                "{}{} ({})",
                l.host,
                l.port.map(|p| format!(":{p}")).unwrap_or_default(),
                l.at
            )
        })
        .collect();
    let or_default = |v: Vec<String>, d: &str| {
        if v.is_empty() {
            d.to_string()
        } else {
            v.join(", ")
        }
    };
    outcome = outcome
        .evidence("config", path)
        .evidence("files read", cfg.files.join(", "))
        .evidence("Port", or_default(ports, "none (default 22)"))
        .evidence("ListenAddress", or_default(listen, "none (all addresses)"))
        .evidence("relative Include base", base.display().to_string());
    if let Some(f) = &cfg.address_family {
        outcome = outcome.evidence("AddressFamily", f.clone());
    }
    if !cfg.problems.is_empty() || !cfg.notes.is_empty() {
        let all: Vec<String> = cfg.problems.iter().chain(&cfg.notes).cloned().collect();
        outcome = outcome.evidence("notes", all.join("; "));
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(ports: &[u16], listen: &[&str]) -> SshdConfig {
        let at = sshd_config::At {
            file: "f".into(),
            line: 1,
        };
        SshdConfig {
            ports: ports.iter().map(|p| (*p, at.clone())).collect(),
            listen: listen
                .iter()
                .map(|l| {
                    let (host, port) = sshd_config::split_listen(l).unwrap();
                    sshd_config::Listen {
                        host,
                        port,
                        at: at.clone(),
                    }
                })
                .collect(),
            ..SshdConfig::default()
        }
    }

    #[test]
    fn judged_against_the_requested_port() {
        assert_eq!(judge(&cfg(&[], &[]), 22).status, Status::Pass);
        let j = judge(&cfg(&[2222], &[]), 22);
        assert_eq!((j.status, j.port_missing), (Status::Fail, true));
        assert!(
            j.summary.contains("port 2222, not on port 22"),
            "{}",
            j.summary
        );
        assert_eq!(judge(&cfg(&[22, 2222], &[]), 2222).status, Status::Pass);
        assert_eq!(
            judge(&cfg(&[22], &["127.0.0.1:2222", "::1"]), 2222).status,
            Status::Warn
        );
    }

    #[test]
    fn listen_address_must_reach_localhost() {
        let j = judge(&cfg(&[22], &["10.0.0.4"]), 22);
        assert_eq!((j.status, j.port_missing), (Status::Fail, false));
        assert!(j.summary.contains("only on 10.0.0.4"));
        assert_eq!(
            judge(&cfg(&[22], &["10.0.0.4", "127.0.0.1"]), 22).status,
            Status::Warn
        );
        assert_eq!(
            judge(&cfg(&[22], &["0.0.0.0", "::"]), 22).status,
            Status::Pass
        );
        assert_eq!(judge(&cfg(&[22], &["localhost"]), 22).status, Status::Pass);
        assert_eq!(loopback_reach("127.0.1.1"), (true, false));
        assert_eq!(loopback_reach("fe80::1"), (false, false));
    }

    #[test]
    fn address_family_limits_the_wildcards() {
        let mut c = cfg(&[22], &[]);
        c.address_family = Some("inet".into());
        assert_eq!(judge(&c, 22).status, Status::Warn);
    }

    #[test]
    fn include_base_is_sshdir_wherever_the_config_is() {
        assert_eq!(
            include_base(Path::new("/tmp/x/sshd_config")),
            PathBuf::from("/etc/ssh")
        );
    }

    #[test]
    fn a_missing_port_fails_with_a_port_line_to_add() {
        let o = judged_outcome(
            judge(&cfg(&[22], &[]), 2222),
            2222,
            "/etc/ssh/sshd_config",
            "ssh",
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DIAGNOSIS));
        assert_eq!(
            o.summary,
            "sshd is configured to listen on port 22, not on port 2222."
        );
        let remedy = o.remedy.expect("a remedy");
        assert_eq!(
            remedy.commands[0].command,
            "sudo sed -i '1i Port 2222' /etc/ssh/sshd_config && sudo sshd -t && sudo systemctl restart ssh"
        );
    }

    #[test]
    fn a_missing_configuration_fails_and_an_unreadable_one_warns() {
        let missing = unreadable("/nope/sshd_config".into(), "cannot read", false, None);
        assert_eq!(missing.status, Status::Fail);
        assert_eq!(missing.diagnosis, Some(DIAGNOSIS));
        assert_eq!(
            missing.summary,
            "/nope/sshd_config does not exist: sshd does not start without its configuration (cannot read)."
        );
        let denied = unreadable("/etc/ssh/sshd_config".into(), "denied", true, None);
        assert_eq!(denied.status, Status::Warn);
        assert_eq!(denied.diagnosis, None);
    }
}
