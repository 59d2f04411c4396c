//! Retries against the real `arm-standin`: which answers are retried, how long the
//! client waits, and the bound on one call.

use super::client_tests::{API, client, p};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn throttling_is_retried_after_retry_after() {
    let s = arm_standin::Standin::start(&json!({"routes": [
        {"path": "/t", "times": 1, "status": 429, "headers": {"retry-after": "1"},
         "body": {"error": {"code": "TooManyRequests"}}},
        {"path": "/t", "body": {"ok": true}},
        {"path": "/long", "status": 429, "headers": {"retry-after": "60"}, "body": {}},
    ]}));
    let c = client(&s, 5000, 3);
    let started = Instant::now();
    let r = c.get(&p("/t"), API).unwrap();
    assert_eq!((r.status, r.body.clone()), (200, json!({"ok": true})));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    let log = s.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0]["headers"]["x-ms-client-request-id"], log[1]["headers"]["x-ms-client-request-id"],
        "retries keep the call's request id"
    );

    // A server asking for longer than the longest wait gets its answer back at once.
    let started = Instant::now();
    let r = c.get(&p("/long"), API).unwrap();
    assert_eq!(r.status, 429);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(s.requests().len(), 3);
}

#[test]
fn transient_5xx_are_retried_up_to_max_retries() {
    let s = arm_standin::Standin::start(&json!({"routes": [
        {"path": "/flaky", "times": 2, "status": 503, "body": {"error": {"code": "ServiceUnavailable"}}},
        {"path": "/flaky", "body": {"ok": 1}},
        {"path": "/down", "status": 500, "body": {"error": {"code": "InternalServerError"}}},
        {"path": "/html", "status": 502, "bodyText": "<html>Bad gateway</html>"},
    ]}));
    let c = client(&s, 5000, 2);
    let r = c.get(&p("/flaky"), API).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(s.requests().len(), 3);

    let r = c.get(&p("/down"), API).unwrap();
    assert_eq!(
        (r.status, r.error_code()),
        (500, Some("InternalServerError"))
    );
    assert_eq!(s.requests().len(), 6, "first attempt + 2 retries");

    let c0 = client(&s, 5000, 0);
    let r = c0.get(&p("/html"), API).unwrap();
    assert_eq!(r.status, 502);
    assert_eq!(
        r.body,
        json!("<html>Bad gateway</html>"),
        "non-JSON error bodies are kept as text"
    );
    assert_eq!(s.requests().len(), 7);
}

#[test]
fn one_call_stays_within_its_time_bound() {
    // Each attempt takes 300 ms of a 400 ms timeout and answers 503; the waits may not
    // add up to more than one timeout, so the call ends well before 4 x 400 ms.
    let s = arm_standin::Standin::start(&json!({"routes": [
        {"path": "/slow503", "delayMs": 300, "status": 503, "body": {}},
    ]}));
    let c = client(&s, 400, 3);
    let started = Instant::now();
    let r = c.get(&p("/slow503"), API).unwrap();
    let took = started.elapsed();
    assert_eq!(r.status, 503);
    assert!(took < Duration::from_millis(1600), "{took:?}");
    assert_eq!(
        s.requests().len(),
        2,
        "300 + wait 400 + 300, then an 800 ms wait would exceed the budget"
    );
}

#[test]
fn nothing_runs_past_the_give_up_instant() {
    let s = arm_standin::Standin::start(&json!({"routes": [
        {"path": "/hang", "fault": "hang"},
        {"path": "/slow", "body": {"value": "x".repeat(200)}, "fault": "slow-body"},
        {"path": "/busy", "status": 503, "headers": {"retry-after": "1"}, "body": {}},
    ]}));
    let c = client(&s, 10_000, 2);
    for path in ["/hang", "/slow"] {
        let started = Instant::now();
        let e = c
            .give_up_at(started + Duration::from_millis(500))
            .get(&p(path), API)
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.code(), "arm-timeout", "{path}: {e}");
        assert!(
            e.to_string().contains(path),
            "the error names the call: {e}"
        );
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
            "{path}: {took:?}"
        );
    }
    // A retry that would wait past the instant is not made: the answer comes back.
    let before = s.requests().len();
    let started = Instant::now();
    let r = c
        .give_up_at(started + Duration::from_millis(800))
        .get(&p("/busy"), API)
        .unwrap();
    assert_eq!(r.status, 503);
    assert!(started.elapsed() < Duration::from_millis(800));
    assert_eq!(s.requests().len(), before + 1);
    // Once the instant has passed nothing is sent.
    let e = c
        .give_up_at(Instant::now())
        .get(&p("/busy"), API)
        .unwrap_err();
    assert_eq!(e.code(), "arm-timeout");
    assert_eq!(s.requests().len(), before + 1);
    // The client without the instant is unchanged.
    let r = c.get(&p("/busy"), API).unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(s.requests().len(), before + 4);
}
