//! Every diagnosis id of CONTRACT.md §5 has a catalogue entry with a remedy and a docs
//! link, a knowledge-base entry built from a real message, and a check that can report
//! it — or a stated reason why not (yet).

use std::collections::BTreeSet;

use ssh_troubleshoot_core::catalogue::{self, Vars};
use ssh_troubleshoot_core::explain::ENTRIES;
use ssh_troubleshoot_core::registry;

/// CONTRACT.md §5, both tables.
const CONTRACT_IDS: &[&str] = &[
    "client-binaries-not-found",
    "arcproxy-version-mismatch",
    "arcproxy-not-installed",
    "proxy-permission-denied",
    "post-preview-reconfiguration",
    "ssh-traffic-not-allowed",
    "endpoint-creation-forbidden",
    "connect-permission-missing",
    "provider-not-registered",
    "not-signed-in",
    "machine-not-found",
    "machine-disconnected",
    "agent-outdated",
    "entra-login-extension-missing",
    "service-config-propagating",
    "relay-listener-unavailable",
    "proxy-architecture-unsupported",
    "openssh-version-incompatible",
    "private-key-permissions",
];

/// Diagnoses no client prints a message of its own for.
const NO_MESSAGE: &[(&str, &str)] = &[
    (
        "machine-disconnected",
        "no client names a disconnected machine: the connection fails like a down relay listener; proven from the machine's status in Azure",
    ),
    (
        "entra-login-extension-missing",
        "the client only shows 'Permission denied (publickey).', the ssh-auth-refused symptom that lists it as a likely cause; proven from the machine's extensions in Azure",
    ),
    (
        "post-preview-reconfiguration",
        "ssh only prints its generic 'Connection closed by UNKNOWN port 65535', the ssh-connection-closed symptom that lists it as a likely cause; proven from the service configuration and the agent in Azure",
    ),
];

/// Diagnoses no live check reports yet, and where they will come from.
const NOT_CHECKED_YET: &[(&str, &str)] = &[
    (
        "openssh-version-incompatible",
        "client.openssh and server.sshd-answers report each side's version, but no check compares the two yet; explained from the clients' own warning",
    ),
    (
        "private-key-permissions",
        "needs the key files of a real connection; explained from ssh's own message",
    ),
];

fn reason<'a>(table: &'a [(&str, &str)], id: &str) -> Option<&'a str> {
    table.iter().find(|(i, _)| *i == id).map(|(_, r)| *r)
}

#[test]
fn every_contract_id_is_covered_or_says_why_not() {
    let mut checks = registry::all();
    checks.extend(registry::server());
    for id in CONTRACT_IDS {
        let d = catalogue::diagnosis(id).unwrap_or_else(|| panic!("{id} is not in the catalogue"));
        assert!(d.docs.starts_with("https://"), "{id}: docs link");
        let remedy = catalogue::remedy(id, &Vars::new());
        assert!(
            !remedy.text.is_empty() && remedy.docs == d.docs,
            "{id}: remedy"
        );

        let in_kb = ENTRIES.iter().any(|e| e.diagnosis == *id);
        assert!(
            in_kb || reason(NO_MESSAGE, id).is_some(),
            "{id}: no knowledge-base entry and no reason why not"
        );
        assert!(
            !(in_kb && reason(NO_MESSAGE, id).is_some()),
            "{id}: has entries now; drop it from NO_MESSAGE"
        );

        let checked = checks.iter().any(|c| c.diagnoses().contains(id));
        assert!(
            checked || reason(NOT_CHECKED_YET, id).is_some(),
            "{id}: no check and no reason why not"
        );
        assert!(
            !(checked && reason(NOT_CHECKED_YET, id).is_some()),
            "{id}: a check reports it now; drop it from NOT_CHECKED_YET"
        );
    }
}

#[test]
fn every_id_a_check_or_entry_names_is_in_the_catalogue() {
    for entry in ENTRIES.iter() {
        assert!(
            catalogue::diagnosis(entry.diagnosis).is_some(),
            "entry {} names {}",
            entry.id,
            entry.diagnosis
        );
    }
    for check in registry::all().into_iter().chain(registry::server()) {
        for d in check.diagnoses() {
            assert!(
                catalogue::diagnosis(d).is_some(),
                "{} names {d}",
                check.id()
            );
        }
    }
}

/// When CONTRACT.md sits beside the checkout (as `shared/` does in CI), its §5 ids are
/// exactly the list above.
#[test]
fn the_list_matches_contract_md_when_present() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Some(text) = ["../shared/CONTRACT.md", "shared/CONTRACT.md"]
        .iter()
        .find_map(|p| std::fs::read_to_string(root.join(p)).ok())
    else {
        // Not beside this checkout: the list above stands alone.
        return;
    };
    let section = text.split("## 5.").nth(1).expect("§5 in CONTRACT.md");
    let from_contract: BTreeSet<&str> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    let ours: BTreeSet<&str> = CONTRACT_IDS.iter().copied().collect();
    assert_eq!(from_contract, ours);
}

/// A symptom sends the user to checks that tell its causes apart: each must exist.
#[test]
fn every_check_a_symptom_names_is_registered() {
    let ids: Vec<&str> = registry::all()
        .into_iter()
        .chain(registry::server())
        .map(|c| c.id())
        .collect();
    for symptom in catalogue::SYMPTOMS {
        for check in symptom.tell_apart {
            assert!(ids.contains(check), "{}: no check {check}", symptom.id);
        }
    }
}
