//! Real output is wrapped, prefixed, coloured and CRLF'd: every sample must still be
//! recognised, with the same values, in all those shapes.

use super::tests_samples::{SAMPLES, entry_match};
use super::verify::EXCERPT_CHARS;
use super::*;

/// Hard-wraps every line at `width` characters, mid-word, after indenting the first
/// line by `shift` spaces (so every wrap position is tried).
pub(super) fn hard_wrap(s: &str, width: usize, shift: usize) -> String {
    let mut out = String::new();
    for (n, line) in s.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let line = if n == 0 {
            format!("{}{line}", " ".repeat(shift))
        } else {
            line.to_string()
        };
        let chars: Vec<char> = line.chars().collect();
        for (k, part) in chars.chunks(width).enumerate() {
            if k > 0 {
                out.push('\n');
            }
            out.extend(part);
        }
    }
    out
}

/// PowerShell 7 ConciseView: `Cmd: message` cut at the console width, the rest on
/// continuation lines `     | ...`, each piece trimmed (spaces at a cut are lost).
pub(super) fn concise_view(cmd: &str, msg: &str, width: usize) -> String {
    let chars: Vec<char> = format!("{cmd}: {msg}").chars().collect();
    let first = width.min(chars.len());
    let mut out: String = chars[..first].iter().collect();
    let mut rest: Vec<char> = chars[first..]
        .iter()
        .collect::<String>()
        .trim()
        .chars()
        .collect();
    while !rest.is_empty() {
        let take = (width - 7).min(rest.len());
        out.push_str("\n     | ");
        out.extend(&rest[..take]);
        rest = rest[take..]
            .iter()
            .collect::<String>()
            .trim()
            .chars()
            .collect();
    }
    out
}

/// The values of entry `id`, without one that ends its message (other than a proxy
/// path): under a hard wrap nothing tells its last line from the next one.
fn values(found: &[Match], id: &str) -> Option<BTreeMap<String, String>> {
    let i = ENTRIES.iter().position(|e| e.id == id)?;
    let ends = compiled().entries[i]
        .trailing
        .as_deref()
        .filter(|k| *k != "path");
    entry_match(found, id).map(|m| {
        let mut v = m.extracted.clone();
        if let Some(k) = ends {
            v.remove(k);
        }
        v
    })
}

/// Runs `shape` over every sample and reports every sample whose entry or values changed.
fn check_all(what: &str, shape: impl Fn(&str) -> Vec<String>) {
    let mut failures = Vec::new();
    for (id, sample) in SAMPLES.iter() {
        let want = values(&explain(sample.as_bytes()), id);
        assert!(want.is_some(), "{id}: sample does not match");
        for input in shape(sample) {
            let got = values(&explain(input.as_bytes()), id);
            if got != want {
                failures.push(format!("{id}: {got:?} != {want:?} for {input:?}"));
            }
        }
    }
    let n = failures.len();
    failures.truncate(10);
    assert!(
        n == 0,
        "{what}: {n} failures, first:\n{}",
        failures.join("\n")
    );
}

#[test]
fn hard_wrap_at_80_anywhere() {
    check_all("width 80", |s| {
        (0..80).map(|shift| hard_wrap(s, 80, shift)).collect()
    });
}

#[test]
fn hard_wrap_at_120_anywhere() {
    check_all("width 120", |s| {
        (0..120).map(|shift| hard_wrap(s, 120, shift)).collect()
    });
}

#[test]
fn hard_wrap_at_any_width() {
    // Consoles from 30 to 200 columns, the message starting anywhere on its line.
    check_all("widths 30..=200", |s| {
        (30..=200usize)
            .step_by(7)
            .flat_map(|w| (0..w).step_by(5).map(move |shift| hard_wrap(s, w, shift)))
            .collect()
    });
}

#[test]
fn powershell_concise_view_continuation() {
    check_all("ConciseView", |s| {
        if s.contains('\n') {
            return Vec::new();
        }
        (30..=200)
            .step_by(3)
            .map(|w| concise_view("Enter-AzVM", s, w))
            .collect()
    });
}

