//! Cancelling a run from outside while Azure Resource Manager hangs (the stand-in's
//! `hang` fault): the run comes back promptly, says it was cancelled, and leaves no
//! thread of its own behind. One test function, so no other test's threads are
//! counted with it.

use ssh_troubleshoot_core::model::DiagnosisId;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arm_standin::Standin;
use serde_json::{Value, json};
use ssh_troubleshoot_core::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use ssh_troubleshoot_core::probe::process;
use ssh_troubleshoot_core::{Cancel, EngineOptions, Report, decode_request, run_cancellable};

const SUB: &str = "00000000-1111-2222-3333-444444444444";
/// Far more than the 0.2 s a cancel may take: proves "does not hang", not a timing.
const PROMPTLY: Duration = Duration::from_secs(2);

fn threads_now() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Waits (bounded) for the thread count to come back to `baseline`; the count seen.
fn threads_settle_to(baseline: usize) -> usize {
    let until = Instant::now() + PROMPTLY;
    loop {
        let now = threads_now();
        if now <= baseline || Instant::now() >= until {
            return now;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn request(s: &Standin, target: Value) -> ssh_troubleshoot_core::Request {
    let token = arm_standin::jwt("tenant", "oid", "ada@contoso.com", None);
    let text = json!({
        "schemaVersion": 1,
        "command": "diagnose",
        "client": "azure-cli",
        "target": target,
        "azure": {"armEndpoint": s.url, "accessToken": token,
                  "caBundle": s.ca_bundle.display().to_string()},
    })
    .to_string();
    decode_request(&text).expect("a valid request")
}

/// Runs `request`, cancelling it once the stand-in has received `wanted` requests
/// more requests (so a call is surely in flight); the report and how long after the cancel it came.
fn run_and_cancel(s: &Standin, request: &ssh_troubleshoot_core::Request) -> (Report, Duration) {
    let cancel = Cancel::new();
    let sent = |log: &std::path::Path| {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        text.lines().count()
    };
    let before = sent(&s.request_log);
    let canceller = {
        let (cancel, log) = (cancel.clone(), s.request_log.clone());
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until && sent(&log) == before {
                std::thread::sleep(Duration::from_millis(5));
            }
            // A moment more, so the call is waiting on the hanging answer.
            std::thread::sleep(Duration::from_millis(100));
            cancel.cancel();
            Instant::now()
        })
    };
    let report = run_cancellable(request, None, &cancel).expect("a report");
    let returned = Instant::now();
    let cancelled_at = canceller.join().expect("the canceller");
    (report, returned.saturating_duration_since(cancelled_at))
}

fn assert_cancelled(report: &Report, unfinished_check: &str) {
    let doc = serde_json::to_value(report).unwrap();
    assert_eq!(doc["cancelled"], true, "{doc:#}");
    assert_eq!(doc["status"], "incomplete");
    let finding = report
        .findings
        .iter()
        .find(|f| f.check == unfinished_check)
        .unwrap_or_else(|| panic!("no finding of {unfinished_check}: {doc:#}"));
    assert_eq!(finding.status, ssh_troubleshoot_core::model::Status::Error);
    assert!(
        finding.summary.starts_with("Cancelled"),
        "{}",
        finding.summary
    );
}

#[test]
fn cancelled_runs_return_promptly_and_leave_no_thread() {
    let hanging = Standin::start(&json!({"routes": [
        {"pathPrefix": "/", "fault": "hang", "requireBearer": false},
    ]}));
    let one_machine = request(
        &hanging,
        json!({"subscription": SUB, "resourceGroup": "rg-arc", "name": "web01"}),
    );
    let fleet = request(
        &hanging,
        json!({"subscription": SUB, "resourceGroup": "rg-arc"}),
    );
    // A first run warms what lives for the process (none of the run's own threads).
    let _ = run_and_cancel(&hanging, &one_machine);
    let baseline = threads_now();

    let (report, after) = run_and_cancel(&hanging, &one_machine);
    assert!(
        after < PROMPTLY,
        "one machine: returned {after:?} after the cancel"
    );
    assert_cancelled(&report, "azure.machine");
    assert_eq!(threads_settle_to(baseline), baseline, "one machine");

    let (report, after) = run_and_cancel(&hanging, &fleet);
    assert!(
        after < PROMPTLY,
        "fleet: returned {after:?} after the cancel"
    );
    assert_cancelled(&report, "azure.fleet");
    assert!(report.fleet.is_none(), "no judgement of machines not read");
    assert_eq!(threads_settle_to(baseline), baseline, "fleet");

    let (report, after, child) = cancel_a_child_process();
    assert!(
        after < PROMPTLY,
        "child process: returned {after:?} after the cancel"
    );
    assert_cancelled(&report, SleepCheck::ID);
    assert_eq!(threads_settle_to(baseline), baseline, "child process");
    assert!(
        !std::path::Path::new(&format!("/proc/{child}")).exists(),
        "the child {child} was killed and reaped"
    );

    // Cancelled before it starts: nothing is sent.
    let before = hanging.requests().len();
    let cancel = Cancel::new();
    cancel.cancel();
    let report = run_cancellable(&one_machine, None, &cancel).unwrap();
    assert!(report.cancelled);
    assert_eq!(hanging.requests().len(), before, "no call once cancelled");
}

/// A check whose program (`sleep 30`, its pid written first) never ends by itself.
struct SleepCheck {
    pid_file: std::path::PathBuf,
}

impl SleepCheck {
    const ID: &str = "t.sleeps";
}

impl Check for SleepCheck {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn title(&self) -> &'static str {
        "sleeps"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[]
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(60)
    }
    fn applies(&self, _ctx: &Context) -> Applicability {
        Applicability::Run
    }
    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let script = format!("echo $$ > '{}'; exec sleep 30", self.pid_file.display());
        let ran = process::run_until("sh", &["-c", &script], Duration::from_secs(60), &ctx.cancel)?;
        Ok(Outcome::pass(format!("ended with {:?}", ran.code)))
    }
}

/// Cancels a run whose one check waits on a child process; the report, how long after
/// the cancel it came back, and the child's pid.
fn cancel_a_child_process() -> (Report, Duration, u32) {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let check: Arc<dyn Check> = Arc::new(SleepCheck {
        pid_file: pid_file.clone(),
    });
    let cancel = Cancel::new();
    let canceller = {
        let (cancel, pid_file) = (cancel.clone(), pid_file.clone());
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until && !pid_file.exists() {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(50));
            cancel.cancel();
            Instant::now()
        })
    };
    let request =
        decode_request(r#"{"schemaVersion": 1, "command": "diagnose", "offline": true}"#).unwrap();
    let env = ssh_troubleshoot_core::env::HostEnv::from_process().unwrap();
    let report = ssh_troubleshoot_core::run_with_cancel(
        &request,
        env,
        &[check],
        EngineOptions::default(),
        &cancel,
    )
    .unwrap();
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (
        report,
        returned.saturating_duration_since(cancelled_at),
        pid,
    )
}
