//! The knowledge base against real message text: every entry has samples
//! (`tests_samples.rs`) that it matches with the right values, and the KB is well formed.

use std::collections::BTreeSet;

use super::anchors::Anchors;
use super::compile::{Piece, pieces, skeleton_of};
use super::tests_samples::{EXTRACTED, SAMPLES, entry_match, samples_of};
use super::*;

#[test]
fn every_sample_matches_its_entry() {
    for (id, sample) in SAMPLES.iter() {
        let found = explain(sample.as_bytes());
        assert!(
            entry_match(&found, id).is_some(),
            "{id} did not match its sample; got {found:#?}"
        );
    }
}

#[test]
fn every_entry_has_a_sample() {
    let sampled: BTreeSet<&str> = SAMPLES.iter().map(|(id, _)| *id).collect();
    for e in ENTRIES.iter() {
        assert!(sampled.contains(e.id), "entry {} has no sample", e.id);
    }
    let ids: BTreeSet<&str> = ENTRIES.iter().map(|e| e.id).collect();
    for id in &sampled {
        assert!(ids.contains(id), "sample for unknown entry {id}");
    }
}

#[test]
fn samples_yield_their_values() {
    for (id, key, want) in EXTRACTED.iter() {
        for sample in samples_of(id) {
            let found = explain(sample.as_bytes());
            let m = entry_match(&found, id).unwrap_or_else(|| panic!("{id} did not match"));
            assert_eq!(
                m.extracted.get(*key).map(String::as_str),
                Some(*want),
                "{id} {key} in {:?}",
                m.extracted
            );
        }
    }
}

#[test]
fn every_entry_has_a_confidence_and_drops_only_beside_another_diagnosis() {
    // Diagnosis ids are a DiagnosisId: an unknown one does not compile.
    for e in ENTRIES.iter() {
        assert!((0.0..=1.0).contains(&e.confidence), "{}", e.id);
        assert!(
            !e.unless.contains(&kb::Unless::Cause(e.diagnosis)),
            "{}: dropped beside its own diagnosis {}",
            e.id,
            e.diagnosis
        );
    }
}

#[test]
fn kb_is_well_formed() {
    let ids: BTreeSet<&str> = ENTRIES.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), ENTRIES.len(), "entry ids are unique");
    let c = compiled();
    for (e, v) in ENTRIES.iter().zip(&c.entries) {
        assert!(
            v.regexes().template.is_some(),
            "{}: template regex does not compile",
            e.id
        );
        assert_eq!(
            v.regexes().extra.len(),
            e.extra.len(),
            "{}: an extra template does not compile",
            e.id
        );
        // A message may open with its value (`'{command}' is not recognized`), but its
        // first fixed phrase must be long enough to find it by.
        assert!(
            pieces(e.template).iter().find_map(|p| match p {
                Piece::Text(t) if skeleton_of(t).count() > 0 => Some(skeleton_of(t).count() >= 4),
                _ => None,
            }) == Some(true),
            "{}: the template's first fixed phrase is too short",
            e.id
        );
        assert!(!e.anchors.is_empty(), "{}: needs an anchor", e.id);
        for a in e.anchors {
            assert!(
                a.len() >= 4 && a.is_ascii() && *a == a.to_ascii_lowercase(),
                "{}: anchor {a:?}",
                e.id
            );
            assert!(
                samples_of(e.id).any(|s| s.to_ascii_lowercase().contains(a)),
                "{}: anchor {a:?} not in its samples",
                e.id
            );
        }
        for (key, _) in e.require {
            assert!(
                e.template.contains(&format!("{{{key}}}")),
                "{}: requires a value it does not take",
                e.id
            );
        }
    }
    let anchors: BTreeSet<&str> = ENTRIES
        .iter()
        .flat_map(|e| e.anchors.iter().copied())
        .collect();
    assert!(
        anchors.len() <= 64,
        "keep the anchors within the packed searcher's fast range, have {}",
        anchors.len()
    );
    assert!(matches!(
        c.anchors,
        Anchors::Packed(_) | Anchors::Automaton(_)
    ));
}

#[test]
fn templates_split_into_text_and_holes() {
    let p = pieces("a {path}: b {_}{x} {not a hole} {");
    let kinds: Vec<String> = p
        .iter()
        .map(|p| match p {
            Piece::Text(t) => format!("T{t}"),
            Piece::Hole(h) => format!("H{h}"),
        })
        .collect();
    assert_eq!(
        kinds,
        ["Ta ", "Hpath", "T: b ", "H_", "Hx", "T {", "Tnot a hole} {"]
    );
}

