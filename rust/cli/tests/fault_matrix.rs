//! Issue 7, the fault matrix: every ARM call a one-machine diagnosis makes, times every
//! way that call can go wrong, against the real binary and a real stand-in (one per
//! case, cases run side by side). Each case must finish within its deadline, produce a
//! report, blame exactly the checks that depend on the broken call (the table in
//! [`expected`]), leave every other finding as it is on a healthy machine, make no
//! retry storm, and show no secret.

mod support;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::arm::{self, RG, SUB, Scenario, TOKEN_MARK, error};
use support::{Machine, text};

/// `--deadline` of every case, and how long past it a run may take to exit (start-up,
/// writing the report): a liveness bound, not a performance target.
const DEADLINE_SECS: u64 = 4;
const MARGIN: Duration = Duration::from_secs(3);
/// Cases running at once (each is a stand-in plus the binary, mostly waiting).
const WORKERS: usize = 8;

const RELAY_KEY_MARK: &str = "RELAYKEYMARK";
const SERVICE_TOKEN_MARK: &str = "SERVICETOKENMARK";
/// Nothing the scenario hands out as a secret may reach stdout or stderr.
const SECRETS: [&str; 3] = [TOKEN_MARK, RELAY_KEY_MARK, SERVICE_TOKEN_MARK];

const SIGN_IN: &str = "azure.sign-in";
const PROVIDER: &str = "azure.resource-provider";
const MACHINE: &str = "azure.machine";
const CONFIG: &str = "azure.ssh-service-config";
const PERMISSIONS: &str = "azure.permissions";
const ENTRA: &str = "azure.entra-login";
const RELAY: &str = "azure.relay-credentials";
/// Reads only the token; needs the sign-in proven.
const IDENTITY: &str = "azure.entra-identity";
const AZURE_CHECKS: [&str; 8] = [
    SIGN_IN,
    PROVIDER,
    MACHINE,
    CONFIG,
    PERMISSIONS,
    ENTRA,
    RELAY,
    IDENTITY,
];

/// How the diagnosis is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// `-g RG -n NAME --probe-credentials`: resource discovery first, and the
    /// listCredentials POST at the end.
    Discover,
    /// `--resource-type Microsoft.HybridCompute/machines`: no discovery.
    Typed,
}

impl Variant {
    fn args(self) -> &'static [&'static str] {
        match self {
            Variant::Discover => &["--probe-credentials"],
            Variant::Typed => &["--resource-type", "Microsoft.HybridCompute/machines"],
        }
    }

    fn calls(self) -> &'static [Call] {
        match self {
            Variant::Discover => &[
                Call::Resources,
                Call::Provider,
                Call::Machine,
                Call::Endpoint,
                Call::ServiceConfig,
                Call::Permissions,
                Call::Extensions,
                Call::ListCredentials,
            ],
            Variant::Typed => &[
                Call::Provider,
                Call::Machine,
                Call::Endpoint,
                Call::ServiceConfig,
                Call::Permissions,
                Call::Extensions,
            ],
        }
    }
}

/// One ARM call of the diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Resources,
    Provider,
    Machine,
    Endpoint,
    ServiceConfig,
    Permissions,
    Extensions,
    ListCredentials,
}

impl Call {
    fn method(self) -> &'static str {
        match self {
            Call::ListCredentials => "POST",
            _ => "GET",
        }
    }

    fn path(self) -> String {
        match self {
            Call::Resources => format!("/subscriptions/{SUB}/resourceGroups/{RG}/resources"),
            Call::Provider => arm::provider_path(),
            Call::Machine => arm::machine_path(),
            Call::Endpoint => arm::endpoint_path(),
            Call::ServiceConfig => arm::config_path(),
            Call::Permissions => format!(
                "{}/providers/Microsoft.Authorization/permissions",
                arm::machine_path()
            ),
            Call::Extensions => format!("{}/extensions", arm::machine_path()),
            Call::ListCredentials => format!("{}/listCredentials", arm::endpoint_path()),
        }
    }

    fn is(self, method: &str, path: &str) -> bool {
        self.method() == method && self.path().eq_ignore_ascii_case(path)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// No answer at all (the stand-in's `hang`): the run's deadline ends the wait.
    Timeout,
    /// 429 with `Retry-After: 1`, every time.
    Throttled,
    /// 500 with `Retry-After: 1`, every time.
    Internal,
    /// 503 with `Retry-After: 1`, every time.
    Unavailable,
    /// 200 with the healthy body minus its last byte.
    Malformed,
    /// 200 announcing 100 bytes more than it sends.
    Truncated,
    /// The connection is reset without an answer.
    Reset,
    /// 200 whose body trickles in one byte every 200 ms.
    SlowBody,
    /// One 429 with `Retry-After: 1`, then the healthy answer.
    ThrottledOnce,
}

