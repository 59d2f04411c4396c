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

#[test]
fn machine_and_group_names_are_one_word_of_each_command_line() {
    let vars: Vars = [
        ("machine".to_string(), "web 01".to_string()),
        ("resourceGroup".to_string(), "rg(prod)".to_string()),
    ]
    .into_iter()
    .collect();
    let r = remedy(DiagnosisId::ResourceNameAmbiguous, &vars);
    let command = |shell: Shell| {
        r.commands
            .iter()
            .find(|c| c.shell == shell)
            .map(|c| c.command.clone())
            .unwrap()
    };
    assert!(
        command(Shell::Az).starts_with("az ssh arc -g 'rg(prod)' -n 'web 01' "),
        "{}",
        command(Shell::Az)
    );
    assert!(
        command(Shell::Powershell)
            .starts_with("Enter-AzVM -ResourceGroupName 'rg(prod)' -Name 'web 01' "),
        "{}",
        command(Shell::Powershell)
    );
    // The prose names them as they are.
    assert!(r.text.contains("in rg(prod) is named web 01"), "{}", r.text);

    // Plain names and placeholders stay as they were.
    let plain: Vars = [
        ("machine".to_string(), "web-01".to_string()),
        ("resourceGroup".to_string(), "rg".to_string()),
    ]
    .into_iter()
    .collect();
    let r = remedy(DiagnosisId::SshAuthRefused, &plain);
    assert_eq!(
        r.commands[0].command,
        "az ssh-troubleshoot arc -g rg -n web-01"
    );
    assert_eq!(
        r.commands[1].command,
        "Test-AzSshArc -ResourceGroupName rg -Name web-01"
    );
    let r = remedy(DiagnosisId::SshAuthRefused, &Vars::new());
    assert_eq!(
        r.commands[0].command,
        "az ssh-troubleshoot arc -g <resource-group> -n <machine>"
    );
}