#[test]
fn the_seed_bash_message_names_the_proxy() {
    let found = explain(
        SAMPLES
            .iter()
            .find(|(id, _)| *id == "proxy-exec-permission-denied-bash")
            .map(|(_, s)| s.as_bytes())
            .unwrap_or_default(),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let m = &found[0];
    assert_eq!(m.diagnosis, "proxy-permission-denied");
    assert!(m.confidence >= 0.9);
    assert_eq!(m.offset, "/bin/bash: line 1: ".len());
    assert_eq!(
        m.excerpt,
        "/bin/bash: line 1: exec: /usr/local/share/powershell/Modules/Az.Ssh.ArcProxy/1.0.0/sshProxy_linux_amd64_1.3.022941: cannot execute: Permission denied"
    );
}

#[test]
fn key_permission_story_is_one_diagnosis_with_the_path() {
    let text = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
        @         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n\
        @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
        Permissions 0644 for '/home/alice/.ssh/id_rsa' are too open.\n\
        It is required that your private key files are NOT accessible by others.\n\
        This private key will be ignored.\n\
        Load key \"/home/alice/.ssh/id_rsa\": bad permissions\n\
        alice@vm1: Permission denied (publickey).\n";
    let found = explain(text.as_bytes());
    // "Permission denied (publickey)" is only the consequence here.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].diagnosis, "private-key-permissions");
    assert_eq!(found[0].entry, "key-permissions-too-open");
    assert_eq!(
        found[0].extracted.get("path").map(String::as_str),
        Some("/home/alice/.ssh/id_rsa")
    );
}

#[test]
fn a_later_weaker_entry_lends_values_to_the_winner() {
    // Equal confidence: the earlier banner wins and takes the path from the later line.
    let text = "WARNING: UNPROTECTED PRIVATE KEY FILE!\nLoad key \"/tmp/k\": bad permissions\n";
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].entry, "unprotected-private-key-file");
    assert_eq!(
        found[0].extracted.get("path").map(String::as_str),
        Some("/tmp/k")
    );
}

/// A traceback through this tool's own az extension (`azext_ssh_troubleshoot`, in
/// `cliextensions/ssh-troubleshoot`) is not the ssh extension's: skeletons drop the `_`
/// that tells the names apart, so the context must not take one for the other.
#[test]
fn a_traceback_of_our_own_extension_is_not_the_ssh_extensions() {
    let ours = "Traceback (most recent call last):\n  File \"/home/alice/.azure/cliextensions/ssh-troubleshoot/azext_ssh_troubleshoot/custom.py\", line 42, in ssh_troubleshoot_arc\n    from azext_ssh_troubleshoot import _core\nModuleNotFoundError: No module named 'azext_ssh_troubleshoot._native'";
    let found = explain(ours.as_bytes());
    assert!(
        found.iter().all(|m| m.diagnosis != "ssh-extension-broken"),
        "{found:#?}"
    );
    // The same failure in the ssh extension's files still is.
    let theirs = ours
        .replace("ssh-troubleshoot/azext_ssh_troubleshoot", "ssh/azext_ssh")
        .replace("azext_ssh_troubleshoot", "azext_ssh");
    let found = explain(theirs.as_bytes());
    assert!(
        found.iter().any(|m| m.diagnosis == "ssh-extension-broken"),
        "{found:#?}"
    );
}

/// The first sentence of an authorization error, pasted alone (the az help's own
/// `--explain` example is one), names its cause with its values.
#[test]
fn the_first_sentence_of_an_endpoint_authorization_error_is_enough() {
    let cases = [(
        "Client is not authorized to create a default connectivity endpoint for 'MyArcServer' in Resource Group 'MyResourceGroup'.",
        "endpoint-create-forbidden",
    )];
    for (text, entry) in cases {
        let found = explain(text.as_bytes());
        let m = found
            .iter()
            .find(|m| m.entry == entry)
            .unwrap_or_else(|| panic!("{entry} did not match {text:?}: {found:#?}"));
        assert_eq!(m.diagnosis, "endpoint-creation-forbidden");
        assert_eq!(m.extracted["machine"], "MyArcServer");
        assert_eq!(m.extracted["resourceGroup"], "MyResourceGroup");
        assert!(!m.extracted.contains_key("port"), "{:?}", m.extracted);
    }
}

/// az --debug prints the traceback of every error the ssh extension raises: beside the
/// error's own cause the frame is no sign of a broken extension; alone, it still is.
#[test]
fn a_traceback_frame_beside_another_cause_is_not_a_broken_extension() {
    let frame = "Traceback (most recent call last):\n  File \"/home/alice/.azure/cliextensions/ssh/azext_ssh/custom.py\", line 87, in ssh_arc\n    raise azclierror.ClientRequestError(\n";
    let with_cause = format!(
        "{frame}azure.cli.core.azclierror.ClientRequestError: SSH connection is not enabled in the target port 2222.\n"
    );
    let found = explain(with_cause.as_bytes());
    let diagnoses: Vec<&str> = found.iter().map(|m| m.diagnosis.as_str()).collect();
    assert_eq!(diagnoses, ["ssh-traffic-not-allowed"], "{found:#?}");
    let alone = explain(frame.as_bytes());
    assert!(
        alone.iter().any(|m| m.diagnosis == "ssh-extension-broken"),
        "{alone:#?}"
    );
}

#[test]
fn ssh_context_is_the_proxy_or_a_client_whatever_the_spacing() {
    assert!(has_ssh_context(
        b"Enter-AzVM: Failed to find the PowerShell module"
    ));
    assert!(has_ssh_context(b"ERROR: AZ SSH arc failed"));
    assert!(has_ssh_context(
        b"/home/u/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: exec"
    ));
    assert!(!has_ssh_context(b"Run Connect-AzAccount to login."));
    assert!(!has_ssh_context(b""));
    assert!(!has_ssh_context(&[0xff, 0xfe, 0x00]));
}
