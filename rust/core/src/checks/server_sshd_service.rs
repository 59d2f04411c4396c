//! `server.sshd-service`: is the OpenSSH server unit running (and started at boot) where
//! systemd manages services? Reads `systemctl show`; other service managers are skipped.

use std::path::Path;
use std::time::Duration;

use crate::cancel::Cancel;
use crate::checks::server_sshd_common::{self as common, DIAGNOSIS, sh};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::parse::sshd_service::{self, UnitState, Verdict};
use crate::platform::Os;
use crate::probe::process;

pub const ID: &str = "server.sshd-service";
const SYSTEMD_RUNTIME: &str = "/run/systemd/system";
const SHOW_TIMEOUT: Duration = Duration::from_secs(3);

pub struct SshdService;

/// The units to ask about, this distribution's first.
pub fn candidates(distro: Option<&str>) -> [&'static str; 2] {
    match distro {
        Some("sshd") => ["sshd", "ssh"],
        _ => ["ssh", "sshd"],
    }
}

fn show(unit: &str, cancel: &Cancel) -> Result<UnitState, String> {
    let ran = process::run_until(
        "systemctl",
        &[
            "show",
            "-p",
            "LoadState,ActiveState,SubState,UnitFileState",
            unit,
        ],
        SHOW_TIMEOUT,
        cancel,
    )
    .map_err(|e| format!("systemctl {e}"))?;
    Ok(sshd_service::parse_show(&ran.stdout))
}

/// The outcome from what systemd said about each unit (service units, then `ssh.socket`
/// for socket activation as on Ubuntu 24.04).
pub fn decide(
    services: &[(&str, UnitState)],
    socket: Option<&UnitState>,
) -> (Status, String, Option<String>) {
    let socket_up =
        socket.is_some_and(|s| matches!(sshd_service::judge(s), Verdict::Running { .. }));
    let found = services
        .iter()
        .find(|(_, s)| sshd_service::judge(s) != Verdict::Absent);
    let Some((unit, state)) = found else {
        if socket_up {
            return (
                Status::Pass,
                "sshd is started on demand by ssh.socket.".into(),
                None,
            );
        }
        let names: Vec<String> = services
            .iter()
            .map(|(u, _)| format!("{u}.service"))
            .collect();
        return (
            Status::Fail,
            format!(
                "Neither {} exists: the OpenSSH server is not installed.",
                names.join(" nor ")
            ),
            None,
        );
    };
    let unit = unit.to_string();
    match sshd_service::judge(state) {
        Verdict::Running { at_boot: true } => (
            Status::Pass,
            format!("{unit}.service is {} ({}).", state.active, state.sub),
            Some(unit),
        ),
        Verdict::Running { at_boot: false } => (
            Status::Warn,
            format!(
                "{unit}.service runs but is {} and will not start at the next boot.",
                state.unit_file
            ),
            Some(unit),
        ),
        _ if socket_up => (
            Status::Pass,
            format!(
                "{unit}.service is {}; ssh.socket starts it on demand.",
                state.active
            ),
            Some(unit),
        ),
        Verdict::Masked => (
            Status::Fail,
            format!("{unit}.service is masked: systemd will not start it."),
            Some(unit),
        ),
        Verdict::Stopped { failed, .. } => (
            Status::Fail,
            format!(
                "{unit}.service is {} ({}){}.",
                state.active,
                state.sub,
                if failed {
                    ": sshd exited with an error"
                } else {
                    ": sshd is not running"
                }
            ),
            Some(unit),
        ),
        Verdict::Absent => (
            Status::Fail,
            format!("{unit}.service does not exist."),
            None,
        ),
    }
}

