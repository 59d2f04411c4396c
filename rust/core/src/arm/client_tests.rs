//! The client against the real `arm-standin` HTTPS server.

use super::client::{ArmClient, ArmSettings};
use super::path::{ArmPath, machine_path};
use super::{ArmError, Method};
use arm_standin::Standin;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Recognisable, so a leak is easy to spot.
pub(super) const TOKEN: &str = "eyJTESTTOKENabc123.secret.sig";
pub(super) const API: &str = "2022-11-10";

pub(super) fn settings(s: &Standin, timeout_ms: u64, retries: u32) -> ArmSettings {
    ArmSettings {
        endpoint: s.url.clone(),
        token: Some(TOKEN.to_string()),
        ca_bundle: Some(s.ca_bundle.display().to_string()),
        proxy: None,
        request_timeout: Duration::from_millis(timeout_ms),
        max_retries: retries,
        client: crate::model::Client::Standalone,
    }
}

pub(super) fn client(s: &Standin, timeout_ms: u64, retries: u32) -> ArmClient {
    ArmClient::new(settings(s, timeout_ms, retries)).expect("client")
}

pub(super) fn p(path: &str) -> ArmPath {
    path.trim_start_matches('/')
        .split('/')
        .fold(ArmPath::root(), |acc, seg| acc.seg(seg).expect("segment"))
}

fn assert_no_token(text: &str) {
    for needle in [TOKEN, "eyJTESTTOKEN", "abc123.secret", "secret.sig"] {
        assert!(!text.contains(needle), "token leaked into: {text}");
    }
}

fn assert_clean(e: &ArmError) {
    assert_no_token(&e.to_string());
    assert_no_token(&format!("{e:?}"));
}

#[test]
fn success_sends_the_right_request_and_reads_the_answer() {
    let machine =
        "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/vm1";
    let s = Standin::start(&json!({"routes": [
        {"method": "GET", "path": machine, "query": {"api-version": API},
         "body": {"name": "vm1", "properties": {"status": "Connected"}}},
    ]}));
    let c = client(&s, 5000, 0);
    let path = machine_path("s1", "rg1", "microsoft.hybridcompute/machines", "vm1").unwrap();
    let r = c.get(&path, API).expect("answer");
    assert_eq!(r.status, 200);
    assert!(r.is_success());
    assert_eq!(r.body["properties"]["status"], "Connected");
    assert_eq!(r.url, format!("{}{machine}?api-version={API}", s.url));
    assert!(r.request_id.as_deref().is_some_and(|id| id.len() == 36));
    assert!(r.correlation_id.is_some());
    assert_eq!(r.error_code(), None);
    let r2 = c.get(&path, API).unwrap();

    let log = s.requests();
    assert_eq!(log.len(), 2);
    let h = &log[0]["headers"];
    let redacted = format!("Bearer <redacted:{} chars>", TOKEN.len());
    assert_eq!(h["authorization"], Value::String(redacted));
    assert_eq!(h["accept"], "application/json");
    let ua = h["user-agent"].as_str().unwrap();
    assert_eq!(ua, concat!("ssh-troubleshoot/", env!("CARGO_PKG_VERSION")));
    let id0 = h["x-ms-client-request-id"].as_str().unwrap().to_string();
    let id1 = log[1]["headers"]["x-ms-client-request-id"]
        .as_str()
        .unwrap();
    assert_eq!(id0.len(), 36);
    assert_ne!(id0, id1, "a fresh client request id per call");
    assert_eq!(log[0]["query"], json!({"api-version": API}));
    assert_eq!(log[0]["method"], "GET");
    assert_ne!(r2.request_id, r.request_id);
    assert_no_token(&format!("{r:?} {c:?}"));
}

#[test]
fn error_statuses_are_answers_with_code_and_correlation_id() {
    let mut routes = Vec::new();
    for (status, code) in [
        (401, "InvalidAuthenticationToken"),
        (403, "AuthorizationFailed"),
        (404, "ResourceNotFound"),
        (409, "Conflict"),
        (400, "InvalidApiVersionParameter"),
    ] {
        routes.push(json!({"path": format!("/s{status}"), "status": status,
            "headers": {"x-ms-correlation-request-id": format!("corr-{status}")},
            "body": {"error": {"code": code, "message": format!("m{status}")}}}));
    }
    let s = Standin::start(&json!({ "routes": routes }));
    let c = client(&s, 5000, 3);
    for (status, code) in [
        (401, "InvalidAuthenticationToken"),
        (403, "AuthorizationFailed"),
    ] {
        let r = c
            .get(&p(&format!("/s{status}")), API)
            .expect("answer, not an error");
        assert_eq!(r.status, status);
        assert!(!r.is_success());
        assert_eq!(r.error_code(), Some(code));
        assert_eq!(r.error_message(), Some(format!("m{status}").as_str()));
        assert_eq!(
            r.correlation_id.as_deref(),
            Some(format!("corr-{status}").as_str())
        );
    }
    for status in [404, 409, 400] {
        let r = c
            .send(Method::Put, &p(&format!("/s{status}")), API, &[], None)
            .unwrap();
        assert_eq!(r.status, status);
    }
    assert_eq!(s.requests().len(), 5, "4xx answers are never retried");
}

