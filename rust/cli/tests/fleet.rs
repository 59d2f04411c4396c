//! Fleet mode (`arc -g RG` without `-n`, `--subscription` repeatable) against the ARM
//! stand-in's generated fleet: every diagnosis kind, Resource Graph paging, one read
//! per scope, several subscriptions, pacing by the read quota header, and a 429 whose
//! Retry-After pauses every worker.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use support::Machine;
use support::arm::{self, TOKEN_MARK};
use support::fleet::run;

const S1: &str = "00000000-1111-2222-3333-444444444444";
const S2: &str = "11111111-2222-3333-4444-555555555555";

fn machines(report: &Value) -> &Vec<Value> {
    report["fleet"]["machines"]
        .as_array()
        .expect("fleet.machines")
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

/// Ten profiles, machine i takes profile i % 10.
fn profiles() -> Value {
    json!([
        {"weight": 4},
        {"status": "Disconnected"},
        {"agentVersion": "1.28.02260.736"},
        {"sshPort": null, "legacyPorts": [22]},
        {"sshPort": null},
        {"sshPort": 2222},
        {"status": "Expired"},
    ])
}

/// What the rules must find on machine i of the two-subscription, three-group fleet.
fn expected(i: usize) -> BTreeSet<String> {
    let (unregistered, group, profile) = (i % 2 == 1, (i / 2) % 3, i % 10);
    let mut d = BTreeSet::new();
    let mut add = |s: &str| d.insert(s.to_string());
    if unregistered {
        add("provider-not-registered");
    }
    match profile {
        4 | 9 => add("machine-disconnected"),
        5 => add("agent-outdated"),
        _ => false,
    };
    let must_change = !unregistered && matches!(profile, 6..=8);
    match profile {
        6 if !unregistered => add("post-preview-reconfiguration"),
        7 | 8 if !unregistered => add("ssh-traffic-not-allowed"),
        _ => false,
    };
    // arc-00003 (i = 2, in rg-b) has a role on itself alone that grants everything.
    if group == 1 && i != 2 {
        add("connect-permission-missing");
    } else if group == 2 && must_change {
        add("endpoint-creation-forbidden");
    }
    d
}

fn two_subscription_fleet() -> Value {
    json!({"fleet": {"count": 50, "pageSize": 20, "subscriptions": [S1, S2],
        "resourceGroups": ["rg-a", "rg-b", "rg-c"], "profiles": profiles(),
        "unregisteredSubscriptions": [S2], "grants": {"rg-b": "reader", "rg-c": "user"},
        "machineGrants": {"arc-00003": "owner"},
        "throttle": {"bucket": 10000, "refillPerSecond": 100}}})
}

#[test]
fn every_machine_of_two_subscriptions_gets_the_single_machine_rules() {
    let run = run(
        two_subscription_fleet(),
        &["--subscription", S1, "--subscription", S2],
        true,
    );
    assert_eq!(run.code, 1, "{:#}", run.report);
    let rows = machines(&run.report);
    assert_eq!(rows.len(), 50);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..50 {
        let name = format!("arc-{:05}", i + 1);
        let row = rows.iter().find(|r| r["name"] == name.as_str()).unwrap();
        let want = expected(i);
        assert_eq!(strings(&row["diagnoses"]), want, "{name}: {row:#}");
        for d in &want {
            *counts.entry(d.clone()).or_default() += 1;
        }
        let worst = if want.is_empty() { "pass" } else { "fail" };
        assert_eq!(row["worstStatus"], worst, "{row:#}");
        assert_eq!(row["worstDiagnosis"].is_string(), !want.is_empty());
        let (sub, group) = ([S1, S2][i % 2], ["rg-a", "rg-b", "rg-c"][(i / 2) % 3]);
        assert_eq!(row["subscription"], sub);
        assert_eq!(
            row["command"],
            format!("ssh-troubleshoot arc -g {group} -n {name} --subscription {sub}")
        );
        assert_eq!(
            row["commands"][1]["command"],
            format!("Test-AzSshArc -ResourceGroupName {group} -Name {name} -SubscriptionId {sub}")
        );
        assert!(!row["summary"].as_str().unwrap().is_empty());
    }
    assert_eq!(run.report["fleet"]["counts"], json!(counts));
    // Worst first.
    assert_eq!(rows[0]["worstStatus"], "fail");
    assert_eq!(rows[49]["worstStatus"], "pass");
    assert_eq!(run.report["status"], "problems");
    assert_eq!(run.report["findings"][0]["check"], "azure.fleet");

    // Resource Graph: one query for both subscriptions, paged by $skipToken.
    let graph: Vec<&Value> = run.log.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(graph.len(), 3, "50 machines in pages of 20");
    assert_eq!(
        graph[0]["path"],
        "/providers/Microsoft.ResourceGraph/resources"
    );
    assert_eq!(graph[0]["body"]["subscriptions"], json!([S1, S2]));
    assert_eq!(graph[0]["body"]["options"]["$top"], 1000);
    assert!(graph[0]["body"]["options"].get("$skipToken").is_none());
    assert_eq!(graph[1]["body"]["options"]["$skipToken"], "standin:20");
    assert_eq!(graph[2]["body"]["options"]["$skipToken"], "standin:40");
    let query = graph[0]["body"]["query"].as_str().unwrap();
    assert!(
        query.contains("microsoft.hybridcompute/machines") && !query.contains("resourceGroup =~")
    );

    // Permissions once per (subscription, group), the provider once per subscription,
    // the service configuration once per machine; nothing else.
    let paths = |suffix: &str| -> Vec<String> {
        run.log
            .iter()
            .map(|r| r["path"].as_str().unwrap().to_string())
            .filter(|p| p.ends_with(suffix))
            .collect()
    };
    let permissions = paths("/providers/Microsoft.Authorization/permissions");
    assert_eq!(paths("/providers/Microsoft.HybridConnectivity").len(), 2);
    assert_eq!(paths("/serviceConfigurations/SSH").len(), 50);
    // Then the permissions on each machine its group leaves short (a role may be
    // assigned on the machine alone): every rg-b machine, the rg-c ones that must change.
    let short: BTreeSet<String> = (0..50)
        .filter(|i| {
            let (unregistered, group) = (i % 2 == 1, (i / 2) % 3);
            group == 1 || (group == 2 && !unregistered && matches!(i % 10, 6..=8))
        })
        .map(|i| {
            format!(
                "/machines/arc-{:05}/providers/Microsoft.Authorization/permissions",
                i + 1
            )
        })
        .collect();
    let on_machines: BTreeSet<String> = permissions
        .iter()
        .chain(&paths("/providers/Microsoft.Authorization/permissions"))
        .filter(|p| p.contains("/machines/"))
        .map(|p| p[p.find("/machines/").unwrap()..].to_string())
        .collect();
    assert_eq!(on_machines, short);
    let group_reads: Vec<&String> = permissions
        .iter()
        .filter(|p| !p.contains("/machines/"))
        .collect();
    assert_eq!(group_reads.len(), 6, "{group_reads:?}");
    assert_eq!(group_reads.iter().collect::<BTreeSet<_>>().len(), 6);
    assert_eq!(run.log.len(), 3 + 6 + 2 + 50 + short.len());
    let stats = &run.report["fleet"]["requests"];
    assert_eq!(stats["total"], 61 + short.len());
    assert_eq!(stats["permissionReads"], 6);
    assert_eq!(stats["machinePermissionReads"], short.len());
    assert_eq!(stats["throttled"], 0);
    // The machine whose own role grants what its group does not is healthy, and the
    // rest of its group names the machine-level read in their summaries.
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    assert_eq!(
        row("arc-00003")["worstStatus"],
        "pass",
        "{:#}",
        row("arc-00003")
    );
    let denied = row("arc-00021")["summary"].as_str().unwrap();
    assert!(denied.contains("on arc-00021"), "{denied}");
}

#[test]
fn a_resource_group_in_text_shows_rows_counts_and_the_full_report_commands() {
    let scenario = json!({"fleet": {"count": 30, "resourceGroups": ["rg-a", "rg-b"],
        "profiles": profiles()}});
    let run = run(scenario, &["-g", "rg-a", "--subscription", S1], false);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let graph = run.log.iter().find(|r| r["method"] == "POST").unwrap();
    assert!(
        graph["body"]["query"]
            .as_str()
            .unwrap()
            .contains("| where resourceGroup =~ 'rg-a' |")
    );
    let out = &run.stdout;
    assert!(out.contains("STATUS  MACHINE"), "{out}");
    assert!(out.contains("Machines per diagnosis"), "{out}");
    assert!(out.contains("Result: 15 machines"), "{out}");
    // Machine 5 (index 4) is in rg-a and disconnected; machine 2 (index 1) is in rg-b.
    assert!(out.contains(&format!(
        "$ ssh-troubleshoot arc -g rg-a -n arc-00005 --subscription {S1}"
    )));
    assert!(!out.contains("arc-00002"), "{out}");
    let line = out.lines().find(|l| l.contains("arc-00005")).unwrap();
    assert!(
        line.starts_with("FAIL") && line.contains("machine-disconnected"),
        "{line}"
    );
}

#[test]
fn a_429_pauses_every_worker_for_its_retry_after() {
    let machine5 = format!(
        "/subscriptions/{S1}/resourceGroups/rg-fleet/providers/Microsoft.HybridCompute/machines/arc-00005/"
    );
    let scenario = json!({
        "routes": [{"method": "GET", "pathPrefix": machine5, "status": 429, "times": 1,
            "headers": {"retry-after": "1"},
            "body": arm::error("SubscriptionRequestsThrottled", "Number of 'read' requests exceeded.")}],
        "fleet": {"count": 300, "delayMs": 30,
            "throttle": {"bucket": 100000, "refillPerSecond": 1}}});
    let run = run(scenario, &["--subscription", S1], true);
    assert_eq!(run.code, 0, "{:#}", run.report["findings"]);
    let stats = &run.report["fleet"]["requests"];
    assert_eq!(stats["throttled"], 1, "{stats}");
    assert_eq!(stats["pauses"], 1, "{stats}");
    assert!(
        machines(&run.report)
            .iter()
            .all(|m| m["worstStatus"] == "pass")
    );
    let refused: Vec<&Value> = run.log.iter().filter(|r| r["route"] == 0).collect();
    assert_eq!(refused.len(), 1);
    let t = refused[0]["ms"].as_u64().unwrap();
    let during: Vec<u64> = run
        .log
        .iter()
        .filter_map(|r| r["ms"].as_u64())
        .filter(|ms| *ms > t + 300 && *ms < t + 800)
        .collect();
    assert!(
        during.is_empty(),
        "requests sent during the pause: {during:?}"
    );
    let after = run
        .log
        .iter()
        .filter(|r| r["ms"].as_u64() >= Some(t + 900))
        .count();
    assert!(after > 100, "the rest went out after the pause ({after})");
    // arc-00005 itself was asked again once the pause was over.
    let again = run
        .log
        .iter()
        .filter(|r| r["path"].as_str().unwrap().starts_with(machine5.as_str()))
        .count();
    assert_eq!(again, 2);
}

#[test]
fn the_read_quota_header_slows_the_workers_before_arm_refuses() {
    // ARM's token bucket, scaled down: 60 reads, 40 more each second.
    let scenario = json!({"fleet": {"count": 200, "delayMs": 10, "resourceGroups": ["rg-a", "rg-b"],
        "throttle": {"bucket": 60, "refillPerSecond": 40}}});
    let run = run(scenario, &["--subscription", S1], true);
    assert_eq!(run.code, 0, "{:#}", run.report["findings"]);
    let fleet = &run.report["fleet"];
    assert_eq!(fleet["scanned"], 200);
    assert_eq!(fleet["healthy"], 200, "{:#}", fleet["machines"][0]);
    let stats = &fleet["requests"];
    assert!(
        stats["minRemainingReads"].as_u64().unwrap() <= 10,
        "{stats}"
    );
    let refused = run.log.iter().filter(|r| r["throttled"] == true).count();
    assert_eq!(stats["throttled"].as_u64().unwrap() as usize, refused);
    assert!(
        refused <= 2,
        "a throttling storm: {refused} answers were 429"
    );
    // The bucket allows no more: 60 at once, then 40 per second.
    assert!(fleet["durationMs"].as_u64().unwrap() >= 3000, "{stats}");
}

#[test]
fn without_a_token_the_fleet_is_not_listed() {
    let standin = arm_standin::Standin::start(&two_subscription_fleet());
    let m = Machine::new();
    let out = m.run(&[
        "arc",
        "-g",
        "rg-a",
        "--subscription",
        S1,
        "--arm-endpoint",
        &standin.url,
        "-o",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["findings"][0]["diagnosis"], "not-signed-in");
    assert!(report.get("fleet").is_none());
    // A refusal with its diagnosis is a finding, not "nothing listed".
    assert!(report.get("nothingListed").is_none());
    assert!(standin.requests().is_empty());
}

#[test]
fn a_fleet_report_file_names_no_machine_group_or_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.json");
    let scenario = json!({"fleet": {"count": 12, "resourceGroups": ["rg-alpha"],
        "profiles": profiles()}});
    let run = run(
        scenario,
        &[
            "-g",
            "rg-alpha",
            "--subscription",
            S1,
            "--report",
            path.to_str().unwrap(),
        ],
        true,
    );
    assert_eq!(
        run.report["sharedReport"]["written"], true,
        "{}",
        run.stdout
    );
    let shared = std::fs::read_to_string(&path).unwrap();
    let markdown = std::fs::read_to_string(dir.path().join("fleet.json.md"))
        .or_else(|_| std::fs::read_to_string(dir.path().join("fleet.md")))
        .unwrap();
    let rows: Value = serde_json::from_str(&shared).unwrap();
    assert_eq!(
        machines(&rows).len(),
        12,
        "the rows survive, with placeholders"
    );
    for file in [&shared, &markdown] {
        for secret in [S1, "rg-alpha", "arc-00001", "arc-00012", TOKEN_MARK] {
            assert!(!file.contains(secret), "{secret} survived:\n{file}");
        }
    }
    // The same machine keeps one placeholder between its row and its command.
    let row = &machines(&rows)[0];
    let name = row["name"].as_str().unwrap();
    assert!(name.starts_with("<machine-"), "{row:#}");
    assert!(row["command"].as_str().unwrap().contains(name), "{row:#}");
}

#[test]
fn a_truncated_resource_graph_answer_makes_the_fleet_incomplete() {
    let fleet = json!({"fleet": {"count": 30, "pageSize": 10, "truncateAt": 20}});
    let run = run(fleet, &["-g", "rg-fleet", "--subscription", S1], true);
    assert_eq!(run.code, 0, "nothing failed: {:#}", run.report);
    let fleet = &run.report["fleet"];
    assert_eq!(fleet["scanned"], 20);
    assert_eq!(fleet["truncated"], true);
    assert_eq!(fleet["totalRecords"], 30);
    assert_eq!(run.report["status"], "incomplete");
    let finding = &run.report["findings"][0];
    assert_eq!(finding["status"], "error");
    let summary = finding["summary"].as_str().unwrap();
    assert!(summary.contains("only 20 of 30 machines"), "{summary}");
    // Two pages, then no third: the second carried no $skipToken.
    let graph = run.log.iter().filter(|r| r["method"] == "POST").count();
    assert_eq!(graph, 2);
    let text_run = run_text(json!({"fleet": {"count": 30, "pageSize": 10, "truncateAt": 20}}));
    assert!(
        text_run.contains("only 20 of 30 machines were listed"),
        "{text_run}"
    );

    // Not truncated: the member is absent.
    let whole = json!({"fleet": {"count": 30, "pageSize": 10}});
    let run = run_whole(whole);
    assert!(run["fleet"].get("truncated").is_none());
    assert!(run["fleet"].get("totalRecords").is_none());
    assert_eq!(run["fleet"]["scanned"], 30);
}

fn run_text(scenario: Value) -> String {
    run(scenario, &["-g", "rg-fleet", "--subscription", S1], false).stdout
}

fn run_whole(scenario: Value) -> Value {
    run(scenario, &["-g", "rg-fleet", "--subscription", S1], true).report
}

#[test]
fn a_resource_graph_failure_is_could_not_run() {
    let scenario = json!({
        "routes": [{"method": "POST", "path": "/providers/Microsoft.ResourceGraph/resources",
            "status": 400, "body": {"error": {"code": "InvalidQuery",
                "message": "Query is invalid. Please refer to the documentation."}}}],
        "fleet": {"count": 5}});
    let run = run(scenario, &["-g", "rg-fleet", "--subscription", S1], true);
    assert_eq!(run.code, 3, "nothing was diagnosed: {:#}", run.report);
    assert_eq!(run.report["status"], "incomplete");
    assert!(run.report.get("fleet").is_none());
    // The core's rule, which every host reads: nothing was listed.
    assert_eq!(run.report["nothingListed"], true);
    let finding = &run.report["findings"][0];
    assert_eq!(finding["status"], "error");
    let evidence = finding["evidence"]["Resource Graph"].as_str().unwrap();
    assert!(
        evidence.contains("400") && evidence.contains("InvalidQuery"),
        "{evidence}"
    );
    // One request: a 400 is not retried, and no per-machine read follows.
    assert_eq!(run.log.len(), 1);
}
