//! Client behaviour that needs no server: settings checks, redaction, bodies, ids.

use super::client::{ArmClient, ArmSettings, redact_userinfo};
use super::endpoint::{is_loopback, parse};
use super::path::ArmPath;
use super::response::{new_request_id, parse_body, redact_secrets};
use super::{ArmError, ArmResponse, Method};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TOKEN: &str = "eyJTESTTOKENabc123.secret.sig";

fn settings(endpoint: &str) -> ArmSettings {
    ArmSettings {
        endpoint: endpoint.to_string(),
        token: Some(TOKEN.to_string()),
        ..ArmSettings::default()
    }
}

#[test]
fn endpoints() {
    let ep = parse("https://management.azure.com/").unwrap();
    assert_eq!(
        (ep.base.as_str(), ep.base_path.as_str(), ep.loopback),
        ("https://management.azure.com", "", false)
    );
    let ep = parse(" https://Management.Usgovcloudapi.NET:443/arm/ ").unwrap();
    assert_eq!(
        (ep.base.as_str(), ep.base_path.as_str()),
        ("https://management.usgovcloudapi.net/arm", "/arm")
    );
    for ok in [
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://[::1]:5",
        "http://localhost/",
        "http://LOCALHOST:1",
    ] {
        assert!(parse(ok).unwrap().loopback, "{ok}");
    }
    for host in [
        "10.0.0.1",
        "arm.example.com",
        "[::2]",
        "localhost.example.com",
        "128.0.0.1",
    ] {
        let e = parse(&format!("http://{host}")).unwrap_err();
        assert!(
            matches!(e, ArmError::InsecureEndpoint { .. }),
            "{host}: {e:?}"
        );
        assert_eq!(e.code(), "arm-insecure-endpoint");
    }
    for bad in [
        "",
        "management.azure.com",
        "ftp://x",
        "https://",
        "https://a/?x=1",
        "https://a/#f",
    ] {
        let e = parse(bad).unwrap_err();
        assert_eq!(e.code(), "arm-invalid-endpoint", "{bad}: {e:?}");
    }
    let e = parse("https://user:hunter2@arm.example.com").unwrap_err();
    assert_eq!(e.code(), "arm-invalid-endpoint");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && !is_loopback("::1x"));
}

