//! What Azure says about the target: one hidden engine node per ARM read, so that
//! independent reads go out together and each check waits only for what it needs.
//! Every HTTP outcome is kept as data ([`Fetched`]); the `azure.*` checks judge it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::arm::{ArmClient, ArmPath, ArmSettings, Method};
use crate::check::{Applicability, Check, CheckError, Context, Deps, Outcome};

pub mod facts;

/// Hosts without their own setting get this per-request timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_RETRIES: u32 = 2;

/// The Arc resource types `az ssh arc` accepts, as ARM spells them.
pub const ARC_TYPES: &[&str] = &[
    "Microsoft.HybridCompute/machines",
    "Microsoft.ConnectedVMwarevSphere/virtualMachines",
    "Microsoft.ScVmm/virtualMachines",
    "Microsoft.AzureStackHCI/virtualMachines",
];
pub const HYBRID_COMPUTE: &str = "Microsoft.HybridCompute/machines";

/// One ARM call and what came of it; `evidence()` is what a finding shows.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub method: &'static str,
    pub url: String,
    pub answer: Answer,
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Answer {
    /// Any HTTP status, with the body (JSON, or Null).
    Http { status: u16, body: Value },
    /// No HTTP answer: timeout, refused, TLS, malformed body. Never holds the token.
    Transport(String),
}

impl Fetched {
    pub fn status(&self) -> Option<u16> {
        match &self.answer {
            Answer::Http { status, .. } => Some(*status),
            Answer::Transport(_) => None,
        }
    }

    /// The body of a 2xx answer.
    pub fn ok_body(&self) -> Option<&Value> {
        match &self.answer {
            Answer::Http { status, body } if (200..300).contains(status) => Some(body),
            _ => None,
        }
    }

    pub fn error_code(&self) -> Option<&str> {
        match &self.answer {
            Answer::Http { body, .. } => body.pointer("/error/code").and_then(Value::as_str),
            Answer::Transport(_) => None,
        }
    }

    /// "GET <url> → 404 ResourceNotFound (correlation id …)".
    pub fn evidence(&self) -> String {
        let outcome = match &self.answer {
            Answer::Http { status, body } => {
                let message = body
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .map(|m| truncate(m, 300));
                match (self.error_code(), message) {
                    (Some(code), Some(m)) => format!("{status} {code}: {m}"),
                    (Some(code), None) => format!("{status} {code}"),
                    _ => status.to_string(),
                }
            }
            Answer::Transport(e) => format!("no answer: {e}"),
        };
        match &self.correlation_id {
            Some(id) => format!(
                "{} {} → {outcome} (correlation id {id})",
                self.method, self.url,
            ),
            None => format!("{} {} → {outcome}", self.method, self.url),
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Sends one call and keeps whatever happened.
pub fn fetch(
    client: &ArmClient,
    method: Method,
    path: &ArmPath,
    api_version: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Fetched {
    Fetched::from_sent(
        method,
        path,
        client.send(method, path, api_version, query, body),
    )
}

impl Fetched {
    /// What one sent call came to: the answer, or why there was none (never the token).
    pub fn from_sent(
        method: Method,
        path: &ArmPath,
        sent: Result<crate::arm::ArmResponse, crate::arm::ArmError>,
    ) -> Fetched {
        match sent {
            Ok(r) => Fetched {
                method: method.as_str(),
                url: r.url,
                correlation_id: r.correlation_id,
                answer: Answer::Http {
                    status: r.status,
                    body: r.body,
                },
            },
            Err(e) => Fetched {
                method: method.as_str(),
                url: path.as_str().to_string(),
                correlation_id: None,
                answer: Answer::Transport(e.to_string()),
            },
        }
    }
}

/// The target of the request, when Azure checks should run at all.
#[derive(Debug, Clone)]
pub struct AzureTarget {
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
    pub resource_type: Option<String>,
}

impl AzureTarget {
    pub fn from(ctx: &Context) -> Option<AzureTarget> {
        AzureTarget::of(&ctx.request)
    }

    pub fn of(request: &crate::model::Request) -> Option<AzureTarget> {
        if request.offline {
            return None;
        }
        let t = request.target.as_ref()?;
        Some(AzureTarget {
            subscription: t.subscription.clone().unwrap_or_default(),
            resource_group: t.resource_group.clone()?,
            name: t.name.clone()?,
            resource_type: t.resource_type.clone(),
        })
    }
}

/// Azure checks run only with a target and not `--offline`.
pub fn applies(ctx: &Context) -> Applicability {
    if AzureTarget::from(ctx).is_some() {
        Applicability::Run
    } else {
        Applicability::NotListed
    }
}

/// The shared ARM client, or why there is none.
pub type ClientFact = Result<Arc<ArmClient>, String>;

pub const CLIENT: &str = "azure.fact.client";

pub struct ClientNode;

impl Check for ClientNode {
    fn id(&self) -> &'static str {
        CLIENT
    }
    fn title(&self) -> &'static str {
        "ARM client"
    }
    fn diagnoses(&self) -> &'static [crate::model::DiagnosisId] {
        &[]
    }
    fn hidden(&self) -> bool {
        true
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        applies(ctx)
    }
    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        // This node starts with the run; its calls end before the run's deadline, so a
        // call that hangs comes back as a timeout naming its URL and the checks judging
        // it still report, instead of all being "not run".
        let deadline = ctx.request.deadline_ms.map_or(
            crate::model::policy::DEFAULT_DEADLINE,
            Duration::from_millis,
        );
        let give_up = Instant::now().checked_add(deadline.saturating_sub(answer_reserve(deadline)));
        let client = client_for(&ctx.request).map(|c| {
            let c = c.with_cancel(&ctx.cancel);
            Arc::new(match give_up {
                Some(at) => c.give_up_at(at),
                None => c,
            })
        });
        Ok(Outcome::pass("").with_output(client))
    }
}

