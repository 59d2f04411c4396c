//! client.az-ssh-extension: the metadata parser and the judgment, fed facts directly.

use super::*;

#[test]
fn only_the_named_distributions_metadata_counts() {
    let ssh = "Metadata-Version: 2.1\nName: ssh\nVersion: 2.0.6\nRequires-Dist: oschmod==0.3.12\nRequires-Dist: oras (==0.1.30)\nRequires-Dist: pywin32; sys_platform == 'win32'\n\nName: other\n";
    assert_eq!(
        metadata_of(ssh, "ssh"),
        Some(Metadata {
            version: "2.0.6".into(),
            requires: vec!["oschmod".into(), "oras".into()],
        })
    );
    let dep = "Metadata-Version: 2.1\nName: certifi\nVersion: 2025.9.1\n";
    assert_eq!(metadata_of(dep, "ssh"), None);
    let upper = metadata_of("Name: SSH\nVersion: 1.1.6", "ssh").map(|m| m.version);
    assert_eq!(upper.as_deref(), Some("1.1.6"));
    assert_eq!(metadata_of("Version: 2.0.6\n", "ssh"), None);
}

fn installed(version: &str, requires: &[&str], distributions: &[&str]) -> Installed {
    Installed {
        folder: "/home/ada/.azure/cliextensions/ssh".into(),
        metadata: Some(Metadata {
            version: version.into(),
            requires: requires.iter().map(|r| r.to_string()).collect(),
        }),
        proxy_version: Some("1.3.026973".into()),
        distributions: distributions.iter().map(|d| d.to_string()).collect(),
    }
}

#[test]
fn a_dependency_missing_beside_the_extension_breaks_it() {
    let o = judge(
        installed("2.0.6", &["oschmod", "oras"], &["ssh", "oschmod"]),
        Os::Linux,
        Arch::X86_64,
    );
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.diagnosis, Some(DiagnosisId::SshExtensionBroken));
    assert_eq!(
        o.summary,
        "The ssh extension 2.0.6 needs oras, which is not installed beside it in /home/ada/.azure/cliextensions/ssh; it fails as soon as az loads it."
    );
    let facts = o
        .output
        .as_ref()
        .and_then(|x| x.downcast_ref::<AzExtensionFacts>());
    assert_eq!(
        facts.and_then(|f| f.proxy_version.as_deref()),
        Some("1.3.026973")
    );
}

#[test]
fn versions_before_2_0_0_are_too_old_and_before_2_0_3_lack_arm64() {
    let old = judge(installed("1.1.6", &[], &["ssh"]), Os::Linux, Arch::X86_64);
    assert_eq!(old.status, Status::Fail);
    assert_eq!(old.diagnosis, Some(DiagnosisId::SshExtensionMissing));
    let arm = judge(installed("2.0.2", &[], &["ssh"]), Os::Linux, Arch::Aarch64);
    assert_eq!(
        arm.diagnosis,
        Some(DiagnosisId::ProxyArchitectureUnsupported)
    );
    let fine = judge(
        installed("2.0.6", &["oschmod"], &["ssh", "oschmod"]),
        Os::Linux,
        Arch::X86_64,
    );
    assert_eq!(fine.status, Status::Pass);
    assert_eq!(fine.summary, "The ssh extension 2.0.6 is installed.");
}
