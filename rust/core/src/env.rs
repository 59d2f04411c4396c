//! The local facts checks read: platform, home folder and environment variables.
//!
//! Captured once per run so that a run sees one consistent environment, and so that
//! tests can describe a Windows or macOS machine while running on Linux.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::platform::{Arch, Os, Platform};

#[derive(Debug, Clone)]
pub struct HostEnv {
    pub platform: Platform,
    pub home: String,
    pub vars: BTreeMap<String, String>,
    /// Windows only: a 32-bit process on 64-bit Windows sees `SysNative`, not `System32`.
    pub process_32bit_on_64bit_os: bool,
    /// Where the mount table is read from (Linux).
    pub mountinfo: PathBuf,
}

impl HostEnv {
    /// The environment of this process, or `None` on an unsupported OS.
    pub fn from_process() -> Option<HostEnv> {
        let platform = Platform::current()?;
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = home_dir(platform.os, &vars).unwrap_or_default();
        let process_32bit_on_64bit_os = platform.os == Os::Windows
            && cfg!(target_pointer_width = "32")
            && vars.contains_key("PROCESSOR_ARCHITEW6432");
        Some(HostEnv {
            platform,
            home,
            vars,
            process_32bit_on_64bit_os,
            mountinfo: PathBuf::from("/proc/self/mountinfo"),
        })
    }

    /// [`HostEnv::from_process`] with the request's `environment` over the process's
    /// variables (names compared as the OS does).
    pub fn for_request(request: &crate::model::Request) -> Option<HostEnv> {
        let mut env = HostEnv::from_process()?;
        if request.environment.is_empty() {
            return Some(env);
        }
        for (key, value) in &request.environment {
            if env.platform.os == Os::Windows {
                env.vars.retain(|k, _| !k.eq_ignore_ascii_case(key));
            }
            env.vars.insert(key.clone(), value.clone());
        }
        env.home = home_dir(env.platform.os, &env.vars).unwrap_or_default();
        Some(env)
    }

    pub fn var(&self, key: &str) -> Option<String> {
        if self.platform.os == Os::Windows {
            // Windows environment names are case-insensitive.
            self.vars
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        } else {
            self.vars.get(key).cloned()
        }
        .filter(|v| !v.is_empty())
    }

    pub fn os(&self) -> Os {
        self.platform.os
    }

    pub fn arch(&self) -> Arch {
        self.platform.arch
    }

    pub fn path_var(&self) -> String {
        self.var("PATH").unwrap_or_default()
    }

    /// `program` on PATH, as spawning it by name would find it.
    pub fn find_on_path(&self, program: &str) -> Option<String> {
        crate::platform::resolve_on_path(self.os(), program, &self.path_var(), is_runnable_file)
    }
}

/// What `execvp` would accept while walking PATH: a file with an execute bit.
pub fn is_runnable_file(path: &str) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

fn home_dir(os: Os, vars: &BTreeMap<String, String>) -> Option<String> {
    let key = if os == Os::Windows {
        "USERPROFILE"
    } else {
        "HOME"
    };
    vars.get(key).filter(|v| !v.is_empty()).cloned()
}
