//! The client checks on described Windows and macOS machines: what each client would
//! look for there, end to end through the engine (the file lookups themselves run on
//! this Linux machine, so the Windows paths are simply not found).

use std::collections::BTreeMap;

use ssh_troubleshoot_core::env::HostEnv;
use ssh_troubleshoot_core::model::{Client, Finding, Request, Status};
use ssh_troubleshoot_core::platform::{Arch, Os, Platform};
use ssh_troubleshoot_core::{registry, run_with};

fn machine(os: Os, arch: Arch, home: &str, vars: &[(&str, &str)]) -> HostEnv {
    HostEnv {
        platform: Platform { os, arch },
        home: home.to_string(),
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        process_32bit_on_64bit_os: false,
        mountinfo: "/proc/self/mountinfo".into(),
    }
}

fn diagnose(env: HostEnv, client: Client, proxy_folder: Option<&str>) -> Vec<Finding> {
    let request = Request {
        client,
        ssh_proxy_folder: proxy_folder.map(str::to_string),
        ..Request::default()
    };
    run_with(&request, env, &registry::all()).unwrap().findings
}

fn get<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.check == id)
        .unwrap_or_else(|| panic!("{id} not in {findings:#?}"))
}

#[test]
fn az_on_windows_looks_in_system32_openssh_not_on_path() {
    let env = machine(
        Os::Windows,
        Arch::X86_64,
        r"C:\Users\ada",
        &[("SystemRoot", r"C:\Windows"), ("PATH", "/usr/bin")],
    );
    let findings = diagnose(env, Client::AzureCli, None);
    let f = get(&findings, "client.openssh");
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.diagnosis.as_deref(), Some("client-binaries-not-found"));
    assert!(
        f.summary.contains(r"C:\Windows\System32\openSSH\ssh.exe"),
        "{}",
        f.summary
    );
    assert!(
        !f.summary.contains("PATH"),
        "az on Windows never searches PATH: {}",
        f.summary
    );
    let remedy = f.remedy.as_ref().unwrap();
    assert!(
        remedy
            .commands
            .iter()
            .any(|c| c.command.contains("Add-WindowsCapability")),
        "{remedy:?}"
    );
}

#[test]
fn enter_azvm_on_windows_searches_path_for_ssh_exe() {
    let env = machine(
        Os::Windows,
        Arch::X86_64,
        r"C:\Users\ada",
        &[("SystemRoot", r"C:\Windows"), ("Path", r"C:\Tools")],
    );
    let findings = diagnose(env, Client::Powershell, None);
    let f = get(&findings, "client.openssh");
    assert!(f.summary.contains("PATH (ssh.exe)"), "{}", f.summary);
}

#[test]
fn az_on_apple_silicon_wants_the_darwin_arm64_proxy() {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("proxy");
    let env = machine(
        Os::Macos,
        Arch::Aarch64,
        home.path().to_str().unwrap(),
        &[("PATH", "/usr/bin")],
    );
    let findings = diagnose(env, Client::AzureCli, Some(folder.to_str().unwrap()));
    let f = get(&findings, "client.proxy-binary");
    assert_eq!(
        f.evidence["expected file"],
        "sshProxy_darwin_arm64_1_3_026973"
    );
    assert_eq!(f.status, Status::Pass, "not downloaded yet is fine: {f:#?}");
}

#[test]
fn an_old_ssh_extension_on_arm64_has_no_proxy() {
    let home = tempfile::tempdir().unwrap();
    let ext = home
        .path()
        .join(".azure/cliextensions/ssh/ssh-2.0.2.dist-info");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::write(ext.join("METADATA"), "Name: ssh\nVersion: 2.0.2\n").unwrap();
    let env = machine(
        Os::Linux,
        Arch::Aarch64,
        home.path().to_str().unwrap(),
        &[("PATH", "/usr/bin")],
    );
    let findings = diagnose(env, Client::AzureCli, None);
    let ext = get(&findings, "client.az-ssh-extension");
    assert_eq!(
        ext.diagnosis.as_deref(),
        Some("proxy-architecture-unsupported"),
        "{ext:#?}"
    );
    let proxy = get(&findings, "client.proxy-binary");
    assert_eq!(
        proxy.diagnosis.as_deref(),
        Some("proxy-architecture-unsupported"),
        "{proxy:#?}"
    );
    assert!(
        proxy.summary.contains("Unsuported architecture: aarch64"),
        "{}",
        proxy.summary
    );
}

#[test]
fn enter_azvm_on_arm64_linux_finds_only_an_amd64_proxy_it_cannot_run() {
    let home = tempfile::tempdir().unwrap();
    let modules = home.path().join("Modules");
    let v1 = modules.join("Az.Ssh.ArcProxy/1.0.0");
    std::fs::create_dir_all(&v1).unwrap();
    std::fs::write(
        v1.join("Az.Ssh.ArcProxy.psd1"),
        "@{ ModuleVersion = '1.0.0' }",
    )
    .unwrap();
    let azssh = modules.join("Az.Ssh/0.2.1");
    std::fs::create_dir_all(&azssh).unwrap();
    std::fs::write(azssh.join("Az.Ssh.psd1"), "@{ ModuleVersion = '0.2.1' }").unwrap();
    // This machine's own x86-64 program stands in for the module's amd64 proxy.
    let proxy = v1.join("sshProxy_linux_amd64_1.3.022941");
    std::fs::copy("/bin/true", &proxy).unwrap();
    let env = machine(
        Os::Linux,
        Arch::Aarch64,
        home.path().to_str().unwrap(),
        &[
            ("PATH", "/usr/bin"),
            ("PSModulePath", modules.to_str().unwrap()),
        ],
    );
    let findings = diagnose(env, Client::Powershell, None);
    let f = get(&findings, "client.ps-proxy-binary");
    assert_eq!(
        f.diagnosis.as_deref(),
        Some("proxy-architecture-unsupported"),
        "{f:#?}"
    );
}
