//! Delays and faults, as a client sees them.

mod support;

use arm_standin::Standin;
use serde_json::json;
use std::time::Duration;
use support::curl;

fn standin(route: serde_json::Value) -> Standin {
    let mut route = route;
    route["pathPrefix"] = json!("/");
    Standin::start(&json!({"routes": [route]}))
}

#[test]
fn delay_holds_the_answer_back() {
    let s = standin(json!({"delayMs": 700, "body": {"late": true}}));
    let r = curl(&s, "/x", &[]);
    assert_eq!((r.status, r.json()), (200, json!({"late": true})));
    assert!(r.elapsed >= Duration::from_millis(700), "{:?}", r.elapsed);
}

#[test]
fn reset_closes_the_connection_without_an_answer() {
    let s = standin(json!({"fault": "reset", "body": {}}));
    let r = curl(&s, "/x", &[]);
    assert_eq!(r.status, 0);
    // 56: "Recv failure: Connection reset by peer"; 52/35 on other curl builds.
    assert!(
        [56, 52, 35].contains(&r.exit),
        "exit {}: {}",
        r.exit,
        r.stderr
    );
    assert_eq!(s.requests().len(), 1, "the request is still logged");
}

#[test]
fn truncate_announces_more_body_than_it_sends() {
    let s = standin(json!({"fault": "truncate", "body": {"relay": {"namespaceName": "ns"}}}));
    let r = curl(&s, "/x", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.exit, 18, "curl: partial file; {}", r.stderr);
    assert_eq!(r.body, r#"{"relay":{"namespaceName":"ns"}}"#);
}

#[test]
fn slow_body_trickles_one_byte_every_200_ms() {
    let s = standin(json!({"fault": "slow-body", "bodyText": "12345"}));
    let r = curl(&s, "/x", &[]);
    assert_eq!((r.exit, r.status, r.body.as_str()), (0, 200, "12345"));
    assert!(r.elapsed >= Duration::from_millis(950), "{:?}", r.elapsed);
    // A client with a shorter budget times out mid-body, after the headers.
    let r = curl(&s, "/x", &["--max-time", "0.9"]);
    assert_eq!((r.exit, r.status), (28, 200), "{}", r.stderr);
    assert!(r.body.len() < 5);
}

#[test]
fn hang_never_answers() {
    let s = standin(json!({"fault": "hang", "body": {}}));
    let r = curl(&s, "/x", &["--max-time", "1"]);
    assert_eq!((r.exit, r.status), (28, 0), "{}", r.stderr);
    assert!(r.elapsed < Duration::from_secs(5), "{:?}", r.elapsed);
}

#[test]
fn a_fault_used_up_by_times_falls_through() {
    let s = Standin::start(&json!({"routes": [
        {"path": "/x", "fault": "reset", "times": 1},
        {"path": "/x", "body": {"second": "try"}},
    ]}));
    assert_ne!(curl(&s, "/x", &[]).exit, 0);
    let r = curl(&s, "/x", &[]);
    assert_eq!((r.exit, r.json()), (0, json!({"second": "try"})));
}
