//! Runs checks concurrently: each starts as soon as the checks it depends on are done,
//! each under its own timeout, the whole run under a deadline. A check that panics,
//! errors or overruns becomes a finding with status `error`; the run goes on.
//!
//! Threads rather than an async runtime: checks block on files and child processes,
//! and a check that hangs must not hold the run past its deadline (its thread is
//! abandoned, its result ignored).
//!
//! Cancelling the run (`ctx.cancel`) wakes the engine at once: nothing new starts,
//! every check still running is reported as cancelled, and the engine waits a short
//! grace for their threads (whose own waits wake on the same handle) and joins them.

mod start;

use std::any::Any;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::cancel::CANCELLED_SUMMARY;
use start::BLOCKED_BY_KEY;

use crate::checks::{Applicability, Check, Context, FixAction, Outcome};
use crate::model::{Finding, Status};

pub struct EngineOutput {
    /// In the order the checks were given, not the order they finished.
    pub findings: Vec<Finding>,
    /// Fixes the findings offer, by fix id.
    pub actions: HashMap<String, FixAction>,
    /// The run was cancelled before every check finished.
    pub cancelled: bool,
}

/// After a cancel, how long the engine waits for running checks to wind down (their
/// waits wake on the cancel, so they take milliseconds) before leaving them behind.
pub const CANCEL_GRACE: Duration = Duration::from_millis(100);

enum State {
    Pending,
    Running {
        started: Instant,
    },
    Done {
        finding: Box<Finding>,
        output: Option<Arc<dyn Any + Send + Sync>>,
    },
}

type Message = (usize, Result<Outcome, String>, Duration);
/// `None`: the run was cancelled (sent by the cancel's wake-up).
type Event = Option<Message>;

/// How the engine schedules checks. Library-only: no host option or request field sets
/// it; the default is what every host gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineOptions {
    /// At most this many checks (hidden ARM reads included) run at once. `None`, the
    /// default: every check whose dependencies are done. `Some(1)`: one after another,
    /// in the order given as far as dependencies allow — the baseline the benchmarks
    /// compare the concurrent engine with.
    pub max_parallel: Option<NonZeroUsize>,
}

pub fn run(
    ctx: Arc<Context>,
    checks: &[Arc<dyn Check>],
    deadline: Duration,
    options: EngineOptions,
) -> EngineOutput {
    let limit = options.max_parallel.map_or(usize::MAX, NonZeroUsize::get);
    let run_started = Instant::now();
    let deadline_at = run_started + deadline;
    let (listed, mut states) = list(&ctx, checks);
    let mut actions = HashMap::new();
    let index: HashMap<&'static str, usize> = listed
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id(), i))
        .collect();

    let (tx, rx) = mpsc::channel::<Event>();
    let wake = tx.clone();
    let _wake_on_cancel = ctx.cancel.on_cancel(move || drop(wake.send(None)));
    let mut threads: Vec<Option<JoinHandle<()>>> = (0..listed.len()).map(|_| None).collect();
    loop {
        if ctx.cancel.is_cancelled() {
            return wind_down(&listed, states, &rx, &mut threads, actions);
        }
        let may_start = Instant::now() < deadline_at;
        start::start_ready(
            &ctx,
            &listed,
            &index,
            &mut states,
            (&tx, &mut threads),
            may_start,
            limit,
        );

        let Some(next_expiry) = next_expiry(&listed, &states, deadline_at) else {
            break;
        };
        let wait = next_expiry.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(None) => continue,
            Ok(Some((i, result, elapsed))) => {
                join_reported(&mut threads, i);
                if matches!(states[i], State::Running { .. }) {
                    states[i] = settle(listed[i].as_ref(), result, elapsed, &mut actions);
                }
            }
            Err(RecvTimeoutError::Timeout) => expire(&listed, &mut states, deadline_at),
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }

    // Anything still pending could not start before the deadline.
    let findings = report_states(&listed, states, "Not run: the run's deadline passed first.");
    EngineOutput {
        findings,
        actions,
        cancelled: false,
    }
}

/// The checks that apply here, each pending or already settled as skipped.
fn list(ctx: &Context, checks: &[Arc<dyn Check>]) -> (Vec<Arc<dyn Check>>, Vec<State>) {
    let mut listed: Vec<Arc<dyn Check>> = Vec::new();
    let mut states: Vec<State> = Vec::new();
    for check in checks {
        match check.applies(ctx) {
            Applicability::NotListed => continue,
            Applicability::Run => states.push(State::Pending),
            Applicability::Skip(reason) => states.push(State::Done {
                finding: finding(check.as_ref(), Outcome::skip(reason), 0),
                output: None,
            }),
        }
        listed.push(Arc::clone(check));
    }
    (listed, states)
}

