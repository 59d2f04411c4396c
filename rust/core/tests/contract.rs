//! Every diagnosis id of CONTRACT.md §5 has a catalogue entry with a remedy and a docs
//! link, a knowledge-base entry built from a real message, and a check that can report
//! it — or a stated reason why not (yet).

use ssh_troubleshoot_core::catalogue::{self, Vars};
use ssh_troubleshoot_core::explain::ENTRIES;
use ssh_troubleshoot_core::model::DiagnosisId;
use ssh_troubleshoot_core::registry;

/// The diagnosis ids of docs/CONTRACT.md §5 (both tables): the one list every test of
/// the contract reads.
fn contract_ids() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("docs/CONTRACT.md")).expect("docs/CONTRACT.md");
    let section = text.split("## 5.").nth(1).expect("§5 in CONTRACT.md");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| l.split('`').nth(1))
        .map(str::to_string)
        .collect()
}

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
    let ids = contract_ids();
    assert!(ids.len() >= 19, "§5 lists {} ids", ids.len());
    for id in &ids {
        let id = DiagnosisId::parse(id).unwrap_or_else(|| panic!("{id} is not a DiagnosisId"));
        let d = catalogue::entry(id);
        assert!(d.docs.starts_with("https://"), "{id}: docs link");
        let remedy = catalogue::remedy(id, &Vars::new());
        assert!(
            !remedy.text.is_empty() && remedy.docs == d.docs,
            "{id}: remedy"
        );

        let in_kb = ENTRIES.iter().any(|e| e.diagnosis == id);
        let id = id.as_str();
        assert!(
            in_kb || reason(NO_MESSAGE, id).is_some(),
            "{id}: no knowledge-base entry and no reason why not"
        );
        assert!(
            !(in_kb && reason(NO_MESSAGE, id).is_some()),
            "{id}: has entries now; drop it from NO_MESSAGE"
        );

        let checked = checks
            .iter()
            .any(|c| c.diagnoses().iter().any(|d| d.as_str() == id));
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
fn the_catalogue_has_one_entry_per_id_in_the_enum_order() {
    // Entries, checks and the knowledge base name ids through the enum, so a typo does
    // not compile; what is left to hold is that the catalogue covers the enum exactly.
    let listed: Vec<DiagnosisId> = catalogue::DIAGNOSES.iter().map(|d| d.id).collect();
    assert_eq!(listed, DiagnosisId::ALL);
    for id in DiagnosisId::ALL {
        assert_eq!(catalogue::diagnosis(id.as_str()).map(|d| d.id), Some(*id));
    }
}

/// The repository's copy of the contract is the one fixed beside the checkout (as
/// `shared/` is in CI), word for word; elsewhere the copy stands alone.
#[test]
fn docs_contract_md_is_the_fixed_contract_when_present() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Ok(fixed) = std::fs::read_to_string(root.join("../shared/CONTRACT.md")) else {
        return;
    };
    let ours = std::fs::read_to_string(root.join("docs/CONTRACT.md")).expect("docs/CONTRACT.md");
    assert_eq!(
        ours, fixed,
        "docs/CONTRACT.md differs from ../shared/CONTRACT.md"
    );
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
