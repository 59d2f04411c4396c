//! The shareable report as Markdown: a header with the versions, then one section per
//! finding (problems first), per explained error and per applied fix. Rendered from
//! the already redacted report, so it holds nothing the JSON does not.

use std::fmt::Write;

use crate::catalogue;
use crate::model::{Finding, FixOutcome, Remedy, Report, ReportStatus, Shell, Status};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    if !report.versions.is_empty() {
        versions(&mut out, report);
    }
    if !report.findings.is_empty() {
        findings(&mut out, report);
    }
    if !report.explained.is_empty() {
        explained(&mut out, report);
    }
    if !report.applied.is_empty() {
        fixes(&mut out, report);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

/// The title, the table of tool, target, status and counts, and what was replaced.
fn header(out: &mut String, report: &Report) {
    let _ = writeln!(out, "# ssh-troubleshoot report\n");
    let target = match (&report.target.resource_group, &report.target.name) {
        (Some(g), Some(n)) => format!("{g}/{n}"),
        _ => "this machine".into(),
    };
    let status = match report.status {
        ReportStatus::Healthy => "healthy",
        ReportStatus::Problems => "problems",
        ReportStatus::Incomplete => "incomplete",
    };
    let count = |s: Status| report.findings.iter().filter(|f| f.status == s).count();
    let mut rows = vec![
        (
            "tool".to_string(),
            format!("{} {}", report.tool.name, report.tool.version),
        ),
        ("target".into(), target),
    ];
    if let Some(sub) = &report.target.subscription {
        rows.push(("subscription".into(), sub.clone()));
    }
    rows.push(("status".into(), status.into()));
    rows.push((
        "counts".into(),
        format!(
            "{} failed, {} warnings, {} passed, {} skipped, {} errors, {} explained",
            count(Status::Fail),
            count(Status::Warn),
            count(Status::Pass),
            count(Status::Skip),
            count(Status::Error),
            report.explained.len()
        ),
    ));
    table(out, ("", ""), &rows);
    let _ = writeln!(
        out,
        "\nSubscription, tenant and object ids, user, machine, group and host names and IP \
         addresses are replaced by placeholders such as `<machine-1>`: the same value always \
         has the same placeholder, in this file and in the JSON beside it. Tokens, keys and \
         signatures read `<secret>`.\n"
    );
}

fn versions(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Versions\n");
    let rows: Vec<(String, String)> = report
        .versions
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    table(out, ("component", "version"), &rows);
    out.push('\n');
}

/// The findings, problems first.
fn findings(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Findings\n");
    let rank = |s: Status| match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Warn => 2,
        Status::Pass => 3,
        Status::Skip => 4,
    };
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by_key(|f| rank(f.status));
    for f in findings {
        finding(out, f);
    }
}

fn finding(out: &mut String, f: &Finding) {
    let mark = match f.status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Skip => "SKIP",
        Status::Error => "ERROR",
    };
    let _ = writeln!(out, "### {mark} {} (`{}`)\n", inline(&f.title), f.check);
    let _ = writeln!(out, "{}\n", inline(&f.summary));
    if let Some(d) = &f.diagnosis {
        let title = catalogue::diagnosis(d).map_or("", |c| c.title);
        let _ = writeln!(out, "- diagnosis: `{d}` {}", inline(title));
    }
    if let Some(b) = &f.blocked_by {
        let _ = writeln!(out, "- blocked by: `{b}`");
    }
    for (key, value) in &f.evidence {
        let _ = writeln!(out, "- {}: {}", inline(key), code(value));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "- fix offered: `{}` {}",
            fix.id,
            inline(&fix.description)
        );
    }
    if f.diagnosis.is_some() || !f.evidence.is_empty() || f.fix.is_some() {
        out.push('\n');
    }
    if let Some(r) = &f.remedy {
        remedy(out, r);
    }
}

fn explained(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Explained (most likely root cause first)\n");
    for e in &report.explained {
        let _ = writeln!(
            out,
            "### `{}` {} (confidence {:.2})\n",
            e.diagnosis,
            inline(&e.title),
            e.confidence
        );
        fenced(out, "text", &e.excerpt);
        for (key, value) in &e.extracted {
            let _ = writeln!(out, "- {}: {}", inline(key), code(value));
        }
        if !e.extracted.is_empty() {
            out.push('\n');
        }
        if e.symptom {
            let _ = writeln!(
                out,
                "A symptom, not its cause. Likely causes: {}; told apart by: {}.\n",
                e.likely_causes
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.tell_apart
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        remedy(out, &e.remedy);
    }
}

fn fixes(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Fixes\n");
    for a in &report.applied {
        let outcome = match a.outcome {
            FixOutcome::Applied => "applied",
            FixOutcome::Failed => "failed",
            FixOutcome::NotOffered => "not offered",
        };
        let _ = writeln!(out, "- `{}` {outcome}: {}", a.id, inline(&a.message));
    }
    out.push('\n');
}

fn remedy(out: &mut String, r: &Remedy) {
    let _ = writeln!(out, "**Remedy.** {}\n", inline(&r.text));
    for c in &r.commands {
        let lang = match c.shell {
            Shell::Az | Shell::Sh => "sh",
            Shell::Powershell => "powershell",
        };
        fenced(out, lang, &c.command);
    }
    if !r.docs.is_empty() {
        let _ = writeln!(out, "Docs: <{}>\n", r.docs.replace(['<', '>', ' '], ""));
    }
}

/// A table of two columns, cells escaped.
fn table(out: &mut String, head: (&str, &str), rows: &[(String, String)]) {
    let _ = writeln!(out, "| {} | {} |\n| --- | --- |", head.0, head.1);
    for (k, v) in rows {
        let _ = writeln!(out, "| {} | {} |", cell(k), cell(v));
    }
}

fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Running text on one line; `<` escaped so placeholders show as written (not as HTML).
fn inline(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(['\r', '\n'], " ")
        .replace('<', "\\<")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('`', "\\`")
        .replace('[', "\\[")
}

/// A code span that survives backticks inside.
fn code(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let mut fence = String::from("`");
    while s.contains(fence.as_str()) {
        fence.push('`');
    }
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A fenced block longer than any run of backticks inside it.
fn fenced(out: &mut String, lang: &str, body: &str) {
    let mut fence = String::from("```");
    while body.contains(fence.as_str()) {
        fence.push('`');
    }
    let _ = writeln!(out, "{fence}{lang}\n{}\n{fence}\n", body.trim_end());
}
