//! The engine with checks that misbehave on purpose: panics, hangs, errors, failed
//! dependencies and a deadline shorter than the slowest check.

use ssh_troubleshoot_core::model::DiagnosisId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssh_troubleshoot_core::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use ssh_troubleshoot_core::env::HostEnv;
use ssh_troubleshoot_core::model::{ReportStatus, Request, Status};
use ssh_troubleshoot_core::run_with;

enum Behaviour {
    Pass,
    Fail,
    Panic,
    Error,
    Sleep(Duration),
}

struct Probe {
    id: &'static str,
    behaviour: Behaviour,
    requires: &'static [&'static str],
    timeout: Duration,
}

impl Check for Probe {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        self.id
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::ClientBinariesNotFound]
    }
    fn requires(&self) -> &'static [&'static str] {
        self.requires
    }
    fn timeout(&self) -> Duration {
        self.timeout
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }
    fn run(&self, _ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        match &self.behaviour {
            Behaviour::Pass => Ok(Outcome::pass("fine")),
            Behaviour::Fail => Ok(Outcome::problem(
                Status::Fail,
                DiagnosisId::ClientBinariesNotFound,
                "broken",
                &Default::default(),
            )),
            Behaviour::Panic => panic!("boom in {}", self.id),
            Behaviour::Error => Err(CheckError("disk on fire".into())),
            Behaviour::Sleep(d) => {
                std::thread::sleep(*d);
                Ok(Outcome::pass("slept"))
            }
        }
    }
}

fn probe(id: &'static str, behaviour: Behaviour) -> Arc<dyn Check> {
    Arc::new(Probe {
        id,
        behaviour,
        requires: &[],
        timeout: Duration::from_secs(5),
    })
}

fn run(checks: Vec<Arc<dyn Check>>, deadline_ms: Option<u64>) -> ssh_troubleshoot_core::Report {
    let request = Request {
        deadline_ms,
        ..Request::default()
    };
    run_with(&request, HostEnv::from_process().unwrap(), &checks).unwrap()
}

fn status_of(report: &ssh_troubleshoot_core::Report, id: &str) -> Status {
    report
        .findings
        .iter()
        .find(|f| f.check == id)
        .unwrap()
        .status
}

#[test]
fn a_panicking_or_erroring_check_becomes_an_error_finding_and_the_run_goes_on() {
    let report = run(
        vec![
            probe("t.panics", Behaviour::Panic),
            probe("t.errors", Behaviour::Error),
            probe("t.fine", Behaviour::Pass),
        ],
        None,
    );
    let panicked = &report.findings[0];
    assert_eq!(panicked.status, Status::Error);
    assert!(
        panicked.summary.contains("crashed: boom in t.panics"),
        "{}",
        panicked.summary
    );
    assert_eq!(report.findings[1].status, Status::Error);
    assert!(report.findings[1].summary.contains("disk on fire"));
    assert_eq!(status_of(&report, "t.fine"), Status::Pass);
    assert_eq!(report.status, ReportStatus::Incomplete);
}

#[test]
fn a_check_past_its_timeout_is_an_error_and_does_not_hold_the_run() {
    let slow: Arc<dyn Check> = Arc::new(Probe {
        id: "t.slow",
        behaviour: Behaviour::Sleep(Duration::from_secs(30)),
        requires: &[],
        timeout: Duration::from_millis(200),
    });
    let started = Instant::now();
    let report = run(vec![slow, probe("t.fine", Behaviour::Pass)], None);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let f = &report.findings[0];
    assert_eq!(f.status, Status::Error);
    assert!(f.summary.starts_with("Timed out"), "{}", f.summary);
    assert!(f.duration_ms >= 200);
    assert_eq!(status_of(&report, "t.fine"), Status::Pass);
}

