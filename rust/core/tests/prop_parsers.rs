//! Property tests for the parsers of what the doctor reads: none panics on any input,
//! and what a writer of the format produces reads back as written.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use ssh_troubleshoot_core::parse::exe::{self, ExeArch, ExeFormat};
use ssh_troubleshoot_core::parse::mountinfo::{self, Mount};
use ssh_troubleshoot_core::parse::proc_net_tcp::{self, Listener};
use ssh_troubleshoot_core::parse::psd1::{self, Psd1Error};
use ssh_troubleshoot_core::parse::sshd_config;
use ssh_troubleshoot_core::platform::{Arch, Os};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------
// psd1

/// How a value is written in the manifest.
#[derive(Debug, Clone, Copy)]
enum Quoting {
    Single,
    Double,
    HereSingle,
    HereDouble,
}

fn quoting() -> impl Strategy<Value = Quoting> {
    prop_oneof![
        Just(Quoting::Single),
        Just(Quoting::Double),
        Just(Quoting::HereSingle),
        Just(Quoting::HereDouble),
    ]
}

/// `value` as a PowerShell string literal that reads back as `value`. Here-strings
/// cannot hold a line break here (a line starting with the closing quote would end
/// them), so such values fall back to the quoted forms.
fn quote(value: &str, how: Quoting) -> String {
    let single = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let double = |c: char| matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}');
    // Nor a line that starts with a (typographic too) quote and `@`: that ends them.
    let starts = |quote: &dyn Fn(char) -> bool| {
        let mut chars = value.chars();
        chars.next().is_some_and(quote) && chars.next() == Some('@')
    };
    let multiline = value.contains(['\n', '\r']);
    match how {
        Quoting::HereSingle if !multiline && !starts(&single) => format!("@'\n{value}\n'@"),
        Quoting::HereDouble if !multiline && !starts(&double) => format!("@\"\n{value}\n\"@"),
        Quoting::Single | Quoting::HereSingle => {
            let mut s = String::from("'");
            for c in value.chars() {
                s.push(c);
                if single(c) {
                    s.push(c);
                }
            }
            s.push('\'');
            s
        }
        Quoting::Double | Quoting::HereDouble => {
            let mut s = String::from("\"");
            for c in value.chars() {
                if c == '`' || double(c) {
                    s.push('`');
                }
                s.push(c);
            }
            s.push('"');
            s
        }
    }
}

/// Any text: ASCII with the characters the lexer treats specially, and some Unicode.
fn any_value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range(' ', '~'),
            1 => prop::sample::select(vec![
                '\n', '\r', '\t', '`', '\'', '"', '@', '#', '<', '>', '{', '}', '(', ')', ';',
                '=', ',', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{201E}', 'é',
                '\u{FEFF}', '💡',
            ]),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn version() -> impl Strategy<Value = String> {
    prop::collection::vec(0u32..=i32::MAX as u32, 2..=4).prop_map(|parts| {
        parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    })
}

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9]{0,15}".prop_filter("not ModuleVersion", |k| {
        !k.eq_ignore_ascii_case("ModuleVersion")
    })
}

/// One other entry of the top-level hashtable: a string, a number, an array or a nested
/// hashtable (which may hold a ModuleVersion of its own that must not be taken).
fn other_entry() -> impl Strategy<Value = String> {
    (key(), any_value(), quoting(), 0u8..4).prop_map(|(k, v, q, shape)| match shape {
        0 => format!("{k} = {}", quote(&v, q)),
        1 => format!("{k} = {}", v.len()),
        2 => format!(
            "{k} = @({}, 'x', @{{ ModuleVersion = '7.7' }})",
            quote(&v, q)
        ),
        _ => format!(
            "{k} = @{{\n    ModuleVersion = '8.8'\n    Inner = {}\n}}",
            quote(&v, q)
        ),
    })
}