const FAULTS: [Fault; 9] = [
    Fault::Timeout,
    Fault::Throttled,
    Fault::Internal,
    Fault::Unavailable,
    Fault::Malformed,
    Fault::Truncated,
    Fault::Reset,
    Fault::SlowBody,
    Fault::ThrottledOnce,
];

/// What the checks get to see of a call under a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// An HTTP error answer (after the retries): 429, 500, 503.
    ErrorAnswer,
    /// No usable answer: reset, truncated or malformed body, untrusted TLS, and no
    /// (whole) answer before the ARM calls give up, shortly before the run's deadline.
    NoAnswer,
    /// The retry got the healthy answer.
    Recovered,
}

impl Fault {
    fn seen(self) -> Seen {
        match self {
            Fault::Throttled | Fault::Internal | Fault::Unavailable => Seen::ErrorAnswer,
            Fault::Malformed | Fault::Truncated | Fault::Reset => Seen::NoAnswer,
            Fault::Timeout | Fault::SlowBody => Seen::NoAnswer,
            Fault::ThrottledOnce => Seen::Recovered,
        }
    }

    /// Requests the faulted call may cause: the client retries 429/5xx (after
    /// Retry-After) and broken connections twice, and nothing else.
    fn attempts(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Fault::Throttled | Fault::Internal | Fault::Unavailable => 3..=3,
            Fault::Truncated | Fault::Reset => 3..=3,
            Fault::Malformed | Fault::Timeout | Fault::SlowBody => 1..=1,
            Fault::ThrottledOnce => 2..=2,
        }
    }

    /// The stand-in route that breaks `call`; `healthy` is its healthy answer.
    fn route(self, call: Call, healthy: &Value) -> Value {
        let mut r = json!({"method": call.method(), "path": call.path()});
        let throttle = |status: u16, code: &str| {
            json!({"status": status, "headers": {"Retry-After": "1"},
                   "body": error(code, "Please retry later.")})
        };
        let extra = match self {
            Fault::Timeout => json!({"fault": "hang"}),
            Fault::Throttled => throttle(429, "TooManyRequests"),
            Fault::Internal => throttle(500, "InternalServerError"),
            Fault::Unavailable => throttle(503, "ServiceUnavailable"),
            Fault::Malformed => {
                let full = healthy.to_string();
                json!({"status": 200, "bodyText": full[..full.len() - 1]})
            }
            Fault::Truncated => json!({"status": 200, "body": healthy, "fault": "truncate"}),
            Fault::Reset => json!({"fault": "reset"}),
            Fault::SlowBody => json!({"status": 200, "body": healthy, "fault": "slow-body"}),
            Fault::ThrottledOnce => {
                let mut t = throttle(429, "TooManyRequests");
                t["times"] = json!(1);
                t
            }
        };
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    }
}

/// What a finding must say instead of its healthy status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Error,
    /// `skip` with this `blockedBy`.
    Blocked(&'static str),
}

use Expect::{Blocked, Error};