#[test]
fn the_deadline_bounds_the_whole_run() {
    let slow: Arc<dyn Check> = Arc::new(Probe {
        id: "t.slow",
        behaviour: Behaviour::Sleep(Duration::from_secs(30)),
        requires: &[],
        timeout: Duration::from_secs(60),
    });
    let after: Arc<dyn Check> = Arc::new(Probe {
        id: "t.after",
        behaviour: Behaviour::Pass,
        requires: &["t.slow"],
        timeout: Duration::from_secs(1),
    });
    let started = Instant::now();
    let report = run(vec![slow, after], Some(300));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        report.findings[0].summary.contains("deadline"),
        "{}",
        report.findings[0].summary
    );
    assert_eq!(report.findings[0].status, Status::Error);
    assert_eq!(report.findings[1].status, Status::Skip);
    assert_eq!(report.findings[1].blocked_by.as_deref(), Some("t.slow"));
}

#[test]
fn a_failed_requirement_skips_its_dependents_with_blocked_by() {
    let dependent: Arc<dyn Check> = Arc::new(Probe {
        id: "t.dependent",
        behaviour: Behaviour::Pass,
        requires: &["t.base"],
        timeout: Duration::from_secs(1),
    });
    let report = run(vec![probe("t.base", Behaviour::Fail), dependent], None);
    let f = &report.findings[1];
    assert_eq!(f.status, Status::Skip);
    assert_eq!(f.blocked_by.as_deref(), Some("t.base"));
    assert!(f.diagnosis.is_none() && f.remedy.is_none());
    assert_eq!(report.status, ReportStatus::Problems);
}

#[test]
fn checks_run_concurrently_and_report_in_registry_order() {
    let sleepy = |id| -> Arc<dyn Check> {
        Arc::new(Probe {
            id,
            behaviour: Behaviour::Sleep(Duration::from_millis(400)),
            requires: &[],
            timeout: Duration::from_secs(5),
        })
    };
    let started = Instant::now();
    let report = run(
        vec![sleepy("t.a"), sleepy("t.b"), sleepy("t.c"), sleepy("t.d")],
        None,
    );
    // Four 400 ms checks one after another would take 1.6 s.
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
    let order: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(order, ["t.a", "t.b", "t.c", "t.d"]);
    assert!(report.findings.iter().all(|f| f.duration_ms >= 400));
}

#[test]
fn the_json_entry_point_answers_errors_as_objects() {
    use ssh_troubleshoot_core::run_json;
    let v: serde_json::Value = serde_json::from_str(&run_json("not json")).unwrap();
    assert_eq!(v["error"]["code"], "invalid-request");
    let v: serde_json::Value = serde_json::from_str(&run_json(r#"{"schemaVersion": 7}"#)).unwrap();
    assert_eq!(v["error"]["code"], "unsupported-schema");
    let v: serde_json::Value =
        serde_json::from_str(&run_json(r#"{"schemaVersion": 1, "command": "teleport"}"#)).unwrap();
    assert_eq!(v["error"]["code"], "invalid-request");
    let huge = format!(
        r#"{{"schemaVersion": 1, "explain": "{}"}}"#,
        "a".repeat(20 * 1024 * 1024)
    );
    let v: serde_json::Value = serde_json::from_str(&run_json(&huge)).unwrap();
    assert_eq!(v["error"]["code"], "request-too-large");
    let v: serde_json::Value =
        serde_json::from_str(&run_json(r#"{"schemaVersion": 1, "command": "checks"}"#)).unwrap();
    assert!(v["checks"].as_array().unwrap().len() >= 5);
    // The token never comes back out.
    let v = run_json(
        r#"{"schemaVersion": 1, "offline": true, "explain": "x", "azure": {"accessToken": "eyJ0eXAiOiJKV1Qi.secret.sig"}}"#,
    );
    assert!(!v.contains("eyJ0eXAi"), "{v}");
}

#[test]
fn nothing_starts_after_the_deadline() {
    let slow: Arc<dyn Check> = Arc::new(Probe {
        id: "t.slow",
        behaviour: Behaviour::Sleep(Duration::from_secs(30)),
        requires: &[],
        timeout: Duration::from_secs(60),
    });
    // Reads t.slow's output if there is any, but does not need it to pass.
    struct Reader;
    impl Check for Reader {
        fn id(&self) -> &'static str {
            "t.reader"
        }
        fn title(&self) -> &'static str {
            "t.reader"
        }
        fn diagnoses(&self) -> &'static [DiagnosisId] {
            &[]
        }
        fn after(&self) -> &'static [&'static str] {
            &["t.slow"]
        }
        fn applies(&self, _ctx: &Context) -> Applicability {
            Applicability::Run
        }
        fn run(&self, _ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
            Ok(Outcome::pass("ran"))
        }
    }
    let report = run(vec![slow, Arc::new(Reader)], Some(300));
    let reader = &report.findings[1];
    assert_eq!(reader.status, Status::Error);
    assert!(reader.summary.starts_with("Not run"), "{}", reader.summary);
}

/// Counts how many of its checks run at the same moment.
#[derive(Default)]
struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    saw_explain: std::sync::atomic::AtomicBool,
}

struct Busy {
    id: &'static str,
    requires: &'static [&'static str],
    gauge: Arc<Gauge>,
}