impl Check for SshdService {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "sshd service"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
    }
    fn timeout(&self) -> Duration {
        SHOW_TIMEOUT * 3 + Duration::from_secs(1)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        match ctx.env.os() {
            Os::Linux if Path::new(SYSTEMD_RUNTIME).is_dir() => Applicability::Run,
            Os::Linux => Applicability::Skip(format!(
                "systemd does not manage services here ({SYSTEMD_RUNTIME} is missing); see whether sshd runs with `pgrep -a sshd`."
            )),
            Os::Windows => {
                let w = sshd_service::windows_service();
                Applicability::Skip(format!(
                    "Windows service checks are not run yet; check with `{}`, start with `{}; {}`.",
                    w.status, w.start, w.at_boot
                ))
            }
            Os::Macos => Applicability::Skip("not an Arc-enabled server platform".into()),
        }
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let distro = common::host_unit();
        let mut services = Vec::new();
        for unit in candidates(distro) {
            services.push((unit, show(&format!("{unit}.service"), &ctx.cancel)?));
        }
        let socket = show("ssh.socket", &ctx.cancel).ok();
        let (status, summary, unit) = decide(&services, socket.as_ref());
        let mut outcome = Outcome::new(status, summary);
        if status != Status::Pass {
            outcome.diagnosis = Some(DIAGNOSIS);
            let name = unit.clone().unwrap_or_else(|| common::unit_name(distro));
            let commands = match &unit {
                None => vec![
                    sh(sshd_service::install_command(distro)),
                    sh(format!("sudo systemctl enable --now {name}")),
                ],
                Some(u) if services.iter().any(|(n, s)| n == u && s.load == "masked") => {
                    vec![sh(format!(
                        "sudo systemctl unmask {u} && sudo systemctl enable --now {u}"
                    ))]
                }
                Some(u) => vec![
                    sh(format!("sudo systemctl enable --now {u}")),
                    sh(format!(
                        "sudo systemctl status {u} --no-pager; sudo sshd -t"
                    )),
                ],
            };
            outcome.remedy = Some(common::remedy(
                format!(
                    "Start sshd and have it start at boot (unit {name}); if it stops again, `sshd -t` shows what in its configuration it refuses."
                ),
                commands,
            ));
        }
        for (unit, s) in &services {
            outcome = outcome.evidence(
                format!("{unit}.service"),
                format!(
                    "LoadState={} ActiveState={} SubState={} UnitFileState={}",
                    s.load, s.active, s.sub, s.unit_file
                ),
            );
        }
        if let Some(s) = socket.filter(|s| s.load == "loaded") {
            outcome = outcome.evidence(
                "ssh.socket",
                format!("ActiveState={} UnitFileState={}", s.active, s.unit_file),
            );
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::sshd_service::samples::{MISSING, RUNNING, SOCKET, STOPPED};
    use sshd_service::parse_show;

    #[test]
    fn decisions() {
        let d = |a: &str, b: &str, sock: Option<&str>| {
            let sock = sock.map(parse_show);
            decide(
                &[("ssh", parse_show(a)), ("sshd", parse_show(b))],
                sock.as_ref(),
            )
        };
        assert_eq!(d(RUNNING, MISSING, None).0, Status::Pass);
        let (status, summary, unit) = d(STOPPED, MISSING, None);
        assert_eq!((status, unit.as_deref()), (Status::Fail, Some("ssh")));
        assert!(summary.contains("inactive"), "{summary}");
        assert_eq!(d(MISSING, STOPPED, None).2.as_deref(), Some("sshd"));
        assert_eq!(d(STOPPED, MISSING, Some(SOCKET)).0, Status::Pass);
        assert_eq!(d(MISSING, MISSING, None).0, Status::Fail);
        assert!(d(MISSING, MISSING, None).1.contains("not installed"));
        let enabled_off = RUNNING.replace("=enabled", "=disabled");
        assert_eq!(d(&enabled_off, MISSING, None).0, Status::Warn);
    }

    #[test]
    fn distro_unit_is_asked_first() {
        assert_eq!(candidates(Some("sshd")), ["sshd", "ssh"]);
        assert_eq!(candidates(None), ["ssh", "sshd"]);
    }
}
