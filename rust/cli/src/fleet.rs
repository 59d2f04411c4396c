//! Fleet mode of `ssh-troubleshoot arc`: `-g RG` without `-n`, or `--subscription`
//! (repeatable) without `-g`/`-n`. A progress bar on stderr when it is a terminal; the
//! text output is one row per machine, the counts, and for each machine with problems
//! the command for its full report; `-o json` is the report with its `fleet` member.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

use ssh_troubleshoot_core::fleet::progress::Gate;
use ssh_troubleshoot_core::fleet::{Fleet, MachineRow};
use ssh_troubleshoot_core::model::{Command, Report, Request, Status, Target};

use crate::render::Style;
use crate::{ArcArgs, EXIT_PROBLEMS, EXIT_USAGE, Output, azure_context};

/// Fleet mode: no machine named, but a resource group or subscriptions.
pub fn wanted(args: &ArcArgs) -> bool {
    !args.offline
        && args.name.is_none()
        && args.explain.is_none()
        && args.explain_file.is_none()
        && (args.resource_group.is_some() || !args.subscription.is_empty())
}

pub fn run(args: &ArcArgs) -> ExitCode {
    if args.fix || args.disable_ssh || args.probe_credentials || args.probe || args.watch {
        eprintln!(
            "ssh-troubleshoot: --fix, --disable-ssh, --probe-credentials, --probe and --watch work on one machine: add -n NAME."
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let request = fleet_request(args);
    let bar = Bar::new(std::io::stderr().is_terminal());
    let report = crate::interrupt::run(&request, Some(&|done, total| bar.draw(done, total)));
    bar.clear();
    let report = match report {
        Ok(report) => report,
        Err(code) => return code,
    };
    let rendered = match args.output {
        Output::Json => serde_json::to_string_pretty(&report)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
        Output::Text => text(&report, &Style::for_stdout()),
    };
    let _ = writeln!(std::io::stdout().lock(), "{rendered}");
    if !crate::shared_report_written(&report, args.output) {
        return ExitCode::from(crate::EXIT_COULD_NOT_RUN);
    }
    if report.findings.iter().any(|f| f.status == Status::Fail) {
        ExitCode::from(EXIT_PROBLEMS)
    } else if report.nothing_listed {
        // No machine was listed (the core's rule): nothing was diagnosed, which a script
        // must not read as a healthy fleet.
        ExitCode::from(crate::EXIT_COULD_NOT_RUN)
    } else {
        ExitCode::SUCCESS
    }
}

/// The fleet diagnosis: the signed-in subscription (or the first `--subscription`), then
/// the other `--subscription` values.
fn fleet_request(args: &ArcArgs) -> Request {
    let found = azure_context::discover(
        args.arm_endpoint.clone(),
        args.subscription.first().cloned(),
    );
    let subscriptions: Vec<String> = found
        .subscription
        .iter()
        .cloned()
        .chain(
            args.subscription
                .iter()
                .skip(1)
                .map(|s| azure_context::subscription_id(s)),
        )
        .collect();
    Request {
        command: Command::Diagnose,
        client: args.client.client(),
        target: Some(Target {
            subscription: subscriptions.first().cloned(),
            resource_group: args.resource_group.clone(),
            name: None,
            resource_type: args.resource_type.clone(),
        }),
        subscriptions,
        port: args.port,
        local_user: args.local_user.clone(),
        azure: Some(found.azure),
        deadline_ms: args.deadline.map(|s| s.saturating_mul(1000)),
        report_path: args.report.clone(),
        ..Request::default()
    }
}

/// `[#########...........]  1234/5000 reads`, redrawn when the core's progress gate admits.
struct Bar {
    on: bool,
    gate: Mutex<Gate>,
}

impl Bar {
    fn new(on: bool) -> Bar {
        Bar {
            on,
            gate: Mutex::new(Gate::new()),
        }
    }

    fn draw(&self, done: usize, total: usize) {
        if !self.on {
            return;
        }
        // Held while drawing, so that two workers' lines never interleave.
        let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        if !gate.admit(done, total) {
            return;
        }
        const WIDTH: usize = 30;
        let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {done}/{total} reads",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled)
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.on {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

pub fn text(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    let Some(f) = &report.fleet else {
        // Nothing was listed: say why.
        for finding in &report.findings {
            let _ = writeln!(out, "{}  {}", style.mark(finding.status), finding.summary);
            for (k, v) in &finding.evidence {
                let _ = writeln!(out, "       {}", style.paint("2", &format!("{k}: {v}")));
            }
        }
        return out.trim_end().to_string();
    };
    let _ = writeln!(
        out,
        "ssh-troubleshoot {} · fleet · {}{}\n",
        report.tool.version,
        f.subscriptions.join(", "),
        f.resource_group
            .as_deref()
            .map(|g| format!(" · resource group {g}"))
            .unwrap_or_default()
    );
    rows(&mut out, f, style);
    let _ = writeln!(out, "\n{}", style.paint("1", "Machines per diagnosis"));
    if f.counts.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (d, n) in &f.counts {
        let title = ssh_troubleshoot_core::catalogue::diagnosis(d).map_or("", |c| c.title);
        let _ = writeln!(out, "  {n:>6}  {d:30} {}", style.paint("2", title));
    }
    let r = &f.requests;
    let _ = write!(
        out,
        "\nResult: {} machines — {} healthy, {} with problems, {} not fully read · {} ms · {} requests ({} Resource Graph pages, {} throttled)",
        f.scanned,
        f.healthy,
        f.with_problems,
        f.incomplete,
        f.duration_ms,
        r.total,
        r.resource_graph_pages,
        r.throttled,
    );
    if f.truncated {
        let of = f
            .total_records
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n{}  Resource Graph cut its answer short: only {}{of} machines were listed; narrow the scope.",
            style.mark(Status::Error),
            f.scanned,
        );
    }
    out
}

fn rows(out: &mut String, f: &Fleet, style: &Style) {
    let many_subs = f.subscriptions.len() > 1;
    // Each column as wide as its longest value, and at least its heading.
    let width = |value: fn(&MachineRow) -> &str, heading: &str| {
        f.machines
            .iter()
            .map(|m| value(m).chars().count())
            .chain([heading.len()])
            .max()
            .unwrap_or(0)
    };
    let w_name = width(|m| &m.name, "MACHINE");
    let w_group = width(|m| &m.resource_group, "RESOURCE GROUP");
    let w_diag = width(|m| m.worst_diagnosis.as_deref().unwrap_or(""), "DIAGNOSIS");
    let _ = writeln!(
        out,
        "{}",
        style.paint(
            "1",
            &format!(
                "STATUS  {:w_name$}  {:w_group$}  {}{:w_diag$}  SUMMARY",
                "MACHINE",
                "RESOURCE GROUP",
                if many_subs { "SUBSCRIPTION  " } else { "" },
                "DIAGNOSIS"
            )
        )
    );
    for m in &f.machines {
        let sub = if many_subs {
            format!(
                "{:12}  ",
                m.subscription.chars().take(12).collect::<String>()
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}   {:w_name$}  {:w_group$}  {sub}{:w_diag$}  {}",
            style.mark(m.worst_status),
            m.name,
            m.resource_group,
            m.worst_diagnosis.as_deref().unwrap_or("-"),
            m.summary
        );
        if m.worst_status != Status::Pass {
            let _ = writeln!(
                out,
                "        {}",
                style.paint("2", &format!("$ {}", m.command))
            );
        }
    }
}
