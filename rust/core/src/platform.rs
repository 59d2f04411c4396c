//! Platform facts the two clients act on, as pure functions.
//!
//! Every rule takes the OS, the architecture and the environment as arguments, so the
//! Windows, macOS and Linux behaviour of `az ssh arc` and `Enter-AzVM` can be checked
//! (and unit-tested) from any machine. The only function that asks the running system
//! anything is [`Platform::current`].

use serde::{Deserialize, Serialize};

/// The operating systems both clients support; anything else cannot use SSH to Arc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Macos,
    Linux,
}

/// CPU families, because proxy builds and executables exist per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "x86")]
    X86,
    #[serde(rename = "aarch64")]
    Aarch64,
    #[serde(rename = "arm")]
    Arm,
    #[serde(rename = "other")]
    Other,
}

/// The OS and architecture a check reasons about (normally this process's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Platform {
    pub os: Os,
    pub arch: Arch,
}

impl Platform {
    /// The platform this binary was built for; `None` where neither client runs.
    ///
    /// This is the architecture of the *process*, which is what Az.Ssh keys on
    /// (`Environment.Is64BitProcess`); a 32-bit build on a 64-bit OS reports `X86`.
    pub fn current() -> Option<Platform> {
        let os = Os::from_target_os(std::env::consts::OS)?;
        Some(Platform {
            os,
            arch: Arch::from_target_arch(std::env::consts::ARCH),
        })
    }
}

impl Os {
    /// Maps Rust's `target_os` names so tests and callers can name a platform by string.
    pub fn from_target_os(name: &str) -> Option<Os> {
        match name {
            "windows" => Some(Os::Windows),
            "macos" => Some(Os::Macos),
            "linux" => Some(Os::Linux),
            _ => None,
        }
    }

    /// Separator inside PATH and PSModulePath, which differs on Windows.
    pub fn path_list_separator(self) -> char {
        match self {
            Os::Windows => ';',
            _ => ':',
        }
    }

    /// Suffix both clients append to executable names on Windows.
    pub fn exe_suffix(self) -> &'static str {
        match self {
            Os::Windows => ".exe",
            _ => "",
        }
    }

    /// The separator the clients use when they build paths.
    pub fn dir_separator(self) -> char {
        match self {
            Os::Windows => '\\',
            _ => '/',
        }
    }

    /// The OS part of proxy file names and of the proxy's artifact path (Go's GOOS).
    pub fn go_name(self) -> &'static str {
        match self {
            Os::Windows => "windows",
            Os::Macos => "darwin",
            Os::Linux => "linux",
        }
    }
}

impl Arch {
    /// Maps Rust's `target_arch` names; unknown families become [`Arch::Other`].
    pub fn from_target_arch(name: &str) -> Arch {
        match name {
            "x86_64" => Arch::X86_64,
            "x86" => Arch::X86,
            "aarch64" => Arch::Aarch64,
            "arm" => Arch::Arm,
            _ => Arch::Other,
        }
    }

    /// Go's GOARCH for this family, the arch part of proxy file names.
    pub fn go_name(self) -> Option<&'static str> {
        match self {
            Arch::X86_64 => Some("amd64"),
            Arch::X86 => Some("386"),
            Arch::Aarch64 => Some("arm64"),
            Arch::Arm => Some("arm"),
            Arch::Other => None,
        }
    }
}

/// Joins path parts with the target OS's separator, so paths for another OS can be
/// built and compared; existing separators (either slash on Windows) are not doubled.
pub fn join(os: Os, base: &str, parts: &[&str]) -> String {
    let sep = os.dir_separator();
    let is_sep = move |c: char| c == sep || (os == Os::Windows && c == '/');
    let mut out = String::from(base);
    for part in parts {
        let part = part.trim_start_matches(is_sep);
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with(is_sep) {
            out.push(sep);
        }
        out.push_str(part);
    }
    out
}