#[test]
fn a_hanging_server_times_out_once() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/hang", "fault": "hang"},
        {"path": "/slow", "fault": "slow-body", "bodyText": "{\"padding\": \"0123456789012345678901234567890123456789\"}"},
    ]}));
    let c = client(&s, 500, 2);
    for path in ["/hang", "/slow"] {
        let started = Instant::now();
        let e = c.get(&p(path), API).expect_err("timeout");
        assert!(matches!(e, ArmError::Timeout { .. }), "{path}: {e:?}");
        assert_eq!(e.code(), "arm-timeout");
        assert!(e.to_string().contains(path), "{e}");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{path}: {:?}",
            started.elapsed()
        );
        assert_clean(&e);
    }
    assert_eq!(s.requests().len(), 2, "timeouts are not retried");
}

#[test]
fn broken_connections_and_bodies() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/reset", "fault": "reset"},
        {"path": "/truncate", "fault": "truncate", "body": {"a": "b"}},
        {"path": "/malformed", "bodyText": "{\"value\": [1, 2"},
        {"path": "/empty", "method": "DELETE", "status": 204},
    ]}));
    let c = client(&s, 3000, 1);
    let e = c.get(&p("/reset"), API).expect_err("reset");
    assert!(matches!(e, ArmError::Connect { .. }), "{e:?}");
    assert_eq!(s.requests().len(), 2, "a reset is retried");
    assert_clean(&e);

    let e = c.get(&p("/truncate"), API).expect_err("truncated");
    match &e {
        ArmError::BadBody { status, detail, .. } => {
            assert_eq!(*status, 200);
            assert!(detail.contains("broke off"), "{detail}");
        }
        ArmError::Connect { .. } => {}
        other => panic!("unexpected {other:?}"),
    }
    assert_clean(&e);

    let e = c.get(&p("/malformed"), API).expect_err("malformed");
    assert!(matches!(e, ArmError::BadBody { status: 200, .. }), "{e:?}");
    assert_eq!(e.code(), "arm-bad-body");
    assert_clean(&e);

    let r = c
        .send(Method::Delete, &p("/empty"), API, &[], None)
        .unwrap();
    assert_eq!((r.status, r.body.clone()), (204, Value::Null));
}