impl Check for Busy {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        self.id
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[]
    }
    fn requires(&self) -> &'static [&'static str] {
        self.requires
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }
    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        use std::sync::atomic::Ordering::SeqCst;
        if ctx.request.explain.is_some() {
            self.gauge.saw_explain.store(true, SeqCst);
        }
        let now = self.gauge.now.fetch_add(1, SeqCst) + 1;
        self.gauge.most.fetch_max(now, SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        self.gauge.now.fetch_sub(1, SeqCst);
        Ok(Outcome::pass("done"))
    }
}

#[test]
fn max_parallel_one_runs_the_checks_one_after_another_in_order() {
    use ssh_troubleshoot_core::{EngineOptions, run_with_options};
    let gauge = Arc::new(Gauge::default());
    let busy = |id, requires| -> Arc<dyn Check> {
        Arc::new(Busy {
            id,
            requires,
            gauge: Arc::clone(&gauge),
        })
    };
    let checks = vec![
        busy("t.a", &[]),
        busy("t.b", &["t.a"]),
        busy("t.c", &[]),
        busy("t.d", &[]),
        probe("t.fails", Behaviour::Fail),
        busy("t.blocked", &["t.fails"]),
    ];
    let options = EngineOptions {
        max_parallel: std::num::NonZeroUsize::new(1),
    };
    let report = run_with_options(
        &Request::default(),
        HostEnv::from_process().unwrap(),
        &checks,
        options,
    )
    .unwrap();
    assert_eq!(gauge.most.load(std::sync::atomic::Ordering::SeqCst), 1);
    let statuses: Vec<(&str, Status)> = report
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("t.a", Status::Pass),
            ("t.b", Status::Pass),
            ("t.c", Status::Pass),
            ("t.d", Status::Pass),
            ("t.fails", Status::Fail),
            ("t.blocked", Status::Skip),
        ]
    );
    // The default is unchanged: every ready check starts.
    assert_eq!(EngineOptions::default().max_parallel, None);
}

#[test]
fn checks_do_not_get_the_text_to_explain() {
    // It can be a 50 MB log; the run keeps one copy, the checks none.
    let gauge = Arc::new(Gauge::default());
    let check: Arc<dyn Check> = Arc::new(Busy {
        id: "t.a",
        requires: &[],
        gauge: Arc::clone(&gauge),
    });
    let request = Request {
        explain: Some("Code: NoRegisteredProviderFound".into()),
        target: Some(ssh_troubleshoot_core::model::Target {
            name: Some("vm".into()),
            resource_group: Some("rg".into()),
            ..Default::default()
        }),
        offline: true,
        ..Request::default()
    };
    let report = run_with(&request, HostEnv::from_process().unwrap(), &[check]).unwrap();
    assert_eq!(report.explained.len(), 1);
    assert_eq!(report.findings[0].status, Status::Pass);
    assert!(!gauge.saw_explain.load(std::sync::atomic::Ordering::SeqCst));
}