/// Splits PATH / PSModulePath as the OS does, because quoting and empty entries
/// otherwise produce bogus directories.
///
/// Empty entries are dropped (on Unix they would mean the current directory, which
/// neither client relies on). On Windows, double quotes group an entry (so a quoted
/// entry may contain `;`) and are removed, as `cmd.exe` and PowerShell do.
pub fn split_path_list(os: Os, value: &str) -> Vec<String> {
    let sep = os.path_list_separator();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    for c in value.chars() {
        if os == Os::Windows && c == '"' {
            in_quotes = !in_quotes;
            continue;
        }
        if c == sep && !in_quotes {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Why the Azure CLI refuses to pick a proxy build; the messages are the CLI's own
/// (spelling included) so they match what users paste.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyArchError {
    #[error("Couldn't identify the platform architecture.")]
    Unidentified,
    #[error("Unsuported architecture: {0} is not currently supported")]
    Unsupported(String),
    #[error("Unsupported Darwin OS with 386 architecture.")]
    Darwin386,
}

fn az_suffix_rule(machine: &str) -> Result<&'static str, ProxyArchError> {
    if machine.ends_with("64") {
        Ok("amd64")
    } else if machine.ends_with("86") {
        Ok("386")
    } else if machine.is_empty() {
        Err(ProxyArchError::Unidentified)
    } else {
        Err(ProxyArchError::Unsupported(machine.to_string()))
    }
}

fn is_arm64_machine(machine: &str) -> bool {
    let lower = machine.to_lowercase();
    lower.contains("arm64") || lower.contains("aarch64")
}

/// The proxy arch the Azure CLI ssh extension >= 2.0.3 downloads for Python's
/// `platform.machine()` value (see [`python_machine`]).
///
/// The suffix test is case-sensitive, as in the extension: `AMD64` and `x86_64` end
/// in `64`, `i686` and `x86` in `86`. Note that x86_64 Python under Rosetta reports
/// `x86_64`, so an Apple-silicon Mac can get the amd64 build.
pub fn az_proxy_arch(os: Os, machine: &str) -> Result<&'static str, ProxyArchError> {
    let arch = if is_arm64_machine(machine) {
        "arm64"
    } else {
        az_suffix_rule(machine)?
    };
    if os == Os::Macos && arch == "386" {
        return Err(ProxyArchError::Darwin386);
    }
    Ok(arch)
}

/// The proxy arch of ssh extension <= 2.0.2, which had no arm64 build: arm64 machines
/// get the "Unsuported architecture" error users report (copies before
/// azure-cli-extensions PR 6538 even picked amd64 for `aarch64` by the suffix rule).
///
/// The OS is not consulted: that era had no Darwin/386 rule, so a 386 Mac was sent to a
/// download that does not exist.
pub fn az_proxy_arch_legacy(_os: Os, machine: &str) -> Result<&'static str, ProxyArchError> {
    if is_arm64_machine(machine) {
        return Err(ProxyArchError::Unsupported(machine.to_string()));
    }
    az_suffix_rule(machine)
}

/// What Python's `platform.machine()` reports, the input of the Azure CLI's arch rule.
///
/// [`Arch::Other`] gives `""` (what Python returns when it cannot tell).
pub fn python_machine(arch: Arch, os: Os) -> &'static str {
    match (os, arch) {
        (_, Arch::Other) => "",
        (Os::Linux, Arch::X86_64) => "x86_64",
        (Os::Linux, Arch::X86) => "i686",
        (Os::Linux, Arch::Aarch64) => "aarch64",
        (Os::Linux, Arch::Arm) => "armv7l",
        (Os::Macos, Arch::X86_64) => "x86_64",
        (Os::Macos, Arch::X86) => "i386",
        (Os::Macos, Arch::Aarch64) => "arm64",
        (Os::Macos, Arch::Arm) => "arm",
        (Os::Windows, Arch::X86_64) => "AMD64",
        (Os::Windows, Arch::X86) => "x86",
        (Os::Windows, Arch::Aarch64) => "ARM64",
        (Os::Windows, Arch::Arm) => "ARM",
    }
}

/// The proxy arch Az.Ssh looks for: it keys on `Environment.Is64BitProcess` and has
/// no arm64 build, so arm64 hosts run the amd64 proxy under emulation.
pub fn ps_proxy_arch(is_64bit_process: bool) -> &'static str {
    if is_64bit_process { "amd64" } else { "386" }
}

/// The proxy version the current Azure CLI ssh extension (>= 2.0.3) installs.
pub const AZ_PROXY_VERSION: &str = "1.3.026973";

/// Proxy versions older ssh extensions installed (a leftover file of one of these
/// means the extension was older, or the folder is stale).
pub const AZ_PROXY_LEGACY_VERSIONS: &[&str] = &["1.3.017634", "1.3.022941", "1.3.026031"];

