//! client.openssh's judgment, fed facts directly.

use super::*;

fn found(
    rules: Rules,
    program: &'static str,
    path: &str,
    ran: Result<Option<String>, String>,
) -> Lookup {
    Lookup {
        rules,
        program,
        found: Some(path.into()),
        searched: vec![path.into()],
        missed_folder: None,
        ran: Some(ran),
    }
}

#[test]
fn both_found_and_running_pass_with_the_ssh_banner() {
    let banner = "OpenSSH_9.6p1, OpenSSL 3.0.13".to_string();
    let lookups = [
        found(Rules::AzureCli, "ssh", "/usr/bin/ssh", Ok(Some(banner))),
        found(
            Rules::AzureCli,
            "ssh-keygen",
            "/usr/bin/ssh-keygen",
            Ok(None),
        ),
    ];
    let o = judge(&lookups, false, &Vars::new(), Os::Linux);
    assert_eq!(o.status, Status::Pass);
    assert_eq!(o.diagnosis, None);
    assert_eq!(
        o.summary,
        "ssh and ssh-keygen found and run (/usr/bin/ssh: OpenSSH_9.6p1, OpenSSL 3.0.13)."
    );
    assert_eq!(
        o.evidence.get("ssh-keygen (az)").map(String::as_str),
        Some("/usr/bin/ssh-keygen: runs")
    );
}

#[test]
fn a_missing_ssh_keygen_fails_unless_a_local_user_makes_it_optional() {
    let missing = Lookup {
        rules: Rules::PowerShell,
        program: "ssh-keygen",
        found: None,
        searched: vec!["PATH (ssh-keygen)".into()],
        missed_folder: None,
        ran: None,
    };
    let ssh = found(
        Rules::PowerShell,
        "ssh",
        "/usr/bin/ssh",
        Ok(Some("OpenSSH_9.6p1".into())),
    );
    let lookups = [ssh, missing];
    let summary = "ssh-keygen not found for Enter-AzVM (looked in PATH (ssh-keygen)).";

    let required = judge(&lookups, false, &Vars::new(), Os::Linux);
    assert_eq!(required.status, Status::Fail);
    assert_eq!(
        required.diagnosis,
        Some(DiagnosisId::ClientBinariesNotFound)
    );
    assert_eq!(required.summary, summary);

    let optional = judge(&lookups, true, &Vars::new(), Os::Linux);
    assert_eq!(optional.status, Status::Warn);
    assert_eq!(optional.summary, summary);
}
