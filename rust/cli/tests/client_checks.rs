//! The binary against real files, real PATH lookups, real OpenSSH and real chmod.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use support::{Machine, finding, is_root, text};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_healthy_azure_cli_machine_passes_every_check() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o755);
    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["status"], "healthy");
    assert_eq!(report["schemaVersion"], 1);
    assert_eq!(report["client"], "azure-cli");
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "client.openssh",
            "client.az-ssh-extension",
            "client.proxy-binary",
            "client.proxy-download"
        ]
    );
    for f in report["findings"].as_array().unwrap() {
        // The proxy is there, so nothing is downloaded and the download is not tried.
        let want = if f["check"] == "client.proxy-download" {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(f["status"], want, "{f:#}");
        assert!(f["durationMs"].is_u64());
    }
    let ssh = finding(&report, "client.openssh");
    assert!(
        ssh["evidence"]["ssh (az)"]
            .as_str()
            .unwrap()
            .contains("OpenSSH_"),
        "{ssh:#}"
    );
    assert!(
        finding(&report, "client.proxy-binary")["summary"]
            .as_str()
            .unwrap()
            .contains(proxy.to_str().unwrap())
    );
    assert_eq!(
        finding(&report, "client.az-ssh-extension")["evidence"]["version"],
        "2.0.6"
    );
}

#[test]
fn a_proxy_without_execute_permission_fails_and_is_fixed_with_consent() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o644);
    let path = proxy.to_str().unwrap();

    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(code, 1);
    assert_eq!(report["status"], "problems");
    let f = finding(&report, "client.proxy-binary");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["diagnosis"], "proxy-permission-denied");
    assert!(
        f["summary"].as_str().unwrap().contains("mode 0644"),
        "{f:#}"
    );
    let commands = f["remedy"]["commands"].as_array().unwrap();
    assert!(
        commands
            .iter()
            .any(|c| c["command"] == format!("chmod u+x {path}")),
        "{f:#}"
    );
    assert_eq!(f["fix"]["id"], "client.proxy-binary:chmod-u+x");
    assert_eq!(f["fix"]["impact"], "local-file");

    // Without a terminal, --fix refuses to guess the answer.
    let out = m.run(&["arc", "--client", "azure-cli", "--fix"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--yes"));
    assert_eq!(mode(&proxy), 0o644);

    let (code, report) = m.json(&["arc", "--client", "azure-cli", "--fix", "--yes"]);
    assert_eq!(mode(&proxy), 0o744);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["applied"][0]["outcome"], "applied");
    assert!(
        report["applied"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("0644 -> 0744")
    );
    assert_eq!(finding(&report, "client.proxy-binary")["status"], "pass");
}

#[test]
fn text_output_shows_the_fix_with_the_users_path_and_no_colour_off_a_terminal() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o600);
    let out = m.run(&["arc", "--client", "azure-cli"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("\nClient\n"), "{stdout}");
    assert!(stdout.contains("FAIL   SSH proxy (Azure CLI)"), "{stdout}");
    assert!(
        stdout.contains(&format!("$ chmod u+x {}", proxy.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("docs       https://learn.microsoft.com/"),
        "{stdout}"
    );
    assert!(stdout.contains("Result: problems"), "{stdout}");
    assert!(
        !stdout.contains('\x1b'),
        "colour codes off a terminal: {stdout:?}"
    );
}

#[test]
fn a_proxy_owned_by_someone_else_gets_no_fix_only_advice() {
    if !is_root() {
        eprintln!("needs root to act as another user; skipped");
        return;
    }
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o744);
    // Run as 'nobody': root's file with owner-only execute is not theirs to run or fix.
    let out = std::process::Command::new("/usr/bin/setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_ssh-troubleshoot"),
        ])
        .args(["arc", "--client", "azure-cli", "--output", "json"])
        .env_clear()
        .env("HOME", &m.home)
        .env("PATH", &m.bin)
        .env("SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET", "127.0.0.1:9")
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
    let f = finding(&report, "client.proxy-binary");
    assert_eq!(f["diagnosis"], "proxy-permission-denied", "{f:#}");
    assert!(
        f.get("fix").is_none(),
        "never offer to change another user's file: {f:#}"
    );
    assert!(
        f["remedy"]["commands"][0]["command"]
            .as_str()
            .unwrap()
            .starts_with("sudo chmod a+x")
    );
    assert_eq!(mode(&proxy), 0o744);
}

#[test]
fn a_proxy_not_downloaded_yet_is_fine_and_older_versions_are_reported() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let folder = m.home.join(".clientsshproxy");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("sshProxy_linux_amd64_1_3_022941"), b"old").unwrap();
    let (_, report) = m.json(&["arc", "--client", "azure-cli"]);
    let f = finding(&report, "client.proxy-binary");
    assert_eq!(f["status"], "pass", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("not downloaded yet")
    );
    assert_eq!(
        f["evidence"]["other proxy versions in the folder"],
        "sshProxy_linux_amd64_1_3_022941"
    );
}

