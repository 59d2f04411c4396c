//! How sshd runs as a service, as data: `systemctl show` output, the unit name each Linux
//! family uses, and the Windows service commands.

/// `systemctl show -p LoadState,ActiveState,SubState,UnitFileState <unit>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitState {
    pub load: String,
    pub active: String,
    pub sub: String,
    pub unit_file: String,
}

pub fn parse_show(text: &str) -> UnitState {
    let mut s = UnitState::default();
    for line in text.lines().take(1000) {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim().to_string();
        match k.trim() {
            "LoadState" => s.load = v,
            "ActiveState" => s.active = v,
            "SubState" => s.sub = v,
            "UnitFileState" => s.unit_file = v,
            _ => {}
        }
    }
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No such unit (or masked): look at the other name.
    Absent,
    /// Masked: systemd refuses to start it.
    Masked,
    Running {
        at_boot: bool,
    },
    /// Loaded but not running (inactive, failed, activating for too long).
    Stopped {
        failed: bool,
        at_boot: bool,
    },
}

pub fn judge(s: &UnitState) -> Verdict {
    let at_boot = matches!(
        s.unit_file.as_str(),
        "enabled" | "enabled-runtime" | "static" | "alias" | "indirect" | "generated"
    );
    match s.load.as_str() {
        "masked" => Verdict::Masked,
        "loaded" => match s.active.as_str() {
            "active" | "reloading" => Verdict::Running { at_boot },
            other => Verdict::Stopped {
                failed: other == "failed",
                at_boot,
            },
        },
        _ => Verdict::Absent,
    }
}

/// The systemd unit sshd runs as on a distribution, from `/etc/os-release`
/// (`ID`, then `ID_LIKE`): Debian and Ubuntu `ssh`; RHEL, Fedora, SUSE, Azure Linux and
/// the rest `sshd`. `None` when unknown.
pub fn distro_unit(os_release: &str) -> Option<&'static str> {
    let field = |key: &str| -> String {
        os_release
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
            .unwrap_or_default()
    };
    let ids = format!("{} {}", field("ID"), field("ID_LIKE"));
    for id in ids.split_whitespace() {
        match id {
            "debian" | "ubuntu" | "raspbian" | "linuxmint" => return Some("ssh"),
            "rhel" | "fedora" | "centos" | "rocky" | "almalinux" | "ol" | "amzn" | "suse"
            | "sles" | "opensuse" | "opensuse-leap" | "azurelinux" | "mariner" | "arch" => {
                return Some("sshd");
            }
            _ => {}
        }
    }
    None
}

/// The package holding sshd, for the same families.
pub fn install_command(unit: Option<&str>) -> &'static str {
    match unit {
        Some("ssh") => "sudo apt-get install openssh-server",
        Some(_) => "sudo dnf install openssh-server    # SUSE: sudo zypper install openssh-server",
        None => "sudo apt-get install openssh-server    # or: sudo dnf install openssh-server",
    }
}

/// The Windows OpenSSH server service and the PowerShell that checks and starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsService {
    pub name: &'static str,
    pub status: &'static str,
    pub start: &'static str,
    pub at_boot: &'static str,
    pub install: &'static str,
    pub config: &'static str,
}

pub fn windows_service() -> WindowsService {
    WindowsService {
        name: "sshd",
        status: "Get-Service sshd",
        start: "Start-Service sshd",
        at_boot: "Set-Service sshd -StartupType Automatic",
        install: "Add-WindowsCapability -Online -Name OpenSSH.Server~~~~0.0.1.0",
        config: r"$env:ProgramData\ssh\sshd_config",
    }
}

/// `systemctl show -p LoadState,ActiveState,SubState,UnitFileState` as real systems
/// answer it; shared by the parser's and the check's tests.
#[cfg(test)]
pub(crate) mod samples {
    // Debian 12, openssh-server installed and running.
    pub(crate) const RUNNING: &str =
        "LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n";
    // After `systemctl disable --now ssh`.
    pub(crate) const STOPPED: &str =
        "LoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=disabled\n";
    // sshd crashed on a bad config.
    pub(crate) const FAILED: &str =
        "LoadState=loaded\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\n";
    // The unit name that does not exist (sshd.service on Ubuntu without the alias).
    pub(crate) const MISSING: &str =
        "LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n";
    pub(crate) const MASKED: &str =
        "LoadState=masked\nActiveState=inactive\nSubState=dead\nUnitFileState=masked\n";
    // Ubuntu 24.04: ssh.service waits for ssh.socket.
    pub(crate) const SOCKET: &str =
        "LoadState=loaded\nActiveState=active\nSubState=listening\nUnitFileState=enabled\n";
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    #[test]
    fn decisions_from_systemctl_show() {
        assert_eq!(
            judge(&parse_show(RUNNING)),
            Verdict::Running { at_boot: true }
        );
        assert_eq!(
            judge(&parse_show(STOPPED)),
            Verdict::Stopped {
                failed: false,
                at_boot: false
            }
        );
        assert_eq!(
            judge(&parse_show(FAILED)),
            Verdict::Stopped {
                failed: true,
                at_boot: true
            }
        );
        assert_eq!(judge(&parse_show(MISSING)), Verdict::Absent);
        assert_eq!(judge(&parse_show(MASKED)), Verdict::Masked);
        assert_eq!(
            judge(&parse_show(SOCKET)),
            Verdict::Running { at_boot: true }
        );
        assert_eq!(judge(&parse_show("")), Verdict::Absent);
        assert_eq!(parse_show(RUNNING).sub, "running");
    }

    #[test]
    fn unit_names_per_distribution() {
        let ubuntu = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n";
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        let rhel = "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n";
        let sles = "NAME=\"SLES\"\nID=\"sles\"\nID_LIKE=\"suse\"\n";
        let alma = "ID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n";
        let azl = "NAME=\"Microsoft Azure Linux\"\nID=azurelinux\n";
        let pop = "ID=pop\nID_LIKE=\"ubuntu debian\"\n";
        assert_eq!(distro_unit(ubuntu), Some("ssh"));
        assert_eq!(distro_unit(debian), Some("ssh"));
        assert_eq!(distro_unit(pop), Some("ssh"));
        assert_eq!(distro_unit(rhel), Some("sshd"));
        assert_eq!(distro_unit(sles), Some("sshd"));
        assert_eq!(distro_unit(alma), Some("sshd"));
        assert_eq!(distro_unit(azl), Some("sshd"));
        assert_eq!(distro_unit("ID=plan9\n"), None);
        assert_eq!(distro_unit(""), None);
        assert!(install_command(Some("ssh")).contains("apt-get"));
    }

    #[test]
    fn windows_rules() {
        let w = windows_service();
        assert_eq!(w.name, "sshd");
        assert_eq!(w.status, "Get-Service sshd");
        assert_eq!(w.start, "Start-Service sshd");
        assert_eq!(w.at_boot, "Set-Service sshd -StartupType Automatic");
        assert!(w.install.contains("OpenSSH.Server"));
    }
}
