//! The standalone `ssh-troubleshoot` binary: parses the contract's parameters, builds a
//! request, runs the core and renders the report.

mod arc;
mod azure_context;
mod fleet;
mod input;
mod interrupt;
mod render;
mod watch;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ssh_troubleshoot_core::model::{Client, Command, Report, Request, Status, Target};

/// Exit statuses of the contract.
pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;
pub(crate) const EXIT_COULD_NOT_RUN: u8 = 3;

/// Error text larger than this is not a log anyone pasted; refuse rather than swap.
const MAX_EXPLAIN_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Parser)]
#[command(
    name = "ssh-troubleshoot",
    version = ssh_troubleshoot_core::model::TOOL_VERSION_AND_COMMIT,
    about = "The doctor for SSH access to Azure Arc-enabled servers."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check everything that can break `az ssh arc` / `Enter-AzVM` on this machine, and
    /// explain pasted error text.
    Arc(Box<ArcArgs>),
    /// Run on the Arc-enabled server itself: is sshd answering where the agent's proxy
    /// forwards, and are the agent and its network path in order. Needs no Azure login.
    Server {
        /// The SSH port the service configuration allows (default: read from Azure when
        /// signed in, else 22).
        #[arg(long)]
        port: Option<u16>,
        /// Resource group of this server in Azure (default: what azcmagent says).
        #[arg(long = "resource-group", short = 'g')]
        resource_group: Option<String>,
        /// This server's name in Azure (default: what azcmagent says).
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Subscription id of this server (default: what azcmagent says).
        #[arg(long)]
        subscription: Option<String>,
        /// ARM endpoint (default: the active cloud of an installed az, else public Azure).
        #[arg(long = "arm-endpoint")]
        arm_endpoint: Option<String>,
        /// The sshd configuration to read.
        #[arg(long = "sshd-config", default_value = "/etc/ssh/sshd_config")]
        sshd_config: String,
        /// host:port to prove TLS reachability to, instead of the Azure endpoints the
        /// agent needs (repeatable).
        #[arg(long = "network-target")]
        network_targets: Vec<String>,
        /// Deadline for the whole run, in seconds (default 30).
        #[arg(long)]
        deadline: Option<u64>,
        #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Also write a shareable report, identifiers replaced by placeholders: JSON to
        /// FILE, Markdown beside it (FILE with .md).
        #[arg(long = "report", value_name = "FILE")]
        report: Option<String>,
    },
    /// List every check and diagnosis id with its title and docs link.
    Checks {
        #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

#[derive(Args)]
pub(crate) struct ArcArgs {
    /// Resource group of the Arc-enabled server (without --name: every machine in it).
    #[arg(long = "resource-group", short = 'g')]
    resource_group: Option<String>,
    /// Name of the Arc-enabled server.
    #[arg(long, short = 'n')]
    name: Option<String>,
    /// Subscription id or name (default: the active one); without --name, repeatable:
    /// every machine in these subscriptions.
    #[arg(long)]
    subscription: Vec<String>,
    /// SSH port to reach on the server (default 22).
    #[arg(long)]
    port: Option<u16>,
    /// Local user to log in as (no Microsoft Entra login).
    #[arg(long = "local-user")]
    local_user: Option<String>,
    /// Folder holding ssh and ssh-keygen, as given to az ssh arc.
    #[arg(long = "ssh-client-folder")]
    ssh_client_folder: Option<String>,
    /// Folder of the az SSH proxy (default ~/.clientsshproxy).
    #[arg(long = "ssh-proxy-folder")]
    ssh_proxy_folder: Option<String>,
    /// Resource type, e.g. Microsoft.HybridCompute/machines (default: discover).
    #[arg(long = "resource-type")]
    resource_type: Option<String>,
    /// Error text to explain.
    #[arg(long, conflicts_with = "explain_file")]
    explain: Option<String>,
    /// File with error output to explain; `-` reads standard input.
    #[arg(long = "explain-file")]
    explain_file: Option<PathBuf>,
    /// Client-side checks only.
    #[arg(long)]
    offline: bool,
    /// Apply the fixes the report offers, asking for each.
    #[arg(long)]
    fix: bool,
    /// Do not ask before applying fixes.
    #[arg(long, short = 'y')]
    yes: bool,
    /// Remove SSH access: delete the SSH service configuration, then the endpoint.
    #[arg(long = "disable-ssh")]
    disable_ssh: bool,
    /// Ask Azure for relay credentials for real, to prove access end to end (the key is
    /// never shown or kept).
    #[arg(long = "probe-credentials")]
    probe_credentials: bool,
    /// Connect through the client's own SSH proxy up to the server's SSH banner, without
    /// logging in; names the hop that breaks (asks for relay credentials, as
    /// --probe-credentials does).
    #[arg(long)]
    probe: bool,
    /// Rerun the checks that fail every few seconds until they pass or --watch-timeout
    /// passes; exits with the final status.
    #[arg(long)]
    watch: bool,
    /// How long --watch keeps trying, in seconds (default 300).
    #[arg(long = "watch-timeout", value_name = "SECONDS")]
    watch_timeout: Option<u64>,
    /// Seconds between --watch rounds (default 5).
    #[arg(long = "watch-interval", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    watch_interval: Option<u64>,
    /// ARM endpoint (default: the active cloud of an installed az, else public Azure).
    #[arg(long = "arm-endpoint")]
    arm_endpoint: Option<String>,
    /// Deadline for the whole run, in seconds (default 30; 900 for a fleet).
    #[arg(long)]
    deadline: Option<u64>,
    /// Which client to check for: both (standalone), or only one.
    #[arg(long, value_enum, default_value_t = ClientArg::Standalone)]
    client: ClientArg,
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Also write a shareable report, identifiers replaced by placeholders: JSON to FILE,
    /// Markdown beside it (FILE with .md).
    #[arg(long = "report", value_name = "FILE")]
    report: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ClientArg {
    Standalone,
    AzureCli,
    Powershell,
}

impl ClientArg {
    fn client(self) -> Client {
        match self {
            ClientArg::Standalone => Client::Standalone,
            ClientArg::AzureCli => Client::AzureCli,
            ClientArg::Powershell => Client::Powershell,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    interrupt::install();
    match cli.command {
        Cmd::Checks { output } => {
            let request = Request {
                command: Command::Checks,
                ..Request::default()
            };
            match interrupt::run(&request, None) {
                Ok(report) => {
                    emit(&report, output, render::checks);
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        Cmd::Arc(args) => arc::arc(*args),
        Cmd::Server {
            port,
            resource_group,
            name,
            subscription,
            arm_endpoint,
            sshd_config,
            network_targets,
            deadline,
            output,
            report,
        } => {
            // Azure is asked only for the port, so only when --port leaves it open.
            let azure = port
                .is_none()
                .then(|| azure_context::for_server(arm_endpoint));
            let target = Target {
                subscription,
                resource_group,
                name,
                resource_type: None,
            };
            let request = Request {
                command: Command::Server,
                port,
                target: (!target.is_empty() || target.subscription.is_some()).then_some(target),
                azure,
                sshd_config: Some(sshd_config),
                network_targets,
                deadline_ms: deadline.map(|s| s.saturating_mul(1000)),
                report_path: report,
                ..Request::default()
            };
            match interrupt::run(&request, None) {
                Ok(report) => {
                    emit(&report, output, render::server_report);
                    if !shared_report_written(&report, output) {
                        ExitCode::from(EXIT_COULD_NOT_RUN)
                    } else if report.findings.iter().any(|f| f.status == Status::Fail) {
                        ExitCode::from(EXIT_PROBLEMS)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(code) => code,
            }
        }
    }
}

fn emit(report: &Report, output: Output, text: fn(&Report, &render::Style) -> String) {
    let rendered = match output {
        Output::Json => serde_json::to_string_pretty(report)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
        Output::Text => text(report, &render::Style::for_stdout()),
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(out, "{rendered}");
}

/// Says where `--report` wrote the shareable report (text output; JSON carries
/// `sharedReport`), or why it could not on stderr; false when it could not.
fn shared_report_written(report: &Report, output: Output) -> bool {
    let Some(shared) = &report.shared_report else {
        return true;
    };
    if shared.written {
        if output == Output::Text {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", render::shared_report(shared));
        }
        return true;
    }
    eprintln!(
        "ssh-troubleshoot: the shareable report was not written: {}",
        shared.error.as_deref().unwrap_or("unknown error")
    );
    false
}

pub(crate) fn could_not_run(message: &str) -> ExitCode {
    eprintln!("ssh-troubleshoot: {message}");
    ExitCode::from(EXIT_COULD_NOT_RUN)
}