/// THE MAPPING. The findings a fault on `call` changes; every finding not named keeps
/// its healthy status (`pass` for the Azure checks). Why each row is what it is:
///
/// | call            | error answer (429/500/503)  | no answer (reset/truncated/malformed/TLS/timeout/slow body) |
/// |-----------------|-----------------------------|-------------------------------------------------------------|
/// | resources list  | machine E; config, permissions, entra, relay blocked by machine | same                |
/// | provider        | resource-provider E         | sign-in E; provider, machine blocked by sign-in; the rest blocked by machine |
/// | machine         | machine E; config, permissions, entra, relay blocked by machine | same                |
/// | endpoint        | nothing: report `healthy`   | nothing: report `healthy`                                   |
/// | service config  | service-config E            | same                                                        |
/// | permissions     | permissions E               | same                                                        |
/// | extensions      | entra-login E               | same                                                        |
/// | listCredentials | relay-credentials E         | same                                                        |
/// | 429 once, then 200 (any call) | nothing: report `healthy`, the call made twice |                |
///
/// The first `E` of a row is the check blamed: its summary or evidence names the call.
///
/// - The provider read is also the sign-in probe: any HTTP answer but 401 shows ARM
///   took the token (ARM authenticates before it throttles or fails), so only the
///   provider check errs; no answer leaves the token unproven, and the checks that
///   `require` sign-in are skipped as blocked, as the engine does for any error.
/// - The SSH service configuration is a child of the endpoint: its 200 proves the
///   endpoint exists, so a broken endpoint read changes no finding (and the report
///   stays `healthy`); the endpoint read's failure is shown in the evidence.
/// - A call with no answer (timeout, slow body) gives up shortly before the run's
///   deadline, so it is judged like any other missing answer and named, rather than
///   every check waiting for it ending as "not run".
/// - A failed service-configuration read does not fail permissions: whether write
///   permission is needed is then unknown, and only the read permissions are judged.
fn expected(call: Call, seen: Seen) -> Vec<(&'static str, Expect)> {
    let machine_and_dependants = |machine: Expect, rest: Expect| {
        vec![
            (MACHINE, machine),
            (CONFIG, rest),
            (PERMISSIONS, rest),
            (ENTRA, rest),
            (RELAY, rest),
        ]
    };
    match (call, seen) {
        (_, Seen::Recovered) => vec![],
        (Call::Resources | Call::Machine, Seen::ErrorAnswer | Seen::NoAnswer) => {
            machine_and_dependants(Error, Blocked(MACHINE))
        }
        (Call::Provider, Seen::ErrorAnswer) => vec![(PROVIDER, Error)],
        (Call::Provider, Seen::NoAnswer) => {
            let mut v = vec![
                (SIGN_IN, Error),
                (PROVIDER, Blocked(SIGN_IN)),
                (IDENTITY, Blocked(SIGN_IN)),
                (MACHINE, Blocked(SIGN_IN)),
            ];
            v.extend(machine_and_dependants(Blocked(SIGN_IN), Blocked(MACHINE)).split_off(1));
            v
        }
        (Call::Endpoint, Seen::ErrorAnswer | Seen::NoAnswer) => vec![],
        (Call::ServiceConfig, _) => vec![(CONFIG, Error)],
        (Call::Permissions, _) => vec![(PERMISSIONS, Error)],
        (Call::Extensions, _) => vec![(ENTRA, Error)],
        (Call::ListCredentials, _) => vec![(RELAY, Error)],
    }
}

/// The healthy machine, with relay credentials to hand out when asked.
fn healthy() -> Scenario {
    Scenario::healthy().answer(
        "POST",
        &Call::ListCredentials.path(),
        200,
        json!({"relay": {
            "namespaceName": "azgnrelay-eastus-l1", "namespaceNameSuffix": "servicebus.windows.net",
            "hybridConnectionName": "microsoft.hybridcompute/machines/abc/123/v2",
            "accessKey": format!("SharedAccessSignature sr=x&sig={RELAY_KEY_MARK}&se=1&skn=y"),
            "expiresOn": 1_900_000_000u64, "serviceConfigurationToken": SERVICE_TOKEN_MARK}}),
    )
}

fn healthy_body(scenario: &Scenario, call: Call) -> Value {
    scenario
        .routes
        .iter()
        .find(|r| {
            r["method"] == call.method()
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(&call.path()))
        })
        .unwrap_or_else(|| panic!("the healthy scenario has no route for {call:?}"))["body"]
        .clone()
}

struct Run {
    elapsed: Duration,
    code: Option<i32>,
    report: Value,
    requests: Vec<Value>,
}

/// Which CAs the client trusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    /// REQUESTS_CA_BUNDLE is the stand-in's CA.
    Standin,
    /// REQUESTS_CA_BUNDLE is another stand-in's CA.
    OtherCa,
    /// No REQUESTS_CA_BUNDLE: the system's trust store, which knows no test CA.
    System,
}

/// Runs the diagnosis against `scenario`. Returns the run, or what is wrong with its
/// output.
fn diagnose(variant: Variant, scenario: &Scenario, trust: Trust) -> Result<Run, String> {
    let standin = arm_standin::Standin::start(&scenario.json());
    let stranger =
        (trust == Trust::OtherCa).then(|| arm_standin::Standin::start(&json!({"routes": []})));
    let mut m = Machine::new();
    m.az_extension("2.0.6");
    m.az_proxy(0o755);
    m.set_env("SSH_TROUBLESHOOT_ACCESS_TOKEN", &arm::token());
    if trust != Trust::System {
        let ca = stranger
            .as_ref()
            .map_or(&standin.ca_bundle, |s| &s.ca_bundle);
        m.set_env("REQUESTS_CA_BUNDLE", ca.to_str().unwrap());
    }
    let deadline = DEADLINE_SECS.to_string();
    let mut args = arm::arc_args(&standin.url);
    args.extend(["--output", "json", "--deadline", &deadline]);
    args.extend_from_slice(variant.args());
    let started = Instant::now();
    let out = m.run(&args);
    let elapsed = started.elapsed();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for secret in SECRETS {
        if all.contains(secret) {
            return Err(format!("the secret {secret} leaked: {all}"));
        }
    }
    if all.contains("panicked") {
        return Err(format!("a panic: {all}"));
    }
    let report = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("not JSON ({e}), after {elapsed:?}: {all}"))?;
    Ok(Run {
        elapsed,
        code: out.status.code(),
        report,
        requests: standin.requests(),
    })
}

