//! Unrelated text, garbage and big `--debug` logs: nothing is guessed, needles are
//! found at their offsets, and the order is root cause first.

use std::collections::BTreeSet;

use super::tests_samples::{SAMPLES, entry_match};
use super::*;

pub(super) use super::debug_log::{Rng, debug_line, debug_log};

#[test]
fn unrelated_text_matches_nothing() {
    let texts = [
        "Permission denied",
        "permission denied: /usr/bin/foo",
        "/bin/bash: line 1: exec: /usr/bin/foo: cannot execute: Permission denied",
        "ssh: connect to host 10.0.0.4 port 22: Connection refused",
        "ssh: Could not resolve hostname vm1: Name or service not known",
        "kex_exchange_identification: read: Connection reset by peer",
        "Connection to vm1 closed.",
        "Unable to find type [Foo]. The resource group was found.",
        "ssh(1) connects and logs into the specified destination. The user must prove their identity to the remote machine using one of several methods. ProxyCommand specifies the command to use to connect to the server. Permissions on ~/.ssh/id_rsa should be 0600; the key file is ignored if it is accessible by others.",
        "--ssh-client-folder : Folder path that contains ssh executables (ssh.exe, ssh-keygen.exe, etc). Default to ssh pre-installed if not provided.\n--ssh-proxy-folder : Path to the folder where the ssh proxy should be saved.",
        "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -Repository PSGallery",
        "The Az.Ssh.ArcProxy module version is 1.0.0.",
        "Successfuly installed SSH Connectivity Proxy file /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        "Authentication succeeded (publickey).",
        "error connecting to the address: 200 OK",
        "Unsupported",
        "(AuthorizationFailed)",
        "The port 2222 that you are trying to connect to is not allowed for SSH connections for this resource.",
    ];
    for t in texts {
        assert_eq!(explain(t.as_bytes()), [], "{t}");
    }
}

#[test]
fn empty_and_garbage_match_nothing() {
    assert_eq!(explain(b""), []);
    assert_eq!(explain(b"\n\r\n\x1b[0m\x1b"), []);
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let garbage: Vec<u8> = (0..1 << 20).map(|_| r.next() as u8).collect();
    assert_eq!(explain(&garbage), []);
    // Invalid UTF-8 and escape debris around anchors, but no whole message.
    let mut bad = Vec::new();
    for a in ENTRIES.iter().flat_map(|e| e.anchors.iter()) {
        bad.extend_from_slice(b"\xff\xfe\xc3(\x1b[");
        bad.extend_from_slice(a.as_bytes());
        bad.extend_from_slice(b"\xe2\x82\n\r\x00");
    }
    assert_eq!(explain(&bad), []);
}

#[test]
fn ten_thousand_debug_lines_match_nothing() {
    let mut r = Rng(42);
    let log: String = (0..10_000).map(|_| debug_line(&mut r) + "\n").collect();
    assert_eq!(explain(log.as_bytes()), []);
}

#[test]
fn needles_in_a_20_mb_debug_haystack() {
    let mut r = Rng(7);
    let mut log = debug_log(&mut r, 10 << 20);
    let needle = "Request for Azure Relay Information Failed: (NoRegisteredProviderFound) Code: NoRegisteredProviderFound\n";
    let at = log.len();
    log.push_str(needle);
    log.push_str(&debug_log(&mut r, 5 << 20));
    let bash = "/bin/bash: line 1: exec: /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: cannot execute: Permission denied\r\n";
    let at2 = log.len();
    log.push_str(bash);
    log.push_str(&debug_log(&mut r, 5 << 20));
    assert!(log.len() >= 20 << 20);

    let found = explain(log.as_bytes());
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].entry, "no-registered-provider-found");
    assert_eq!(
        found[0].offset,
        at + needle.find("NoRegisteredProviderFound").unwrap_or(0)
    );
    assert_eq!(found[1].entry, "proxy-exec-permission-denied-bash");
    assert_eq!(found[1].offset, at2 + bash.find("exec:").unwrap_or(0));
    assert_eq!(
        found[1].extracted["path"],
        "/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973"
    );
}

