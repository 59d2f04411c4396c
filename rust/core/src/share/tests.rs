//! A report seeded with every kind of identifier and secret, in every kind of field:
//! none survives either file, placeholders are stable and distinct, versions stay.

use std::collections::BTreeMap;

use super::redact::Kind;
use super::*;
use crate::model::*;

const SUB: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SUB2: &str = "9b6e1c7a-2222-4333-8444-555566667777";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OBJECT: &str = "a1b2c3d4-0000-4000-8000-00000000beef";
const CORRELATION: &str = "5d8c2f0e-1234-4cde-8abc-0123456789ab";
const RG: &str = "rg-finance-eu";
const RG2: &str = "rg-hidden-two";
const VM: &str = "web-prod-42";
const VM2: &str = "db-secret-07";
const LOCAL_USER: &str = "azureadmin7";
const UPN: &str = "ada.lovelace@contoso.com";
const HOME_USER: &str = "bobsmith";
const WIN_USER: &str = "carolwin";
const THIS_USER: &str = "zedlocal";
const THIS_HOST: &str = "buildbox-77";
const IP4: &str = "10.20.30.40";
const IP4B: &str = "203.0.113.7";
const IP6: &str = "2001:db8:85a3::8a2e:370:7334";
const IP6B: &str = "fe80::1ff:fe23:4567:890a";
const FQDN: &str = "jump.fabrikam.com";
const FQDN2: &str = "web-prod-42.contoso.local";
const RELAY_LABEL: &str = "azgnrelay-westeurope-7";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlU0VDUkVUMQ";
const SAS_SIG: &str = "AbCdEf0123456789%2bXyZ%3d";
const QUERY_SIG: &str = "QwErTy1234567890abcdEFGH%2F%3D";
const RELAY_KEY: &str = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1uQ1=";
const BARE_KEY: &str = "K3yMaterialWithoutContext0123456789abcdefGHIJ+/xy=";
const BEARER: &str = "opaqueBearerValue_SECRET123";
const PASSWORD: &str = "Hunter2Secret!";
const HEX: &str = "0123456789abcdef0123456789abcdef01234567";

