use super::*;
use std::collections::BTreeMap;

/// An in-memory tree: path → contents.
struct Mem(BTreeMap<PathBuf, String>);

impl Mem {
    fn new(files: &[(&str, &str)]) -> Mem {
        Mem(files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect())
    }
}

impl ConfigFs for Mem {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("cannot read {}", path.display()))
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
        let names: Vec<String> = self
            .0
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        if names.is_empty() {
            Err("no such folder".into())
        } else {
            Ok(names)
        }
    }
}

fn parse_mem(files: &[(&str, &str)]) -> SshdConfig {
    parse(&Mem::new(files), Path::new(files[0].0), Path::new(SSHDIR)).unwrap()
}

fn ports(c: &SshdConfig) -> Vec<u16> {
    c.ports.iter().map(|(p, _)| *p).collect()
}

// The top of Debian 12's stock /etc/ssh/sshd_config.
const DEBIAN: &str = "\n# This is the sshd server system-wide configuration file.  See\n# sshd_config(5) for more information.\n\nInclude /etc/ssh/sshd_config.d/*.conf\n\n#Port 22\n#AddressFamily any\n#ListenAddress 0.0.0.0\n#ListenAddress ::\n\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem\tsftp\t/usr/lib/openssh/sftp-server\n";

#[test]
fn stock_debian_config_listens_on_22_everywhere() {
    let c = parse_mem(&[("/etc/ssh/sshd_config", DEBIAN)]);
    assert!(c.ports.is_empty());
    assert_eq!(c.port_list(), [22]);
    assert_eq!(
        c.binds(),
        [("0.0.0.0".to_string(), 22), ("::".to_string(), 22)]
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.notes.len(),
        1,
        "the empty sshd_config.d glob is only a note"
    );
}

#[test]
fn keywords_are_case_insensitive_and_ports_accumulate() {
    let c = parse_mem(&[(
        "/etc/ssh/sshd_config",
        "port 2222\nPORT=2200\n  Port = 22  # trailing comment\nListenAddress 127.0.0.1\nlistenaddress [::1]:2022\nAddressFamily inet\naddressfamily inet6\n",
    )]);
    assert_eq!(ports(&c), [2222, 2200, 22]);
    assert_eq!(c.address_family.as_deref(), Some("inet"));
    assert_eq!(
        c.binds(),
        [
            ("127.0.0.1".to_string(), 2222),
            ("127.0.0.1".to_string(), 2200),
            ("127.0.0.1".to_string(), 22),
            ("::1".to_string(), 2022)
        ]
    );
    assert_eq!(c.ports[1].1.to_string(), "/etc/ssh/sshd_config:2");
}

#[test]
fn listen_address_forms() {
    assert_eq!(split_listen("10.0.0.1"), Ok(("10.0.0.1".into(), None)));
    assert_eq!(
        split_listen("10.0.0.1:2222"),
        Ok(("10.0.0.1".into(), Some(2222)))
    );
    assert_eq!(split_listen("::1"), Ok(("::1".into(), None)));
    assert_eq!(split_listen("[::1]:22"), Ok(("::1".into(), Some(22))));
    assert_eq!(split_listen("[fe80::1]"), Ok(("fe80::1".into(), None)));
    assert!(split_listen("[::1]x").is_err());
    assert!(split_listen("host:99999").is_err());
    assert!(split_listen("host:0").is_err());
}

#[test]
fn match_ends_the_global_section() {
    let c = parse_mem(&[(
        "/etc/ssh/sshd_config",
        "Port 22\nMatch User bob\n  Port 2222\n  AddressFamily inet\n",
    )]);
    assert_eq!(ports(&c), [22]);
    assert_eq!(c.address_family, None);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
}

#[test]
fn includes_glob_sorted_relative_to_sshdir() {
    let c = parse_mem(&[
        (
            "/etc/ssh/sshd_config",
            "Include sshd_config.d/*.conf\nPort 22\n",
        ),
        ("/etc/ssh/sshd_config.d/20-b.conf", "Port 2020\n"),
        ("/etc/ssh/sshd_config.d/10-a.conf", "Port 1010\n"),
        ("/etc/ssh/sshd_config.d/.hidden.conf", "Port 9\n"),
        ("/etc/ssh/sshd_config.d/notes.txt", "Port 8\n"),
    ]);
    assert_eq!(ports(&c), [1010, 2020, 22]);
    assert_eq!(c.files.len(), 3);
}

