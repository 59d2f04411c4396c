//! What every command starts from and ends with: the default deadlines, the empty
//! report, and the report's overall status. Policy the hosts do not repeat.

use std::time::Duration;

use super::{
    Explained, Finding, Report, ReportStatus, Request, Status, TOOL_NAME, TOOL_VERSION, ToolInfo,
};

/// A run's deadline when the request sets none.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// A fleet run's deadline when the request sets none (a whole subscription, paced reads).
pub const FLEET_DEFAULT_DEADLINE: Duration = Duration::from_secs(15 * 60);

pub fn overall_status(findings: &[Finding], explained: &[Explained]) -> ReportStatus {
    if !explained.is_empty() || findings.iter().any(|f| f.status == Status::Fail) {
        ReportStatus::Problems
    } else if findings.iter().any(|f| f.status == Status::Error) {
        ReportStatus::Incomplete
    } else {
        ReportStatus::Healthy
    }
}

/// A fleet report with no machine listed and no failing finding: a sign-in or permission
/// refusal stays a finding (a diagnosis with its remedy); anything else means nothing
/// was looked at.
pub fn nothing_listed(report: &Report) -> bool {
    report.fleet.is_none() && !report.findings.iter().any(|f| f.status == Status::Fail)
}

pub fn empty_report(request: &Request) -> Report {
    Report {
        schema_version: super::SCHEMA_VERSION,
        tool: ToolInfo {
            name: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
        },
        target: request.target.clone().unwrap_or_default(),
        client: request.client,
        status: ReportStatus::Healthy,
        duration_ms: 0,
        findings: Vec::new(),
        explained: Vec::new(),
        applied: Vec::new(),
        checks: Vec::new(),
        diagnoses: Vec::new(),
        versions: Default::default(),
        shared_report: None,
        fleet: None,
        watch: None,
        cancelled: false,
        nothing_listed: false,
        report_command: None,
    }
}