/// A manifest whose top-level ModuleVersion is written as `quote(value, how)`, among
/// other entries, separated by newlines or semicolons, with comments around.
fn manifest(value: &str, how: Quoting, others: &[String], at: usize, semis: bool) -> String {
    let mut entries: Vec<String> = others.to_vec();
    let at = at.min(entries.len());
    entries.insert(at, format!("ModuleVersion = {}", quote(value, how)));
    let sep = if semis { "; " } else { "\n    " };
    format!(
        "\u{FEFF}# Module manifest\r\n<# block\n comment #>\n@{{\n    {}\n}}\n# after\n",
        entries.join(sep)
    )
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian {
            &[0xFE, 0xFF]
        } else {
            &[0xFF, 0xFE]
        });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn psd1_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = psd1::decode_text(&bytes);
        let _ = psd1::module_version(&text);
        let _ = psd1::parse_version(&text);
    }

    #[test]
    fn psd1_never_panics_on_manifest_like_text(
        parts in prop::collection::vec(prop::sample::select(vec![
            "@{", "}", "@(", ")", "{", "(", "'", "\"", "@'\n", "\n'@", "@\"\n", "\n\"@", "`",
            "`\n", "#", "<#", "#>", ";", ",", "=", "\n", "\r", " ", "ModuleVersion", "1.0",
            "\u{2019}", "\u{201C}",
        ]), 0..64)
    ) {
        let _ = psd1::module_version(&parts.concat());
    }

    #[test]
    fn psd1_module_version_reads_back(
        v in version(),
        how in quoting(),
        others in prop::collection::vec(other_entry(), 0..6),
        at in 0usize..7,
        semis in any::<bool>(),
    ) {
        let text = manifest(&v, how, &others, at, semis);
        prop_assert_eq!(psd1::module_version(&text), Ok(v.clone()), "{}", text);
        // As Windows PowerShell writes it: UTF-16 with or without a byte-order mark.
        for (be, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            let decoded = psd1::decode_text(&utf16(&text, be, bom));
            prop_assert_eq!(psd1::module_version(&decoded), Ok(v.clone()));
        }
    }

    #[test]
    fn psd1_any_string_value_reads_back_through_its_escapes(
        value in any_value(),
        how in quoting(),
        others in prop::collection::vec(other_entry(), 0..4),
        at in 0usize..5,
    ) {
        let text = manifest(&value, how, &others, at, false);
        let trimmed = value.trim().to_string();
        let expected = if psd1::parse_version(&trimmed).is_some() {
            Ok(trimmed)
        } else {
            Err(Psd1Error::InvalidVersion(trimmed))
        };
        prop_assert_eq!(psd1::module_version(&text), expected, "{}", text);
    }

    #[test]
    fn psd1_versions_map_onto_semver(parts in prop::collection::vec(0u64..=u64::from(u32::MAX), 2..=4)) {
        let text = parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
        let parsed = psd1::parse_version(&text);
        if parts.iter().any(|&p| p > i32::MAX as u64) {
            prop_assert!(parsed.is_none(), "{} is not a System.Version", text);
        } else {
            let v = parsed.expect("a version");
            let at = |i: usize| parts.get(i).copied().unwrap_or(0);
            prop_assert_eq!((v.major, v.minor, v.patch), (at(0), at(1), at(2)));
            let build = parts.get(3).map(u64::to_string).unwrap_or_default();
            prop_assert_eq!(v.build.as_str(), build.as_str());
        }
    }
}

// ---------------------------------------------------------------------------------
// mountinfo

/// The kernel's escaping of a mountinfo field (`mangle()` in fs/proc_namespace.c).
fn mangle(field: &str) -> String {
    let mut out = String::new();
    for c in field.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Field text as file systems name things: anything but NUL, including the
/// characters the kernel escapes and those it does not (CR, form feed, Unicode).
fn field_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('!', '~'),
            1 => prop::sample::select(vec![' ', '\t', '\n', '\\', '\r', '\u{c}', 'é', '💾']),
        ],
        1..24,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn option() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}(=[A-Za-z0-9:/._-]{0,10})?"
}

fn mount() -> impl Strategy<Value = Mount> {
    (
        any::<u32>(),
        field_text(),
        prop::collection::vec(option(), 1..6),
        "[a-z0-9][a-z0-9.]{0,10}",
        field_text(),
        // The kernel always writes super options (at least `rw` or `ro`).
        prop::collection::vec(option(), 1..6),
    )
        .prop_map(|(id, point, opts, fs, source, supers)| Mount {
            mount_id: id,
            mount_point: format!("/{point}"),
            mount_options: opts,
            fs_type: fs,
            source,
            super_options: supers,
        })
}