#[test]
fn needle_across_a_chunk_boundary() {
    let needle = "Code: NoRegisteredProviderFound";
    for at in (CHUNK - 40)..(CHUNK + 4) {
        let mut text = vec![b'x'; at];
        text.extend_from_slice(needle.as_bytes());
        text.extend_from_slice(b"\nmore\n");
        let found = explain(&text);
        assert_eq!(found.len(), 1, "at {at}");
        assert_eq!(found[0].offset, at + "Code: ".len(), "at {at}");
    }
}

#[test]
fn dense_anchors_do_not_hide_a_message() {
    // Far more anchor hits than one window holds.
    let mut text = "sshproxy: 503 connection unsuported zsh: ".repeat(20_000);
    let at = text.len();
    text.push_str("\nERROR: SSH connection is not enabled in the target port 2200.\n");
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].offset, at + "\nERROR: ".len());
    assert_eq!(found[0].extracted["port"], "2200");
}

#[test]
fn root_cause_comes_first() {
    let sample = |id: &str| {
        SAMPLES
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    };
    // The consequence is printed first; the root cause still leads.
    let text = format!(
        "{}\n{}\n",
        sample("arcproxy-module-not-found"),
        sample("arcproxy-version-unsupported")
    );
    let found = explain(text.as_bytes());
    let order: Vec<&str> = found.iter().map(|m| m.diagnosis.as_str()).collect();
    assert_eq!(
        order,
        ["arcproxy-version-mismatch", "arcproxy-not-installed"]
    );

    let text = format!(
        "{}\n{}\n{}\nConnection closed by UNKNOWN port 65535\n",
        sample("proxy-404-no-listeners"),
        sample("proxy-503-connection-refused"),
        sample("no-registered-provider-found")
    );
    let found = explain(text.as_bytes());
    let order: Vec<&str> = found.iter().map(|m| m.diagnosis.as_str()).collect();
    assert_eq!(
        order,
        [
            "provider-not-registered",
            "relay-listener-unavailable",
            "ssh-traffic-not-allowed"
        ]
    );

    // Alone, ssh's closing line is reported as the symptom it is, weakly.
    let found = explain(b"Connection closed by UNKNOWN port 65535\r\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].diagnosis, "ssh-connection-closed");
    assert!(crate::catalogue::symptom(found[0].diagnosis).is_some());
    assert!(found[0].confidence < 0.6);
}

#[test]
fn one_match_per_diagnosis_strongest_then_earliest() {
    let text = "Permission denied (publickey).\nRequest for Azure Relay Information Failed: (AuthorizationFailed) The client 'a@b.c' with object id 'x' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action' over scope '/subscriptions/s1/resourceGroups/g1/providers/Microsoft.HybridCompute/machines/m1/providers/Microsoft.HybridConnectivity/endpoints/default' or the scope is invalid.\nERROR: Unable to determine the target machine type as Azure VM or Arc Server\n";
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].entry, "authz-list-credentials");
    assert_eq!(
        found[0].extracted.get("machine").map(String::as_str),
        Some("m1")
    );
    assert_eq!(
        found[0].extracted.get("user").map(String::as_str),
        Some("a@b.c")
    );
}

#[test]
fn same_input_same_output() {
    let mut r = Rng(3);
    let mut text = debug_log(&mut r, 300_000);
    for (_, s) in SAMPLES.iter().step_by(3) {
        text.push_str(s);
        text.push('\n');
        text.push_str(&debug_log(&mut r, 3_000));
    }
    let a = explain(text.as_bytes());
    assert!(a.len() > 5);
    assert_eq!(a, explain(text.as_bytes()));
    // Every diagnosis the engine emitted is in the catalogue, once.
    let ids: Vec<&str> = a.iter().map(|m| m.diagnosis.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.iter().all(|d| crate::catalogue::diagnosis(d).is_some()));
    assert!(
        a.iter()
            .all(|m| entry_match(&a, m.entry).is_some() && (0.0..=1.0).contains(&m.confidence))
    );
}
