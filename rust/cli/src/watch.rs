//! `--watch` in the standalone binary: the core reruns what failed; this host prints
//! each round on stderr (stdout stays the report) and gets a new token when asked.

use std::io::Write;

use ssh_troubleshoot_core::model::{Report, Request};
use ssh_troubleshoot_core::watch::{Hooks, Round, text};

use crate::{azure_context, interrupt};

/// The report, or the exit code to end with (130 after Ctrl+C, 3 could not run).
pub fn run(request: &Request) -> Result<Report, std::process::ExitCode> {
    let endpoint = request.azure.as_ref().and_then(|a| a.arm_endpoint.clone());
    let subscription = request.target.as_ref().and_then(|t| t.subscription.clone());
    say(&text::start(request));
    let on_round = |round: &Round, _: &Report| say(&text::round(round));
    let refresh_token = || {
        endpoint
            .as_deref()
            .and_then(|e| azure_context::fresh_token(e, subscription.as_deref()))
    };
    let report = interrupt::run_watching(
        request,
        &Hooks {
            on_round: &on_round,
            refresh_token: &refresh_token,
        },
    )?;
    if let Some(watch) = &report.watch {
        say(&text::end(watch));
    }
    Ok(report)
}

fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
