//! `client.ps-proxy-binary`: the `sshProxy_<os>_<arch>_<version>` file inside the
//! Az.Ssh.ArcProxy module Az.Ssh would use, and whether this user can execute it.

use crate::catalogue::Vars;
use crate::checks::proxy_file::{self, ProxyFile};
use crate::checks::ps_modules::{self, ArcProxyChoice};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;
use crate::platform::{self, Arch, Os};
use crate::probe::exec;

pub const ID: &str = "client.ps-proxy-binary";

/// The builds Az.Ssh.ArcProxy 1.0.0 ships (no arm64, no 32-bit macOS).
const SHIPPED: &[(&str, &str)] = &[
    ("darwin", "amd64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("windows", "386"),
    ("windows", "amd64"),
];

pub struct PsProxyBinary;

impl Check for PsProxyBinary {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "SSH proxy (Az.Ssh.ArcProxy)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::ProxyPermissionDenied,
            DiagnosisId::ProxyArchitectureUnsupported,
            DiagnosisId::ArcproxyNotInstalled,
            DiagnosisId::ProxyFileCorrupt,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[ps_modules::ID]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        ps_modules::powershell_applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let (outcome, path) = look(ctx, deps);
        Ok(proxy_file::for_live_probe(outcome, path, false))
    }
}

/// The finding, and the proxy file judged when there is one.
fn look(ctx: &Context, deps: &Deps) -> (Outcome, Option<String>) {
    let Some(choice) = deps.get::<ArcProxyChoice>(ps_modules::ID) else {
        return (
            Outcome::skip("No usable Az.Ssh.ArcProxy module to look into."),
            None,
        );
    };
    let env = &ctx.env;
    let os = env.os();
    // Az.Ssh picks the file by its own process bitness; there is no arm64 build.
    let arch = platform::ps_proxy_arch(!matches!(env.arch(), Arch::X86 | Arch::Arm));
    let prefix = platform::ps_proxy_file_prefix(os, arch);
    let files = matching_files(&choice.folder, &prefix);
    let mut vars = Vars::new();
    vars.insert("modulePath".into(), choice.folder.clone());
    vars.insert("platform".into(), format!("{} {arch}", os.go_name()));

    let path = match files.as_slice() {
        [one] => platform::join(os, &choice.folder, &[one]),
        [] if !SHIPPED.contains(&(os.go_name(), arch)) => {
            return (
                Outcome::problem(
                    Status::Fail,
                    DiagnosisId::ProxyArchitectureUnsupported,
                    format!("Az.Ssh.ArcProxy has no proxy for {} {arch}.", os.go_name()),
                    &vars,
                ),
                None,
            );
        }
        [] => {
            return (
                Outcome::problem(
                    Status::Fail,
                    DiagnosisId::ArcproxyNotInstalled,
                    format!(
                        "Couldn't find the sshProxy file for {} OS and {arch} architecture in {}.",
                        os.go_name(),
                        choice.folder
                    ),
                    &vars,
                ),
                None,
            );
        }
        many => {
            return (
                Outcome::problem(
                    Status::Fail,
                    DiagnosisId::ArcproxyNotInstalled,
                    format!(
                        "There is more than one sshProxy file for {} {arch} in {} ({}): the module was modified; reinstall it.",
                        os.go_name(),
                        choice.folder,
                        many.join(", ")
                    ),
                    &vars,
                ),
                None,
            );
        }
    };
    let exam = exec::examine(&path, env.platform, &env.mountinfo);
    let mut outcome = proxy_file::judge(
        &ProxyFile {
            check_id: ID,
            path: &path,
            folder: &choice.folder,
            os,
            client_adds_exec_bit: os == Os::Linux,
            reinstall: "Reinstall the module: Install-Module Az.Ssh.ArcProxy -MaximumVersion 1.9.9 -Force",
        },
        exam,
    );
    outcome
        .evidence
        .insert("module folder".into(), choice.folder.clone());
    (outcome, Some(path))
}

fn matching_files(folder: &str, prefix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}
