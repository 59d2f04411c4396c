//! The Azure CLI client as a user really has it: an ssh extension installed by pip with
//! its dependencies beside it, and az used from somewhere off PATH.

mod support;

use std::path::Path;
use std::process::Command;

use support::{Machine, finding, text};

/// Builds `name-version-py3-none-any.whl` in `dir` with Python's own zipfile (the
/// layout of a real wheel: a package folder and a dist-info with METADATA, WHEEL and
/// RECORD), declaring `requires` as its dependencies.
fn wheel(dir: &Path, name: &str, version: &str, package: &str, requires: &[&str]) {
    let script = r#"
import base64, hashlib, sys, zipfile
out, name, version, package = sys.argv[1:5]
requires = sys.argv[5:]
dist = f'{name}-{version}.dist-info'
meta = f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
meta += ''.join(f'Requires-Dist: {r}\n' for r in requires)
files = {f'{package}/__init__.py': b'', f'{dist}/METADATA': meta.encode(),
         f'{dist}/WHEEL': b'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'}
record = []
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    record.append(f'{path},sha256={digest},{len(data)}')
record.append(f'{dist}/RECORD,,')
files[f'{dist}/RECORD'] = ('\n'.join(record) + '\n').encode()
with zipfile.ZipFile(f'{out}/{name}-{version}-py3-none-any.whl', 'w') as z:
    for path, data in files.items():
        z.writestr(path, data)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir)
        .args([name, version, package])
        .args(requires)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn the_ssh_extension_version_comes_from_its_own_metadata_not_a_dependency() {
    let m = Machine::new();
    let wheels = m.root.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    // The extension's real dependencies, at versions that would be mistaken for it.
    wheel(&wheels, "oschmod", "0.3.12", "oschmod", &[]);
    wheel(&wheels, "certifi", "2025.9.1", "certifi", &[]);
    wheel(
        &wheels,
        "ssh",
        "2.0.6",
        "azext_ssh",
        &["oschmod==0.3.12", "certifi"],
    );
    // What `az extension add` runs: pip install --target <extension dir>/ssh.
    let target = m.home.join(".azure/cliextensions/ssh");
    let pip = Command::new("python3")
        .args(["-m", "pip", "install", "-q", "--no-index", "--find-links"])
        .arg(&wheels)
        .arg("--target")
        .arg(&target)
        .args(["--disable-pip-version-check", "ssh==2.0.6"])
        .output()
        .expect("pip runs");
    assert!(pip.status.success(), "{}", text(&pip.stderr));
    let infos: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dist-info"))
        .collect();
    assert_eq!(
        infos.len(),
        3,
        "pip put every dependency beside it: {infos:?}"
    );

    let (_, report) = m.json(&["arc", "--client", "azure-cli"]);
    let f = finding(&report, "client.az-ssh-extension");
    assert_eq!(f["status"], "pass", "{f:#}");
    assert_eq!(f["evidence"]["version"], "2.0.6", "{f:#}");
    assert!(f["summary"].as_str().unwrap().contains("2.0.6"), "{f:#}");
}

#[test]
fn a_dependency_missing_beside_the_extension_is_a_broken_extension() {
    let m = Machine::new();
    let wheels = m.root.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    wheel(&wheels, "oras", "0.1.30", "oras", &[]);
    wheel(&wheels, "ssh", "2.0.7", "azext_ssh", &["oras==0.1.30"]);
    let target = m.home.join(".azure/cliextensions/ssh");
    let pip = Command::new("python3")
        .args(["-m", "pip", "install", "-q", "--no-index", "--find-links"])
        .arg(&wheels)
        .arg("--target")
        .arg(&target)
        .args(["--disable-pip-version-check", "ssh==2.0.7"])
        .output()
        .expect("pip runs");
    assert!(pip.status.success(), "{}", text(&pip.stderr));
    let (_, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(
        finding(&report, "client.az-ssh-extension")["status"],
        "pass"
    );

    // What Azure/azure-cli#31408 found: the extension without its oras.
    for entry in std::fs::read_dir(&target).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("oras") {
            std::fs::remove_dir_all(entry.path()).unwrap();
        }
    }
    let (code, report) = m.json(&["arc", "--client", "azure-cli"]);
    assert_eq!(code, 1, "{report:#}");
    let f = finding(&report, "client.az-ssh-extension");
    assert_eq!(f["diagnosis"], "ssh-extension-broken", "{f:#}");
    assert_eq!(f["evidence"]["missing dependencies"], "oras", "{f:#}");
    assert!(
        f["remedy"]["commands"][0]["command"]
            .as_str()
            .unwrap()
            .contains("az extension remove --name ssh"),
        "{f:#}"
    );
}

#[test]
fn a_proxy_az_downloaded_is_checked_even_when_az_is_off_path() {
    let m = Machine::new();
    // az ran with sudo or from a venv: not on PATH, no ~/.azure, only its proxy here.
    let proxy = m.az_proxy(0o644);
    let (code, report) = m.json(&["arc"]);
    assert_eq!(code, 1, "{report:#}");
    let f = finding(&report, "client.proxy-binary");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "proxy-permission-denied", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains(proxy.to_str().unwrap()),
        "{f:#}"
    );
    // No extension folder to read: that check says why it did not run, it does not warn.
    let ext = finding(&report, "client.az-ssh-extension");
    assert_eq!(ext["status"], "skip", "{ext:#}");

    // An executable proxy there is a pass, not a skip.
    std::fs::set_permissions(&proxy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (code, report) = m.json(&["arc"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(finding(&report, "client.proxy-binary")["status"], "pass");
}