#[test]
fn plain_http_to_the_network_is_refused_before_any_io() {
    let started = Instant::now();
    // 192.0.2.0/24 is TEST-NET-1: a connection attempt would hang, not fail fast.
    let e = ArmClient::new(settings("http://192.0.2.1")).unwrap_err();
    assert!(
        matches!(e, ArmError::InsecureEndpoint { ref host } if host == "192.0.2.1"),
        "{e:?}"
    );
    assert!(e.to_string().contains("https"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn missing_or_unusable_tokens() {
    let path = ArmPath::root().lit("subscriptions");
    for token in [None, Some(""), Some("  \n")] {
        let mut s = settings("https://192.0.2.1");
        s.token = token.map(str::to_string);
        let c = ArmClient::new(s).unwrap();
        let e = c.get(&path, "2022-01-01").unwrap_err();
        assert_eq!(e, ArmError::NoToken, "{token:?}");
        assert_eq!(e.code(), "arm-no-token");
    }
    for (token, why) in [
        ("abc\u{7}def", "control"),
        ("abc déf", "non-ASCII"),
        ("abc def", "spaces"),
    ] {
        let mut s = settings("https://192.0.2.1");
        s.token = Some(token.to_string());
        let e = ArmClient::new(s).unwrap().get(&path, "1").unwrap_err();
        assert_eq!(e.code(), "arm-invalid-token");
        assert!(e.to_string().contains(why), "{e}");
        assert!(!e.to_string().contains("abc"), "{e}");
    }
}

#[test]
fn ca_bundle_problems() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let key_only = dir.path().join("key.pem");
    std::fs::write(
        &key_only,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    for (path, expect) in [
        (&missing, ""),
        (&empty, "no certificates"),
        (&key_only, "no certificates"),
        (&garbage, ""),
    ] {
        let mut s = settings("https://management.azure.com");
        s.ca_bundle = Some(path.display().to_string());
        let e = ArmClient::new(s).unwrap_err();
        assert_eq!(e.code(), "arm-ca-bundle", "{path:?}: {e:?}");
        let text = e.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains(expect),
            "{text}"
        );
    }
}

#[test]
fn proxies() {
    let mut s = settings("https://management.azure.com");
    s.proxy = Some("http://alice:pa55word@proxy.corp:3128".to_string());
    let c = ArmClient::new(s.clone()).unwrap();
    let dbg = format!("{c:?} {s:?}");
    assert!(
        dbg.contains("proxy.corp:3128") && !dbg.contains("pa55word"),
        "{dbg}"
    );
    s.proxy = Some("proxy.corp:3128".to_string());
    assert!(
        ArmClient::new(s.clone()).is_ok(),
        "a scheme-less proxy means http://"
    );
    s.proxy = Some("http://[bad".to_string());
    assert_eq!(ArmClient::new(s).unwrap_err().code(), "arm-invalid-proxy");
    assert_eq!(redact_userinfo("http://u:p@h:1/x@y"), "http://***@h:1/x@y");
    assert_eq!(redact_userinfo("u:p@h:1"), "***@h:1");
    assert_eq!(redact_userinfo("https://h/a@b"), "https://h/a@b");
}

#[test]
fn debug_output_redacts_the_token() {
    let s = settings("https://management.azure.com");
    let c = ArmClient::new(s.clone()).unwrap();
    for text in [
        format!("{s:?}"),
        format!("{c:?}"),
        format!("{s:#?}"),
        format!("{c:#?}"),
    ] {
        assert!(
            !text.contains("TESTTOKEN") && !text.contains("secret"),
            "{text}"
        );
        assert!(
            text.contains(&format!("<redacted:{} chars>", TOKEN.len())),
            "{text}"
        );
    }
    fn shared<T: Send + Sync + Clone>(_: &T) {}
    shared(&c);
}

#[test]
fn every_error_has_a_distinct_code() {
    let url = "https://h/x".to_string();
    let errors = [
        ArmError::InvalidEndpoint("x".into()),
        ArmError::InsecureEndpoint { host: "h".into() },
        ArmError::NoToken,
        ArmError::InvalidToken("spaces"),
        ArmError::InvalidProxy("p".into()),
        ArmError::Timeout { url: url.clone() },
        ArmError::Connect {
            url: url.clone(),
            detail: "d".into(),
        },
        ArmError::Tls {
            url: url.clone(),
            detail: "d".into(),
            hint: super::error::tls_hint(crate::model::Client::Standalone),
        },
        ArmError::BadBody {
            url,
            status: 200,
            detail: "d".into(),
        },
        ArmError::CaBundle {
            path: "p".into(),
            detail: "d".into(),
        },
    ];
    let mut codes: Vec<&str> = errors.iter().map(ArmError::code).collect();
    assert!(codes.iter().all(|c| c.starts_with("arm-")));
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    assert!(
        errors[7]
            .to_string()
            .ends_with(super::error::tls_hint(crate::model::Client::Standalone))
    );
}

#[test]
fn bodies() {
    let url = "https://h/x";
    assert_eq!(parse_body(b"", 200, url).unwrap(), Value::Null);
    assert_eq!(parse_body(b" \r\n", 404, url).unwrap(), Value::Null);
    assert_eq!(
        parse_body(br#"{"a":1}"#, 200, url).unwrap(),
        json!({"a": 1})
    );
    let e = parse_body(b"{\"a\":", 201, url).unwrap_err();
    assert!(matches!(e, ArmError::BadBody { status: 201, .. }), "{e:?}");
    assert_eq!(parse_body(b"<html>", 503, url).unwrap(), json!("<html>"));
    let long = vec![b'x'; 10_000];
    assert_eq!(
        parse_body(&long, 500, url).unwrap().as_str().unwrap().len(),
        4096
    );
}

#[test]
fn responses() {
    let mut r = ArmResponse {
        status: 403,
        body: json!({"error": {"code": "AuthorizationFailed", "message": "no"}}),
        correlation_id: None,
        request_id: None,
        url: "https://h/x?api-version=1".into(),
    };
    assert_eq!(
        (r.error_code(), r.error_message()),
        (Some("AuthorizationFailed"), Some("no"))
    );
    r.body = json!({"code": "NoRegisteredProviderFound", "message": "m"});
    assert_eq!(r.error_code(), Some("NoRegisteredProviderFound"));
    r.body = Value::Null;
    assert_eq!((r.error_code(), r.error_message()), (None, None));
    let secret = json!({"relay": {"accessKey": "SharedAccessSignature sr=a&sig=SECRET", "expiresOn": 1,
        "serviceConfigurationToken": "TOKENVALUE"}, "list": ["x&sig=SECRET2"], "name": "vm1"});
    let text = redact_secrets(&secret).to_string();
    assert!(
        !text.contains("SECRET") && !text.contains("TOKENVALUE") && text.contains("vm1"),
        "{text}"
    );
    assert_eq!(Method::Post.as_str(), "POST");
}

#[test]
fn request_ids_are_fresh_uuids() {
    let ids: Vec<String> = (0..100).map(|_| new_request_id()).collect();
    for id in &ids {
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{id}");
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_eq!(&id[14..15], "4", "{id}");
        assert!("89ab".contains(&id[19..20]), "{id}");
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
}