#[test]
fn refused_connection_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let s = Standin::start(&json!({"routes": []}));
    let mut cfg = settings(&s, 2000, 0);
    cfg.endpoint = format!("https://127.0.0.1:{port}");
    let e = ArmClient::new(cfg)
        .unwrap()
        .get(&p("/x"), API)
        .expect_err("refused");
    assert!(matches!(e, ArmError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    assert_clean(&e);
}

#[test]
fn an_untrusted_certificate_names_what_the_users_host_trusts() {
    let s = Standin::start(&json!({"routes": [{"path": "/x", "body": {}}]}));
    let other = Standin::start(&json!({"routes": []}));
    let mut cfg = settings(&s, 3000, 0);
    cfg.ca_bundle = Some(other.ca_bundle.display().to_string());
    cfg.client = crate::model::Client::Powershell;
    let text = ArmClient::new(cfg)
        .unwrap()
        .get(&p("/x"), API)
        .expect_err("untrusted")
        .to_string();
    assert!(text.contains("SSL_CERT_FILE"), "{text}");
    assert!(text.contains("trusted root certificates"), "{text}");
    assert!(!text.contains("REQUESTS_CA_BUNDLE"), "{text}");
}

#[test]
fn untrusted_certificates_are_tls_errors_with_the_proxy_hint() {
    let s = Standin::start(&json!({"routes": [{"path": "/x", "body": {}}]}));
    let other = Standin::start(&json!({"routes": []}));
    let mut cfg = settings(&s, 3000, 2);
    cfg.ca_bundle = Some(other.ca_bundle.display().to_string());
    let e = ArmClient::new(cfg.clone())
        .unwrap()
        .get(&p("/x"), API)
        .expect_err("untrusted");
    assert!(matches!(e, ArmError::Tls { .. }), "{e:?}");
    assert_eq!(e.code(), "arm-tls");
    let text = e.to_string();
    assert!(
        text.contains("REQUESTS_CA_BUNDLE") && text.contains("TLS-inspecting proxy"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    assert_clean(&e);

    // Without a bundle the platform's trust store decides: it does not know the test CA.
    cfg.ca_bundle = None;
    let e = ArmClient::new(cfg)
        .unwrap()
        .get(&p("/x"), API)
        .expect_err("untrusted");
    assert!(matches!(e, ArmError::Tls { .. }), "{e:?}");
    assert!(
        s.requests().is_empty(),
        "no request crossed an untrusted connection"
    );
}

#[test]
fn a_path_injection_name_arrives_as_one_segment() {
    let s = Standin::start(&json!({"routes": [{"pathPrefix": "/subscriptions/", "body": {}}]}));
    let c = client(&s, 5000, 0);
    let name = "vm1/../../providers/Microsoft.Authorization/roleAssignments/x?api-version=1#frag";
    let path = machine_path("s1", "rg1(x)", "Microsoft.HybridCompute/machines", name).unwrap();
    let r = c.get(&path, API).unwrap();
    assert_eq!(r.status, 200);
    let log = s.requests();
    let sent = log[0]["path"].as_str().unwrap();
    let segments: Vec<&str> = sent.trim_start_matches('/').split('/').collect();
    assert_eq!(segments.len(), 8, "{sent}");
    assert_eq!(segments[3], "rg1%28x%29");
    assert_eq!(
        segments[7],
        "vm1%2F..%2F..%2Fproviders%2FMicrosoft.Authorization%2FroleAssignments%2Fx%3Fapi-version%3D1%23frag"
    );
    assert_eq!(
        log[0]["query"],
        json!({"api-version": API}),
        "the name added no query"
    );
}

#[test]
fn post_sends_body_and_extra_query() {
    let s = Standin::start(&json!({"routes": [
        {"method": "POST", "pathPrefix": "/m/", "query": {"expiresin": "3600"},
         "body": {"relay": {"accessKey": "SharedAccessSignature sr=x&sig=SECRET"}}},
        {"method": "POST", "path": "/nobody", "body": {}},
    ]}));
    let c = client(&s, 5000, 0);
    let path = p("/m/providers/Microsoft.HybridConnectivity/endpoints/default/listCredentials");
    let body = json!({"serviceName": "SSH"});
    let r = c
        .send(
            Method::Post,
            &path,
            "2023-03-15",
            &[("expiresin", "3600")],
            Some(&body),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(
        !format!("{r:?}").contains("SECRET"),
        "Debug redacts relay keys"
    );
    c.send(Method::Post, &p("/nobody"), API, &[], None).unwrap();
    let log = s.requests();
    assert_eq!(log[0]["body"], body);
    assert_eq!(log[0]["headers"]["content-type"], "application/json");
    assert_eq!(
        log[0]["query"],
        json!({"api-version": "2023-03-15", "expiresin": "3600"})
    );
    assert_eq!(log[1]["headers"]["content-length"], "0");
}

#[test]
fn the_token_never_leaks() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/hang", "fault": "hang"},
        {"path": "/reset", "fault": "reset"},
        {"path": "/bad", "bodyText": "not json"},
    ]}));
    let other = Standin::start(&json!({"routes": []}));
    let c = client(&s, 400, 0);
    let mut texts = vec![format!("{c:?}"), format!("{:?}", settings(&s, 400, 0))];
    for path in ["/hang", "/reset", "/bad"] {
        let e = c.get(&p(path), API).expect_err(path);
        texts.push(format!("{e} {e:?}"));
    }
    let mut untrusted = settings(&s, 400, 0);
    untrusted.ca_bundle = Some(other.ca_bundle.display().to_string());
    let e = ArmClient::new(untrusted)
        .unwrap()
        .get(&p("/x"), API)
        .unwrap_err();
    texts.push(format!("{e} {e:?}"));
    let mut insecure = settings(&s, 400, 0);
    insecure.endpoint = "http://arm.example.com".to_string();
    let e = ArmClient::new(insecure).unwrap_err();
    texts.push(format!("{e} {e:?}"));
    for t in &texts {
        assert_no_token(t);
    }
    let auth: Vec<Value> = s
        .requests()
        .iter()
        .map(|r| r["headers"]["authorization"].clone())
        .collect();
    let want = json!(format!("Bearer <redacted:{} chars>", TOKEN.len()));
    assert!(
        !auth.is_empty() && auth.iter().all(|a| *a == want),
        "{auth:?}"
    );
}
