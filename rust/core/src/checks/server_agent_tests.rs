//! Parsers of `azcmagent show` / `azcmagent version`, from documented output samples.

use super::*;

/// The shape of `azcmagent show` on Linux (Microsoft docs and field reports).
pub const SHOW_LINUX: &str = "\
Resource Name                           : web01
Resource Group Name                     : rg-arc
Resource Namespace                      : Microsoft.HybridCompute
Resource Id                             : /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/machines/web01
Subscription ID                         : 00000000-0000-0000-0000-000000000000
Tenant ID                               : 00000000-0000-0000-0000-000000000000
Location                                : eastus
Cloud                                   : AzureCloud
Agent Version                           : 1.44.02628.1456
Agent Logfile                           : /var/opt/azcmagent/log/himds.log
Agent Status                            : Connected
Agent Last Heartbeat                    : 2024-09-01T10:00:00Z
Agent Error Code                        : 
Using HTTPS Proxy                       : 
Cloud Metadata
Manufacturer                            : QEMU
Dependent Service Status
  Agent Service (himdsd)                : active
  Azure Arc Proxy (arcproxyd)           : inactive
  Extension Service (extd)              : active
  GC Service (gcad)                     : active
Portal Page                             : https://portal.azure.com/#@t/resource/x/overview
Disabled Features                       : 
";

/// Windows, disconnected (Microsoft docs).
const SHOW_WINDOWS: &str = "\
Resource Name                           :
Agent Version                           : 1.64.03414.2961
Agent Logfile                           : C:\\ProgramData\\AzureConnectedMachineAgent\\Log\\himds.log
Agent Status                            : Disconnected
Dependent Service Status
  Agent Service (himds)                 : running
  Azure Arc Proxy (arcproxy)            : running
  Extension Service (extensionservice)  : running
  GC Service (gcarcservice)             : running
Portal Page                             :
";

#[test]
fn show_text_on_linux() {
    let i = parse_show(SHOW_LINUX);
    assert_eq!(i.version.as_deref(), Some("1.44.02628.1456"));
    assert_eq!(i.status.as_deref(), Some("Connected"));
    assert_eq!(i.location.as_deref(), Some("eastus"));
    assert_eq!(i.resource_name.as_deref(), Some("web01"));
    assert_eq!(i.resource_group.as_deref(), Some("rg-arc"));
    assert_eq!(i.services.len(), 4);
    assert_eq!(i.services[1], ("arcproxyd".into(), "inactive".into()));
}

#[test]
fn show_text_on_windows_disconnected() {
    let i = parse_show(SHOW_WINDOWS);
    assert_eq!(i.status.as_deref(), Some("Disconnected"));
    assert_eq!(i.resource_name, None);
    assert_eq!(i.services[1], ("arcproxy".into(), "running".into()));
}

#[test]
fn versions() {
    assert_eq!(
        parse_version("azcmagent version 1.31.02347.957\n").map(|v| (v.0, v.1)),
        Some((1, 31))
    );
    assert_eq!(
        parse_version("1.28.02260.736").map(|v| (v.0, v.1, v.2)),
        Some((1, 28, "1.28.02260.736".into()))
    );
    assert_eq!(parse_version("no version here"), None);
    assert!((1, 28) < MIN_VERSION && (1, 31) >= MIN_VERSION && (2, 0) > MIN_VERSION);
}

#[test]
fn install_locations_per_os() {
    let pf = |k: &str| (k == "ProgramFiles").then(|| r"D:\Programs".to_string());
    assert_eq!(
        install_locations(Os::Windows, &pf),
        vec![r"D:\Programs\AzureConnectedMachineAgent\azcmagent.exe".to_string()]
    );
    assert_eq!(
        install_locations(Os::Windows, &|_| None),
        vec![r"C:\Program Files\AzureConnectedMachineAgent\azcmagent.exe".to_string()]
    );
    assert_eq!(
        install_locations(Os::Linux, &|_| None),
        vec!["/opt/azcmagent/bin/azcmagent".to_string()]
    );
}

fn answers(version: &str, status: &str) -> AgentAnswers {
    let mut show = parse_show(SHOW_LINUX);
    show.version = Some(version.into());
    show.status = Some(status.into());
    AgentAnswers {
        path: "/opt/azcmagent/bin/azcmagent".into(),
        version: parse_version(version),
        show: Some(show),
        show_evidence: "answered".into(),
    }
}

#[test]
fn a_connected_current_agent_passes_and_hands_on_its_facts() {
    let o = judge(answers("1.44.02628.1456", "Connected"));
    assert_eq!(o.status, Status::Pass);
    assert_eq!(
        o.summary,
        "Agent 1.44.02628.1456 is installed at /opt/azcmagent/bin/azcmagent and Connected."
    );
    assert_eq!(
        o.evidence.get("location").map(String::as_str),
        Some("eastus")
    );
    let facts = o
        .output
        .as_ref()
        .and_then(|x| x.downcast_ref::<AgentFacts>());
    assert_eq!(
        facts.and_then(|f| f.path.as_deref()),
        Some("/opt/azcmagent/bin/azcmagent")
    );
}

#[test]
fn disconnected_outranks_outdated_and_names_both() {
    let o = judge(answers("1.28.02260.736", "Disconnected"));
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.diagnosis, Some(DiagnosisId::MachineDisconnected));
    assert_eq!(
        o.summary,
        "The agent reports status Disconnected: Azure cannot reach this server through it. It is also version 1.28.02260.736, older than 1.31."
    );
    let o = judge(answers("1.28.02260.736", "Connected"));
    assert_eq!(o.diagnosis, Some(DiagnosisId::AgentOutdated));
}