/// How long before the run's deadline the ARM calls of a diagnosis give up: the time
/// the checks need to judge what came back (a tenth of the deadline, 200 ms ..= 1 s).
pub fn answer_reserve(deadline: Duration) -> Duration {
    (deadline / 10).clamp(Duration::from_millis(200), Duration::from_secs(1))
}

pub fn client_for(request: &crate::model::Request) -> ClientFact {
    client_with(request, REQUEST_TIMEOUT, MAX_RETRIES)
}

/// A client with its own bounds, for a caller that others wait on.
pub fn client_with(
    request: &crate::model::Request,
    request_timeout: Duration,
    max_retries: u32,
) -> ClientFact {
    let azure = request.azure.clone().unwrap_or_default();
    let Some(token) = azure.access_token.filter(|t| !t.trim().is_empty()) else {
        return Err("no Azure access token was given".into());
    };
    let settings = ArmSettings {
        endpoint: azure
            .arm_endpoint
            .unwrap_or_else(|| "https://management.azure.com".into()),
        token: Some(token),
        ca_bundle: azure.ca_bundle,
        proxy: azure.proxy,
        client: request.client,
        request_timeout,
        max_retries,
    };
    ArmClient::new(settings)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// Reads a hidden node's output, or says why it is not there.
pub fn need<'a, T: std::any::Any + Send + Sync>(
    deps: &'a Deps,
    id: &str,
) -> Result<&'a T, CheckError> {
    deps.get::<T>(id)
        .ok_or_else(|| CheckError(format!("the Azure data '{id}' did not arrive in time")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_give_up_a_little_before_the_deadline() {
        let ms = Duration::from_millis;
        assert_eq!(answer_reserve(ms(4000)), ms(400));
        assert_eq!(answer_reserve(ms(500)), ms(200));
        assert_eq!(answer_reserve(ms(30_000)), ms(1000));
        assert_eq!(ms(100).saturating_sub(answer_reserve(ms(100))), ms(0));
    }
}