fn seeded() -> (Report, Request) {
    let arm = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.HybridCompute/machines/{VM}"
    );
    let other = format!(
        "/subscriptions/{SUB2}/resourceGroups/{RG2}/providers/Microsoft.HybridCompute/machines/{VM2}"
    );
    let mut evidence = BTreeMap::new();
    evidence.insert("ARM".into(), format!("GET https://management.azure.com{arm}?api-version=2024-07-10: 200 (correlation id {CORRELATION})"));
    evidence.insert("tenant".into(), TENANT.into());
    evidence.insert("signed in as".into(), format!("{UPN} (oid {OBJECT})"));
    evidence.insert(
        format!("{IP4}:22"),
        format!("answered from {IP6} and [{IP6B}]:22"),
    );
    evidence.insert(
        format!("/home/{HOME_USER}/.clientsshproxy"),
        format!("C:\\Users\\{WIN_USER}\\.ssh\\id_rsa on {THIS_HOST}"),
    );
    evidence.insert(
        "relay namespace".into(),
        format!("{RELAY_LABEL}.servicebus.windows.net"),
    );
    evidence.insert("proxy version it uses".into(), "1.3.026973".into());
    evidence.insert("version".into(), "2.0.6".into());
    evidence.insert("agent version".into(), "1.45.02800.1234".into());
    evidence.insert(
        "other".into(),
        format!("{other} via {FQDN} and {FQDN2} ({IP4B}), hash {HEX}"),
    );
    evidence.insert(
        "headers".into(),
        format!("Authorization: Bearer {BEARER}; x-token: {JWT}"),
    );
    let finding = |check: &str, status: Status| Finding {
        check: check.into(),
        title: format!("Title for {VM}"),
        status,
        diagnosis: Some("machine-not-found".into()),
        summary: format!(
            "{VM} in {RG} of {SUB}, user {LOCAL_USER} and {THIS_USER}, tenant {TENANT}"
        ),
        evidence: evidence.clone(),
        remedy: Some(Remedy {
            text: format!("Connect with password={PASSWORD} to {IP4}"),
            commands: vec![ShellCommand {
                shell: Shell::Az,
                command: format!(
                    "az ssh arc -g {RG} -n {VM} --local-user {LOCAL_USER} --subscription {SUB}"
                ),
            }],
            docs: format!("https://{FQDN}/docs?sv=2021-08-06&sig={QUERY_SIG}"),
        }),
        fix: Some(FixOffer {
            id: "enable-ssh".into(),
            description: format!("Create the endpoint on {VM}"),
            impact: FixImpact::AzureResource,
        }),
        blocked_by: None,
        duration_ms: 1234,
    };
    let mut extracted = BTreeMap::new();
    extracted.insert("machine".into(), VM.into());
    extracted.insert(
        format!("key from {THIS_HOST}"),
        format!("{{\"accessKey\": \"{RELAY_KEY}\"}}"),
    );
    let report = Report {
        schema_version: 1,
        tool: ToolInfo {
            name: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
        },
        target: Target {
            subscription: Some(SUB.into()),
            resource_group: Some(RG.into()),
            name: Some(VM.into()),
            resource_type: None,
        },
        client: Client::AzureCli,
        status: ReportStatus::Problems,
        duration_ms: 999,
        findings: vec![
            finding("azure.machine", Status::Fail),
            finding("client.openssh", Status::Pass),
        ],
        explained: vec![Explained {
            diagnosis: "proxy-permission-denied".into(),
            title: "t".into(),
            confidence: 0.9,
            excerpt: format!(
                "Authorization: SharedAccessSignature sr=x&sig={SAS_SIG}&se=1&skn=listener\n{BARE_KEY} at /home/{HOME_USER}/x ``` fence"
            ),
            extracted,
            remedy: Remedy {
                text: format!("Ask {UPN}"),
                commands: vec![],
                docs: "https://learn.microsoft.com/x".into(),
            },
            entry: "e".into(),
            symptom: false,
            likely_causes: vec![],
            tell_apart: vec![],
        }],
        applied: vec![AppliedFix {
            id: "f".into(),
            outcome: FixOutcome::Failed,
            message: format!("on {IP6}: password: {PASSWORD}"),
        }],
        checks: vec![],
        diagnoses: vec![],
        versions: [
            ("OpenSSH (client)", "OpenSSH_9.2p1 Debian-2+deb12u10"),
            ("az ssh proxy", "1.3.026973"),
            ("Connected Machine agent", "1.45.02800.1234"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        shared_report: None,
        watch: None,
        cancelled: false,
        nothing_listed: false,
        report_command: None,
        fleet: None,
    };
    let request = Request {
        target: Some(report.target.clone()),
        local_user: Some(LOCAL_USER.into()),
        ..Request::default()
    };
    (report, request)
}

fn local() -> Vec<(Kind, String)> {
    vec![
        (Kind::User, THIS_USER.into()),
        (Kind::Host, THIS_HOST.into()),
    ]
}

fn outputs() -> (String, String, Value) {
    let (report, request) = seeded();
    let value = redacted(&report, &request, &local());
    let json = serde_json::to_string_pretty(&value).unwrap();
    let md = markdown::render(&serde_json::from_value(value.clone()).unwrap());
    (json, md, value)
}

const SEEDS: &[&str] = &[
    SUB,
    SUB2,
    TENANT,
    OBJECT,
    CORRELATION,
    RG,
    RG2,
    VM,
    VM2,
    LOCAL_USER,
    UPN,
    HOME_USER,
    WIN_USER,
    THIS_USER,
    THIS_HOST,
    IP4,
    IP4B,
    IP6,
    IP6B,
    FQDN,
    FQDN2,
    RELAY_LABEL,
    JWT,
    SAS_SIG,
    QUERY_SIG,
    RELAY_KEY,
    BARE_KEY,
    BEARER,
    PASSWORD,
    HEX,
    "contoso",
    "fabrikam",
    "Hunter2",
    "opaqueBearer",
];

#[test]
fn no_seeded_identifier_or_secret_survives_either_file() {
    let (json, md, _) = outputs();
    for (name, text) in [("json", &json), ("markdown", &md)] {
        let lower = text.to_ascii_lowercase();
        // Markdown escapes `_`; look at the text a reader sees as well as the bytes.
        let unescaped = lower.replace('\\', "");
        for seed in SEEDS {
            let seed = seed.to_ascii_lowercase();
            assert!(
                !lower.contains(&seed) && !unescaped.contains(&seed),
                "{seed} survives in the {name}:\n{text}"
            );
        }
        // Pieces of the JWT (its parts are secret too).
        for part in JWT.split('.') {
            assert!(!text.contains(part), "{part} in the {name}");
        }
    }
}

#[test]
fn the_same_value_gets_the_same_placeholder_and_different_values_different_ones() {
    let (json, md, value) = outputs();
    assert_eq!(value["target"]["subscription"], "<subscription-1>");
    assert_eq!(value["target"]["resourceGroup"], "<resource-group-1>");
    assert_eq!(value["target"]["name"], "<machine-1>");
    let f = &value["findings"][0];
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("<machine-1> in <resource-group-1> of <subscription-1>, user <user-"),
        "{summary}"
    );
    assert!(summary.ends_with("tenant <tenant-1>"), "{summary}");
    assert_eq!(f["evidence"]["tenant"], "<tenant-1>");
    let ev = |k: &str| {
        f["evidence"][k]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: {:#}", f["evidence"]))
            .to_string()
    };
    assert!(
        ev("signed in as").contains("(oid <object-id-1>)"),
        "{}",
        ev("signed in as")
    );
    assert!(
        ev("ARM").contains("(correlation id <guid-1>)"),
        "{}",
        ev("ARM")
    );
    assert!(ev("ARM").contains("https://management.azure.com/subscriptions/<subscription-1>/resourceGroups/<resource-group-1>/providers/Microsoft.HybridCompute/machines/<machine-1>?"), "{}", ev("ARM"));
    let other = ev("other");
    assert!(other.contains("/subscriptions/<subscription-2>/resourceGroups/<resource-group-2>/providers/Microsoft.HybridCompute/machines/<machine-2>"), "{other}");
    assert!(other.contains("hash <secret>"), "{other}");
    let ip_key = f["evidence"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.ends_with(":22"))
        .unwrap()
        .clone();
    assert!(ip_key.starts_with("<ip-"), "{ip_key}");
    let ips = f["evidence"][&ip_key].as_str().unwrap();
    assert!(
        ips.starts_with("answered from <ip-") && ips.contains(" and [<ip-"),
        "{ips}"
    );
    assert_eq!(
        ev("relay namespace")
            .split('.')
            .skip(1)
            .collect::<Vec<_>>()
            .join("."),
        "servicebus.windows.net"
    );
    assert!(ev("relay namespace").starts_with("<host-"));
    assert!(
        ev("headers").contains("Bearer <secret>") && ev("headers").contains("x-token: <secret>"),
        "{}",
        ev("headers")
    );
    let remedy = &f["remedy"];
    assert_eq!(
        remedy["commands"][0]["command"],
        "az ssh arc -g <resource-group-1> -n <machine-1> --local-user <user-1> --subscription <subscription-1>"
    );
    assert!(
        remedy["text"]
            .as_str()
            .unwrap()
            .contains("password=<secret>")
    );
    assert!(remedy["docs"].as_str().unwrap().contains("&sig=<secret>"));
    let excerpt = value["explained"][0]["excerpt"].as_str().unwrap();
    assert!(
        excerpt.contains("SharedAccessSignature <secret>"),
        "{excerpt}"
    );
    assert!(excerpt.contains("<secret> at /home/<user-"), "{excerpt}");
    assert_eq!(value["explained"][0]["extracted"]["machine"], "<machine-1>");
    assert!(
        value["applied"][0]["message"]
            .as_str()
            .unwrap()
            .contains("password: <secret>")
    );

    // Distinct values, distinct placeholders; every placeholder of the JSON is in the
    // Markdown with the same number.
    let placeholders = |text: &str| -> std::collections::BTreeSet<String> {
        regex::Regex::new(r"<([a-z-]+-\d+)>")
            .unwrap()
            .captures_iter(&text.replace('\\', ""))
            .map(|c| c[1].to_string())
            .collect()
    };
    let in_json = placeholders(&json);
    for expected in [
        "subscription-2",
        "resource-group-2",
        "machine-2",
        "ip-4",
        "host-3",
        "user-5",
        "tenant-1",
        "object-id-1",
        "guid-1",
    ] {
        assert!(in_json.contains(expected), "{expected} not in {in_json:?}");
    }
    assert!(
        !in_json.contains("ip-5"),
        "four addresses, four placeholders: {in_json:?}"
    );
    let in_md = placeholders(&md);
    for p in ["subscription-1", "machine-1", "tenant-1", "ip-1"] {
        assert!(in_md.contains(p), "{p} not in the Markdown");
    }
}

#[test]
fn versions_and_public_endpoints_survive() {
    let (json, md, value) = outputs();
    for text in [&json, &md.replace('\\', "")] {
        for kept in [
            "1.3.026973",
            "OpenSSH_9.2p1 Debian-2+deb12u10",
            "2.0.6",
            "1.45.02800.1234",
            "management.azure.com",
            "learn.microsoft.com",
            "Microsoft.HybridCompute",
            "servicebus.windows.net",
        ] {
            assert!(text.contains(kept), "{kept} was lost:\n{text}");
        }
    }
    assert_eq!(value["durationMs"], 0);
    assert!(
        value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["durationMs"] == 0)
    );
}