fn mountinfo_line(m: &Mount, parent: u32, dev: (u32, u32), optional: &[String]) -> String {
    let mut fields = vec![
        m.mount_id.to_string(),
        parent.to_string(),
        format!("{}:{}", dev.0, dev.1),
        "/".to_string(),
        mangle(&m.mount_point),
        m.mount_options.join(","),
    ];
    fields.extend(optional.iter().cloned());
    fields.push("-".into());
    fields.push(mangle(&m.fs_type));
    fields.push(mangle(&m.source));
    if !m.super_options.is_empty() {
        fields.push(m.super_options.join(","));
    }
    fields.join(" ")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mountinfo_never_panics(text in "(?s).{0,400}") {
        let mounts = mountinfo::parse(&text);
        let _ = mountinfo::mount_for(&mounts, "/a/b");
    }

    #[test]
    fn mountinfo_lines_read_back(
        mounts in prop::collection::vec(mount(), 0..8),
        parents in prop::collection::vec(any::<u32>(), 8),
        devs in prop::collection::vec((any::<u32>(), any::<u32>()), 8),
        optional in prop::collection::vec("(shared|master|propagate_from):[0-9]{1,4}|unbindable", 0..3),
    ) {
        let text: String = mounts
            .iter()
            .zip(parents.iter().zip(&devs))
            .map(|(m, (p, d))| mountinfo_line(m, *p, *d, &optional) + "\n")
            .collect();
        prop_assert_eq!(mountinfo::parse(&text), mounts.clone(), "{}", text);
        // The mount point of the last mount listed is found on that mount (or a later
        // one with the same point, which the last-listed rule prefers).
        if let Some(last) = mounts.last() {
            let found = mountinfo::mount_for(&mounts, &last.mount_point).expect("a mount");
            prop_assert_eq!(&found.mount_point, &last.mount_point);
        }
    }

    #[test]
    fn mountinfo_any_octal_escape_decodes(byte in 0u8..0x80, prefix in "[a-z]{0,5}") {
        let line = format!("1 0 0:1 / /{prefix}\\{byte:03o}x rw - tmpfs none rw");
        let m = mountinfo::parse(&line);
        prop_assert_eq!(m.len(), 1);
        prop_assert_eq!(&m[0].mount_point, &format!("/{prefix}{}x", char::from(byte)));
    }
}

// ---------------------------------------------------------------------------------
// executable headers

fn elf64(machine: u16, big_endian: bool) -> Vec<u8> {
    let mut f = vec![0u8; 0x400];
    let put16 = |f: &mut Vec<u8>, at: usize, v: u16| {
        let b = if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        f[at..at + 2].copy_from_slice(&b);
    };
    let put64 = |f: &mut Vec<u8>, at: usize, v: u64| {
        let b = if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        f[at..at + 8].copy_from_slice(&b);
    };
    f[..7].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, if big_endian { 2 } else { 1 }, 1]);
    put16(&mut f, 16, 3);
    put16(&mut f, 18, machine);
    put64(&mut f, 32, 64);
    put64(&mut f, 40, 0x300);
    put16(&mut f, 52, 64);
    put16(&mut f, 54, 56);
    put16(&mut f, 56, 0);
    put16(&mut f, 58, 64);
    put16(&mut f, 60, 4);
    f
}

