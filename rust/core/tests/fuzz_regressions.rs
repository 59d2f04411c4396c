//! Inputs the fuzz targets (`fuzz/`) found to break a reader, kept so they never do
//! again. Each names the target that found it and what was wrong.

use ssh_troubleshoot_core::explain::explain;
use ssh_troubleshoot_core::parse::mountinfo;

/// The properties the `explain` target checks on every input.
fn explain_holds(input: &[u8]) -> Vec<&'static str> {
    let found = explain(input);
    for m in &found {
        assert!(m.offset <= input.len(), "{m:?}");
        assert!((0.0..=1.0).contains(&m.confidence));
    }
    found.iter().map(|m| m.diagnosis.as_str()).collect()
}

/// fuzz target `explain`: UTF-16 text whose proxy path ran on into CJK characters (odd
/// byte pairs decode to U+xx00). The match ended on a multi-byte character and the
/// excerpt looked for the end of the line from one byte before the match's end, inside
/// that character: a slicing panic.
#[test]
fn explain_excerpt_ending_in_a_multibyte_character() {
    let input = include_bytes!("fuzz_regressions/explain-excerpt-line-end-inside-char.bin");
    explain_holds(input);
    // The same shape in UTF-8, with the path ending in 1-, 2-, 3- and 4-byte characters.
    for tail in ["x", "é", "㌀", "💡"] {
        let text = format!(
            "zsh:1: permission denied: /Users/alice/.clientsshproxy/sshProxy_darwin_amd64_1_3_026973{tail}"
        );
        let utf8 = explain_holds(text.as_bytes());
        assert!(
            utf8.contains(&"proxy-permission-denied"),
            "{text}: {utf8:?}"
        );
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(explain_holds(&utf16), utf8, "{text} as UTF-16");
    }
}

/// Found while writing the mountinfo round-trip property: the kernel escapes only space,
/// tab, newline and backslash, so a carriage return or form feed in a mount point is
/// written raw; splitting fields on all ASCII whitespace lost such a mount (and with it
/// a `noexec` verdict).
#[test]
fn mountinfo_mount_point_with_raw_control_characters() {
    let text = "28 1 8:2 / / rw - ext4 /dev/sda2 rw\n\
                90 28 0:60 / /media/odd\rname\u{c}x rw,noexec - vfat /dev/sd\rb1 rw\n";
    let m = mountinfo::parse(text);
    assert_eq!(m.len(), 2, "{m:?}");
    assert_eq!(m[1].mount_point, "/media/odd\rname\u{c}x");
    assert_eq!(m[1].source, "/dev/sd\rb1");
    let on = mountinfo::mount_for(&m, "/media/odd\rname\u{c}x/sshProxy").unwrap();
    assert!(on.is_noexec());
}

/// fuzz target `arm_retry_after` (and by reading): a `Retry-After` date with a huge
/// year overflowed the day count (a panic where overflow is checked, a wrong wait
/// where it wraps). HTTP dates have four-digit years; others are not dates.
#[test]
fn retry_after_dates_with_huge_years() {
    use ssh_troubleshoot_core::arm::retry::{parse_http_date, requested_wait_from};
    use std::time::UNIX_EPOCH;
    for year in [
        "100000000000000000",
        "584554051223",
        "18446744073709551615",
        "10000",
    ] {
        let date = format!("Sun, 06 Nov {year} 08:49:37 GMT");
        assert_eq!(parse_http_date(&date), None, "{date}");
        let header = |name: &str| (name == "retry-after").then_some(date.as_str());
        assert_eq!(requested_wait_from(header, UNIX_EPOCH), None);
    }
    assert!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").is_some());
}
