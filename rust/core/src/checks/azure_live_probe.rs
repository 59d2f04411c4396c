//! `azure.live-probe` (only with `--probe`): does what the client does, short of logging
//! in. With the relay credentials `azure.relay-credentials` got, it runs the very proxy
//! file the client would run, the way the client runs it, reads its output until the
//! server's SSH identification line, and stops there. What the proxy printed on its
//! standard error is explained by the knowledge base (the one matcher), which names
//! the hop that broke.

use std::time::Duration;

use crate::catalogue::Vars;
use crate::checks::azure_machine::target_vars;
use crate::checks::azure_relay_credentials::{self, RelayInfo};
use crate::checks::proxy_file::ProxyToRun;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::checks::{proxy_binary, ps_proxy_binary};
use crate::model::DiagnosisId;
use crate::model::{Client, Status};
use crate::probe::relay_proxy::{self, Ending, Launch, ProxyRun, SpawnFailure};
use crate::{azure, explain};

pub const ID: &str = "azure.live-probe";
/// How long the proxy gets to bring the server's identification line.
const BOUND: Duration = Duration::from_secs(15);
/// At most this much of the proxy's own words goes into the evidence.
const SAID_CHARS: usize = 600;

/// The hops between this machine and sshd, as the finding names them.
pub mod hop {
    pub const CLIENT: &str = "client";
    pub const CLIENT_RELAY: &str = "client → relay";
    pub const RELAY: &str = "relay";
    pub const RELAY_AGENT: &str = "relay → agent";
    pub const AGENT_SSHD: &str = "agent → sshd";
    pub const ALL: &str = "all hops";
}

pub struct LiveProbe;

impl Check for LiveProbe {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Live connection through the SSH proxy (probe)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::RelayUnreachable,
            DiagnosisId::ServiceConfigPropagating,
            DiagnosisId::RelayListenerUnavailable,
            DiagnosisId::SshTrafficNotAllowed,
            DiagnosisId::ProxyPermissionDenied,
            DiagnosisId::ProxyArchitectureUnsupported,
            DiagnosisId::ProxyFileCorrupt,
            DiagnosisId::ArcproxyNotInstalled,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_relay_credentials::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[proxy_binary::ID, ps_proxy_binary::ID]
    }
    fn timeout(&self) -> Duration {
        BOUND + Duration::from_secs(5)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        match azure::applies(ctx) {
            Applicability::Run if ctx.request.probe => Applicability::Run,
            _ => Applicability::NotListed,
        }
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let Some(relay) = deps.get::<RelayInfo>(azure_relay_credentials::ID) else {
            return Ok(Outcome::skip("No relay credentials to connect with."));
        };
        let mut vars = target_vars(ctx);
        let port = ctx.request.port.unwrap_or(22);
        vars.insert("port".into(), port.to_string());
        vars.insert("namespace".into(), relay.namespace.clone());
        let Some((client, proxy)) = chosen_proxy(ctx.request.client, deps) else {
            return Ok(Outcome::skip(
                "No proxy file of the client to run (see the client's proxy check).",
            ));
        };
        let timing = |o: Outcome| {
            o.evidence("client", client.label)
                .evidence("relay namespace", relay.namespace.clone())
                .evidence("time: Azure (listCredentials)", ms(relay.issued_in))
        };
        if let Some((diagnosis, summary)) = &proxy.problem {
            let mut o = Outcome::problem(
                Status::Fail,
                *diagnosis,
                format!("The proxy cannot start, so no connection can: {summary}"),
                &vars,
            );
            o = o.evidence("hop", hop::CLIENT);
            return Ok(timing(o));
        }
        let path = match (&proxy.path, proxy.not_downloaded) {
            (Some(path), false) => path.clone(),
            _ => {
                return Ok(timing(Outcome::skip(
                    "The az proxy is not downloaded yet (az ssh arc fetches it on first use); there is nothing to connect with.",
                )));
            }
        };
        let args = proxy_args(client.client, ctx.request.port);
        let bound = ctx
            .request
            .deadline_ms
            .map_or(BOUND, |d| BOUND.min(Duration::from_millis(d / 2)));
        let ran = relay_proxy::run(&Launch {
            program: &path,
            args: &args,
            relay_info: &relay.encoded,
            bound,
        });
        let outcome = judge(&ran, relay, &vars, bound)
            .evidence("proxy", path)
            .evidence("proxy arguments", args.join(" "))
            .evidence("time: client (proxy start)", ms(ran.start));
        Ok(timing(outcome))
    }
}

struct ClientInUse {
    client: Client,
    label: &'static str,
}

/// The proxy of the client in use; standalone tries the az proxy first, then
/// Az.Ssh.ArcProxy's.
fn chosen_proxy(client: Client, deps: &Deps) -> Option<(ClientInUse, ProxyToRun)> {
    let az = || {
        deps.get::<ProxyToRun>(proxy_binary::ID).cloned().map(|p| {
            let c = ClientInUse {
                client: Client::AzureCli,
                label: "Azure CLI (az ssh arc)",
            };
            (c, p)
        })
    };
    let ps = || {
        deps.get::<ProxyToRun>(ps_proxy_binary::ID)
            .cloned()
            .map(|p| {
                let c = ClientInUse {
                    client: Client::Powershell,
                    label: "Azure PowerShell (Enter-AzVM)",
                };
                (c, p)
            })
    };
    match client {
        Client::AzureCli => az(),
        Client::Powershell => ps(),
        Client::Standalone => {
            let usable =
                |(_, p): &(ClientInUse, ProxyToRun)| p.problem.is_none() && !p.not_downloaded;
            az().filter(usable)
                .or_else(|| ps().filter(usable))
                .or_else(az)
        }
    }
}

