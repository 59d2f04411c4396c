//! How a proxy file's examination becomes a finding. Shared by the Azure CLI proxy
//! check and the Az.Ssh.ArcProxy one, which differ only in where the file lives and in
//! what the client does on its own (Az.Ssh runs `chmod +x` on Linux).

use crate::catalogue::{Vars, sh_quote};
use crate::checks::{FixAction, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Shell, ShellCommand, Status};
use crate::platform::Os;
use crate::probe::exec::{Examination, Verdict};

pub struct ProxyFile<'a> {
    pub check_id: &'static str,
    pub path: &'a str,
    /// The folder the client keeps the proxy in; fixes never reach outside it.
    pub folder: &'a str,
    pub os: Os,
    /// Az.Ssh on Linux adds the execute bit itself before each connection.
    pub client_adds_exec_bit: bool,
    /// What the user is told to do to get a fresh copy.
    pub reinstall: &'a str,
}

/// What a proxy check hands the live probe (`azure.live-probe`): the file the client
/// would run, or the problem that keeps it from starting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyToRun {
    /// Absent when the check found no file to run.
    pub path: Option<String>,
    /// The diagnosis and summary when the check failed.
    pub problem: Option<(DiagnosisId, String)>,
    /// The client downloads it on first use (az); not there yet.
    pub not_downloaded: bool,
}

/// `outcome` carrying what the live probe needs to know about the proxy file.
pub fn for_live_probe(outcome: Outcome, path: Option<String>, not_downloaded: bool) -> Outcome {
    let problem = match (outcome.status, outcome.diagnosis) {
        (Status::Fail, Some(d)) => Some((d, outcome.summary.clone())),
        _ => None,
    };
    outcome.with_output(ProxyToRun {
        path,
        problem,
        not_downloaded,
    })
}

pub fn judge(proxy: &ProxyFile<'_>, exam: Examination) -> Outcome {
    let path = proxy.path;
    let mut vars = Vars::new();
    vars.insert("path".into(), path.to_string());
    let with_evidence = |mut outcome: Outcome| {
        outcome.evidence.extend(exam.evidence.clone());
        outcome
    };
    let corrupt = |why: String| {
        let mut outcome = Outcome::problem(
            Status::Fail,
            DiagnosisId::ProxyFileCorrupt,
            format!("{path} {why}."),
            &vars,
        );
        if let Some(remedy) = outcome.remedy.as_mut() {
            remedy.text = format!("{} {}", remedy.text, proxy.reinstall);
        }
        with_evidence(outcome)
    };
    match &exam.verdict {
        Verdict::Runs { note } => with_evidence(Outcome::pass(match note {
            Some(note) => format!("{path} is executable by you ({note})."),
            None => format!("{path} is executable by you."),
        })),
        Verdict::Missing => unreachable_missing(path),
        Verdict::BrokenSymlink { target } => corrupt(format!("is a symbolic link to {target}, which does not exist")),
        Verdict::NotAFile => corrupt("is not a regular file".into()),
        Verdict::Empty => corrupt("is empty (an interrupted download?)".into()),
        Verdict::Truncated(detail) => corrupt(format!("is cut short ({detail}); an interrupted download?")),
        Verdict::NotAnExecutable(detail) => corrupt(format!("is {detail}")),
        Verdict::WrongPlatform(detail) => {
            let mut vars = vars.clone();
            vars.insert("platform".into(), format!("{:?}", proxy.os));
            with_evidence(Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyArchitectureUnsupported,
                format!("{path} cannot run on this machine: {detail}."),
                &vars,
            ))
        }
        Verdict::Unreadable(e) => with_evidence(Outcome::problem(
            Status::Fail,
            DiagnosisId::ProxyPermissionDenied,
            format!("{path} cannot be looked at by you: {e}."),
            &vars,
        )),
        Verdict::NoexecMount { mount_point } => {
            let mut outcome = Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyPermissionDenied,
                format!("{path} is on {mount_point}, which is mounted noexec: nothing there may run."),
                &vars,
            );
            if let Some(remedy) = outcome.remedy.as_mut() {
                remedy.text = format!(
                    "Keep the proxy on a file system that allows execution: with az, pass --ssh-proxy-folder pointing to a folder outside {mount_point}; or remount {mount_point} without noexec."
                );
                remedy.commands = vec![ShellCommand {
                    shell: Shell::Az,
                    command: "az ssh arc -g <resource-group> -n <machine> --ssh-proxy-folder ~/.local/share/clientsshproxy".into(),
                }];
            }
            with_evidence(outcome)
        }
        Verdict::KernelDenied => with_evidence(Outcome::problem(
            Status::Fail,
            DiagnosisId::ProxyPermissionDenied,
            format!("{path} has execute permission in its mode bits, but the system still refuses you (an ACL, SELinux or AppArmor)."),
            &vars,
        ))
        .evidence("hint", format!("getfacl {0}; ls -Z {0}", sh_quote(path))),
        Verdict::ModeDenied { mode } => mode_denied(proxy, &exam, *mode, vars),
    }
}

fn mode_denied(proxy: &ProxyFile<'_>, exam: &Examination, mode: u32, vars: Vars) -> Outcome {
    let path = proxy.path;
    if proxy.client_adds_exec_bit && exam.owned_by_user {
        return Outcome::pass(format!(
            "{path} is not executable yet (mode {mode:04o}); Enter-AzVM adds the execute bit itself, which works because you own it."
        ))
        .evidence("mode", format!("{mode:04o}"));
    }
    let mut outcome = Outcome::problem(
        Status::Fail,
        DiagnosisId::ProxyPermissionDenied,
        format!("{path} is not executable by you (mode {mode:04o})."),
        &vars,
    );
    outcome.evidence.extend(exam.evidence.clone());
    if !exam.owned_by_user {
        if let Some(remedy) = outcome.remedy.as_mut() {
            remedy.text = format!(
                "{path} belongs to another user, so you cannot change it yourself; ask an administrator to make it executable for everyone{}.",
                if proxy.client_adds_exec_bit {
                    " (Enter-AzVM's own chmod +x fails for the same reason)"
                } else {
                    ""
                }
            );
            remedy.commands = vec![ShellCommand {
                shell: Shell::Sh,
                command: format!("sudo chmod a+x {}", sh_quote(path)),
            }];
        }
        return outcome;
    }
    if inside_folder(exam.canonical.as_deref(), proxy.folder) {
        outcome = outcome.with_fix(
            format!("{}:chmod-u+x", proxy.check_id),
            format!("Add owner-execute to {path} (chmod u+x)."),
            FixAction::OwnerExecute {
                path: path.to_string(),
                folder: proxy.folder.to_string(),
            },
        );
    }
    outcome
}

/// The file resolves to a direct child of the proxy folder (after following links).
pub fn inside_folder(canonical: Option<&str>, folder: &str) -> bool {
    let (Some(file), Ok(folder)) = (canonical, std::fs::canonicalize(folder)) else {
        return false;
    };
    std::path::Path::new(file).parent() == Some(folder.as_path())
}

fn unreachable_missing(path: &str) -> Outcome {
    // Callers handle a missing file themselves (what it means differs per client);
    // reaching this is a bug in the caller, reported rather than panicking.
    Outcome::new(
        Status::Error,
        format!("{path} was not found (internal: the caller should have handled this)."),
    )
}