#[test]
fn relative_includes_use_the_given_base_not_the_files_folder() {
    let files = [
        ("/srv/copy/sshd_config", "Include extra.conf\n"),
        ("/srv/copy/extra.conf", "Port 1111\n"),
        ("/etc/ssh/extra.conf", "Port 2222\n"),
    ];
    let sshd = parse(&Mem::new(&files), Path::new(files[0].0), Path::new(SSHDIR)).unwrap();
    assert_eq!(ports(&sshd), [2222]);
    let copy = parse(
        &Mem::new(&files),
        Path::new(files[0].0),
        Path::new("/srv/copy"),
    )
    .unwrap();
    assert_eq!(ports(&copy), [1111]);
}

#[test]
fn match_inside_an_include_ends_with_that_file() {
    let c = parse_mem(&[
        (
            "/etc/ssh/sshd_config",
            "Include /etc/ssh/m.conf\nPort 2222\n",
        ),
        (
            "/etc/ssh/m.conf",
            "Match Group admins\n  X11Forwarding no\n",
        ),
    ]);
    assert_eq!(ports(&c), [2222]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn include_cycles_and_depth_are_bounded() {
    let c = parse_mem(&[
        ("/etc/ssh/sshd_config", "Include /etc/ssh/a\nPort 22\n"),
        ("/etc/ssh/a", "Include /etc/ssh/b\n"),
        ("/etc/ssh/b", "Include /etc/ssh/a\nPort 2\n"),
    ]);
    assert_eq!(ports(&c), [2, 22]);
    assert!(
        c.problems.iter().any(|p| p.contains("loops back")),
        "{:?}",
        c.problems
    );

    // Each file includes the next, 40 deep: stopped at sshd's limit.
    let names: Vec<String> = (0..40).map(|i| format!("/etc/ssh/d{i}")).collect();
    let bodies: Vec<String> = (0..40)
        .map(|i| format!("Include /etc/ssh/d{}\nPort {}\n", i + 1, i + 1))
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_str()))
        .collect();
    let c = parse_mem(&files);
    assert_eq!(c.files.len(), MAX_DEPTH);
    assert!(c.problems.iter().any(|p| p.contains("deeper")));
}

#[test]
fn unreadable_includes_and_bad_values_are_problems_not_panics() {
    let c = parse_mem(&[(
        "/etc/ssh/sshd_config",
        "Port\nPort abc\nPort 70000\nListenAddress\nListenAddress [::1\nInclude /nope/missing.conf\n\u{0}\u{7f}garbage ===\n=\n\"\n",
    )]);
    assert!(c.ports.is_empty());
    assert_eq!(c.problems.len(), 5, "{:?}", c.problems);
    assert_eq!(c.notes.len(), 1);
    assert!(parse(&Mem::new(&[]), Path::new("/x"), Path::new(SSHDIR)).is_err());
}

#[test]
fn huge_files_stop_at_the_line_cap() {
    let big = "Port 22\n".repeat(MAX_LINES + 10);
    let c = parse_mem(&[("/etc/ssh/sshd_config", &big)]);
    assert_eq!(c.ports.len(), MAX_LINES);
    assert!(c.problems.iter().any(|p| p.contains("stopped")));
}

#[test]
fn glob_patterns() {
    assert!(glob_match(b"*.conf", b"10-a.conf"));
    assert!(!glob_match(b"*.conf", b"a.conf.bak"));
    assert!(glob_match(b"[0-9]?-*", b"10-x"));
    assert!(glob_match(b"[!a]x", b"bx"));
    assert!(!glob_match(b"[!a]x", b"ax"));
    assert!(glob_match(b"a[", b"a["));
    assert!(glob_match(b"*", b""));
    assert!(glob_match(b"a*b*c", b"aXXbYYc"));
    assert!(!glob_match(b"a*b*c", b"aXXbYY"));
    // Would take forever with naive recursion.
    let name = vec![b'a'; 4000];
    assert!(!glob_match(b"*a*a*a*a*a*a*a*a*a*a*a*a*b", &name));
}

#[test]
fn split_line_forms() {
    assert_eq!(split_line("   # c"), None);
    assert_eq!(
        split_line("Banner \"/etc/my banner\" x"),
        Some(("Banner".into(), vec!["/etc/my banner".into(), "x".into()]))
    );
    assert_eq!(
        split_line("Port=22"),
        Some(("Port".into(), vec!["22".into()]))
    );
}
