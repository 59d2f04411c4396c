//! `client.proxy-binary`: the SSH proxy `az ssh arc` runs from `~/.clientsshproxy` (or
//! `--ssh-proxy-folder`), under the exact name the installed extension expects, and
//! whether this user can execute it.

use std::path::Path;

use semver::Version;

use crate::catalogue::Vars;
use crate::checks::az_extension::{self, AzExtensionFacts};
use crate::checks::proxy_file::{self, ProxyFile};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::platform::{self, Os};
use crate::probe::exec::{self, Examination, Verdict};

pub const ID: &str = "client.proxy-binary";

pub struct ProxyBinary;

impl Check for ProxyBinary {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SSH proxy (Azure CLI)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::ProxyPermissionDenied,
            DiagnosisId::ProxyArchitectureUnsupported,
            DiagnosisId::ProxyFileCorrupt,
        ]
    }
    fn after(&self) -> &'static [&'static str] {
        &[az_extension::ID]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        az_extension::proxy_applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let (outcome, path, not_downloaded) = look(ctx, deps);
        Ok(proxy_file::for_live_probe(outcome, path, not_downloaded))
    }
}

/// The finding, the proxy file judged (when there is one) and whether it is simply not
/// downloaded yet.
fn look(ctx: &Context, deps: &Deps) -> (Outcome, Option<String>, bool) {
    let env = &ctx.env;
    let os = env.os();
    let facts = deps
        .get::<AzExtensionFacts>(az_extension::ID)
        .cloned()
        .unwrap_or_default();
    let folder = ctx
        .request
        .ssh_proxy_folder
        .clone()
        .unwrap_or_else(|| platform::az_default_proxy_folder(os, &env.home));
    let version = facts
        .proxy_version
        .clone()
        .unwrap_or_else(|| platform::AZ_PROXY_VERSION.to_string());
    let machine = platform::python_machine(env.arch(), os);
    let arch = match proxy_arch(facts.version.as_ref(), os, machine) {
        Ok(arch) => arch,
        Err(unsupported) => return (*unsupported, None, false),
    };
    let name = platform::az_proxy_file_name(os, arch, &version);
    let path = platform::join(os, &folder, &[&name]);
    let others = other_proxy_files(
        &folder,
        &format!("sshProxy_{}_{}_", os.go_name(), arch),
        &name,
    );
    let exam = exec::examine(&path, env.platform, &env.mountinfo);
    let writable_from = (exam.verdict == Verdict::Missing).then(|| {
        nearest_existing(Path::new(&folder)).map(|dir| {
            let may_write = writable(&dir);
            (dir, may_write)
        })
    });
    let on_disk = ProxyOnDisk {
        folder,
        version,
        name,
        path,
        others,
        exam,
        writable_from: writable_from.flatten(),
    };
    let not_downloaded = on_disk.exam.verdict == Verdict::Missing;
    let path = on_disk.path.clone();
    (judge(on_disk, os), Some(path), not_downloaded)
}

/// The proxy's architecture in its file name, as the installed extension picks it; the
/// outcome instead when az has no proxy for this machine.
fn proxy_arch(
    extension: Option<&Version>,
    os: Os,
    machine: &'static str,
) -> Result<&'static str, Box<Outcome>> {
    // Extensions before 2.0.3 downloaded from blob storage and knew no arm64.
    let legacy = extension.is_some_and(|v| *v < Version::new(2, 0, 3));
    let arch = if legacy {
        platform::az_proxy_arch_legacy(os, machine)
    } else {
        platform::az_proxy_arch(os, machine)
    };
    arch.map_err(|e| {
        let mut vars = Vars::new();
        vars.insert("platform".into(), format!("{} {machine}", os.go_name()));
        Box::new(
            Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyArchitectureUnsupported,
                format!("az cannot get a proxy for this machine: {e}"),
                &vars,
            )
            .evidence("machine architecture", machine),
        )
    })
}

/// Where the proxy should be, and what is there.
struct ProxyOnDisk {
    folder: String,
    /// The proxy version the extension asks for.
    version: String,
    /// The file name the extension expects.
    name: String,
    path: String,
    /// Other proxy files for this platform in the folder.
    others: Vec<String>,
    exam: Examination,
    /// When the file is missing: the nearest folder that exists on the way to it, and
    /// whether you may write there.
    writable_from: Option<(String, bool)>,
}