/// When the first running check times out (or the run's deadline, if sooner); `None`
/// when nothing is running.
fn next_expiry(
    listed: &[Arc<dyn Check>],
    states: &[State],
    deadline_at: Instant,
) -> Option<Instant> {
    let running: Vec<(usize, Instant)> = states
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            State::Running { started } => Some((i, *started)),
            _ => None,
        })
        .collect();
    if running.is_empty() {
        return None;
    }
    let next_expiry = running
        .iter()
        .map(|(i, started)| *started + listed[*i].timeout())
        .min()
        .map_or(deadline_at, |t| t.min(deadline_at));
    Some(next_expiry)
}

/// A check's reported result as its final state; the fix it offers goes to `actions`.
fn settle(
    check: &dyn Check,
    result: Result<Outcome, String>,
    elapsed: Duration,
    actions: &mut HashMap<String, FixAction>,
) -> State {
    let ms = millis(elapsed);
    match result {
        Ok(mut outcome) => {
            let output = outcome.output.take();
            if let Some(fix) = outcome.fix.as_ref() {
                actions.insert(fix.offer.id.clone(), fix.action.clone());
            }
            State::Done {
                finding: finding(check, outcome, ms),
                output,
            }
        }
        Err(message) => State::Done {
            finding: finding(check, Outcome::new(Status::Error, message), ms),
            output: None,
        },
    }
}

/// The findings of every listed check; `unfinished` for those pending or running.
fn report_states(listed: &[Arc<dyn Check>], states: Vec<State>, unfinished: &str) -> Vec<Finding> {
    states
        .into_iter()
        .zip(listed)
        .filter(|(_, check)| !check.hidden())
        .map(|(state, check)| match state {
            State::Done { finding, .. } => *finding,
            State::Pending | State::Running { .. } => {
                *finding(check.as_ref(), Outcome::new(Status::Error, unfinished), 0)
            }
        })
        .collect()
}

/// The end of a cancelled run: checks still running get [`CANCEL_GRACE`] to stop
/// (what they report then is not trusted: it judged a cancelled wait), threads that
/// stopped are joined, and every unfinished check is reported as cancelled.
fn wind_down(
    listed: &[Arc<dyn Check>],
    mut states: Vec<State>,
    rx: &mpsc::Receiver<Event>,
    threads: &mut [Option<JoinHandle<()>>],
    actions: HashMap<String, FixAction>,
) -> EngineOutput {
    let grace_ends = Instant::now() + CANCEL_GRACE;
    let mut running: Vec<usize> = (0..states.len())
        .filter(|i| matches!(states[*i], State::Running { .. }))
        .collect();
    while !running.is_empty() {
        match rx.recv_timeout(grace_ends.saturating_duration_since(Instant::now())) {
            Ok(Some((i, _, _))) => {
                join_reported(threads, i);
                running.retain(|r| *r != i);
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
    for state in &mut states {
        if matches!(state, State::Running { .. }) {
            *state = State::Pending;
        }
    }
    EngineOutput {
        findings: report_states(listed, states, CANCELLED_SUMMARY),
        actions,
        cancelled: true,
    }
}

/// A check thread that sent its result has nothing left to do but exit: join it, so
/// no thread of the run outlives it.
fn join_reported(threads: &mut [Option<JoinHandle<()>>], i: usize) {
    if let Some(handle) = threads.get_mut(i).and_then(Option::take) {
        let _ = handle.join();
    }
}

fn expire(listed: &[Arc<dyn Check>], states: &mut [State], deadline_at: Instant) {
    let now = Instant::now();
    for (i, state) in states.iter_mut().enumerate() {
        let State::Running { started } = state else {
            continue;
        };
        let timeout = listed[i].timeout();
        let summary = if now >= *started + timeout {
            format!("Timed out: no answer within {} ms.", timeout.as_millis())
        } else if now >= deadline_at {
            "Stopped: the run's deadline passed before this check finished.".to_string()
        } else {
            continue;
        };
        let ms = millis(now.saturating_duration_since(*started));
        *state = State::Done {
            finding: finding(listed[i].as_ref(), Outcome::new(Status::Error, summary), ms),
            output: None,
        };
    }
}

fn finding(check: &dyn Check, mut outcome: Outcome, duration_ms: u64) -> Box<Finding> {
    let blocked_by = outcome.evidence.remove(BLOCKED_BY_KEY);
    let is_problem = matches!(outcome.status, Status::Fail | Status::Warn);
    Box::new(Finding {
        check: check.id().to_string(),
        title: check.title().to_string(),
        status: outcome.status,
        diagnosis: if is_problem {
            outcome.diagnosis.map(String::from)
        } else {
            None
        },
        summary: outcome.summary,
        evidence: outcome.evidence,
        remedy: if is_problem { outcome.remedy } else { None },
        fix: outcome.fix.map(|f| f.offer),
        blocked_by,
        duration_ms,
    })
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
