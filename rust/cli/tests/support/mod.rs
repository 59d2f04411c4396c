//! A throwaway machine for end-to-end runs of the binary: its own HOME, its own PATH
//! holding links to the real OpenSSH, and helpers to install what the Azure CLI and
//! Azure PowerShell would have put on disk.

#![allow(dead_code)]

pub mod arm;
pub mod fleet;
pub mod probe;
pub mod sshd;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const AZ_PROXY: &str = "sshProxy_linux_amd64_1_3_026973";
pub const PS_PROXY: &str = "sshProxy_linux_amd64_1.3.022941";

pub struct Machine {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Machine {
    /// A machine with the real ssh and ssh-keygen on PATH.
    pub fn new() -> Machine {
        let m = Machine::bare();
        for tool in ["ssh", "ssh-keygen"] {
            std::os::unix::fs::symlink(which(tool), m.bin.join(tool)).unwrap();
        }
        m
    }

    /// A machine with nothing on PATH.
    pub fn bare() -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let home = root.join("home");
        let bin = root.join("bin");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        // Others must be able to reach the tree when a test runs as another user.
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
        Machine {
            _dir: dir,
            root,
            home,
            bin,
            env: Vec::new(),
        }
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.into(), value.into()));
    }

    /// An executable script on this machine's PATH.
    pub fn script(&self, name: &str, body: &str) {
        let path = self.bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// What `az extension add --name ssh` leaves in ~/.azure/cliextensions.
    pub fn az_extension(&self, version: &str) {
        let ext = self.home.join(".azure/cliextensions/ssh");
        let info = ext.join(format!("ssh-{version}.dist-info"));
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: ssh\nVersion: {version}\n"),
        )
        .unwrap();
        std::fs::create_dir_all(ext.join("azext_ssh")).unwrap();
        std::fs::write(
            ext.join("azext_ssh/constants.py"),
            "CLIENT_PROXY_STORAGE_URL = \"https://sshproxysa.blob.core.windows.net\"\nCLIENT_PROXY_VERSION = \"1.3.026973\"\n",
        )
        .unwrap();
    }

    /// A real program (a copy of /bin/true) where az keeps its proxy.
    pub fn az_proxy(&self, mode: u32) -> PathBuf {
        let folder = self.home.join(".clientsshproxy");
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(AZ_PROXY);
        std::fs::copy("/bin/true", &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    /// A PowerShell module folder `<modules>/<name>/<version>/` with a real-looking
    /// manifest; returns the version folder.
    pub fn ps_module(&self, modules: &Path, name: &str, version: &str) -> PathBuf {
        let folder = modules.join(name).join(version);
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = format!(
            "#\n# Module manifest for module '{name}'\n#\n@{{\n    # Script module or binary module file associated with this manifest.\n    RootModule = ''\n    ModuleVersion = '{version}'\n    CompatiblePSEditions = 'Core', 'Desktop'\n    GUID = '8a3f5b63-0000-4000-8000-000000000000'\n    Author = 'Microsoft Corporation'\n    RequiredModules = @(@{{ModuleName = 'Az.Accounts'; ModuleVersion = '3.0.0'; }})\n    PrivateData = @{{ PSData = @{{ Tags = 'Azure','SSH' }} }}\n}}\n"
        );
        std::fs::write(folder.join(format!("{name}.psd1")), manifest).unwrap();
        folder
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssh-troubleshoot"));
        cmd.args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", &self.bin)
            // client.proxy-download never dials the internet from a test: a closed
            // local port unless the test points it at a server of its own.
            .env("SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET", "127.0.0.1:9")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs with `--output json` and returns the exit code and the parsed report.
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let out = self.run(&all);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                text(&out.stdout),
                text(&out.stderr)
            )
        });
        (out.status.code().unwrap(), report)
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn which(tool: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/local/bin"] {
        let p = Path::new(dir).join(tool);
        if p.exists() {
            return p;
        }
    }
    panic!("{tool} is not installed: tests/run installs openssh-client");
}

pub fn finding<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no finding for {check} in {report:#}"))
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| text(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