fn judge(on_disk: ProxyOnDisk, os: Os) -> Outcome {
    let ProxyOnDisk {
        folder,
        version,
        name,
        path,
        others,
        exam,
        writable_from,
    } = on_disk;
    let mut outcome = if exam.verdict == Verdict::Missing {
        missing(&folder, &path, &version, writable_from)
    } else {
        proxy_file::judge(
            &ProxyFile {
                check_id: ID,
                path: &path,
                folder: &folder,
                os,
                client_adds_exec_bit: false,
                reinstall: &format!(
                    "Delete it; az ssh arc downloads it again: rm {}",
                    crate::catalogue::sh_quote(&path)
                ),
            },
            exam,
        )
    };
    outcome.evidence.insert("proxy folder".into(), folder);
    outcome.evidence.insert("expected file".into(), name);
    if !others.is_empty() {
        outcome.evidence.insert(
            "other proxy versions in the folder".into(),
            others.join(", "),
        );
        outcome.summary.push_str(&format!(
            " Older proxy files lie beside it ({}); az does not use them.",
            others.len()
        ));
    }
    outcome
}

/// Not downloaded yet is normal: az fetches it on first use, if it may write there.
fn missing(
    folder: &str,
    path: &str,
    version: &str,
    writable_from: Option<(String, bool)>,
) -> Outcome {
    match writable_from {
        Some((dir, false)) => {
            let mut vars = Vars::new();
            vars.insert("path".into(), path.to_string());
            let mut outcome = Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyPermissionDenied,
                format!(
                    "{path} is not downloaded yet and az cannot save it: you may not write to {dir}."
                ),
                &vars,
            );
            if let Some(remedy) = outcome.remedy.as_mut() {
                remedy.text = format!(
                    "Let az save the proxy: make {folder} yours, or pass --ssh-proxy-folder with a folder you own."
                );
            }
            outcome
        }
        _ => Outcome::pass(format!(
            "Proxy {version} is not downloaded yet; az ssh arc downloads it to {path} on first use (from mcr.microsoft.com)."
        )),
    }
}

fn nearest_existing(path: &Path) -> Option<String> {
    path.ancestors()
        .find(|p| p.is_dir())
        .map(|p| p.to_string_lossy().into_owned())
}

#[cfg(unix)]
fn writable(dir: &str) -> bool {
    crate::probe::user::kernel_allows(Path::new(dir), libc::W_OK | libc::X_OK).unwrap_or(false)
}

#[cfg(not(unix))]
fn writable(dir: &str) -> bool {
    std::fs::metadata(dir)
        .map(|m| !m.permissions().readonly())
        .unwrap_or(false)
}

fn other_proxy_files(folder: &str, prefix: &str, expected: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && n != expected)
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing_proxy(writable_from: Option<(String, bool)>) -> ProxyOnDisk {
        let path = "/home/ada/.clientsshproxy/sshProxy_linux_amd64_1_3_026973.tar.gz".to_string();
        ProxyOnDisk {
            folder: "/home/ada/.clientsshproxy".into(),
            version: "1.3.026973".into(),
            name: "sshProxy_linux_amd64_1_3_026973.tar.gz".into(),
            path: path.clone(),
            others: vec!["sshProxy_linux_amd64_1_3_017634".into()],
            exam: Examination {
                verdict: Verdict::Missing,
                evidence: Default::default(),
                canonical: None,
                owned_by_user: false,
            },
            writable_from,
        }
    }

    #[test]
    fn not_downloaded_passes_when_az_may_save_it() {
        let o = judge(missing_proxy(Some(("/home/ada".into(), true))), Os::Linux);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.summary,
            "Proxy 1.3.026973 is not downloaded yet; az ssh arc downloads it to /home/ada/.clientsshproxy/sshProxy_linux_amd64_1_3_026973.tar.gz on first use (from mcr.microsoft.com). Older proxy files lie beside it (1); az does not use them."
        );
        assert_eq!(
            o.evidence.get("expected file").map(String::as_str),
            Some("sshProxy_linux_amd64_1_3_026973.tar.gz")
        );
    }

    #[test]
    fn not_downloaded_into_a_folder_you_may_not_write_fails() {
        let o = judge(missing_proxy(Some(("/home".into(), false))), Os::Linux);
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DiagnosisId::ProxyPermissionDenied));
        assert!(
            o.summary.ends_with("is not downloaded yet and az cannot save it: you may not write to /home. Older proxy files lie beside it (1); az does not use them."),
            "{}",
            o.summary
        );
    }
}
