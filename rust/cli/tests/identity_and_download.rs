//! The binary's checks for issue 13's new diagnoses, against real parts: the ARM
//! stand-in (a real HTTPS server on 127.0.0.1 with its own CA) as ARM and as the proxy's
//! download host, and tokens shaped as Entra ID issues them to each kind of principal.

mod support;

use serde_json::{Value, json};
use support::arm::{self, Scenario, TOKEN_MARK, arc_args};
use support::{Machine, finding, text};

const DOWNLOAD: &str = "client.proxy-download";
const IDENTITY: &str = "azure.entra-identity";

/// An az machine whose proxy is not downloaded yet, pointed at `target` for the download.
fn fresh_az(target: &str) -> Machine {
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.set_env("SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET", target);
    m
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("https://")
        .trim_end_matches('/')
        .to_string()
}

fn run(m: &Machine, args: &[&str]) -> Value {
    let (_, report) = m.json(args);
    report
}

#[test]
fn the_download_host_answering_with_a_certificate_az_trusts_passes() {
    let standin = arm_standin::Standin::start(&json!({"routes": []}));
    let mut m = fresh_az(&host_port(&standin.url));
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let f = run(&m, &["arc", "--client", "azure-cli"]);
    let f = finding(&f, DOWNLOAD);
    assert_eq!(f["status"], "pass", "{f:#}");
    assert!(
        f["evidence"]["trust"]
            .as_str()
            .unwrap()
            .contains("REQUESTS_CA_BUNDLE")
    );
}

/// What a TLS-inspecting proxy looks like to az: a certificate from a CA that is not in
/// its bundle (here the stand-in's own CA, which Mozilla's roots do not hold).
#[test]
fn an_untrusted_certificate_or_no_answer_is_a_blocked_download() {
    let standin = arm_standin::Standin::start(&json!({"routes": []}));
    let m = fresh_az(&host_port(&standin.url));
    let report = run(&m, &["arc", "--client", "azure-cli"]);
    let f = finding(&report, DOWNLOAD);
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "proxy-download-blocked");
    assert!(
        f["summary"].as_str().unwrap().contains("TLS-inspecting"),
        "{f:#}"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let m = fresh_az(&format!("127.0.0.1:{port}"));
    let report = run(&m, &["arc", "--client", "azure-cli"]);
    assert_eq!(
        finding(&report, DOWNLOAD)["diagnosis"],
        "proxy-download-blocked"
    );
}

#[test]
fn nothing_is_downloaded_when_the_proxy_is_there_or_offline() {
    let m = fresh_az("127.0.0.1:9");
    m.az_proxy(0o755);
    let report = run(&m, &["arc", "--client", "azure-cli"]);
    assert_eq!(finding(&report, DOWNLOAD)["status"], "skip");
    let m = fresh_az("127.0.0.1:9");
    let report = run(&m, &["arc", "--client", "azure-cli", "--offline"]);
    let f = finding(&report, DOWNLOAD);
    assert_eq!(f["status"], "skip", "{f:#}");
    assert!(f["summary"].as_str().unwrap().contains("--offline"));
}

#[test]
fn a_bad_download_target_is_a_clear_error() {
    let m = fresh_az("not a host:port:x");
    let report = run(&m, &["arc", "--client", "azure-cli"]);
    let f = finding(&report, DOWNLOAD);
    assert_eq!(f["status"], "error", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET"),
        "{f:#}"
    );
}

/// A token with these claims (ARM audience, an hour left), the marker in its signature.
fn token_with(claims: Value) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = claims;
    claims["aud"] = json!("https://management.azure.com/");
    claims["tid"] = json!("72f988bf-0000-0000-0000-000000000000");
    claims["exp"] = json!(now + 3600);
    let b64 = |v: &Value| arm_standin::base64url(v.to_string().as_bytes());
    format!(
        "{}.{}.{}",
        b64(&json!({"typ": "JWT", "alg": "RS256"})),
        b64(&claims),
        arm_standin::base64url(TOKEN_MARK.as_bytes())
    )
}

fn diagnose_as(token: &str, extra: &[&str]) -> Value {
    let standin = arm_standin::Standin::start(&Scenario::healthy().json());
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", token);
    m.set_env("REQUESTS_CA_BUNDLE", standin.ca_bundle.to_str().unwrap());
    let mut args = arc_args(&standin.url);
    args.extend_from_slice(extra);
    args.extend(["--output", "json"]);
    let out = m.run(&args);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(TOKEN_MARK), "the token leaked: {all}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"))
}

#[test]
fn a_managed_identity_cannot_get_the_entra_certificate_unless_a_local_user_is_used() {
    let mi = token_with(json!({
        "appid": "a0b1c2d3-0000-4000-8000-000000000001", "idtyp": "app",
        "oid": "5e6f0000-0000-4000-8000-000000000002",
        "xms_mirid": "/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg-arc/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ops",
    }));
    let report = diagnose_as(&mi, &[]);
    let f = finding(&report, IDENTITY);
    assert_eq!(f["status"], "fail", "{f:#}");
    assert_eq!(f["diagnosis"], "entra-certificate-unavailable");
    assert_eq!(f["evidence"]["principal"], "a managed identity");
    let commands = f["remedy"]["commands"].to_string();
    assert!(commands.contains("--local-user"), "{commands}");

    let report = diagnose_as(&mi, &["--local-user", "azureuser"]);
    assert_eq!(finding(&report, IDENTITY)["status"], "pass");
}

#[test]
fn a_user_token_from_the_stand_in_passes() {
    let report = diagnose_as(&arm::token(), &[]);
    let f = finding(&report, IDENTITY);
    assert_eq!(f["status"], "pass", "{f:#}");
    assert_eq!(f["evidence"]["principal"], "a user");
}