#[test]
fn the_markdown_is_well_formed() {
    let (_, md, value) = outputs();
    assert!(md.starts_with("# ssh-troubleshoot report\n"), "{md}");
    assert!(md.ends_with('\n') && !md.ends_with("\n\n"));
    for section in ["## Versions", "## Findings", "## Explained", "## Fixes"] {
        assert_eq!(
            md.lines()
                .filter(|l| *l == section || l.starts_with(&format!("{section} ")))
                .count(),
            1,
            "{section}"
        );
    }
    let sections = md.lines().filter(|l| l.starts_with("### ")).count();
    let expected =
        value["findings"].as_array().unwrap().len() + value["explained"].as_array().unwrap().len();
    assert_eq!(
        sections, expected,
        "one section per finding and explanation:\n{md}"
    );
    assert!(md.contains("### FAIL ") && md.contains("### PASS "));
    // Every fence closes, and the excerpt's own backticks did not break out.
    let mut open: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        if ticks.len() >= 3 {
            match &open {
                None => open = Some(ticks),
                Some(f) if *f == ticks && line == ticks => open = None,
                Some(_) => {}
            }
        }
    }
    assert!(open.is_none(), "unclosed fence:\n{md}");
    // Every table row has its three bars.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(line.replace("\\|", "").matches('|').count(), 3, "{line}");
    }
}