fn elf_arch(machine: u16) -> ExeArch {
    match machine {
        3 => ExeArch::X86,
        62 => ExeArch::X86_64,
        40 => ExeArch::Arm,
        183 => ExeArch::Aarch64,
        n => ExeArch::Other(u32::from(n)),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn exe_never_panics(header in prop::collection::vec(any::<u8>(), 0..600), len in any::<u64>()) {
        let info = exe::sniff(&header, len);
        for os in [Os::Linux, Os::Macos, Os::Windows] {
            for arch in [Arch::X86_64, Arch::X86, Arch::Aarch64, Arch::Arm, Arch::Other] {
                let _ = exe::runs_on(&info, os, arch);
            }
        }
    }

    #[test]
    fn exe_never_panics_behind_each_magic(
        magic in prop::sample::select(vec![
            &b"\x7fELF"[..], b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf", b"MZ", b"#!",
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..600),
        len in prop_oneof![any::<u64>(), 0u64..2048],
    ) {
        let header = [magic, &rest[..]].concat();
        let info = exe::sniff(&header, len);
        if len > 0 {
            prop_assert_ne!(info.format, ExeFormat::Empty);
        }
    }

    #[test]
    fn exe_elf_machine_and_truncation(machine in any::<u16>(), be in any::<bool>(), len in 1u64..0x800) {
        let header = elf64(machine, be);
        let info = exe::sniff(&header, len);
        prop_assert_eq!(info.format, ExeFormat::Elf);
        prop_assert_eq!(info.arch, Some(elf_arch(machine)));
        // The section headers end at 0x300 + 4 * 64 = 0x400.
        prop_assert_eq!(info.truncated, len < 0x400, "{}", info.detail);
        prop_assert_eq!(exe::sniff(&header, 0).format, ExeFormat::Empty);
    }
}

// ---------------------------------------------------------------------------------
// sshd_config

/// A reference fnmatch for `*`, `?` and `[...]` (with `!` and ranges), written as the
/// plain recursive definition; a `[` with no closing `]` is an ordinary character.
fn reference_glob(p: &[u8], n: &[u8]) -> bool {
    match p.split_first() {
        None => n.is_empty(),
        Some((b'*', rest)) => (0..=n.len()).any(|k| reference_glob(rest, &n[k..])),
        Some((b'?', rest)) => !n.is_empty() && reference_glob(rest, &n[1..]),
        Some((b'[', rest)) => {
            // The closing `]` is searched from the second byte on: a leading `]` (or
            // the one right after `!`... which is the second byte) is a member.
            match rest.iter().skip(1).position(|&b| b == b']').map(|i| i + 1) {
                None => n.first() == Some(&b'[') && reference_glob(rest, &n[1..]),
                Some(close) => {
                    let Some((&c, tail)) = n.split_first() else {
                        return false;
                    };
                    let set = &rest[..close];
                    let (negate, body) = match set.split_first() {
                        Some((b'!', b)) => (true, b),
                        _ => (false, set),
                    };
                    let mut hit = false;
                    let mut i = 0;
                    while i < body.len() {
                        if i + 2 < body.len() && body[i + 1] == b'-' {
                            hit |= (body[i]..=body[i + 2]).contains(&c);
                            i += 3;
                        } else {
                            hit |= body[i] == c;
                            i += 1;
                        }
                    }
                    hit != negate && reference_glob(&rest[close + 1..], tail)
                }
            }
        }
        Some((&c, rest)) => n.first() == Some(&c) && reference_glob(rest, &n[1..]),
    }
}

/// An unquoted argument; one starting with `=` would be read as the `Key = value` form.
fn arg() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_./:\\[\\]*?,-][A-Za-z0-9_./:\\[\\]*?,=-]{0,11}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sshd_split_line_never_panics(line in "(?s).{0,200}") {
        let _ = sshd_config::split_line(&line);
        let _ = sshd_config::split_listen(&line);
    }

    #[test]
    fn sshd_split_line_reads_back(
        keyword in "[A-Za-z]{1,20}",
        args in prop::collection::vec(arg(), 0..5),
        quoted in prop::collection::vec("[A-Za-z0-9 ./-]{0,12}", 0..3),
        eq in prop::sample::select(vec![" ", "=", " = ", "\t", "  "]),
        comment in any::<bool>(),
    ) {
        let mut words: Vec<String> = args.clone();
        words.extend(quoted.iter().map(|q| format!("\"{q}\"")));
        let mut line = format!("  {keyword}{eq}{}", words.join(" "));
        if comment {
            line.push_str(" # a comment");
        }
        let mut expected = args.clone();
        expected.extend(quoted.iter().cloned());
        // A line whose arguments are all gone after `=` still has its keyword.
        let (k, a) = sshd_config::split_line(&line).expect("not blank");
        prop_assert_eq!(k, keyword);
        prop_assert_eq!(a, expected);
    }

    #[test]
    fn sshd_listen_addresses_read_back(
        v4 in any::<u32>(), v6 in any::<u128>(), port in 1u16..=u16::MAX, host in "[a-z][a-z0-9.-]{0,20}",
    ) {
        let v4 = Ipv4Addr::from(v4).to_string();
        let v6 = Ipv6Addr::from(v6).to_string();
        prop_assert_eq!(sshd_config::split_listen(&format!("{v4}:{port}")), Ok((v4.clone(), Some(port))));
        prop_assert_eq!(sshd_config::split_listen(&v4), Ok((v4, None)));
        prop_assert_eq!(sshd_config::split_listen(&format!("[{v6}]:{port}")), Ok((v6.clone(), Some(port))));
        prop_assert_eq!(sshd_config::split_listen(&format!("[{v6}]")), Ok((v6.clone(), None)));
        if v6.matches(':').count() != 1 {
            prop_assert_eq!(sshd_config::split_listen(&v6), Ok((v6, None)));
        }
        prop_assert_eq!(sshd_config::split_listen(&host), Ok((host.clone(), None)));
        let port_zero = format!("{host}:0");
        prop_assert!(sshd_config::split_listen(&port_zero).is_err());
    }

    #[test]
    fn sshd_glob_matches_the_reference(
        pat in "[ab*?\\[\\]!-]{0,10}",
        name in "[ab\\[\\]!-]{0,10}",
    ) {
        prop_assert_eq!(
            sshd_config::glob_match(pat.as_bytes(), name.as_bytes()),
            reference_glob(pat.as_bytes(), name.as_bytes()),
            "{} against {}", pat, name
        );
    }

    #[test]
    fn sshd_glob_star_patterns_match_their_source(
        name in "[a-z0-9._-]{1,24}",
        choices in prop::collection::vec(0u8..4, 24),
    ) {
        // Each character of the name is kept (0, 1), becomes `?` (2), or is absorbed
        // into a `*` (3, one star per run): the pattern still matches the name.
        let mut pat = Vec::new();
        for (c, choice) in name.bytes().zip(&choices) {
            match choice {
                2 => pat.push(b'?'),
                3 if pat.last() == Some(&b'*') => {}
                3 => pat.push(b'*'),
                _ => pat.push(c),
            }
        }
        prop_assert!(sshd_config::glob_match(&pat, name.as_bytes()), "{}", String::from_utf8_lossy(&pat));
    }
}