/// The file name the Azure CLI installs the proxy under (dots of the version become
/// underscores; `.exe` on Windows), e.g. `sshProxy_linux_arm64_1_3_026973`.
pub fn az_proxy_file_name(os: Os, arch: &str, version: &str) -> String {
    format!(
        "sshProxy_{}_{}_{}{}",
        os.go_name(),
        arch,
        version.replace('.', "_"),
        os.exe_suffix()
    )
}

/// The start of the proxy file name inside an Az.Ssh.ArcProxy module folder (there
/// the version keeps its dots and Windows files end in `.exe`, e.g.
/// `sshProxy_windows_amd64_1.3.022941.exe`).
pub fn ps_proxy_file_prefix(os: Os, arch: &str) -> String {
    format!("sshProxy_{}_{}_", os.go_name(), arch)
}

/// Whether Az.Ssh counts a file as the proxy: it tests the regex
/// `sshProxy_{os}_{arch}_*` (unanchored, case-sensitive) against the file's full path,
/// so any path containing `sshProxy_{os}_{arch}` matches — including a stray backup
/// copy, which then triggers its "more than one sshProxy file" error.
pub fn ps_proxy_file_matches(os: Os, arch: &str, path: &str) -> bool {
    path.contains(&format!("sshProxy_{}_{}", os.go_name(), arch))
}

/// The parts of a proxy file name, so files found on disk can be judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyFileName {
    /// Go OS name as written (`linux`, `darwin`, `windows`).
    pub os: String,
    /// Go arch name as written (`amd64`, `386`, `arm64`).
    pub arch: String,
    /// Dotted version, whichever separator the file used.
    pub version: String,
    /// Whether the name ends in `.exe` (any case).
    pub exe: bool,
}

/// Reads an Azure CLI (`..._1_3_026973`) or Az.Ssh.ArcProxy (`..._1.3.022941.exe`)
/// proxy file name; `None` for anything else.
pub fn parse_proxy_file_name(name: &str) -> Option<ProxyFileName> {
    let rest = name.strip_prefix("sshProxy_")?;
    let stem = rest
        .len()
        .checked_sub(4)
        .and_then(|i| Some((rest.get(..i)?, rest.get(i..)?)));
    let (rest, exe) = match stem {
        Some((stem, ext)) if ext.eq_ignore_ascii_case(".exe") => (stem, true),
        _ => (rest, false),
    };
    let mut parts = rest.splitn(3, '_');
    let os = parts.next()?;
    let arch = parts.next()?;
    let version = parts.next()?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    if !word(os) || !word(arch) {
        return None;
    }
    let uses_dots = version.contains('.');
    let sep = if uses_dots { '.' } else { '_' };
    if uses_dots && version.contains('_') {
        return None;
    }
    let pieces: Vec<&str> = version.split(sep).collect();
    if pieces.len() < 2
        || pieces
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    Some(ProxyFileName {
        os: os.to_string(),
        arch: arch.to_string(),
        version: pieces.join("."),
        exe,
    })
}

/// One place a client will look for an OpenSSH program, in its order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Candidate {
    /// An exact path the client tests for existence.
    File(String),
    /// A bare name the OS resolves through PATH when the client spawns it.
    SearchPath(String),
}

/// Where `az ssh` looks for `ssh` / `ssh-keygen` (ssh extension `get_ssh_client_path`).
///
/// `--ssh-client-folder` comes first (`<folder>/<program>`, `.exe` on Windows; when it
/// is missing the CLI warns and falls through). Then on Windows the CLI does NOT use
/// PATH: only `%SystemRoot%\System32\openSSH\<program>.exe`, or `SysNative` instead of
/// `System32` when a 32-bit Python runs on 64-bit Windows (file-system redirection
/// would otherwise hide the 64-bit OpenSSH). `system_root` defaults to `C:\Windows`.
/// On Linux and macOS the bare name is spawned and PATH decides.
pub fn az_ssh_client_candidates(
    os: Os,
    program: &str,
    ssh_client_folder: Option<&str>,
    system_root: Option<&str>,
    process_32bit_on_64bit_os: bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let exe_name = format!("{program}{}", os.exe_suffix());
    if let Some(folder) = ssh_client_folder.filter(|f| !f.is_empty()) {
        out.push(Candidate::File(join(os, folder, &[&exe_name])));
    }
    match os {
        Os::Windows => {
            let root = system_root
                .filter(|r| !r.is_empty())
                .unwrap_or(r"C:\Windows");
            let sys = if process_32bit_on_64bit_os {
                "SysNative"
            } else {
                "System32"
            };
            out.push(Candidate::File(join(
                os,
                root,
                &[sys, "openSSH", &exe_name],
            )));
        }
        Os::Linux | Os::Macos => out.push(Candidate::SearchPath(program.to_string())),
    }
    out
}

