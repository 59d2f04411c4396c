//! Ctrl+C (SIGINT on Unix; Ctrl+C and Ctrl+Break on the Windows console, both through
//! the `ctrlc` crate). During a run the first one cancels it: the core stops its ARM
//! calls, probes and child processes, and the process exits 130 saying "cancelled",
//! without printing the partial report. A second one, or one outside a run (at a
//! prompt, while az is asked for a token), exits at once.

use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use ssh_troubleshoot_core::model::{Report, Request};
use ssh_troubleshoot_core::{Cancel, run_cancellable};

/// The shell's convention for a process ended by SIGINT (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

static CANCEL: OnceLock<Cancel> = OnceLock::new();
static IN_RUN: AtomicBool = AtomicBool::new(false);

fn say_cancelled() {
    eprintln!("ssh-troubleshoot: cancelled");
}

/// Takes over Ctrl+C for the rest of the process. Without a handler (one could not be
/// set) Ctrl+C keeps its default: the process ends at once.
pub fn install() {
    let cancel = CANCEL.get_or_init(Cancel::new).clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() || !IN_RUN.load(Ordering::SeqCst) {
            say_cancelled();
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        cancel.cancel();
    });
}

/// Runs `request` so that Ctrl+C cancels it: the report, or the exit code to end with
/// (130 when cancelled, after saying so; 3 when the core could not run).
pub fn run(
    request: &Request,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<Report, ExitCode> {
    let cancel = CANCEL.get_or_init(Cancel::new);
    IN_RUN.store(true, Ordering::SeqCst);
    let answer = run_cancellable(request, progress, cancel);
    IN_RUN.store(false, Ordering::SeqCst);
    if cancel.is_cancelled() {
        say_cancelled();
        return Err(ExitCode::from(EXIT_INTERRUPTED));
    }
    answer.map_err(|e| crate::could_not_run(&e.to_string()))
}

/// [`run`] for a `--watch`: each round goes to `hooks`; Ctrl+C ends the watch between
/// or during rounds.
pub fn run_watching(
    request: &Request,
    hooks: &ssh_troubleshoot_core::watch::Hooks<'_>,
) -> Result<Report, ExitCode> {
    let cancel = CANCEL.get_or_init(Cancel::new);
    IN_RUN.store(true, Ordering::SeqCst);
    let answer = ssh_troubleshoot_core::run_watching(request, hooks, cancel);
    IN_RUN.store(false, Ordering::SeqCst);
    if cancel.is_cancelled() {
        say_cancelled();
        return Err(ExitCode::from(EXIT_INTERRUPTED));
    }
    answer.map_err(|e| crate::could_not_run(&e.to_string()))
}