#[test]
fn a_damaged_proxy_is_named_as_such() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o755);
    let whole = std::fs::read("/bin/true").unwrap();
    std::fs::write(&proxy, &whole[..whole.len() / 4]).unwrap();
    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(code, 1);
    let f = finding(&report, "client.proxy-binary");
    assert_eq!(f["diagnosis"], "proxy-file-corrupt", "{f:#}");
    assert!(
        f["remedy"]["commands"][0]["command"]
            .as_str()
            .unwrap()
            .starts_with("rm ")
    );
}

#[test]
fn missing_ssh_fails_with_where_it_looked() {
    let m = Machine::bare();
    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(code, 1);
    let f = finding(&report, "client.openssh");
    assert_eq!(f["status"], "fail");
    assert_eq!(f["diagnosis"], "client-binaries-not-found");
    assert!(
        f["summary"].as_str().unwrap().contains("ssh not found"),
        "{f:#}"
    );
    assert!(f["remedy"]["commands"].as_array().unwrap().iter().any(|c| {
        c["command"]
            .as_str()
            .unwrap()
            .contains("--ssh-client-folder")
    }));
}

#[test]
fn an_ssh_client_folder_without_ssh_falls_back_with_a_warning() {
    let m = Machine::new();
    // az's proxy is already here: only the OpenSSH fallback is judged.
    m.az_proxy(0o755);
    let empty = m.root.join("empty-openssh");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, report) = m.json(&[
        "arc",
        "--client",
        "azure-cli",
        "--ssh-client-folder",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "a warning does not fail the run");
    let f = finding(&report, "client.openssh");
    assert_eq!(f["status"], "warn", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("not in --ssh-client-folder")
    );
}

#[test]
fn an_ssh_that_hangs_is_stopped_and_reported() {
    let m = Machine::bare();
    m.script("ssh", "exec /bin/sleep 60");
    m.script("ssh-keygen", "echo 'usage: ssh-keygen [-q]' >&2; exit 1");
    let started = Instant::now();
    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let f = finding(&report, "client.openssh");
    assert_eq!(f["status"], "fail");
    assert!(f["summary"].as_str().unwrap().contains("hung"), "{f:#}");
}

#[test]
fn an_ssh_that_is_not_openssh_is_not_accepted() {
    let m = Machine::bare();
    m.script("ssh", "echo 'PuTTY-Release-0.79' >&2; exit 0");
    m.script("ssh-keygen", "echo 'usage: ssh-keygen [-q]' >&2; exit 1");
    let (_, report) = m.json(&["arc", "--client", "azure-cli"]);
    let f = finding(&report, "client.openssh");
    assert_eq!(f["status"], "fail");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("did not answer like OpenSSH"),
        "{f:#}"
    );
}

#[test]
fn arcproxy_2x_only_is_a_version_mismatch_and_blocks_the_proxy_check() {
    let mut m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh", "0.2.1");
    let v2 = m.ps_module(&modules, "Az.Ssh.ArcProxy", "2.0.0");
    m.set_env("PSModulePath", modules.to_str().unwrap());
    let (code, report) = m.json(&["arc", "--client", "powershell"]);
    assert_eq!(code, 1);
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["diagnosis"], "arcproxy-version-mismatch", "{f:#}");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains(v2.to_str().unwrap()) && summary.contains("version is 2.0.0"),
        "{summary}"
    );
    let blocked = finding(&report, "client.ps-proxy-binary");
    assert_eq!(blocked["status"], "skip");
    assert_eq!(blocked["blockedBy"], "client.ps-modules");
}

#[test]
fn a_usable_arcproxy_module_and_its_proxy_pass_beside_a_broken_manifest() {
    let mut m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh", "0.2.1");
    let v1 = m.ps_module(&modules, "Az.Ssh.ArcProxy", "1.0.0");
    std::fs::copy("/bin/true", v1.join(support::PS_PROXY)).unwrap();
    std::fs::set_permissions(
        v1.join(support::PS_PROXY),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let broken = modules.join("Az.Ssh.ArcProxy/9.9.9");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("Az.Ssh.ArcProxy.psd1"),
        b"@{ ModuleVersion = '9.9.9\n",
    )
    .unwrap();
    // A PSModulePath entry that does not exist must not disturb anything.
    let dangling = format!("{}:{}", m.root.join("gone").display(), modules.display());
    m.set_env("PSModulePath", &dangling);
    let (code, report) = m.json(&["arc", "--client", "powershell"]);
    assert_eq!(code, 0, "{report:#}");
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["status"], "pass");
    assert!(
        f["evidence"]["unreadable manifests"]
            .as_str()
            .unwrap()
            .contains("9.9.9"),
        "{f:#}"
    );
    assert_eq!(finding(&report, "client.ps-proxy-binary")["status"], "pass");
}

#[test]
fn no_arcproxy_module_is_not_installed() {
    let mut m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh", "0.2.1");
    m.set_env("PSModulePath", modules.to_str().unwrap());
    let (code, report) = m.json(&["arc", "--client", "powershell"]);
    assert_eq!(code, 1);
    assert_eq!(
        finding(&report, "client.ps-modules")["diagnosis"],
        "arcproxy-not-installed"
    );
}

