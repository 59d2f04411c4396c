use super::*;
use std::collections::HashMap;

const ALL_OS: [Os; 3] = [Os::Windows, Os::Macos, Os::Linux];
const ALL_ARCH: [Arch; 5] = [
    Arch::X86_64,
    Arch::X86,
    Arch::Aarch64,
    Arch::Arm,
    Arch::Other,
];

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

#[test]
fn serde_names() {
    assert_eq!(serde_json::to_string(&Os::Macos).unwrap(), "\"macos\"");
    assert_eq!(serde_json::to_string(&Os::Windows).unwrap(), "\"windows\"");
    let names: Vec<String> = ALL_ARCH
        .iter()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"x86_64\"",
            "\"x86\"",
            "\"aarch64\"",
            "\"arm\"",
            "\"other\""
        ]
    );
    for a in ALL_ARCH {
        let back: Arch = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }
    let p = Platform {
        os: Os::Linux,
        arch: Arch::Aarch64,
    };
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"os":"linux","arch":"aarch64"}"#
    );
}

#[test]
fn current_platform_is_known_here() {
    let p = Platform::current().expect("supported OS");
    assert_eq!(Some(p.os), Os::from_target_os(std::env::consts::OS));
    assert_eq!(p.arch, Arch::from_target_arch(std::env::consts::ARCH));
    assert_eq!(Os::from_target_os("freebsd"), None);
    assert_eq!(Arch::from_target_arch("riscv64"), Arch::Other);
}

#[test]
fn os_facts() {
    assert_eq!(Os::Windows.path_list_separator(), ';');
    assert_eq!(Os::Linux.path_list_separator(), ':');
    assert_eq!(Os::Macos.path_list_separator(), ':');
    assert_eq!(Os::Windows.exe_suffix(), ".exe");
    assert_eq!(Os::Macos.exe_suffix(), "");
    assert_eq!(Os::Windows.dir_separator(), '\\');
    assert_eq!(Os::Linux.dir_separator(), '/');
    let go: Vec<&str> = ALL_OS.iter().map(|o| o.go_name()).collect();
    assert_eq!(go, ["windows", "darwin", "linux"]);
    assert_eq!(Arch::Aarch64.go_name(), Some("arm64"));
    assert_eq!(Arch::X86.go_name(), Some("386"));
    assert_eq!(Arch::Other.go_name(), None);
}