/// Where Az.Ssh (`Enter-AzVM`) looks for `ssh` / `ssh-keygen`: PATH only (on Windows
/// via `GetCommand("<program>.exe")`); it has no `-SshClientFolder`.
pub fn ps_ssh_client_candidates(os: Os, program: &str) -> Vec<Candidate> {
    vec![Candidate::SearchPath(format!(
        "{program}{}",
        os.exe_suffix()
    ))]
}

fn has_dir_separator(os: Os, s: &str) -> bool {
    s.contains('/') || (os == Os::Windows && s.contains('\\'))
}

fn windows_names(program: &str) -> Vec<String> {
    let file_part = program.rsplit(['/', '\\']).next().unwrap_or(program);
    if file_part.contains('.') {
        vec![program.to_string()]
    } else {
        // CreateProcess appends `.exe` to a name without an extension.
        vec![format!("{program}.exe")]
    }
}

/// Resolves a program the way spawning it by name would, with the file test injected
/// so the rule stays pure and testable for any OS.
///
/// A name containing a directory separator is tested as is. On Windows a name without
/// an extension is looked for as `<name>.exe` (what `CreateProcess` does); the current
/// directory, which Windows searches first, is not considered.
pub fn resolve_on_path(
    os: Os,
    program: &str,
    path_var: &str,
    is_executable: impl Fn(&str) -> bool,
) -> Option<String> {
    if program.is_empty() {
        return None;
    }
    let names = match os {
        Os::Windows => windows_names(program),
        _ => vec![program.to_string()],
    };
    if has_dir_separator(os, program) {
        return names.into_iter().find(|n| is_executable(n));
    }
    for dir in split_path_list(os, path_var) {
        for name in &names {
            let candidate = join(os, &dir, &[name]);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn env_nonempty(env: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    env(key).filter(|v| !v.is_empty())
}

/// The module folders PowerShell uses when `PSModulePath` is unset, which is where
/// `Install-Module` puts Az.Ssh.ArcProxy.
///
/// Windows: the user's Documents is taken as `%USERPROFILE%\Documents` (else
/// `<home>\Documents`); a Documents folder redirected (e.g. to OneDrive) cannot be
/// seen from the environment. Linux and macOS honour `XDG_DATA_HOME` for the user
/// folder, as PowerShell does on every Unix.
pub fn default_ps_module_paths(
    os: Os,
    home: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    match os {
        Os::Windows => {
            let profile = env_nonempty(env, "USERPROFILE").unwrap_or_else(|| home.to_string());
            let docs = join(os, &profile, &["Documents"]);
            let pf = env_nonempty(env, "ProgramFiles")
                .unwrap_or_else(|| r"C:\Program Files".to_string());
            let root = env_nonempty(env, "SystemRoot").unwrap_or_else(|| r"C:\Windows".to_string());
            vec![
                join(os, &docs, &["PowerShell", "Modules"]),
                join(os, &pf, &["PowerShell", "Modules"]),
                join(os, &docs, &["WindowsPowerShell", "Modules"]),
                join(os, &pf, &["WindowsPowerShell", "Modules"]),
                join(
                    os,
                    &root,
                    &["System32", "WindowsPowerShell", "v1.0", "Modules"],
                ),
            ]
        }
        Os::Linux | Os::Macos => {
            let data = env_nonempty(env, "XDG_DATA_HOME")
                .unwrap_or_else(|| join(os, home, &[".local", "share"]));
            let pshome = if os == Os::Linux {
                "/opt/microsoft/powershell/7/Modules"
            } else {
                "/usr/local/microsoft/powershell/7/Modules"
            };
            vec![
                join(os, &data, &["powershell", "Modules"]),
                "/usr/local/share/powershell/Modules".to_string(),
                pshome.to_string(),
            ]
        }
    }
}

fn same_dir(os: Os, a: &str, b: &str) -> bool {
    let sep = os.dir_separator();
    let trim = |s: &'_ str| -> String {
        let t = s.trim_end_matches(|c: char| c == sep || (os == Os::Windows && c == '/'));
        if os == Os::Windows {
            t.replace('/', "\\")
        } else {
            t.to_string()
        }
    };
    let (a, b) = (trim(a), trim(b));
    if os == Os::Linux {
        a == b
    } else {
        // Windows and (by default) macOS file systems ignore case.
        a.to_lowercase() == b.to_lowercase()
    }
}

/// The folders `Get-Module -ListAvailable` searches, i.e. where Az.Ssh can find
/// Az.Ssh.ArcProxy.
///
/// When `PSModulePath` is set, PowerShell 7 still adds its own default folders at
/// start-up, so this returns the union: the `PSModulePath` entries first, then the
/// defaults not already present (compared without trailing separators, ignoring case
/// on Windows and macOS). Windows PowerShell 5.1 never searches the `PowerShell`
/// (7.x) folders; the union errs on the side of finding a module.
pub fn ps_module_paths(os: Os, home: &str, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(value) = env_nonempty(env, "PSModulePath") {
        for entry in split_path_list(os, &value) {
            if !out.iter().any(|e| same_dir(os, e, &entry)) {
                out.push(entry);
            }
        }
    }
    for d in default_ps_module_paths(os, home, env) {
        if !out.iter().any(|e| same_dir(os, e, &d)) {
            out.push(d);
        }
    }
    out
}

fn expand_user(os: Os, value: &str, home: &str) -> String {
    if value == "~" {
        return home.to_string();
    }
    let rest = value.strip_prefix("~/").or_else(|| {
        (os == Os::Windows)
            .then(|| value.strip_prefix("~\\"))
            .flatten()
    });
    match rest {
        Some(rest) => join(os, home, &[rest]),
        None => value.to_string(),
    }
}

/// The Azure CLI's configuration folder (`AZURE_CONFIG_DIR`, `~` expanded, else
/// `<home>/.azure`), where its extensions and `az ssh config` files live. An empty
/// variable is treated as unset.
pub fn az_config_dir(os: Os, home: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    match env_nonempty(env, "AZURE_CONFIG_DIR") {
        Some(v) => expand_user(os, &v, home),
        None => join(os, home, &[".azure"]),
    }
}

/// Where the Azure CLI installs extensions such as `ssh` (`AZURE_EXTENSION_DIR`, `~`
/// expanded, else `<config dir>/cliextensions`).
pub fn az_extension_dir(os: Os, home: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    match env_nonempty(env, "AZURE_EXTENSION_DIR") {
        Some(v) => expand_user(os, &v, home),
        None => join(os, &az_config_dir(os, home, env), &["cliextensions"]),
    }
}

/// The folder the Azure CLI installs the proxy in when `--ssh-proxy-folder` is not given.
pub fn az_default_proxy_folder(os: Os, home: &str) -> String {
    join(os, home, &[".clientsshproxy"])
}

/// Reads (major, minor, token) from an OpenSSH banner or `ssh -V` line, because Entra
/// certificates fail between some client/server versions (client >= 8.8 with
/// server < 7.8 and the reverse).
///
/// Accepts `OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL ...`, `OpenSSH_for_Windows_8.6p1,
/// LibreSSL 3.4.3`, `SSH-2.0-OpenSSH_8.9p1 Ubuntu-3` and `remote software version
/// OpenSSH_7.4`; the token runs to the first space or comma.
pub fn openssh_version(banner: &str) -> Option<(u32, u32, String)> {
    let mut search = banner;
    while let Some(pos) = search.find("OpenSSH_") {
        let start = search.get(pos..)?;
        let token_len = start
            .find(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or(start.len());
        let token = start.get(..token_len)?;
        let after = token.get("OpenSSH_".len()..)?;
        let numbers = after.strip_prefix("for_Windows_").unwrap_or(after);
        if let Some((major, minor)) = major_minor(numbers) {
            return Some((major, minor, token.to_string()));
        }
        search = start.get("OpenSSH_".len()..)?;
    }
    None
}

fn major_minor(s: &str) -> Option<(u32, u32)> {
    let major_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let major: u32 = s.get(..major_len)?.parse().ok()?;
    let rest = s.get(major_len..)?.strip_prefix('.')?;
    let minor_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let minor: u32 = rest.get(..minor_len)?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
#[path = "platform_tests.rs"]
mod tests;