/// The arguments each client gives its proxy: az always passes the port; Az.Ssh only
/// when `-Port` is given (anatomy §1.9, §2.4).
fn proxy_args(client: Client, port: Option<u16>) -> Vec<String> {
    match (client, port) {
        (Client::Powershell, None) => Vec::new(),
        (_, port) => vec!["-p".into(), port.unwrap_or(22).to_string()],
    }
}

/// The hop a diagnosis of the proxy's failure points at.
fn hop_of(diagnosis: DiagnosisId) -> &'static str {
    match diagnosis {
        DiagnosisId::RelayUnreachable => hop::CLIENT_RELAY,
        DiagnosisId::ServiceConfigPropagating => hop::RELAY,
        DiagnosisId::RelayListenerUnavailable => hop::RELAY_AGENT,
        DiagnosisId::SshTrafficNotAllowed | DiagnosisId::PostPreviewReconfiguration => {
            hop::AGENT_SSHD
        }
        DiagnosisId::ProxyPermissionDenied
        | DiagnosisId::ProxyArchitectureUnsupported
        | DiagnosisId::ProxyFileCorrupt => hop::CLIENT,
        _ => hop::RELAY,
    }
}

/// Pure judgment of one run of the proxy.
fn judge(ran: &ProxyRun, relay: &RelayInfo, vars: &Vars, bound: Duration) -> Outcome {
    let machine = vars.get("machine").map_or("the machine", String::as_str);
    let port = vars.get("port").map_or("22", String::as_str);
    let said = relay.scrub(&String::from_utf8_lossy(&ran.stderr));
    let took = ms(ran.until_end);
    if let Ending::Banner(line) = &ran.ending {
        return Outcome::pass(format!(
            "{machine} answered through the relay as {line} after {took}; the probe sent nothing and did not log in."
        ))
        .evidence("hop", hop::ALL)
        .evidence("server SSH version", line.clone())
        .evidence("time: relay → agent → sshd (to the SSH banner)", took);
    }
    let ended = ending_text(&ran.ending, bound);
    let with_said = |o: Outcome| {
        let o = o.evidence("time: until the failure", took.clone());
        match tail(&said) {
            Some(t) => o.evidence("proxy said", t),
            None => o,
        }
    };
    // The proxy's own words, through the knowledge base: most likely cause first.
    if let Some(m) = explain::explain(said.as_bytes()).into_iter().next() {
        let mut vars = vars.clone();
        for (k, v) in &m.extracted {
            vars.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let hop = hop_of(m.diagnosis);
        let excerpt = relay.scrub(&m.excerpt);
        return with_said(
            Outcome::problem(
                Status::Fail,
                m.diagnosis,
                format!("The connection broke at the {hop} hop: {ended}, saying: {excerpt}"),
                &vars,
            )
            .evidence("hop", hop),
        );
    }
    let outcome = match &ran.ending {
        Ending::SpawnFailed { kind, detail } => match kind {
            SpawnFailure::PermissionDenied => Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyPermissionDenied,
                format!("The proxy could not be started: {detail}."),
                vars,
            ),
            SpawnFailure::ExecFormat => Outcome::problem(
                Status::Fail,
                DiagnosisId::ProxyArchitectureUnsupported,
                format!("The proxy is not a program this machine can run: {detail}."),
                vars,
            ),
            SpawnFailure::NotFound | SpawnFailure::Other => Outcome::new(
                Status::Error,
                format!("The proxy could not be started: {detail}."),
            ),
        }
        .evidence("hop", hop::CLIENT),
        Ending::NotSsh(_) => Outcome::problem(
            Status::Fail,
            DiagnosisId::SshTrafficNotAllowed,
            format!("{ended}: something other than an SSH server answers on port {port} of {machine}."),
            vars,
        )
        .evidence("hop", hop::AGENT_SSHD),
        Ending::TimedOut | Ending::Exited(_) | Ending::Banner(_) => Outcome::new(
            Status::Error,
            format!("The probe could not tell where the connection broke: {ended}, with no message this tool knows."),
        )
        .evidence("hop", "unknown"),
    };
    with_said(outcome)
}

fn ending_text(ending: &Ending, bound: Duration) -> String {
    match ending {
        Ending::Banner(line) => format!("the server answered {line}"),
        Ending::Exited(Some(code)) => format!("the proxy exited with status {code}"),
        Ending::Exited(None) => "the proxy closed its output".into(),
        Ending::TimedOut => format!(
            "nothing identified itself within {} and the proxy was stopped",
            ms(bound)
        ),
        Ending::NotSsh(n) => format!("{n} bytes came back without an SSH identification"),
        Ending::SpawnFailed { detail, .. } => format!("the proxy could not be started ({detail})"),
    }
}

/// The last lines of what the proxy said, at most [`SAID_CHARS`] characters.
fn tail(said: &str) -> Option<String> {
    let said = said.trim();
    if said.is_empty() {
        return None;
    }
    let chars: Vec<char> = said.chars().collect();
    let start = chars.len().saturating_sub(SAID_CHARS);
    Some(chars[start..].iter().collect())
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
