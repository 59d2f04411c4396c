//! Request extensions for hosts: `target.resourceId` (what `Enter-AzVM -ResourceId` takes),
//! `environment` (variables as the host sees them), `explainNeedsSshContext` (PowerShell's
//! feedback provider), and the report's `reportCommand`.

use ssh_troubleshoot_core::decode_request;

const SUB: &str = "00000000-1111-2222-3333-444444444444";

fn request(target: &str) -> String {
    format!(r#"{{"schemaVersion": 1, "target": {target}}}"#)
}

#[test]
fn a_resource_id_becomes_the_target() {
    let id = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/machines/web-01"
    );
    let decoded = decode_request(&request(&format!(r#"{{"resourceId": "{id}"}}"#))).unwrap();
    let target = decoded.target.unwrap();
    assert_eq!(target.subscription.as_deref(), Some(SUB));
    assert_eq!(target.resource_group.as_deref(), Some("rg-arc"));
    assert_eq!(target.name.as_deref(), Some("web-01"));
    assert_eq!(
        target.resource_type.as_deref(),
        Some("Microsoft.HybridCompute/machines")
    );
}

#[test]
fn a_resource_id_that_disagrees_or_is_not_arc_is_an_invalid_request() {
    let id = format!(
        "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/web-01"
    );
    let e = decode_request(&request(&format!(
        r#"{{"resourceId": "{id}", "name": "web-02"}}"#
    )))
    .unwrap_err();
    assert_eq!(e.code(), "invalid-request");
    assert!(e.to_string().contains("web-02"), "{e}");

    let vm = format!(
        "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
    );
    let e = decode_request(&request(&format!(r#"{{"resourceId": "{vm}"}}"#))).unwrap_err();
    assert_eq!(e.code(), "invalid-request");
    assert!(
        e.to_string().contains("not an Arc-enabled server type"),
        "{e}"
    );

    let e = decode_request(&request(r#"{"resourceId": "web-01"}"#)).unwrap_err();
    assert!(e.to_string().contains("target.resourceId"), "{e}");
}

#[test]
fn the_hosts_environment_is_what_the_checks_see() {
    // A PSModulePath only the request names, as PowerShell on Linux keeps `$env:` to itself.
    let folder = std::env::temp_dir().join(format!("sshts-env-{}", std::process::id()));
    let module = folder.join("Az.Ssh.ArcProxy").join("1.0.0");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        module.join("Az.Ssh.ArcProxy.psd1"),
        "@{ ModuleVersion = '1.0.0' }",
    )
    .unwrap();
    let request = format!(
        r#"{{"schemaVersion": 1, "client": "powershell", "offline": true,
            "environment": {{"PSModulePath": {}}}}}"#,
        serde_json::to_string(&folder.display().to_string()).unwrap()
    );
    let report = ssh_troubleshoot_core::run(&decode_request(&request).unwrap()).unwrap();
    let modules = report
        .findings
        .iter()
        .find(|f| f.check == "client.ps-modules")
        .expect("the modules check ran");
    let seen = modules
        .evidence
        .get("PSModulePath")
        .cloned()
        .unwrap_or_default();
    assert!(seen.starts_with(&folder.display().to_string()), "{seen}");
    assert!(
        modules.evidence["Az.Ssh.ArcProxy"].contains("1.0.0"),
        "{:?}",
        modules.evidence
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

fn explained(explain: &str, needs_context: bool) -> Vec<String> {
    let request = serde_json::json!({
        "schemaVersion": 1, "client": "powershell", "offline": true,
        "explain": explain, "explainNeedsSshContext": needs_context,
    });
    let report =
        ssh_troubleshoot_core::run(&decode_request(&request.to_string()).unwrap()).unwrap();
    report.explained.into_iter().map(|e| e.diagnosis).collect()
}

#[test]
fn an_explanation_that_needs_ssh_context_is_dropped_without_it() {
    let text = "Run Connect-AzAccount to login.";
    assert_eq!(explained(text, false), ["not-signed-in"]);
    assert!(explained(text, true).is_empty());
    let with_context = format!("Enter-AzVM: {text}");
    assert_eq!(explained(&with_context, true), ["not-signed-in"]);
}

#[test]
fn the_report_names_the_command_for_the_full_report() {
    let request = serde_json::json!({
        "schemaVersion": 1, "client": "powershell", "offline": true, "port": 2222,
        "localUser": "-admin", "target": {"resourceGroup": "rg-arc", "name": "web-01"},
        "explain": "Enter-AzVM: Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.",
    });
    let report =
        ssh_troubleshoot_core::run(&decode_request(&request.to_string()).unwrap()).unwrap();
    assert_eq!(
        report.report_command.as_deref(),
        Some("Test-AzSshArc -ResourceGroupName rg-arc -Name web-01 -Port 2222 -LocalUser '-admin'")
    );
    let bare = ssh_troubleshoot_core::run(
        &decode_request(r#"{"schemaVersion": 1, "offline": true}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(bare.report_command, None);
}
