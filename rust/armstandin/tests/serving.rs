//! What an HTTPS client sees: routes, auth, the request log, the token route.

mod support;

use arm_standin::Standin;
use serde_json::json;
use support::{TOKEN, curl, curl_anon, curl_raw};

const RP: &str = "/subscriptions/s1/providers/Microsoft.HybridConnectivity";

#[test]
fn routes_match_query_subset_and_path_case_insensitively() {
    let s = Standin::start(&json!({"routes": [
        {"method": "GET", "path": RP, "query": {"api-version": "2023-03-15"},
         "body": {"registrationState": "Registered"},
         "headers": {"x-ms-correlation-request-id": "fixed-corr", "x-custom": "yes"}},
        {"method": "POST", "pathPrefix": "/subscriptions/s1/resourceGroups/", "status": 201,
         "bodyText": "created"},
    ]}));
    let path =
        "/SUBSCRIPTIONS/s1/PROVIDERS/microsoft.hybridconnectivity?x=1&api-version=2023-03-15";
    let r = curl(&s, path, &[]);
    assert_eq!((r.exit, r.status), (0, 200), "{}", r.stderr);
    assert_eq!(r.json(), json!({"registrationState": "Registered"}));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-ms-correlation-request-id"), Some("fixed-corr"));
    assert_eq!(r.header("x-custom"), Some("yes"));
    let id = r.header("x-ms-request-id").expect("request id");
    assert_eq!(id.len(), 36, "{id}");

    let r = curl(&s, "/subscriptions/s1/resourceGroups/rg/x", &["-X", "POST"]);
    assert_eq!((r.status, r.body.as_str()), (201, "created"));

    for (path, method) in [
        (format!("{RP}?api-version=2021-10-06-preview"), "GET"), // wrong value
        (RP.to_string(), "GET"),                                 // param missing
        (format!("{RP}?api-version=2023-03-15"), "PUT"),         // wrong method
        (format!("{RP}/extra?api-version=2023-03-15"), "GET"),   // exact path only
    ] {
        let r = curl(&s, &path, &["-X", method]);
        assert_eq!(r.status, 404, "{method} {path}");
        let no_route = format!("no route for {method} {}", path.split('?').next().unwrap());
        assert_eq!(
            r.json(),
            json!({"error": {"code": "NotFound", "message": no_route}})
        );
        assert!(r.header("x-ms-request-id").is_some());
    }
}

#[test]
fn times_lets_a_route_fall_through() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/m", "times": 2, "status": 404, "body": {"error": {"code": "ResourceNotFound"}}},
        {"path": "/m", "body": {"ok": true}},
    ]}));
    let statuses: Vec<u16> = (0..4).map(|_| curl(&s, "/m", &[]).status).collect();
    assert_eq!(statuses, [404, 404, 200, 200]);
    let routes: Vec<_> = s.requests().iter().map(|r| r["route"].clone()).collect();
    assert_eq!(routes, [json!(0), json!(0), json!(1), json!(1)]);
}

#[test]
fn bearer_is_required_unless_the_route_opts_out() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/once", "times": 1, "body": "first"},
        {"path": "/once", "body": "later"},
        {"path": "/open", "requireBearer": false, "body": {}},
    ]}));
    let r = curl_anon(&s, "/once", &[]);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "AuthenticationFailed");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer "));
    let r = curl_anon(&s, "/once", &["-H", "Authorization: Bearer "]);
    assert_eq!(r.status, 401, "an empty token is no token");
    // The 401s did not use up the route's single turn.
    assert_eq!(curl(&s, "/once", &[]).json(), "first");
    assert_eq!(curl(&s, "/once", &[]).json(), "later");
    assert_eq!(curl_anon(&s, "/open", &[]).status, 200);
}

