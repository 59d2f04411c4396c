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

use std::any::Any;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::cancel::CANCELLED_SUMMARY;

use crate::checks::{Applicability, Check, CheckError, Context, Deps, FixAction, Outcome};
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
    let mut listed: Vec<Arc<dyn Check>> = Vec::new();
    let mut states: Vec<State> = Vec::new();
    let mut actions = HashMap::new();

    for check in checks {
        match check.applies(&ctx) {
            Applicability::NotListed => continue,
            Applicability::Run => states.push(State::Pending),
            Applicability::Skip(reason) => states.push(State::Done {
                finding: finding(check.as_ref(), Outcome::skip(reason), 0),
                output: None,
            }),
        }
        listed.push(Arc::clone(check));
    }
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
        start_ready(
            &ctx,
            &listed,
            &index,
            &mut states,
            (&tx, &mut threads),
            may_start,
            limit,
        );

        let running: Vec<(usize, Instant)> = states
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                State::Running { started } => Some((i, *started)),
                _ => None,
            })
            .collect();
        if running.is_empty() {
            break;
        }
        let next_expiry = running
            .iter()
            .map(|(i, started)| *started + listed[*i].timeout())
            .min()
            .map_or(deadline_at, |t| t.min(deadline_at));
        let wait = next_expiry.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(None) => continue,
            Ok(Some((i, result, elapsed))) => {
                join_reported(&mut threads, i);
                if matches!(states[i], State::Running { .. }) {
                    let ms = millis(elapsed);
                    states[i] = match result {
                        Ok(mut outcome) => {
                            let output = outcome.output.take();
                            if let Some(fix) = outcome.fix.as_ref() {
                                actions.insert(fix.offer.id.clone(), fix.action.clone());
                            }
                            State::Done {
                                finding: finding(listed[i].as_ref(), outcome, ms),
                                output,
                            }
                        }
                        Err(message) => State::Done {
                            finding: finding(
                                listed[i].as_ref(),
                                Outcome::new(Status::Error, message),
                                ms,
                            ),
                            output: None,
                        },
                    };
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

fn start_ready(
    ctx: &Arc<Context>,
    listed: &[Arc<dyn Check>],
    index: &HashMap<&'static str, usize>,
    states: &mut [State],
    (tx, threads): (&mpsc::Sender<Event>, &mut [Option<JoinHandle<()>>]),
    may_start: bool,
    limit: usize,
) {
    let mut running = states
        .iter()
        .filter(|s| matches!(s, State::Running { .. }))
        .count();
    // Settling one check (as skipped) can make another ready, so repeat until stable.
    loop {
        let mut progressed = false;
        for i in 0..listed.len() {
            if !matches!(states[i], State::Pending) {
                continue;
            }
            let check = &listed[i];
            let deps: Vec<(&'static str, usize, bool)> = check
                .requires()
                .iter()
                .map(|d| (*d, true))
                .chain(check.after().iter().map(|d| (*d, false)))
                .filter_map(|(d, required)| index.get(d).map(|&j| (d, j, required)))
                .collect();
            if deps
                .iter()
                .any(|(_, j, _)| !matches!(states[*j], State::Done { .. }))
            {
                continue;
            }
            if let Some(outcome) = blocked(&deps, states) {
                states[i] = State::Done {
                    finding: finding(check.as_ref(), outcome, 0),
                    output: None,
                };
                progressed = true;
                continue;
            }
            // Past the deadline nothing new starts; it is reported as not run.
            if !may_start || running >= limit {
                continue;
            }
            progressed = true;
            running += 1;
            let mut dep_outputs = Deps::default();
            for (id, j, _) in &deps {
                if let State::Done {
                    output: Some(output),
                    ..
                } = &states[*j]
                {
                    dep_outputs.outputs.insert(id, Arc::clone(output));
                }
            }
            states[i] = State::Running {
                started: Instant::now(),
            };
            let (ctx, check, tx) = (Arc::clone(ctx), Arc::clone(check), tx.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("check {}", check.id()))
                .spawn(move || {
                    let started = Instant::now();
                    let result =
                        match catch_unwind(AssertUnwindSafe(|| check.run(&ctx, &dep_outputs))) {
                            Ok(Ok(outcome)) => Ok(outcome),
                            Ok(Err(CheckError(message))) => {
                                Err(format!("The check could not finish: {message}"))
                            }
                            Err(panic) => Err(format!(
                                "The check crashed: {}",
                                panic_message(panic.as_ref())
                            )),
                        };
                    // The receiver may be gone if the run already ended; nothing to do then.
                    let _ = tx.send(Some((i, result, started.elapsed())));
                });
            match spawned {
                Ok(handle) => threads[i] = Some(handle),
                Err(e) => {
                    running -= 1;
                    states[i] = State::Done {
                        finding: finding(
                            listed[i].as_ref(),
                            Outcome::new(Status::Error, format!("Could not start the check: {e}")),
                            0,
                        ),
                        output: None,
                    };
                }
            }
        }
        if !progressed {
            return;
        }
    }
}

/// A skip outcome when a required check did not pass.
fn blocked(deps: &[(&'static str, usize, bool)], states: &[State]) -> Option<Outcome> {
    for (id, j, required) in deps {
        let State::Done { finding: dep, .. } = &states[*j] else {
            continue;
        };
        if !required {
            continue;
        }
        match dep.status {
            Status::Fail | Status::Error => {
                let mut outcome =
                    Outcome::skip(format!("Skipped: '{}' must pass first.", dep.title));
                outcome
                    .evidence
                    .insert("blocked by".into(), format!("{id}: {}", dep.summary));
                return Some(with_blocked_by(outcome, id));
            }
            // Not applicable upstream means not applicable here, for the same reason.
            Status::Skip if dep.blocked_by.is_none() => {
                return Some(Outcome::skip(dep.summary.clone()));
            }
            Status::Skip => {
                let mut outcome = Outcome::skip(format!("Skipped: '{}' was skipped.", dep.title));
                outcome.evidence.insert("blocked by".into(), id.to_string());
                return Some(with_blocked_by(outcome, id));
            }
            Status::Pass | Status::Warn => {}
        }
    }
    None
}

/// `blockedBy` travels in a reserved evidence key (a NUL cannot appear in a real one)
/// and moves to the finding's own field when the finding is built.
fn with_blocked_by(mut outcome: Outcome, id: &str) -> Outcome {
    outcome
        .evidence
        .insert(BLOCKED_BY_KEY.into(), id.to_string());
    outcome
}

const BLOCKED_BY_KEY: &str = "\u{0}blocked-by";

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

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
