//! One rule, one home: a machine diagnosed alone (`arc -g G -n NAME`) and the same
//! machine diagnosed as part of its fleet (`arc -g G`) get the same diagnoses, and a
//! machine with one problem the same sentence for it, from the same stand-in answers.

mod support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use support::fleet::run_against;

const SUB: &str = "00000000-1111-2222-3333-444444444444";

/// Ten machines in one subscription; machine i is in group i % 3 and takes profile i.
fn fleet() -> Value {
    json!({"fleet": {"count": 10, "subscriptions": [SUB],
        "resourceGroups": ["rg-a", "rg-b", "rg-c"],
        "profiles": [
            {"weight": 4},
            {"status": "Disconnected"},
            {"agentVersion": "1.28.02260.736"},
            {"sshPort": null, "legacyPorts": [22]},
            {"sshPort": null},
            {"sshPort": 2222},
            {"status": "Expired"},
        ],
        "grants": {"rg-b": "reader", "rg-c": "user"}}})
}

fn problems(findings: &Value) -> BTreeSet<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "warn")
        .filter_map(|f| f["diagnosis"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_machine_alone_and_in_its_fleet_gets_the_same_diagnoses_and_words() {
    let standin = arm_standin::Standin::start(&fleet());
    let local_user = ["--local-user", "azureuser"];
    let mut args = vec!["--subscription", SUB];
    args.extend(local_user);
    let whole = run_against(&standin, &args, true);
    let rows = whole.report["fleet"]["machines"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "{:#}", whole.report);

    let (mut compared, mut worded) = (0, 0);
    for row in rows {
        // A disconnected machine or an outdated agent stops the single-machine checks
        // that need the machine (they are blocked), so only those are comparable.
        if row["status"] != "Connected"
            || row["diagnoses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d == "agent-outdated")
        {
            continue;
        }
        let (name, group) = (
            row["name"].as_str().unwrap(),
            row["resourceGroup"].as_str().unwrap(),
        );
        let mut args = vec!["-g", group, "-n", name, "--subscription", SUB];
        args.extend(["--resource-type", "Microsoft.HybridCompute/machines"]);
        args.extend(local_user);
        let alone = run_against(&standin, &args, true);
        let fleet_diagnoses: BTreeSet<String> = row["diagnoses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            problems(&alone.report["findings"]),
            fleet_diagnoses,
            "{name}: alone {:#}\nin the fleet {row:#}",
            alone.report["findings"]
        );
        // The row's summary is its worst problem's sentence (then "Also: " the others).
        if let Some(worst) = row["worstDiagnosis"].as_str() {
            let finding = alone.report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["diagnosis"] == worst)
                .unwrap();
            // Fleet mode reads no endpoint (one read per machine less), so only the
            // single-machine sentence can add that the endpoint is missing too.
            let sentence = finding["summary"]
                .as_str()
                .unwrap()
                .replace(" (and no connectivity endpoint)", "");
            let summary = row["summary"].as_str().unwrap();
            assert!(
                summary.starts_with(&sentence),
                "{name}: {sentence:?} alone, {summary:?} in the fleet"
            );
            worded += 1;
        }
        compared += 1;
    }
    // Healthy ones, the preview-era one, no configuration, another port; each group.
    assert_eq!(compared, 7);
    // rg-b's healthy one, the preview-era one, no configuration, another port.
    assert_eq!(worded, 4);
}
