//! `client.az-ssh-extension`: the Azure CLI `ssh` extension that `az ssh arc` comes from,
//! its version, and the proxy version it downloads.

use std::path::Path;

use semver::Version;

use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Client, Status};
use crate::platform::{self, Arch, Os};

pub const ID: &str = "client.az-ssh-extension";

pub struct AzSshExtension;

#[derive(Debug, Clone, Default)]
pub struct AzExtensionFacts {
    pub version: Option<Version>,
    /// `CLIENT_PROXY_VERSION` of the installed extension.
    pub proxy_version: Option<String>,
}

/// 2.0.0 moved to the GA HybridConnectivity API; older versions speak the preview one.
const MINIMUM: Version = Version::new(2, 0, 0);
/// 2.0.3 brought the arm64 proxy (downloaded from the container registry).
const ARM64_MINIMUM: Version = Version::new(2, 0, 3);
const MAX_FILE: u64 = 1024 * 1024;

impl Check for AzSshExtension {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Azure CLI ssh extension"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::SshExtensionMissing,
            DiagnosisId::SshExtensionBroken,
            DiagnosisId::ProxyArchitectureUnsupported,
        ]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        applies_here(ctx)
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let env = &ctx.env;
        let lookup = |k: &str| env.var(k);
        let ext_dir = platform::az_extension_dir(env.os(), &env.home, &lookup);
        let ssh_dir = Path::new(&ext_dir).join("ssh");
        if !ssh_dir.is_dir() {
            return Ok(not_installed(ext_dir));
        }
        let installed = Installed {
            folder: ssh_dir.display().to_string(),
            metadata: installed_metadata(&ssh_dir),
            proxy_version: proxy_version(&ssh_dir),
            distributions: installed_distributions(&ssh_dir),
        };
        Ok(judge(installed, env.os(), env.arch()))
    }
}

fn not_installed(ext_dir: String) -> Outcome {
    Outcome::problem(
        Status::Warn,
        DiagnosisId::SshExtensionMissing,
        format!("The ssh extension is not installed in {ext_dir}; az offers to install it the first time you run az ssh arc."),
        &Vars::new(),
    )
    .evidence("extension folder", ext_dir)
    .with_output(AzExtensionFacts::default())
}

/// What the extension's folder holds.
struct Installed {
    folder: String,
    metadata: Option<Metadata>,
    /// `CLIENT_PROXY_VERSION` in its constants.
    proxy_version: Option<String>,
    /// Normalised names of every distribution with metadata in the folder.
    distributions: Vec<String>,
}

fn judge(installed: Installed, os: Os, arch: Arch) -> Outcome {
    let Installed {
        folder,
        metadata,
        proxy_version,
        distributions,
    } = installed;
    let vars = Vars::new();
    let version_text = metadata.as_ref().map(|m| m.version.clone());
    let version = version_text
        .as_deref()
        .and_then(|v| Version::parse(v.trim()).ok());
    let facts = AzExtensionFacts {
        version: version.clone(),
        proxy_version: proxy_version.clone(),
    };
    let shown = version_text.clone().unwrap_or_else(|| "unknown".into());
    let outcome = match &version {
        None => Outcome::pass(format!(
            "The ssh extension is installed in {folder} (its version could not be read)."
        )),
        Some(v) if *v < MINIMUM => Outcome::problem(
            Status::Fail,
            DiagnosisId::SshExtensionMissing,
            format!(
                "The ssh extension is version {v}; SSH to Arc-enabled servers needs 2.0.0 or later."
            ),
            &vars,
        ),
        Some(v) if *v < ARM64_MINIMUM && arch == Arch::Aarch64 => {
            let mut vars = vars.clone();
            vars.insert("platform".into(), format!("{os:?} arm64"));
            Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyArchitectureUnsupported,
                format!(
                    "The ssh extension is version {v}, which has no arm64 proxy; 2.0.3 or later has one."
                ),
                &vars,
            )
        }
        Some(v) => {
            let requires = metadata.map(|m| m.requires).unwrap_or_default();
            judge_dependencies(v, &folder, &missing_dependencies(&distributions, &requires))
        }
    };
    let mut outcome = outcome
        .evidence("extension folder", folder)
        .evidence("version", shown)
        .with_output(facts);
    if let Some(p) = proxy_version {
        outcome = outcome.evidence("proxy version it uses", p);
    }
    outcome
}

/// A supported extension works when every dependency it needs is installed beside it.
fn judge_dependencies(version: &Version, folder: &str, missing: &[String]) -> Outcome {
    if missing.is_empty() {
        return Outcome::pass(format!("The ssh extension {version} is installed."));
    }
    Outcome::problem(
        Status::Fail,
        DiagnosisId::SshExtensionBroken,
        format!(
            "The ssh extension {version} needs {}, which is not installed beside it in {folder}; it fails as soon as az loads it.",
            missing.join(", ")
        ),
        &Vars::new(),
    )
    .evidence("missing dependencies", missing.join(", "))
}

/// Runs for the Azure CLI client; in standalone mode when az is present, or when an ssh
/// extension sits beside a proxy az downloaded (az run with sudo, from a venv or /opt).
fn applies_here(ctx: &Context) -> Applicability {
    match azure_cli_applies(ctx) {
        Applicability::Skip(reason) => {
            let env = &ctx.env;
            let lookup = |k: &str| env.var(k);
            let ext_dir = platform::az_extension_dir(env.os(), &env.home, &lookup);
            if proxy_downloaded(ctx) && Path::new(&ext_dir).join("ssh").is_dir() {
                Applicability::Run
            } else {
                Applicability::Skip(reason)
            }
        }
        other => other,
    }
}