/// `check=status` for every finding, for failure messages.
fn brief(report: &Value) -> String {
    statuses(report)
        .iter()
        .map(|(c, f)| format!("{c}={}", f["status"].as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn statuses(report: &Value) -> BTreeMap<String, Value> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["check"].as_str().unwrap_or("?").to_string(), f.clone()))
        .collect()
}

/// The healthy run of a variant: its findings, and the calls it made (which must be
/// the calls the matrix breaks, so a new ARM read cannot slip past it).
fn baseline(variant: Variant) -> BTreeMap<String, Value> {
    let run = diagnose(variant, &healthy(), Trust::Standin).unwrap();
    assert_eq!(run.report["status"], "healthy", "{:#}", run.report);
    let findings = statuses(&run.report);
    for check in AZURE_CHECKS {
        if let Some(f) = findings.get(check) {
            assert_eq!(f["status"], "pass", "{variant:?} {check}: {f:#}");
        }
    }
    assert_eq!(
        findings.contains_key(RELAY),
        variant == Variant::Discover,
        "relay credentials are probed only when asked"
    );
    let mut made: Vec<(String, String)> = run
        .requests
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_ascii_lowercase(),
            )
        })
        .collect();
    made.sort();
    let mut listed: Vec<(String, String)> = variant
        .calls()
        .iter()
        .map(|c| (c.method().to_string(), c.path().to_ascii_lowercase()))
        .collect();
    listed.sort();
    assert_eq!(
        made, listed,
        "{variant:?}: the matrix must break every call the diagnosis makes, once each"
    );
    findings
}

#[derive(Clone, Copy, Debug)]
enum Case {
    Call(Variant, Call, Fault),
    /// The whole server presents a certificate from a CA the client does not trust
    /// (another test CA for discovery, the system's trust store with --resource-type).
    UntrustedTls(Variant),
}

impl Case {
    fn variant(self) -> Variant {
        match self {
            Case::Call(v, ..) | Case::UntrustedTls(v) => v,
        }
    }
}

/// Every way `run` differs from what `case` should give; empty when it is right.
fn judge(case: Case, run: &Run, healthy: &BTreeMap<String, Value>) -> Vec<String> {
    let mut wrong = Vec::new();
    let bound = Duration::from_secs(DEADLINE_SECS) + MARGIN;
    if run.elapsed > bound {
        wrong.push(format!("took {:?}, over {bound:?}", run.elapsed));
    }
    if run.code != Some(0) {
        wrong.push(format!(
            "exit code {:?} (an error is not a failed check)",
            run.code
        ));
    }
    let changed: Vec<(&str, Expect)> = match case {
        Case::Call(_, call, fault) => expected(call, fault.seen()),
        // Every read fails without an answer; sign-in is the first to say so.
        Case::UntrustedTls(_) => expected(Call::Provider, Seen::NoAnswer),
    };
    let changed: Vec<(&str, Expect)> = changed
        .into_iter()
        .filter(|(c, _)| healthy.contains_key(*c))
        .collect();
    let status = if changed.iter().any(|(_, e)| *e == Error) {
        "incomplete"
    } else {
        "healthy"
    };
    if run.report["status"] != status {
        wrong.push(format!(
            "status {} instead of {status}",
            run.report["status"]
        ));
    }
    let found = statuses(&run.report);
    if found.keys().ne(healthy.keys()) {
        wrong.push(format!(
            "findings {:?} instead of {:?}",
            found.keys(),
            healthy.keys()
        ));
    }
    for (check, normal) in healthy {
        let Some(f) = found.get(check) else { continue };
        let want = changed.iter().find(|(c, _)| c == check).map(|(_, e)| *e);
        let ok = match want {
            None => f["status"] == normal["status"],
            Some(Error) => f["status"] == "error",
            Some(Blocked(by)) => f["status"] == "skip" && f["blockedBy"] == by,
        };
        if !ok {
            let want = want.map_or(format!("{} as when healthy", normal["status"]), |w| {
                format!("{w:?}")
            });
            wrong.push(format!("{check}: want {want}, got {f}"));
        }
    }
    if let Case::UntrustedTls(_) = case {
        if !run.requests.is_empty() {
            wrong.push(format!(
                "{} requests got past an untrusted certificate",
                run.requests.len()
            ));
        }
        let sign_in = &found.get(SIGN_IN).map_or(Value::Null, Value::clone)["summary"];
        if !sign_in
            .as_str()
            .is_some_and(|s| s.contains("REQUESTS_CA_BUNDLE"))
        {
            wrong.push(format!("the sign-in error gives no TLS hint: {sign_in}"));
        }
    }
    if let (Case::Call(_, call, _), Some((blamed, _))) =
        (case, changed.iter().find(|(_, e)| *e == Error))
    {
        let f = found.get(*blamed).map_or(Value::Null, Value::clone);
        let said = format!("{} {}", f["summary"], f["evidence"]).to_ascii_lowercase();
        if !said.contains(&call.path().to_ascii_lowercase()) {
            wrong.push(format!("{blamed} does not name the call that failed: {f}"));
        }
    }
    if let Case::Call(variant, call, fault) = case {
        // No retry storm: the broken call is retried as the client promises, every
        // other call is made at most once.
        for other in variant.calls() {
            let n = run
                .requests
                .iter()
                .filter(|r| {
                    other.is(
                        r["method"].as_str().unwrap_or(""),
                        r["path"].as_str().unwrap_or(""),
                    )
                })
                .count();
            let allowed = if *other == call {
                fault.attempts()
            } else {
                0..=1
            };
            if !allowed.contains(&n) {
                wrong.push(format!("{other:?} was sent {n} times, not {allowed:?}"));
            }
        }
    }
    wrong
}