#[test]
fn join_paths() {
    assert_eq!(join(Os::Linux, "/home/u", &[".azure"]), "/home/u/.azure");
    assert_eq!(join(Os::Linux, "/home/u/", &["/.azure"]), "/home/u/.azure");
    assert_eq!(join(Os::Linux, "/", &["etc", "ssh"]), "/etc/ssh");
    assert_eq!(join(Os::Linux, "", &["a", "", "b"]), "a/b");
    assert_eq!(join(Os::Linux, "a", &[]), "a");
    assert_eq!(join(Os::Macos, "/Users/u", &["x/y"]), "/Users/u/x/y");
    assert_eq!(
        join(Os::Windows, r"C:\Windows", &["System32", "openSSH"]),
        r"C:\Windows\System32\openSSH"
    );
    assert_eq!(
        join(Os::Windows, r"C:\tools\", &["ssh.exe"]),
        r"C:\tools\ssh.exe"
    );
    assert_eq!(
        join(Os::Windows, "C:/tools/", &[r"\ssh.exe"]),
        "C:/tools/ssh.exe"
    );
    assert_eq!(join(Os::Windows, "C:", &["x"]), r"C:\x");
}

#[test]
fn split_lists() {
    assert_eq!(
        split_path_list(Os::Linux, "/usr/bin::/bin:"),
        ["/usr/bin", "/bin"]
    );
    assert_eq!(split_path_list(Os::Macos, ""), Vec::<String>::new());
    assert_eq!(split_path_list(Os::Linux, "/a b:/c\"d"), ["/a b", "/c\"d"]);
    assert_eq!(
        split_path_list(
            Os::Windows,
            r#"C:\Windows;"C:\Program Files\Git\bin";;"C:\odd;dir";C:\x"#
        ),
        [
            r"C:\Windows",
            r"C:\Program Files\Git\bin",
            r"C:\odd;dir",
            r"C:\x"
        ]
    );
    // Colons are not separators on Windows.
    assert_eq!(split_path_list(Os::Windows, r"C:\a"), [r"C:\a"]);
    // An unbalanced quote does not panic and keeps the rest as one entry.
    assert_eq!(split_path_list(Os::Windows, "\"C:\\a;b"), ["C:\\a;b"]);
}

#[test]
fn az_arch_current_rules() {
    let ok = |os, m| az_proxy_arch(os, m).unwrap();
    for os in ALL_OS {
        assert_eq!(ok(os, "x86_64"), "amd64");
        assert_eq!(ok(os, "AMD64"), "amd64");
        assert_eq!(ok(os, "arm64"), "arm64");
        assert_eq!(ok(os, "ARM64"), "arm64");
        assert_eq!(ok(os, "aarch64"), "arm64");
        assert_eq!(ok(os, "aarch64_be"), "arm64");
        assert_eq!(az_proxy_arch(os, ""), Err(ProxyArchError::Unidentified));
        assert_eq!(
            az_proxy_arch(os, "armv7l"),
            Err(ProxyArchError::Unsupported("armv7l".into()))
        );
    }
    assert_eq!(ok(Os::Linux, "i686"), "386");
    assert_eq!(ok(Os::Windows, "x86"), "386");
    assert_eq!(
        az_proxy_arch(Os::Macos, "i386"),
        Err(ProxyArchError::Darwin386)
    );
    // The suffix test is case-sensitive and naive, as in the extension.
    assert_eq!(ok(Os::Linux, "riscv64"), "amd64");
    assert_eq!(
        az_proxy_arch(Os::Linux, "ppc64le"),
        Err(ProxyArchError::Unsupported("ppc64le".into()))
    );
}

#[test]
fn az_arch_messages_are_verbatim() {
    assert_eq!(
        ProxyArchError::Unidentified.to_string(),
        "Couldn't identify the platform architecture."
    );
    assert_eq!(
        ProxyArchError::Unsupported("arm64".into()).to_string(),
        "Unsuported architecture: arm64 is not currently supported"
    );
    assert_eq!(
        ProxyArchError::Darwin386.to_string(),
        "Unsupported Darwin OS with 386 architecture."
    );
}

#[test]
fn az_arch_legacy_rules() {
    for os in ALL_OS {
        assert_eq!(az_proxy_arch_legacy(os, "x86_64"), Ok("amd64"));
        assert_eq!(az_proxy_arch_legacy(os, "AMD64"), Ok("amd64"));
        assert_eq!(az_proxy_arch_legacy(os, "i686"), Ok("386"));
        assert_eq!(
            az_proxy_arch_legacy(os, "arm64"),
            Err(ProxyArchError::Unsupported("arm64".into()))
        );
        assert_eq!(
            az_proxy_arch_legacy(os, "ARM64"),
            Err(ProxyArchError::Unsupported("ARM64".into()))
        );
        assert_eq!(
            az_proxy_arch_legacy(os, "aarch64"),
            Err(ProxyArchError::Unsupported("aarch64".into()))
        );
        assert_eq!(
            az_proxy_arch_legacy(os, ""),
            Err(ProxyArchError::Unidentified)
        );
    }
    // No Darwin/386 rule in that era.
    assert_eq!(az_proxy_arch_legacy(Os::Macos, "i386"), Ok("386"));
}

#[test]
fn python_machine_feeds_the_arch_rule() {
    assert_eq!(python_machine(Arch::X86_64, Os::Linux), "x86_64");
    assert_eq!(python_machine(Arch::X86, Os::Linux), "i686");
    assert_eq!(python_machine(Arch::Aarch64, Os::Linux), "aarch64");
    assert_eq!(python_machine(Arch::Arm, Os::Linux), "armv7l");
    assert_eq!(python_machine(Arch::X86_64, Os::Macos), "x86_64");
    assert_eq!(python_machine(Arch::Aarch64, Os::Macos), "arm64");
    assert_eq!(python_machine(Arch::X86_64, Os::Windows), "AMD64");
    assert_eq!(python_machine(Arch::X86, Os::Windows), "x86");
    assert_eq!(python_machine(Arch::Aarch64, Os::Windows), "ARM64");
    for os in ALL_OS {
        assert_eq!(python_machine(Arch::Other, os), "");
        // Every 64-bit family gets a proxy in the current extension.
        assert_eq!(
            az_proxy_arch(os, python_machine(Arch::X86_64, os)),
            Ok("amd64")
        );
        assert_eq!(
            az_proxy_arch(os, python_machine(Arch::Aarch64, os)),
            Ok("arm64")
        );
        assert!(az_proxy_arch(os, python_machine(Arch::Arm, os)).is_err());
        // ... while the legacy one refuses arm64 everywhere.
        assert!(az_proxy_arch_legacy(os, python_machine(Arch::Aarch64, os)).is_err());
    }
}

#[test]
fn ps_arch() {
    assert_eq!(ps_proxy_arch(true), "amd64");
    assert_eq!(ps_proxy_arch(false), "386");
}

#[test]
fn proxy_file_names() {
    assert_eq!(
        az_proxy_file_name(Os::Linux, "arm64", AZ_PROXY_VERSION),
        "sshProxy_linux_arm64_1_3_026973"
    );
    assert_eq!(
        az_proxy_file_name(Os::Windows, "amd64", AZ_PROXY_VERSION),
        "sshProxy_windows_amd64_1_3_026973.exe"
    );
    assert_eq!(
        az_proxy_file_name(Os::Macos, "arm64", AZ_PROXY_VERSION),
        "sshProxy_darwin_arm64_1_3_026973"
    );
    assert_eq!(
        az_proxy_file_name(Os::Linux, "amd64", AZ_PROXY_LEGACY_VERSIONS[1]),
        "sshProxy_linux_amd64_1_3_022941"
    );
    assert_eq!(
        ps_proxy_file_prefix(Os::Windows, "amd64"),
        "sshProxy_windows_amd64_"
    );
    assert_eq!(
        ps_proxy_file_prefix(Os::Macos, "386"),
        "sshProxy_darwin_386_"
    );
    assert!(
        "sshProxy_windows_amd64_1.3.022941.exe"
            .starts_with(&ps_proxy_file_prefix(Os::Windows, "amd64"))
    );
}

#[test]
fn ps_proxy_regex_semantics() {
    let dir = "/usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/";
    let m = |name: &str| ps_proxy_file_matches(Os::Linux, "amd64", &format!("{dir}{name}"));
    assert!(m("sshProxy_linux_amd64_1.3.022941"));
    assert!(m("sshProxy_linux_amd64_1.3.022941.bak"));
    assert!(m("old-sshProxy_linux_amd64"));
    assert!(!m("sshProxy_linux_386_1.3.022941"));
    assert!(!m("sshproxy_linux_amd64_1.3.022941"));
    assert!(!m("LICENSE.txt"));
}

#[test]
fn parse_proxy_names() {
    let p = parse_proxy_file_name("sshProxy_linux_arm64_1_3_026973").unwrap();
    assert_eq!(
        p,
        ProxyFileName {
            os: "linux".into(),
            arch: "arm64".into(),
            version: "1.3.026973".into(),
            exe: false
        }
    );
    let p = parse_proxy_file_name("sshProxy_windows_amd64_1.3.022941.exe").unwrap();
    assert_eq!((p.os.as_str(), p.arch.as_str()), ("windows", "amd64"));
    assert_eq!(p.version, "1.3.022941");
    assert!(p.exe);
    let p = parse_proxy_file_name("sshProxy_windows_386_1_3_017634.EXE").unwrap();
    assert_eq!(
        (p.arch.as_str(), p.version.as_str(), p.exe),
        ("386", "1.3.017634", true)
    );
    // Round trip with the CLI's own naming.
    for os in ALL_OS {
        for arch in ["amd64", "386", "arm64"] {
            let name = az_proxy_file_name(os, arch, AZ_PROXY_VERSION);
            let p = parse_proxy_file_name(&name).unwrap();
            assert_eq!(p.os, os.go_name());
            assert_eq!(p.arch, arch);
            assert_eq!(p.version, AZ_PROXY_VERSION);
            assert_eq!(p.exe, os == Os::Windows);
        }
    }
    for bad in [
        "",
        "sshProxy_",
        "sshProxy_linux",
        "sshProxy_linux_amd64",
        "sshProxy_linux_amd64_",
        "sshProxy_linux_amd64_1",
        "sshProxy_linux_amd64_1.3_0",
        "sshProxy_linux_amd64_1..3",
        "sshProxy_linux_amd64_1.3.x",
        "sshProxy__amd64_1_3",
        "sshproxy_linux_amd64_1_3",
        "sshProxy_linux_amd64_1_3_026973.tar.gz",
        "sshProxy_lin-ux_amd64_1_3",
        "sshProxy_é_amd64_1_3",
        ".exe",
    ] {
        assert_eq!(parse_proxy_file_name(bad), None, "{bad}");
    }
}

#[test]
fn az_ssh_candidates_windows() {
    let c = az_ssh_client_candidates(Os::Windows, "ssh", None, None, false);
    assert_eq!(
        c,
        [Candidate::File(
            r"C:\Windows\System32\openSSH\ssh.exe".into()
        )]
    );
    let c = az_ssh_client_candidates(Os::Windows, "ssh-keygen", None, Some(r"D:\WINNT"), true);
    assert_eq!(
        c,
        [Candidate::File(
            r"D:\WINNT\SysNative\openSSH\ssh-keygen.exe".into()
        )]
    );
    let c = az_ssh_client_candidates(
        Os::Windows,
        "ssh",
        Some(r"C:\Program Files\OpenSSH"),
        Some(""),
        false,
    );
    assert_eq!(
        c,
        [
            Candidate::File(r"C:\Program Files\OpenSSH\ssh.exe".into()),
            Candidate::File(r"C:\Windows\System32\openSSH\ssh.exe".into()),
        ]
    );
    // Never PATH on Windows.
    assert!(!c.iter().any(|c| matches!(c, Candidate::SearchPath(_))));
}

#[test]
fn az_ssh_candidates_unix() {
    for os in [Os::Linux, Os::Macos] {
        assert_eq!(
            az_ssh_client_candidates(os, "ssh", None, Some("/ignored"), true),
            [Candidate::SearchPath("ssh".into())]
        );
        assert_eq!(
            az_ssh_client_candidates(os, "ssh-keygen", Some("/opt/ssh/bin/"), None, false),
            [
                Candidate::File("/opt/ssh/bin/ssh-keygen".into()),
                Candidate::SearchPath("ssh-keygen".into())
            ]
        );
        // An empty folder is ignored like an absent one.
        assert_eq!(
            az_ssh_client_candidates(os, "ssh", Some(""), None, false).len(),
            1
        );
    }
}

#[test]
fn ps_ssh_candidates() {
    assert_eq!(
        ps_ssh_client_candidates(Os::Windows, "ssh"),
        [Candidate::SearchPath("ssh.exe".into())]
    );
    assert_eq!(
        ps_ssh_client_candidates(Os::Linux, "ssh-keygen"),
        [Candidate::SearchPath("ssh-keygen".into())]
    );
    assert_eq!(
        ps_ssh_client_candidates(Os::Macos, "ssh"),
        [Candidate::SearchPath("ssh".into())]
    );
}

#[test]
fn resolve_unix() {
    let exists = |p: &str| p == "/usr/bin/ssh" || p == "/opt/x/ssh";
    assert_eq!(
        resolve_on_path(Os::Linux, "ssh", "/usr/local/bin:/usr/bin:/opt/x", exists),
        Some("/usr/bin/ssh".into())
    );
    assert_eq!(
        resolve_on_path(Os::Macos, "ssh", "/opt/x/:/usr/bin", exists),
        Some("/opt/x/ssh".into())
    );
    assert_eq!(resolve_on_path(Os::Linux, "ssh", "", exists), None);
    assert_eq!(resolve_on_path(Os::Linux, "", "/usr/bin", |_| true), None);
    assert_eq!(
        resolve_on_path(Os::Linux, "/usr/bin/ssh", "", exists),
        Some("/usr/bin/ssh".into())
    );
    assert_eq!(
        resolve_on_path(Os::Linux, "./ssh", "/usr/bin", exists),
        None
    );
}

#[test]
fn resolve_windows() {
    let exists =
        |p: &str| p == r"C:\Windows\System32\OpenSSH\ssh.exe" || p == r"C:\Git\usr\bin\ssh.exe";
    let path = r"C:\Git\usr\bin;C:\Windows\System32\OpenSSH\";
    assert_eq!(
        resolve_on_path(Os::Windows, "ssh", path, exists),
        Some(r"C:\Git\usr\bin\ssh.exe".into())
    );
    assert_eq!(
        resolve_on_path(
            Os::Windows,
            "ssh.exe",
            r"C:\Windows\System32\OpenSSH",
            exists
        ),
        Some(r"C:\Windows\System32\OpenSSH\ssh.exe".into())
    );
    assert_eq!(
        resolve_on_path(Os::Windows, r"C:\Git\usr\bin\ssh", "", exists),
        Some(r"C:\Git\usr\bin\ssh.exe".into())
    );
    assert_eq!(
        resolve_on_path(Os::Windows, "ssh", "C:/nothing", exists),
        None
    );
}

#[test]
fn ps_module_defaults_windows() {
    let env = env_of(&[
        ("USERPROFILE", r"C:\Users\ana"),
        ("ProgramFiles", r"D:\Program Files"),
        ("SystemRoot", r"C:\WINDOWS"),
    ]);
    assert_eq!(
        default_ps_module_paths(Os::Windows, r"C:\ignored", &env),
        [
            r"C:\Users\ana\Documents\PowerShell\Modules",
            r"D:\Program Files\PowerShell\Modules",
            r"C:\Users\ana\Documents\WindowsPowerShell\Modules",
            r"D:\Program Files\WindowsPowerShell\Modules",
            r"C:\WINDOWS\System32\WindowsPowerShell\v1.0\Modules",
        ]
    );
    let none = env_of(&[]);
    assert_eq!(
        default_ps_module_paths(Os::Windows, r"C:\Users\bo", &none),
        [
            r"C:\Users\bo\Documents\PowerShell\Modules",
            r"C:\Program Files\PowerShell\Modules",
            r"C:\Users\bo\Documents\WindowsPowerShell\Modules",
            r"C:\Program Files\WindowsPowerShell\Modules",
            r"C:\Windows\System32\WindowsPowerShell\v1.0\Modules",
        ]
    );
}

#[test]
fn ps_module_defaults_unix() {
    let none = env_of(&[]);
    assert_eq!(
        default_ps_module_paths(Os::Linux, "/home/ana", &none),
        [
            "/home/ana/.local/share/powershell/Modules",
            "/usr/local/share/powershell/Modules",
            "/opt/microsoft/powershell/7/Modules",
        ]
    );
    assert_eq!(
        default_ps_module_paths(Os::Macos, "/Users/ana", &none),
        [
            "/Users/ana/.local/share/powershell/Modules",
            "/usr/local/share/powershell/Modules",
            "/usr/local/microsoft/powershell/7/Modules",
        ]
    );
    let xdg = env_of(&[("XDG_DATA_HOME", "/data/ana")]);
    assert_eq!(
        default_ps_module_paths(Os::Linux, "/home/ana", &xdg)[0],
        "/data/ana/powershell/Modules"
    );
    let empty_xdg = env_of(&[("XDG_DATA_HOME", "")]);
    assert_eq!(
        default_ps_module_paths(Os::Linux, "/home/ana", &empty_xdg)[0],
        "/home/ana/.local/share/powershell/Modules"
    );
}

#[test]
fn ps_module_paths_union() {
    let env = env_of(&[(
        "PSModulePath",
        "/custom/mods::/usr/local/share/powershell/Modules/",
    )]);
    assert_eq!(
        ps_module_paths(Os::Linux, "/home/ana", &env),
        [
            "/custom/mods",
            "/usr/local/share/powershell/Modules/",
            "/home/ana/.local/share/powershell/Modules",
            "/opt/microsoft/powershell/7/Modules",
        ]
    );
    let none = env_of(&[]);
    assert_eq!(
        ps_module_paths(Os::Macos, "/Users/a", &none),
        default_ps_module_paths(Os::Macos, "/Users/a", &none)
    );
    let empty = env_of(&[("PSModulePath", "")]);
    assert_eq!(
        ps_module_paths(Os::Linux, "/h", &empty),
        default_ps_module_paths(Os::Linux, "/h", &none)
    );
    let win = env_of(&[
        ("USERPROFILE", r"C:\Users\ana"),
        (
            "PSModulePath",
            r"c:\users\ana\documents\powershell\modules;C:\Modules;C:\Modules\;C:/Program Files/PowerShell/Modules/",
        ),
    ]);
    let got = ps_module_paths(Os::Windows, r"C:\Users\ana", &win);
    assert_eq!(
        got,
        [
            r"c:\users\ana\documents\powershell\modules",
            r"C:\Modules",
            "C:/Program Files/PowerShell/Modules/",
            r"C:\Users\ana\Documents\WindowsPowerShell\Modules",
            r"C:\Program Files\WindowsPowerShell\Modules",
            r"C:\Windows\System32\WindowsPowerShell\v1.0\Modules",
        ]
    );
    // Linux compares case-sensitively.
    let linux = env_of(&[("PSModulePath", "/OPT/microsoft/powershell/7/Modules")]);
    assert_eq!(ps_module_paths(Os::Linux, "/h", &linux).len(), 4);
}

#[test]
fn az_dirs() {
    let none = env_of(&[]);
    assert_eq!(az_config_dir(Os::Linux, "/home/a", &none), "/home/a/.azure");
    assert_eq!(
        az_config_dir(Os::Windows, r"C:\Users\a", &none),
        r"C:\Users\a\.azure"
    );
    assert_eq!(
        az_extension_dir(Os::Macos, "/Users/a", &none),
        "/Users/a/.azure/cliextensions"
    );
    let cfg = env_of(&[("AZURE_CONFIG_DIR", "/srv/az")]);
    assert_eq!(az_config_dir(Os::Linux, "/home/a", &cfg), "/srv/az");
    assert_eq!(
        az_extension_dir(Os::Linux, "/home/a", &cfg),
        "/srv/az/cliextensions"
    );
    let both = env_of(&[
        ("AZURE_CONFIG_DIR", "/srv/az"),
        ("AZURE_EXTENSION_DIR", "~/ext"),
    ]);
    assert_eq!(az_extension_dir(Os::Linux, "/home/a", &both), "/home/a/ext");
    let tilde = env_of(&[("AZURE_CONFIG_DIR", "~")]);
    assert_eq!(az_config_dir(Os::Linux, "/home/a", &tilde), "/home/a");
    let win = env_of(&[("AZURE_CONFIG_DIR", r"~\az")]);
    assert_eq!(
        az_config_dir(Os::Windows, r"C:\Users\a", &win),
        r"C:\Users\a\az"
    );
    assert_eq!(az_config_dir(Os::Linux, "/home/a", &win), r"~\az");
    let empty = env_of(&[("AZURE_CONFIG_DIR", ""), ("AZURE_EXTENSION_DIR", "")]);
    assert_eq!(
        az_extension_dir(Os::Linux, "/home/a", &empty),
        "/home/a/.azure/cliextensions"
    );
    assert_eq!(
        az_default_proxy_folder(Os::Linux, "/home/a"),
        "/home/a/.clientsshproxy"
    );
    assert_eq!(
        az_default_proxy_folder(Os::Windows, r"C:\Users\a"),
        r"C:\Users\a\.clientsshproxy"
    );
}

#[test]
fn openssh_versions() {
    assert_eq!(
        openssh_version("OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026"),
        Some((9, 2, "OpenSSH_9.2p1".into()))
    );
    assert_eq!(
        openssh_version("OpenSSH_for_Windows_8.6p1, LibreSSL 3.4.3"),
        Some((8, 6, "OpenSSH_for_Windows_8.6p1".into()))
    );
    assert_eq!(
        openssh_version("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"),
        Some((8, 9, "OpenSSH_8.9p1".into()))
    );
    assert_eq!(
        openssh_version("debug1: Remote protocol version 2.0, remote software version OpenSSH_7.4"),
        Some((7, 4, "OpenSSH_7.4".into()))
    );
    assert_eq!(
        openssh_version("OpenSSH_10.0p2, OpenSSL 3.5.0"),
        Some((10, 0, "OpenSSH_10.0p2".into()))
    );
    assert_eq!(
        openssh_version("OpenSSH_x OpenSSH_7.9"),
        Some((7, 9, "OpenSSH_7.9".into()))
    );
    for bad in [
        "",
        "OpenSSH_",
        "OpenSSH_9",
        "OpenSSH_9.",
        "OpenSSH_.2",
        "Dropbear sshd v2022.83",
        "OpenSSH_99999999999.1",
        "OpenSSH_é",
    ] {
        assert_eq!(openssh_version(bad), None, "{bad}");
    }
}
