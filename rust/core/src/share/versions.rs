//! The versions a report's reader asks for first: this tool, the client, the az ssh
//! extension, the PowerShell modules, the proxies, OpenSSH, the agent and the OS. Taken
//! from what the checks saw (their evidence), from the host, and from the OS itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::env::HostEnv;
use crate::model::{Client, Finding, Report, Request, TOOL_NAME, TOOL_VERSION_AND_COMMIT};

fn proxy_version() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| {
        Regex::new(r"sshProxy_[a-z]+_[a-z0-9]+_(\d+[._]\d+[._]\d+)")
            .unwrap_or_else(|e| unreachable!("{e}"))
    })
}

pub fn collect(report: &Report, request: &Request, env: &HostEnv) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    v.insert(TOOL_NAME.to_string(), TOOL_VERSION_AND_COMMIT.to_string());
    v.insert(
        "client".into(),
        match report.client {
            Client::AzureCli => "azure-cli",
            Client::Powershell => "powershell",
            Client::Standalone => "standalone",
        }
        .into(),
    );
    for (k, value) in &request.host_versions {
        v.insert(k.clone(), value.clone());
    }
    let os = format!("{:?} {:?}", env.os(), env.arch()).to_ascii_lowercase();
    v.insert("os".into(), os);
    if let Some(release) = os_release().filter(|_| cfg!(target_os = "linux")) {
        v.insert("os release".into(), release);
    }
    for f in &report.findings {
        from_finding(f, &mut v);
    }
    v
}

fn from_finding(f: &Finding, v: &mut BTreeMap<String, String>) {
    let ev = |key: &str| f.evidence.get(key).filter(|s| !s.is_empty()).cloned();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            v.entry(key.to_string()).or_insert(value);
        }
    };
    match f.check.as_str() {
        "client.openssh" => {
            let banner = f
                .evidence
                .values()
                .find_map(|s| s.find("OpenSSH").map(|at| s[at..].to_string()));
            put("OpenSSH (client)", banner);
        }
        "client.az-ssh-extension" => {
            put("az ssh extension", ev("version"));
            put("az ssh proxy", ev("proxy version it uses"));
        }
        "client.ps-modules" => {
            for module in ["Az.Ssh", "Az.Ssh.ArcProxy"] {
                put(module, ev(module).and_then(|s| module_versions(&s)));
            }
        }
        "client.ps-proxy-binary" | "client.proxy-binary" => {
            let key = if f.check == "client.proxy-binary" {
                "az ssh proxy file"
            } else {
                "Az.Ssh.ArcProxy proxy file"
            };
            let found = f.evidence.iter().find_map(|(k, s)| {
                proxy_version()
                    .captures(s)
                    .or_else(|| proxy_version().captures(k))
                    .map(|c| c[1].replace('_', "."))
            });
            put(key, found);
        }
        "azure.machine" => put("Connected Machine agent (from Azure)", ev("agent version")),
        "server.agent" => put("Connected Machine agent", ev("version")),
        "server.sshd-answers" => put("OpenSSH (server)", ev("version")),
        _ => {}
    }
}

/// `1.2.3 at /path; 2.0.0 at /other` → `1.2.3, 2.0.0` (the folders name the user).
fn module_versions(described: &str) -> Option<String> {
    let versions: Vec<&str> = described
        .split("; ")
        .filter_map(|part| part.split_once(" at ").map(|(ver, _)| ver))
        .filter(|ver| !ver.starts_with("unreadable"))
        .collect();
    (!versions.is_empty()).then(|| versions.join(", "))
}

/// `PRETTY_NAME` (else `NAME VERSION_ID`) from os-release, on Linux.
fn os_release() -> Option<String> {
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(|v| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    };
    field("PRETTY_NAME").or_else(|| {
        let name = field("NAME")?;
        Some(match field("VERSION_ID") {
            Some(ver) => format!("{name} {ver}"),
            None => name,
        })
    })
}