#[test]
fn report_paths_put_json_and_markdown_side_by_side() {
    let (j, m) = report_paths("/tmp/x/report.json");
    assert_eq!(
        (j.to_str().unwrap(), m.to_str().unwrap()),
        ("/tmp/x/report.json", "/tmp/x/report.md")
    );
    let (j, m) = report_paths("/tmp/x/report.MD");
    assert_eq!(
        (j.to_str().unwrap(), m.to_str().unwrap()),
        ("/tmp/x/report.json", "/tmp/x/report.MD")
    );
    let (j, m) = report_paths("/tmp/x/report");
    assert_eq!(
        (j.to_str().unwrap(), m.to_str().unwrap()),
        ("/tmp/x/report", "/tmp/x/report.md")
    );
    assert!(report_paths("rel.json").0.is_absolute());
}

#[test]
fn writing_is_atomic_and_refuses_folders_links_and_missing_folders() {
    let (report, request) = seeded();
    let env = HostEnv::from_process().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let given = dir.path().join("r.json");
    let done = write(&report, &request, &env, given.to_str().unwrap());
    assert!(done.written && done.error.is_none(), "{done:?}");
    let json = std::fs::read_to_string(&given).unwrap();
    assert!(!json.contains(VM) && json.contains("<machine-1>"));
    assert!(
        std::fs::read_to_string(dir.path().join("r.md"))
            .unwrap()
            .starts_with("# ssh-troubleshoot report")
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    // Again over the old files: replaced.
    assert!(write(&report, &request, &env, given.to_str().unwrap()).written);

    let folder = dir.path().join("sub.json");
    std::fs::create_dir(&folder).unwrap();
    let refused = write(&report, &request, &env, folder.to_str().unwrap());
    assert!(
        !refused.written && refused.error.as_deref().unwrap().contains("is a folder"),
        "{refused:?}"
    );

    let missing = dir.path().join("nope/r.json");
    let refused = write(&report, &request, &env, missing.to_str().unwrap());
    assert!(
        !refused.written && refused.error.as_deref().unwrap().contains("nope"),
        "{refused:?}"
    );

    #[cfg(unix)]
    {
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let refused = write(&report, &request, &env, link.to_str().unwrap());
        assert!(
            !refused.written && refused.error.as_deref().unwrap().contains("symbolic link"),
            "{refused:?}"
        );
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep");
    }
}
