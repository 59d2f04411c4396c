//! `client.az-ssh-extension`: the Azure CLI `ssh` extension that `az ssh arc` comes from,
//! its version, and the proxy version it downloads.

use std::path::Path;

use semver::Version;

use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::{Client, Status};
use crate::platform::{self, Arch};

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
    fn diagnoses(&self) -> &'static [&'static str] {
        &["ssh-extension-missing", "proxy-architecture-unsupported"]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure_cli_applies(ctx)
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let env = &ctx.env;
        let lookup = |k: &str| env.var(k);
        let ext_dir = platform::az_extension_dir(env.os(), &env.home, &lookup);
        let ssh_dir = Path::new(&ext_dir).join("ssh");
        let vars = Vars::new();
        if !ssh_dir.is_dir() {
            return Ok(Outcome::problem(
                Status::Warn,
                "ssh-extension-missing",
                format!("The ssh extension is not installed in {ext_dir}; az offers to install it the first time you run az ssh arc."),
                &vars,
            )
            .evidence("extension folder", ext_dir)
            .with_output(AzExtensionFacts::default()));
        }
        let version_text = installed_version(&ssh_dir);
        let version = version_text
            .as_deref()
            .and_then(|v| Version::parse(v.trim()).ok());
        let proxy_version = proxy_version(&ssh_dir);
        let facts = AzExtensionFacts {
            version: version.clone(),
            proxy_version: proxy_version.clone(),
        };
        let shown = version_text.clone().unwrap_or_else(|| "unknown".into());
        let outcome = match &version {
            None => Outcome::pass(format!(
                "The ssh extension is installed in {} (its version could not be read).",
                ssh_dir.display()
            )),
            Some(v) if *v < MINIMUM => Outcome::problem(
                Status::Fail,
                "ssh-extension-missing",
                format!(
                    "The ssh extension is version {v}; SSH to Arc-enabled servers needs 2.0.0 or later."
                ),
                &vars,
            ),
            Some(v) if *v < ARM64_MINIMUM && env.arch() == Arch::Aarch64 => {
                let mut vars = vars.clone();
                vars.insert("platform".into(), format!("{:?} arm64", env.os()));
                Outcome::problem(
                    Status::Fail,
                    "proxy-architecture-unsupported",
                    format!(
                        "The ssh extension is version {v}, which has no arm64 proxy; 2.0.3 or later has one."
                    ),
                    &vars,
                )
            }
            Some(v) => Outcome::pass(format!("The ssh extension {v} is installed.")),
        };
        let mut outcome = outcome
            .evidence("extension folder", ssh_dir.display().to_string())
            .evidence("version", shown)
            .with_output(facts);
        if let Some(p) = proxy_version {
            outcome = outcome.evidence("proxy version it uses", p);
        }
        Ok(outcome)
    }
}

/// Runs for the Azure CLI client; in standalone mode only when az is present.
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
                    "Azure CLI not found (no az on PATH, no Azure CLI configuration folder)."
                        .into(),
                )
            }
        }
    }
}

/// The version from the wheel's metadata (`ssh-2.0.6.dist-info/METADATA`).
fn installed_version(ssh_dir: &Path) -> Option<String> {
    let entries = std::fs::read_dir(ssh_dir).ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let metadata = if name.ends_with(".dist-info") {
            entry.path().join("METADATA")
        } else if name.ends_with(".egg-info") {
            entry.path().join("PKG-INFO")
        } else {
            continue;
        };
        let text = read_capped(&metadata)?;
        if let Some(v) = text.lines().find_map(|l| l.strip_prefix("Version:")) {
            return Some(v.trim().to_string());
        }
    }
    None
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
