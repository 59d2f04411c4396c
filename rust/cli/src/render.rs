//! Text output: grouped client / server / Azure, one line per check, details and the
//! remedy under each problem. Colour only on a terminal, never with NO_COLOR.

use std::fmt::Write;
use std::io::IsTerminal;

use ssh_troubleshoot_core::model::{Finding, FixOutcome, Report, ReportStatus, Shell, Status};
use ssh_troubleshoot_core::registry;

pub struct Style {
    colour: bool,
}

impl Style {
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn mark(&self, status: Status) -> String {
        let (code, label) = match status {
            Status::Pass => ("32", "PASS "),
            Status::Warn => ("33", "WARN "),
            Status::Fail => ("1;31", "FAIL "),
            Status::Skip => ("2", "SKIP "),
            Status::Error => ("35", "ERROR"),
        };
        self.paint(code, label)
    }
}

const GROUPS: &[(&str, &str)] = &[
    ("client", "Client"),
    ("server", "Server"),
    ("azure", "Azure"),
    ("other", "Other"),
];

pub fn report(report: &Report, style: &Style) -> String {
    let target = match (&report.target.resource_group, &report.target.name) {
        (Some(g), Some(n)) => format!("{g}/{n}"),
        _ => "this machine".to_string(),
    };
    body(
        report,
        style,
        &format!("{} · {}", client_name(report), target),
    )
}

/// `ssh-troubleshoot server`: the same layout, headed for the server it runs on.
pub fn server_report(report: &Report, style: &Style) -> String {
    body(report, style, "server mode · this Arc-enabled server")
}

fn body(report: &Report, style: &Style, heading: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ssh-troubleshoot {} · {heading}", report.tool.version);
    findings(&mut out, report, style);
    if !report.explained.is_empty() {
        explained(&mut out, report, style);
    } else if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "\nNothing in the given text matches a known SSH-to-Arc error."
        );
    }
    if !report.applied.is_empty() {
        fixes(&mut out, report, style);
    }
    result_line(&mut out, report, style);
    out
}

/// The findings under their groups' headings, titles in one column.
fn findings(out: &mut String, report: &Report, style: &Style) {
    let width = report
        .findings
        .iter()
        .map(|f| f.title.chars().count())
        .max()
        .unwrap_or(0);

    for (group, heading) in GROUPS {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| registry::group(&f.check) == *group)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", style.paint("1", heading));
        for f in findings {
            finding(out, f, style, width);
        }
    }
}

/// One finding's line; for a problem, its diagnosis, evidence, remedy and fix below.
fn finding(out: &mut String, f: &Finding, style: &Style, width: usize) {
    let _ = writeln!(
        out,
        "  {}  {:width$}  {} {}",
        style.mark(f.status),
        f.title,
        f.summary,
        style.paint("2", &format!("[{} ms]", f.duration_ms))
    );
    if !matches!(f.status, Status::Fail | Status::Warn | Status::Error) {
        return;
    }
    if let Some(d) = &f.diagnosis {
        let title = ssh_troubleshoot_core::catalogue::diagnosis(d).map_or("", |c| c.title);
        let _ = writeln!(out, "         diagnosis  {d} — {title}");
    }
    for (key, value) in &f.evidence {
        let _ = writeln!(
            out,
            "         {}",
            style.paint("2", &format!("{key}: {value}"))
        );
    }
    if let Some(remedy) = &f.remedy {
        remedy_lines(out, remedy);
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(out, "         --fix      {} ({})", fix.description, fix.id);
    }
}

fn explained(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(
        out,
        "\n{}",
        style.paint("1", "Explained (most likely root cause first)")
    );
    for e in &report.explained {
        let _ = writeln!(
            out,
            "  {}  {} — {} (confidence {:.2})",
            style.mark(Status::Fail),
            e.diagnosis,
            e.title,
            e.confidence
        );
        let _ = writeln!(
            out,
            "         matched    {}",
            e.excerpt.replace('\n', "\n                    ")
        );
        for (key, value) in &e.extracted {
            let _ = writeln!(out, "         {key:10} {value}");
        }
        if e.symptom {
            let _ = writeln!(
                out,
                "         symptom    a consequence, not its cause; likely causes: {}",
                e.likely_causes.join(", ")
            );
            let _ = writeln!(out, "         tell apart {}", e.tell_apart.join(", "));
        }
        remedy_lines(out, &e.remedy);
    }
}

fn fixes(out: &mut String, report: &Report, style: &Style) {
    let _ = writeln!(out, "\n{}", style.paint("1", "Fixes"));
    for a in &report.applied {
        let outcome = match a.outcome {
            FixOutcome::Applied => style.paint("32", "applied    "),
            FixOutcome::Failed => style.paint("1;31", "failed     "),
            FixOutcome::NotOffered => style.paint("2", "not offered"),
        };
        let _ = writeln!(out, "  {outcome}  {}  {}", a.id, a.message);
    }
}

/// The last line: the report's status and the counts (no newline after it).
fn result_line(out: &mut String, report: &Report, style: &Style) {
    let count = |s: Status| report.findings.iter().filter(|f| f.status == s).count();
    let status = match report.status {
        ReportStatus::Healthy => style.paint("32", "healthy"),
        ReportStatus::Problems => style.paint("1;31", "problems"),
        ReportStatus::Incomplete => style.paint("35", "incomplete"),
    };
    let _ = write!(
        out,
        "\nResult: {status} — {} failed, {} warnings, {} passed, {} skipped, {} errors, {} explained · {} ms",
        count(Status::Fail),
        count(Status::Warn),
        count(Status::Pass),
        count(Status::Skip),
        count(Status::Error),
        report.explained.len(),
        report.duration_ms
    );
}

fn remedy_lines(out: &mut String, remedy: &ssh_troubleshoot_core::model::Remedy) {
    let _ = writeln!(out, "         remedy     {}", remedy.text);
    for c in &remedy.commands {
        let prompt = match c.shell {
            Shell::Az | Shell::Sh => "$",
            Shell::Powershell => "PS>",
        };
        let _ = writeln!(out, "           {prompt} {}", c.command);
    }
    let _ = writeln!(out, "         docs       {}", remedy.docs);
}

fn client_name(report: &Report) -> &'static str {
    use ssh_troubleshoot_core::model::Client;
    match report.client {
        Client::AzureCli => "client: Azure CLI",
        Client::Powershell => "client: Azure PowerShell",
        Client::Standalone => "clients: Azure CLI and Azure PowerShell",
    }
}

pub fn checks(report: &Report, _style: &Style) -> String {
    let mut out = String::from("Checks\n");
    let w = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &report.checks {
        let _ = writeln!(
            out,
            "  {:w$}  {}  [{}]",
            c.id,
            c.title,
            c.diagnoses.join(", ")
        );
    }
    out.push_str("\nDiagnoses\n");
    let w = report
        .diagnoses
        .iter()
        .map(|d| d.id.len())
        .max()
        .unwrap_or(0);
    for d in &report.diagnoses {
        let proven = if d.proven_by.is_empty() {
            "explain only".to_string()
        } else {
            d.proven_by.join(", ")
        };
        let _ = writeln!(
            out,
            "  {:w$}  {}\n  {:w$}  {} · checked by: {}",
            d.id, d.title, "", d.docs, proven
        );
    }
    out.trim_end().to_string()
}

/// The line after the report when `--report` wrote the shareable files.
pub fn shared_report(shared: &ssh_troubleshoot_core::model::SharedReport) -> String {
    format!(
        "Shareable report (identifiers replaced by placeholders) written to {} and {}",
        shared.json, shared.markdown
    )
}
