//! The catalogue's own invariants: ids, remedies, quoting.

use super::*;
use crate::model::DiagnosisId;

#[test]
fn every_diagnosis_has_a_specific_remedy_and_https_docs() {
    for d in DIAGNOSES {
        let r = remedy(d.id, &Vars::new());
        assert_ne!(
            r.text, "See the troubleshooting guide.",
            "{} has no remedy",
            d.id
        );
        assert!(r.docs.starts_with("https://"), "{}", d.id);
    }
}

#[test]
fn ids_are_unique() {
    let mut ids: Vec<_> = DIAGNOSES.iter().map(|d| d.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), DIAGNOSES.len());
}

#[test]
fn remedy_fills_the_users_values() {
    let vars: Vars = [(
        "path",
        "/home/a b/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
    )]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let r = remedy(DiagnosisId::ProxyPermissionDenied, &vars);
    assert_eq!(
        r.commands[0].command,
        "chmod u+x '/home/a b/.clientsshproxy/sshProxy_linux_amd64_1_3_026973'"
    );
    let vars: Vars = [
        ("port", "2222"),
        ("machine", "web01"),
        ("resourceGroup", "rg1"),
        ("subscription", "0000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let r = remedy(DiagnosisId::SshTrafficNotAllowed, &vars);
    assert!(r.commands[0].command.contains(
        "/subscriptions/0000/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/web01/"
    ));
    assert!(r.commands[0].command.contains("\"port\": 2222"));
}

#[test]
fn quoting_survives_hostile_values() {
    assert_eq!(sh_quote("it's"), r"'it'\''s'");
    assert_eq!(ps_quote("it's"), "'it''s'");
    assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
}
