//! `ssh-troubleshoot arc`: one machine (or, without `-n`, a fleet): the diagnosis, and
//! the changes it may lead to (`--fix`, `--disable-ssh`), each asked for first.

use std::io::IsTerminal;
use std::process::ExitCode;

use ssh_troubleshoot_core::model::{Command, FixOutcome, Report, Request, Status, Target};

use crate::{
    ArcArgs, EXIT_COULD_NOT_RUN, EXIT_PROBLEMS, EXIT_USAGE, Output, azure_context, could_not_run,
    emit, fleet, input, interrupt, render, shared_report_written, watch,
};

pub(crate) fn arc(args: ArcArgs) -> ExitCode {
    if fleet::wanted(&args) {
        return fleet::run(&args);
    }
    if args.subscription.len() > 1 {
        eprintln!("ssh-troubleshoot: several --subscription values need fleet mode (no -n).");
        return ExitCode::from(EXIT_USAGE);
    }
    let explain = match input::read_explain(&args) {
        Ok(text) => text,
        Err(message) => return could_not_run(&message),
    };
    let wants_azure = !args.offline && args.resource_group.is_some() && args.name.is_some();
    if let Err(code) = machine_options_usable(&args, wants_azure) {
        return code;
    }
    let mut request = diagnose_request(&args, explain, wants_azure);
    if args.disable_ssh {
        if let Err(code) = confirm_disable_ssh(&args) {
            return code;
        }
        request.command = Command::DisableSsh;
    }
    let ran = if request.watch && request.command == Command::Diagnose {
        watch::run(&request)
    } else {
        interrupt::run(&request, None)
    };
    let mut report = match ran {
        Ok(report) => report,
        Err(code) => return code,
    };

    if args.fix {
        report = match apply_fixes(&args, &mut request, report) {
            Ok(report) => report,
            Err(code) => return code,
        };
    }

    emit(&report, args.output, render::report);
    if !shared_report_written(&report, args.output) {
        return ExitCode::from(EXIT_COULD_NOT_RUN);
    }
    exit_code(&report)
}

/// `--probe` and `--disable-ssh` act on the machine in Azure: they need `-g` and `-n`.
fn machine_options_usable(args: &ArcArgs, wants_azure: bool) -> Result<(), ExitCode> {
    if args.probe && !wants_azure {
        eprintln!(
            "ssh-troubleshoot: --probe needs -g and -n, and cannot be combined with --offline."
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    if args.disable_ssh && !wants_azure {
        eprintln!(
            "ssh-troubleshoot: --disable-ssh needs -g and -n, and cannot be combined with --offline."
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(())
}

/// The diagnosis the arguments ask for; Azure is looked up only for a named machine.
fn diagnose_request(args: &ArcArgs, explain: Option<String>, wants_azure: bool) -> Request {
    let (azure, subscription) = if wants_azure {
        let found = azure_context::discover(
            args.arm_endpoint.clone(),
            args.subscription.first().cloned(),
        );
        (Some(found.azure), found.subscription)
    } else {
        (None, args.subscription.first().cloned())
    };
    let target = Target {
        subscription,
        resource_group: args.resource_group.clone(),
        name: args.name.clone(),
        resource_type: args.resource_type.clone(),
    };
    Request {
        command: Command::Diagnose,
        client: args.client.client(),
        target: (!target.is_empty() || target.subscription.is_some()).then_some(target),
        port: args.port,
        local_user: args.local_user.clone(),
        ssh_client_folder: args.ssh_client_folder.clone(),
        ssh_proxy_folder: args.ssh_proxy_folder.clone(),
        explain,
        offline: args.offline,
        azure,
        // Unset: the core's default deadline and watch timings apply.
        deadline_ms: args.deadline.map(|s| s.saturating_mul(1000)),
        probe_credentials: args.probe_credentials,
        probe: args.probe,
        watch: args.watch,
        watch_timeout_ms: args.watch_timeout.map(|s| s.saturating_mul(1000)),
        watch_interval_ms: args.watch_interval.map(|s| s.saturating_mul(1000)),
        report_path: args.report.clone(),
        ..Request::default()
    }
}

/// `--disable-ssh` removes access: asked first unless `--yes`. `Err` with the exit
/// status when it cannot be asked or the answer is no.
fn confirm_disable_ssh(args: &ArcArgs) -> Result<(), ExitCode> {
    let what = format!(
        "Remove SSH access to {}/{}: delete its SSH service configuration, then its default connectivity endpoint",
        args.resource_group.as_deref().unwrap_or_default(),
        args.name.as_deref().unwrap_or_default()
    );
    if !args.yes && !std::io::stdin().is_terminal() {
        eprintln!(
            "ssh-troubleshoot: --disable-ssh asks first and needs a terminal for that; add --yes to go ahead without asking."
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    if !args.yes && !input::confirm(&what) {
        eprintln!("ssh-troubleshoot: nothing changed.");
        return Err(ExitCode::SUCCESS);
    }
    Ok(())
}

/// `--fix`: applies the fixes the findings offer (each asked for unless `--yes`); the
/// report of the fixes, or the diagnosis as it was when none was chosen.
fn apply_fixes(args: &ArcArgs, request: &mut Request, report: Report) -> Result<Report, ExitCode> {
    let offered: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.fix.clone())
        .collect();
    if offered.is_empty() {
        if args.output == Output::Text {
            eprintln!("ssh-troubleshoot: nothing to fix here: no finding offers a local fix.");
        }
        return Ok(report);
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        eprintln!(
            "ssh-troubleshoot: --fix asks before each change and needs a terminal for that; add --yes to apply without asking."
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    let chosen: Vec<String> = offered
        .iter()
        .filter(|fix| {
            args.yes || input::confirm(&format!("Apply fix {}: {}", fix.id, fix.description))
        })
        .map(|fix| fix.id.clone())
        .collect();
    if chosen.is_empty() {
        return Ok(report);
    }
    request.command = Command::ApplyFixes;
    request.fixes = chosen;
    interrupt::run(request, None)
}

/// Problems (a failed check or fix, an explained error) exit with `EXIT_PROBLEMS`.
fn exit_code(report: &Report) -> ExitCode {
    let failed_fix = report
        .applied
        .iter()
        .any(|a| a.outcome == FixOutcome::Failed);
    if failed_fix
        || report.findings.iter().any(|f| f.status == Status::Fail)
        || !report.explained.is_empty()
    {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}