#[test]
fn prefixes() {
    check_all("prefixes", |s| {
        [
            "ERROR: ",
            "WARNING: ",
            "Enter-AzVM: ",
            "Enter-AzVM : ",
            "az: error: ",
            "VERBOSE: ",
            "> ",
        ]
        .iter()
        .map(|p| format!("{p}{s}"))
        .collect()
    });
}

#[test]
fn crlf_lone_cr_and_tabs() {
    check_all("line ends", |s| {
        vec![
            format!("{}\r\n", s.replace('\n', "\r\n")),
            s.replace('\n', "\r"),
            format!("\tx\r\n{}\r\n", hard_wrap(s, 80, 5).replace('\n', "\r\n")),
            format!("\r\r\n{}\r\r\n", s.replace('\n', "\r\r\n")),
        ]
    });
}

#[test]
fn ansi_colours() {
    check_all("ANSI", |s| {
        let per_line: Vec<String> = s
            .split('\n')
            .map(|l| format!("\x1b[31;1m{l}\x1b[0m"))
            .collect();
        vec![
            format!("\x1b[31;1m{s}\x1b[0m"),
            per_line.join("\n"),
            format!("\x1b]0;pwsh\x07\x1b[91mERROR: \x1b[0m{s}\x1b[m"),
            // Colour codes whose ESC byte was lost in copying.
            format!("[31;1mEnter-AzVM: [31;1m{s}[0m"),
            // Wrapped, CRLF and coloured at once.
            hard_wrap(s, 80, 11)
                .split('\n')
                .map(|l| format!("\x1b[33m{l}\x1b[0m\r\n"))
                .collect(),
        ]
    });
}

#[test]
fn concise_view_keeps_a_wrapped_path() {
    let msg = "/bin/bash: line 1: exec: /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941: cannot execute: Permission denied";
    for width in 40..=130 {
        let text = concise_view("Enter-AzVM", msg, width);
        let found = explain(text.as_bytes());
        let m = entry_match(&found, "proxy-exec-permission-denied-bash")
            .unwrap_or_else(|| panic!("width {width}: {text}"));
        assert_eq!(
            m.extracted["path"],
            "/usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941",
            "width {width}"
        );
    }
}

#[test]
fn windows_powershell_51_error_record() {
    let msg = r"This version of Az.Ssh only supports version 1.x.x of the Az.Ssh.ArcProxy PowerShell Module. The Az.Ssh.ArcProxy module C:\Program Files\WindowsPowerShell\Modules\Az.Ssh.ArcProxy\2.1.0 version is 2.1.0, and it is not supported by this version of the Az.Ssh module. Check that this version of Az.Ssh is the latest available.";
    for width in [80, 100, 120] {
        let record = format!(
            "{}\r\nAt line:1 char:1\r\n+ Enter-AzVM -ResourceGroupName rg1 -Name vm1 -LocalUser alice\r\n+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : CloseError: (:) [Enter-AzVM], AzPSApplicationException\r\n    + FullyQualifiedErrorId : Microsoft.Azure.Commands.Ssh.EnterAzVMCommand\r\n",
            hard_wrap(&format!("Enter-AzVM : {msg}"), width, 0).replace('\n', "\r\n")
        );
        let found = explain(record.as_bytes());
        assert_eq!(found.len(), 1, "{found:#?}");
        let m = &found[0];
        assert_eq!(m.diagnosis, "arcproxy-version-mismatch");
        assert_eq!(m.offset, "Enter-AzVM : ".len());
        assert_eq!(m.extracted["version"], "2.1.0");
        // A space that falls on a wrap is lost; everything else survives.
        let want = r"C:\Program Files\WindowsPowerShell\Modules\Az.Ssh.ArcProxy\2.1.0";
        assert_eq!(
            m.extracted["modulePath"].replace(' ', ""),
            want.replace(' ', ""),
            "{width}"
        );
    }
}