#[test]
fn standalone_skips_clients_that_are_not_installed_with_a_reason() {
    let m = Machine::new();
    let (code, report) = m.json(&["arc"]);
    assert_eq!(code, 0);
    for check in [
        "client.az-ssh-extension",
        "client.proxy-binary",
        "client.ps-modules",
        "client.ps-proxy-binary",
    ] {
        let f = finding(&report, check);
        assert_eq!(f["status"], "skip", "{f:#}");
        assert!(
            f["summary"].as_str().unwrap().contains("not found"),
            "{f:#}"
        );
    }
}

#[test]
fn fix_asks_on_a_terminal_and_respects_no() {
    let m = Machine::new();
    m.az_extension("2.0.6");
    let proxy = m.az_proxy(0o644);
    let bin = env!("CARGO_BIN_EXE_ssh-troubleshoot");
    let ask = |answer: &str| {
        // `script` gives the tool a real pseudo-terminal, so it asks instead of refusing.
        let mut child = std::process::Command::new("/usr/bin/script")
            .args([
                "-qec",
                &format!("{bin} arc --client azure-cli --fix"),
                "/dev/null",
            ])
            .env_clear()
            .env("HOME", &m.home)
            .env("PATH", &m.bin)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        text(&child.wait_with_output().unwrap().stdout)
    };
    let said = ask("n\n");
    assert!(
        said.contains("Apply fix client.proxy-binary:chmod-u+x"),
        "{said}"
    );
    assert_eq!(mode(&proxy), 0o644, "answered no: nothing changes");
    let said = ask("y\n");
    assert_eq!(mode(&proxy), 0o744, "{said}");
    assert!(said.contains("applied"), "{said}");
}

#[test]
fn arcproxy_without_az_ssh_fails_for_powershell_and_warns_when_standalone() {
    let mut m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh.ArcProxy", "1.0.0");
    m.set_env("PSModulePath", modules.to_str().unwrap());
    let (code, report) = m.json(&["arc", "--client", "powershell"]);
    assert_eq!(code, 1);
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "azssh-module-missing", "{f:#}");
    assert!(
        f["summary"].as_str().unwrap().contains("Enter-AzVM"),
        "{f:#}"
    );
    let (_, report) = m.json(&["arc", "--offline"]);
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["status"], "warn", "{f:#}");
    assert_eq!(f["diagnosis"], "azssh-module-missing", "{f:#}");
}

#[test]
fn a_huge_manifest_is_reported_not_read() {
    let mut m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh", "0.2.1");
    let v1 = m.ps_module(&modules, "Az.Ssh.ArcProxy", "1.0.0");
    // 100 MB, sparse: the size alone must stop the reader.
    let manifest = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(v1.join("Az.Ssh.ArcProxy.psd1"))
        .unwrap();
    manifest.set_len(100 * 1024 * 1024).unwrap();
    m.set_env("PSModulePath", modules.to_str().unwrap());
    let (code, report) = m.json(&["arc", "--client", "powershell"]);
    assert_eq!(code, 1);
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["diagnosis"], "arcproxy-not-installed", "{f:#}");
    assert!(
        f["evidence"]["unreadable manifests"]
            .as_str()
            .unwrap()
            .contains(v1.to_str().unwrap()),
        "{f:#}"
    );
}

#[test]
fn an_unreadable_module_folder_is_a_note_not_a_crash() {
    if !is_root() {
        eprintln!("needs root to act as another user; skipped");
        return;
    }
    let m = Machine::new();
    let modules = m.root.join("Modules");
    m.ps_module(&modules, "Az.Ssh", "0.2.1");
    let locked = modules.join("Az.Ssh.ArcProxy");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::set_permissions(&modules, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = std::process::Command::new("/usr/bin/setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_ssh-troubleshoot"),
        ])
        .args(["arc", "--client", "powershell", "--output", "json"])
        .env_clear()
        .env("HOME", &m.home)
        .env("PATH", &m.bin)
        .env("PSModulePath", &modules)
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
    let f = finding(&report, "client.ps-modules");
    assert_eq!(f["diagnosis"], "arcproxy-not-installed");
    assert!(
        f["evidence"]["notes"]
            .as_str()
            .unwrap()
            .contains("cannot be read"),
        "{f:#}"
    );
}

#[test]
fn colour_on_a_terminal_and_never_with_no_color() {
    let m = Machine::new();
    let bin = env!("CARGO_BIN_EXE_ssh-troubleshoot");
    let on_terminal = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("/usr/bin/script");
        cmd.args([
            "-qec",
            &format!("{bin} arc --client azure-cli"),
            "/dev/null",
        ])
        .env_clear()
        .env("HOME", &m.home)
        .env("PATH", &m.bin);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        text(&cmd.output().unwrap().stdout)
    };
    assert!(
        on_terminal(None).contains("\x1b[32mPASS"),
        "colour on a terminal"
    );
    let plain = on_terminal(Some("1"));
    assert!(
        plain.contains("PASS") && !plain.contains('\x1b'),
        "{plain:?}"
    );
}
