//! Starting checks: each pending check whose dependencies are done either settles as
//! skipped (a required one did not pass) or starts on its own thread.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{Event, State, finding};
use crate::checks::{Check, CheckError, Context, Deps, Outcome};
use crate::model::Status;

/// A dependency: its id, its index among the listed checks, and whether it must pass.
type Dependency = (&'static str, usize, bool);

pub(super) fn start_ready(
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
            let deps = dependencies(check.as_ref(), index);
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
            if start(ctx, check, i, &deps, states, (tx, threads)) {
                running += 1;
            }
        }
        if !progressed {
            return;
        }
    }
}

/// Starts check `i` with what its dependencies handed on; `false` (and the check
/// settled as an error) when its thread could not be spawned.
fn start(
    ctx: &Arc<Context>,
    check: &Arc<dyn Check>,
    i: usize,
    deps: &[Dependency],
    states: &mut [State],
    (tx, threads): (&mpsc::Sender<Event>, &mut [Option<JoinHandle<()>>]),
) -> bool {
    let dep_outputs = outputs_of(deps, states);
    states[i] = State::Running {
        started: Instant::now(),
    };
    match spawn(ctx, check, i, dep_outputs, tx) {
        Ok(handle) => {
            threads[i] = Some(handle);
            true
        }
        Err(e) => {
            states[i] = State::Done {
                finding: finding(
                    check.as_ref(),
                    Outcome::new(Status::Error, format!("Could not start the check: {e}")),
                    0,
                ),
                output: None,
            };
            false
        }
    }
}

/// The listed checks this one requires (must pass) or runs after (need only finish).
fn dependencies(check: &dyn Check, index: &HashMap<&'static str, usize>) -> Vec<Dependency> {
    check
        .requires()
        .iter()
        .map(|d| (*d, true))
        .chain(check.after().iter().map(|d| (*d, false)))
        .filter_map(|(d, required)| index.get(d).map(|&j| (d, j, required)))
        .collect()
}

/// What the finished dependencies handed on, by their ids.
fn outputs_of(deps: &[Dependency], states: &[State]) -> Deps {
    let mut dep_outputs = Deps::default();
    for (id, j, _) in deps {
        if let State::Done {
            output: Some(output),
            ..
        } = &states[*j]
        {
            dep_outputs.outputs.insert(id, Arc::clone(output));
        }
    }
    dep_outputs
}

/// Runs check `i` on its own thread, which sends its result (a panic or error becomes
/// an error message) tagged with `i`.
fn spawn(
    ctx: &Arc<Context>,
    check: &Arc<dyn Check>,
    i: usize,
    dep_outputs: Deps,
    tx: &mpsc::Sender<Event>,
) -> std::io::Result<JoinHandle<()>> {
    let (ctx, check, tx) = (Arc::clone(ctx), Arc::clone(check), tx.clone());
    std::thread::Builder::new()
        .name(format!("check {}", check.id()))
        .spawn(move || {
            let started = Instant::now();
            let result = match catch_unwind(AssertUnwindSafe(|| check.run(&ctx, &dep_outputs))) {
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
        })
}

/// A skip outcome when a required check did not pass.
fn blocked(deps: &[Dependency], states: &[State]) -> Option<Outcome> {
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

pub(super) const BLOCKED_BY_KEY: &str = "\u{0}blocked-by";

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