/// Runs for the Azure CLI client; in standalone mode only when az is in use here: on
/// PATH, its configuration folder, or `--ssh-proxy-folder`.
pub fn azure_cli_applies(ctx: &Context) -> Applicability {
    match ctx.request.client {
        Client::AzureCli => Applicability::Run,
        Client::Powershell => Applicability::NotListed,
        Client::Standalone => {
            let env = &ctx.env;
            let az = if env.os() == platform::Os::Windows {
                "az.cmd"
            } else {
                "az"
            };
            let on_path = platform::resolve_on_path(env.os(), az, &env.path_var(), |p| {
                Path::new(p).is_file()
            })
            .is_some();
            let lookup = |k: &str| env.var(k);
            let has_config =
                Path::new(&platform::az_config_dir(env.os(), &env.home, &lookup)).is_dir();
            if on_path || has_config || ctx.request.ssh_proxy_folder.is_some() {
                Applicability::Run
            } else {
                Applicability::Skip(
                    "Azure CLI not found (no az on PATH, no Azure CLI configuration folder, no proxy in ~/.clientsshproxy)."
                        .into(),
                )
            }
        }
    }
}

/// The proxy check also runs when az left a proxy in its default folder: az is used on
/// this machine even when it is not on PATH (sudo, a venv, `/opt/az`).
pub fn proxy_applies(ctx: &Context) -> Applicability {
    match azure_cli_applies(ctx) {
        Applicability::Skip(_) if proxy_downloaded(ctx) => Applicability::Run,
        other => other,
    }
}

/// Whether `~/.clientsshproxy` holds a file named like az's proxy (`sshProxy_*`).
fn proxy_downloaded(ctx: &Context) -> bool {
    let env = &ctx.env;
    let folder = platform::az_default_proxy_folder(env.os(), &env.home);
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("sshProxy_"))
    })
}

/// What the `ssh` distribution's own metadata says (`ssh-2.0.6.dist-info/METADATA`, or an
/// egg-info `PKG-INFO`). pip installs the extension's dependencies (oschmod, oras,
/// requests...) into the same folder, each with its own metadata, so the `Name:` field
/// decides, not the first metadata file found.
fn installed_metadata(ssh_dir: &Path) -> Option<Metadata> {
    let entries = std::fs::read_dir(ssh_dir).ok()?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The folder named for the distribution first; the others only in case it was renamed.
    names.sort_by_key(|n| !n.to_ascii_lowercase().starts_with("ssh-"));
    names.iter().find_map(|name| {
        let metadata = if name.ends_with(".dist-info") {
            ssh_dir.join(name).join("METADATA")
        } else if name.ends_with(".egg-info") {
            ssh_dir.join(name).join("PKG-INFO")
        } else {
            return None;
        };
        metadata_of(&read_capped(&metadata)?, "ssh")
    })
}

#[derive(Debug, Default, PartialEq)]
struct Metadata {
    version: String,
    /// Normalised names of the unconditional `Requires-Dist:` entries.
    requires: Vec<String>,
}

/// PEP 503 normalisation: case, `-`, `_` and `.` alike.
fn normal_name(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

/// The core-metadata document's version and dependencies when its `Name:` is `dist`.
fn metadata_of(text: &str, dist: &str) -> Option<Metadata> {
    // Headers end at the first blank line; the description after it may say anything.
    let (mut name, mut version, mut requires) = (None, None, Vec::new());
    for line in text.lines().take_while(|l| !l.trim().is_empty()) {
        if let Some(v) = line.strip_prefix("Name:") {
            name.get_or_insert_with(|| normal_name(v));
        } else if let Some(v) = line.strip_prefix("Version:") {
            version.get_or_insert_with(|| v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("Requires-Dist:") {
            // A dependency with an environment marker may not apply here: not judged.
            let v = v.trim();
            if !v.contains(';') {
                let end = v
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                    .unwrap_or(v.len());
                if end > 0 {
                    requires.push(normal_name(&v[..end]));
                }
            }
        }
    }
    if name.as_deref() != Some(dist) {
        return None;
    }
    Some(Metadata {
        version: version?,
        requires,
    })
}

/// The distributions with a metadata folder beside the extension: pip installs every
/// dependency into the extension's own folder.
fn installed_distributions(ssh_dir: &Path) -> Vec<String> {
    std::fs::read_dir(ssh_dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".dist-info") || n.ends_with(".egg-info"))
                .map(|n| normal_name(n.split('-').next().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// The required distributions that are not installed.
fn missing_dependencies(installed: &[String], requires: &[String]) -> Vec<String> {
    requires
        .iter()
        .filter(|r| !installed.contains(r))
        .cloned()
        .collect()
}

/// `CLIENT_PROXY_VERSION = "1.3.026973"` in the extension's constants.
fn proxy_version(ssh_dir: &Path) -> Option<String> {
    let text = read_capped(&ssh_dir.join("azext_ssh").join("constants.py"))?;
    text.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("CLIENT_PROXY_VERSION")?
            .trim_start()
            .strip_prefix('=')?;
        let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        (!value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .then(|| value.to_string())
    })
}

fn read_capped(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
#[path = "az_extension_tests.rs"]
mod tests;