#[test]
fn every_arm_call_under_every_fault() {
    let started = Instant::now();
    let healthy_findings: BTreeMap<&str, BTreeMap<String, Value>> = [
        ("Discover", baseline(Variant::Discover)),
        ("Typed", baseline(Variant::Typed)),
    ]
    .into_iter()
    .collect();
    let mut cases = Vec::new();
    for variant in [Variant::Discover, Variant::Typed] {
        for call in variant.calls() {
            for fault in FAULTS {
                cases.push(Case::Call(variant, *call, fault));
            }
        }
        cases.push(Case::UntrustedTls(variant));
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<String>::new());
    let slowest = Mutex::new(Duration::ZERO);
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i).copied() else {
                        return;
                    };
                    let normal = &healthy_findings[match case.variant() {
                        Variant::Discover => "Discover",
                        Variant::Typed => "Typed",
                    }];
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        let base = healthy();
                        let (scenario, trust) = match case {
                            Case::Call(_, call, fault) => {
                                let body = healthy_body(&base, call);
                                (base.first(fault.route(call, &body)), Trust::Standin)
                            }
                            Case::UntrustedTls(Variant::Discover) => (base, Trust::OtherCa),
                            Case::UntrustedTls(Variant::Typed) => (base, Trust::System),
                        };
                        let run = diagnose(case.variant(), &scenario, trust)?;
                        let mut slow = slowest.lock().unwrap();
                        *slow = (*slow).max(run.elapsed);
                        drop(slow);
                        // FAULT_MATRIX_SHOW=Timeout shows the reports of the cases whose
                        // name holds that text.
                        if std::env::var("FAULT_MATRIX_SHOW")
                            .is_ok_and(|w| !w.is_empty() && format!("{case:?}").contains(&w))
                        {
                            eprintln!("{case:?}: {:#}", run.report["findings"]);
                        }
                        let wrong = judge(case, &run, normal);
                        if wrong.is_empty() {
                            Ok(())
                        } else {
                            Err(format!(
                                "{}\n  report status {}; findings: {}",
                                wrong.join("\n  "),
                                run.report["status"],
                                brief(&run.report)
                            ))
                        }
                    }));
                    let problem = match outcome {
                        Ok(Ok(())) => continue,
                        Ok(Err(p)) => p,
                        Err(panic) => panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "panicked".into()),
                    };
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{case:?}:\n  {problem}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let wall = started.elapsed();
    eprintln!(
        "fault matrix: {} cases in {wall:?}, slowest run {:?}",
        cases.len(),
        *slowest.lock().unwrap()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases went wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    // The whole matrix is meant to stay well under two minutes.
    assert!(
        wall < Duration::from_secs(120),
        "{} cases took {wall:?} (slowest run {:?})",
        cases.len(),
        slowest.into_inner().unwrap()
    );
}