#[test]
fn request_log_records_requests_and_redacts_the_token() {
    let s = Standin::start(&json!({"routes": [{"pathPrefix": "/subscriptions/", "body": {}}]}));
    let listcreds = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m1/providers/Microsoft.HybridConnectivity/endpoints/default/listCredentials?api-version=2023-03-15&expiresin=3600";
    let r = curl(
        &s,
        listcreds,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            "X-MS-Correlation-Request-Id: corr-1",
            "--data",
            r#"{"serviceName":"SSH"}"#,
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ms-correlation-request-id"), Some("corr-1"));
    curl(&s, "/subscriptions/s1?a=%2Fx+y", &["--data", "plain text"]);
    curl(&s, "/nowhere", &[]);

    let log = s.requests();
    assert_eq!(log.len(), 3);
    let first = &log[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(
        first["path"],
        listcreds.split('?').next().unwrap(),
        "path as sent"
    );
    assert_eq!(
        first["query"],
        json!({"api-version": "2023-03-15", "expiresin": "3600"})
    );
    assert_eq!(first["body"], json!({"serviceName": "SSH"}));
    assert_eq!(first["route"], 0);
    let headers = &first["headers"];
    assert_eq!(
        headers["authorization"],
        format!("Bearer <redacted:{} chars>", TOKEN.len())
    );
    assert_eq!(headers["x-ms-correlation-request-id"], "corr-1");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(log[1]["query"], json!({"a": "/x y"}));
    assert_eq!(log[1]["body"], "plain text");
    assert_eq!(
        (&log[2]["route"], &log[2]["body"]),
        (&json!(null), &json!(null))
    );
    let raw = std::fs::read_to_string(&s.request_log).unwrap();
    assert!(!raw.contains(TOKEN) && !raw.contains("test-token-value"));
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let s = Standin::start(&json!({"routes": [{"pathPrefix": "/", "body": {"n": 1}}]}));
    let ca = s.ca_bundle.to_str().unwrap();
    let auth = format!("Authorization: Bearer {TOKEN}");
    let out = std::process::Command::new("curl")
        .args(["-sS", "--cacert", ca, "-H", &auth])
        .args(["-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null"])
        .args(["-w", "%{http_code} %{num_connects}\\n"])
        .args([
            format!("{}/a", s.url),
            format!("{}/b", s.url),
            format!("{}/c", s.url),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200 1\n200 0\n200 0\n"
    );
    assert_eq!(s.requests().len(), 3);
}

#[test]
fn chunked_request_body_is_refused_not_hung() {
    let s = Standin::start(&json!({"routes": [{"pathPrefix": "/", "body": {}}]}));
    let r = curl(
        &s,
        "/x",
        &[
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "abc",
            "--max-time",
            "5",
        ],
    );
    assert_eq!((r.exit, r.status), (0, 400), "{}", r.stderr);
    assert_eq!(r.json()["error"]["code"], "BadRequest");
}

#[test]
fn msi_token_route_follows_the_app_service_protocol() {
    let token = arm_standin::jwt("t1", "o1", "user@example.com", None);
    let s = Standin::start(
        &json!({"routes": [], "token": {"accessToken": token, "expiresInSeconds": 3600}}),
    );
    let path = "/msi/token?resource=https%3A%2F%2Fmanagement.azure.com%2F&api-version=2019-08-01";
    let r = curl_anon(&s, path, &["-H", "X-IDENTITY-HEADER: secret-id-header"]);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["access_token"], token.as_str());
    assert_eq!(v["resource"], "https://management.azure.com/");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["client_id"], "00000000-0000-0000-0000-000000000000");
    let now = arm_standin::server::unix_now();
    let exp: u64 = v["expires_on"].as_str().unwrap().parse().unwrap();
    assert!((now + 3590..=now + 3610).contains(&exp), "{exp} vs {now}");
    assert_eq!(curl_anon(&s, path, &[]).status, 400, "no identity header");
    let log = std::fs::read_to_string(&s.request_log).unwrap();
    assert!(!log.contains("secret-id-header"));

    let plain = Standin::start(&json!({"routes": []}));
    let r = curl_anon(&plain, path, &["-H", "X-IDENTITY-HEADER: x"]);
    assert_eq!(r.status, 404, "no token in the scenario");
}

#[test]
fn a_client_that_does_not_trust_the_ca_fails_the_handshake() {
    let s = Standin::start(&json!({"routes": [{"pathPrefix": "/", "requireBearer": false}]}));
    let other = Standin::start(&json!({"routes": []}));
    let url = format!("{}/x", s.url);
    // The system store only, then another stand-in's CA.
    let r = curl_raw(&url, &[]);
    assert_eq!((r.exit, r.status), (60, 0), "{}", r.stderr);
    let r = curl_raw(&url, &["--cacert", other.ca_bundle.to_str().unwrap()]);
    assert_eq!((r.exit, r.status), (60, 0), "{}", r.stderr);
    // localhost is in the certificate too.
    let url = format!("https://localhost:{}/x", s.port);
    let r = curl_raw(&url, &["--cacert", s.ca_bundle.to_str().unwrap()]);
    assert_eq!((r.exit, r.status), (0, 200), "{}", r.stderr);
    assert_eq!(s.requests().len(), 1, "failed handshakes log nothing");
}

#[test]
fn python_strict_tls_trusts_the_generated_ca() {
    // Python 3.13 turns on X509_STRICT by default; az runs on Python.
    let s = Standin::start(&json!({"routes": [{"path": "/p", "body": {"py": true}}]}));
    let script = r#"
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
ctx.verify_flags |= ssl.VERIFY_X509_STRICT
req = urllib.request.Request(sys.argv[2], headers={"Authorization": "Bearer x"})
print(urllib.request.urlopen(req, context=ctx, timeout=10).read().decode())
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&s.ca_bundle)
        .arg(format!("{}/p", s.url))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"py":true}"#
    );
}

#[test]
fn large_bodies_are_read_up_to_16_mib() {
    let s =
        Standin::start(&json!({"routes": [{"method": "PUT", "pathPrefix": "/", "status": 201}]}));
    let dir = tempfile::tempdir().unwrap();
    let (big, huge) = (dir.path().join("big"), dir.path().join("huge"));
    std::fs::write(&big, "a".repeat(2 << 20)).unwrap();
    std::fs::write(&huge, "a".repeat((16 << 20) + 1)).unwrap();
    // curl sends `Expect: 100-continue` for bodies this size.
    let at = |p: &std::path::Path| format!("@{}", p.display());
    let r = curl(&s, "/b", &["-X", "PUT", "--data-binary", &at(&big)]);
    assert_eq!((r.exit, r.status), (0, 201), "{}", r.stderr);
    let r = curl(&s, "/h", &["-X", "PUT", "--data-binary", &at(&huge)]);
    assert_eq!(r.status, 413, "{}", r.stderr);
    let log = s.requests();
    assert_eq!(log.len(), 1, "the refused request is not logged");
    assert_eq!(log[0]["body"].as_str().map(str::len), Some(2 << 20));
    assert_eq!(log[0]["headers"]["expect"], "100-continue");
}
