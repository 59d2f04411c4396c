//! What the `server.sshd-*` checks share: this server's sshd unit, the request's port
//! and config path, remedies with this server's own commands, and safe echoing of what
//! a stranger on a port said.

use crate::catalogue;
use crate::checks::server_allowed_port::{self, PortChoice};
use crate::checks::{Context, Deps};
use crate::model::DiagnosisId;
use crate::model::{Remedy, Shell, ShellCommand};
use crate::parse::sshd_service;

pub const DIAGNOSIS: DiagnosisId = DiagnosisId::SshTrafficNotAllowed;
pub const DEFAULT_CONFIG: &str = "/etc/ssh/sshd_config";

/// The port to judge: `--port`, else what Azure allows, else 22.
pub fn port(ctx: &Context, deps: &Deps) -> PortChoice {
    server_allowed_port::chosen(ctx, deps)
}

pub fn config_path(ctx: &Context) -> String {
    ctx.request
        .sshd_config
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| DEFAULT_CONFIG.to_string())
}

/// The unit sshd runs as on this distribution, from os-release; `None` if unknown.
pub fn host_unit() -> Option<&'static str> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| sshd_service::distro_unit(&t))
}

/// `ssh`, `sshd`, or both spelled out when the distribution is unknown.
pub fn unit_name(unit: Option<&str>) -> String {
    unit.map_or_else(
        || "ssh    # sshd on RHEL-like and SUSE systems".into(),
        String::from,
    )
}

pub fn sh(command: impl Into<String>) -> ShellCommand {
    ShellCommand {
        shell: Shell::Sh,
        command: command.into(),
    }
}

/// A remedy for `ssh-traffic-not-allowed` worded for this server.
pub fn remedy(text: String, commands: Vec<ShellCommand>) -> Remedy {
    Remedy {
        text,
        commands,
        docs: catalogue::entry(DIAGNOSIS).docs.to_string(),
    }
}

/// The client-side half of every port remedy: allow sshd's port instead.
pub fn allow_port_hint() -> &'static str {
    "or allow sshd's port in the SSH service configuration (`az ssh arc --port <sshd port>`)"
}

/// Printable ASCII only, control bytes as `\xNN`, at most `max` characters.
pub fn sanitise(bytes: &[u8], max: usize) -> String {
    let mut out = String::new();
    for &b in bytes {
        let piece = match b {
            b'\r' => continue,
            b'\n' => "\\n".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        };
        if out.len() + piece.len() > max {
            out.push('…');
            break;
        }
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_escapes_and_truncates() {
        assert_eq!(
            sanitise(b"HTTP/1.1 400\r\n\x1b[31m", 100),
            "HTTP/1.1 400\\n\\x1b[31m"
        );
        assert_eq!(sanitise(b"abcdef", 3), "abc…");
        assert_eq!(sanitise("é".as_bytes(), 100), "\\xc3\\xa9");
    }
}