#[test]
fn az_debug_json_lines_with_escapes() {
    let text = concat!(
        "DEBUG: cli.azext_ssh.ssh_utils: Running ssh command ssh vm1 -l alice -o ProxyCommand=\"/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973\" -p 2222\n",
        "debug1: Executing proxy command: exec /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973 -p 2222\n",
        "{\"level\":\"fatal\",\"msg\":\"sshproxy: error connecting to the address: 503 connection to localhost:2222 failed: dial tcp 127.0.0.1:2222: connect: connection refused. websocket: bad handshake\",\"proxyVersion\":\"1.3.026973\"}\n",
        "kex_exchange_identification: Connection closed by remote host\n",
        "Connection closed by UNKNOWN port 65535\n",
    );
    let found = explain(text.as_bytes());
    // The proxy's own error explains ssh's closing line.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].diagnosis, "ssh-traffic-not-allowed");
    assert_eq!(found[0].extracted["port"], "2222");
    assert!(
        found[0].excerpt.starts_with("{\"level\":\"fatal\""),
        "{}",
        found[0].excerpt
    );
}

#[test]
fn wrapped_values_are_joined() {
    let text = "ERROR: SSH connection is not enabled in the target port\n     | 2222.";
    let found = explain(text.as_bytes());
    assert_eq!(found[0].extracted["port"], "2222");
    let text = "Client is not authorized to create a default connectivity endpoint for 'web-\nserver-01' in Resource Group 'prod-\nrg'. This is a one-time operation";
    let found = explain(text.as_bytes());
    assert_eq!(found[0].extracted["machine"], "web-server-01");
    assert_eq!(found[0].extracted["resourceGroup"], "prod-rg");
    let text = "zsh:1: permission denied: /Users/alice/.clientsshproxy/sshProxy_darwin_am\nd64_1_3_026973\nConnection closed by UNKNOWN port 65535";
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].extracted["path"],
        "/Users/alice/.clientsshproxy/sshProxy_darwin_amd64_1_3_026973"
    );
}

#[test]
fn excerpt_is_cleaned_and_bounded() {
    let text = "\x1b[31mERROR: Failed to run ssh command with error: [WinError 2]\x1b[0m\r\n";
    let found = explain(text.as_bytes());
    assert_eq!(
        found[0].excerpt,
        "ERROR: Failed to run ssh command with error: [WinError 2]"
    );
    let long = format!(
        "{}ERROR: Could not find ssh.exe on path C:\\x\\ssh.exe. {}",
        "a".repeat(5000),
        "b".repeat(5000)
    );
    let found = explain(long.as_bytes());
    assert_eq!(found[0].offset, 5007);
    assert!(
        found[0].excerpt.starts_with("…Could not find ssh.exe"),
        "{}",
        found[0].excerpt
    );
    assert!(found[0].excerpt.chars().count() <= EXCERPT_CHARS + 2);
    assert!(found[0].excerpt.ends_with('…'));
}

#[test]
fn utf16_from_windows_powershell_redirection() {
    // `Enter-AzVM ... 2> err.txt` in Windows PowerShell 5.1 writes UTF-16LE with a BOM.
    let text = "Enter-AzVM : Schlüssel \u{1F511}\r\nERROR: SSH connection is not enabled in the target port 2222.\r\n";
    let at = text.find("SSH connection").unwrap_or(0);
    let units_before = text[..at].encode_utf16().count();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (input, bom) in [
        ([&[0xff, 0xfe][..], &le].concat(), 2),
        ([&[0xfe, 0xff][..], &be].concat(), 2),
        (le.clone(), 0),
    ] {
        let found = explain(&input);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].extracted["port"], "2222");
        assert_eq!(found[0].offset, bom + 2 * units_before);
    }
}

#[test]
fn a_long_path_ahead_of_the_anchor_is_kept() {
    let path = format!(
        "/home/{}/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        "very-long-directory-name/".repeat(9)
    );
    let msg = format!("/bin/bash: line 1: exec: {path}: cannot execute: Permission denied");
    let noise = "debug1: Reading configuration data /etc/ssh/ssh_config\n".repeat(100);
    for text in [
        format!("{noise}{msg}\n{noise}"),
        format!("{noise}{}\n{noise}", hard_wrap(&msg, 80, 3)),
    ] {
        let found = explain(text.as_bytes());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].extracted["path"], path);
        assert_eq!(
            found[0].offset,
            noise.len() + text[noise.len()..].find("exec:").unwrap_or(0)
        );
    }
}