// ---------------------------------------------------------------------------------
// /proc/net/tcp

const TCP_HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

fn kernel_address(addr: IpAddr) -> String {
    let words: Vec<[u8; 4]> = match addr {
        IpAddr::V4(a) => vec![a.octets()],
        IpAddr::V6(a) => a
            .octets()
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect(),
    };
    // Each 32-bit word is printed as a number in host (little-endian) order.
    words
        .iter()
        .map(|w| format!("{:08X}", u32::from_le_bytes(*w)))
        .collect()
}

fn listener() -> impl Strategy<Value = Listener> {
    (
        prop_oneof![
            any::<u32>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
            any::<u128>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        ],
        any::<u16>(),
    )
        .prop_map(|(addr, port)| Listener { addr, port })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn proc_net_tcp_never_panics(text in "(?s).{0,400}") {
        let _ = proc_net_tcp::listeners(&text);
    }

    #[test]
    fn proc_net_tcp_tables_read_back(
        sockets in prop::collection::vec((listener(), prop::sample::select(vec!["0A", "01", "06", "08", "0a"])), 0..12),
    ) {
        let mut text = String::from(TCP_HEADER);
        text.push('\n');
        for (i, (l, state)) in sockets.iter().enumerate() {
            let zero = "0".repeat(kernel_address(l.addr).len());
            text.push_str(&format!(
                "{i:4}: {}:{:04X} {zero}:0000 {state} 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n",
                kernel_address(l.addr),
                l.port,
            ));
        }
        let expected: Vec<Listener> = sockets
            .iter()
            .filter(|(_, s)| s.eq_ignore_ascii_case("0A"))
            .map(|(l, _)| *l)
            .collect();
        prop_assert_eq!(proc_net_tcp::listeners(&text), expected);
    }
}
