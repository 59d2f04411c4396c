//! `azure.relay-credentials` (only with `--probe-credentials`): asks for relay
//! credentials for real, as the client does before connecting, to prove authorization
//! end to end. The relay access key in the answer is never shown or kept.

use serde_json::{Value, json};

use crate::arm::Method;
use crate::azure::facts::{CONNECTIVITY_API, RESOURCE, Resource};
use crate::azure::{self, CLIENT, ClientFact, Fetched, fetch, need};
use crate::catalogue::Vars;
use crate::checks::azure_machine::{self, read_failure, target_vars};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;

pub const ID: &str = "azure.relay-credentials";
/// The shortest lifetime ARM accepts: the probe's credentials should die soon.
const EXPIRES_IN: &str = "600";

pub struct RelayCredentials;

/// The relay information as both clients hand it to the proxy: `{"relay": {...}}` as
/// JSON, base64 (`SSHPROXY_RELAY_INFO`). It holds the relay key and the service
/// configuration token, so it has no `Debug` that shows them and is never serialised.
pub struct RelayInfo {
    pub(crate) encoded: String,
    /// The secret values inside, to scrub from anything the proxy prints.
    pub(crate) secrets: Vec<String>,
    /// `<namespace>.servicebus.windows.net`: safe to show.
    pub namespace: String,
    /// How long ARM took to issue them.
    pub issued_in: std::time::Duration,
}

impl RelayInfo {
    fn encode(relay: &Value) -> String {
        crate::probe::tls::base64(json!({ "relay": relay }).to_string().as_bytes())
    }

    /// `text` with every secret of these credentials replaced by `<secret>`.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_string(), |t, s| t.replace(s.as_str(), "<secret>"))
    }
}

impl std::fmt::Debug for RelayInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayInfo")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Check for RelayCredentials {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Relay credentials (probe)"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::ConnectPermissionMissing,
            DiagnosisId::SshTrafficNotAllowed,
            DiagnosisId::ProviderNotRegistered,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_machine::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[CLIENT, RESOURCE]
    }
    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(40)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        match azure::applies(ctx) {
            Applicability::Run if ctx.request.probe_credentials || ctx.request.probe => {
                Applicability::Run
            }
            _ => Applicability::NotListed,
        }
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let vars = target_vars(ctx);
        let Ok(client) = need::<ClientFact>(deps, CLIENT)? else {
            return Ok(Outcome::skip("No ARM client."));
        };
        let Some((_, uri)) = need::<Resource>(deps, RESOURCE)?.found() else {
            return Ok(Outcome::skip("No machine to ask for."));
        };
        let path = uri
            .clone()
            .lit("providers")
            .lit("Microsoft.HybridConnectivity")
            .lit("endpoints")
            .lit("default")
            .lit("listCredentials");
        let asked = std::time::Instant::now();
        let answer = fetch(
            client,
            Method::Post,
            &path,
            CONNECTIVITY_API,
            &[("expiresin", EXPIRES_IN)],
            Some(&json!({"serviceName": "SSH"})),
        );
        let issued_in = asked.elapsed();
        // Only the live probe needs them, and only in memory for this run.
        let keep_for_probe = ctx.request.probe;
        Ok(judge(&answer, issued_in, keep_for_probe, &vars))
    }
}

fn judge(
    answer: &Fetched,
    issued_in: std::time::Duration,
    keep_for_probe: bool,
    vars: &Vars,
) -> Outcome {
    let name = vars.get("machine").cloned().unwrap_or_default();
    let Some(body) = answer.ok_body() else {
        return refused(answer, vars, &name);
    };
    // Only names and the expiry: never the access key or the service token.
    let relay = body.get("relay").unwrap_or(&Value::Null);
    let field = |k: &str| {
        relay
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let expires = relay
        .get("expiresOn")
        .and_then(Value::as_i64)
        .map_or("?".into(), |e| e.to_string());
    let namespace = format!(
        "{}.{}",
        field("namespaceName"),
        field("namespaceNameSuffix")
    );
    let outcome = Outcome::pass(format!("Azure issued relay credentials for {name} (they expire at unix time {expires}; the key is not kept)."))
        .evidence("relay namespace", namespace.clone())
        .evidence("hybrid connection", field("hybridConnectionName"));
    if !keep_for_probe {
        return outcome;
    }
    outcome.with_output(RelayInfo {
        encoded: RelayInfo::encode(relay),
        secrets: ["accessKey", "serviceConfigurationToken"]
            .iter()
            .filter_map(|k| relay.get(*k).and_then(Value::as_str))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect(),
        namespace,
        issued_in,
    })
}

/// ARM issued no credentials: why, as far as its answer tells.
fn refused(answer: &Fetched, vars: &Vars, name: &str) -> Outcome {
    match (answer.status(), answer.error_code()) {
        (Some(404 | 412), _) => Outcome::problem(
            Status::Fail,
            DiagnosisId::SshTrafficNotAllowed,
            format!("Azure has no SSH endpoint configuration to issue credentials for on {name}."),
            vars,
        )
        .evidence("ARM", answer.evidence()),
        (_, Some("NoRegisteredProviderFound" | "MissingSubscriptionRegistration")) => Outcome::problem(
            Status::Fail,
            DiagnosisId::ProviderNotRegistered,
            "Request for Azure Relay Information failed: Microsoft.HybridConnectivity is not registered.".to_string(),
            vars,
        )
        .evidence("ARM", answer.evidence()),
        _ => read_failure(answer, vars, &format!("get relay credentials for {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::Answer;

    fn answered(status: u16, body: Value) -> Fetched {
        Fetched {
            method: "POST",
            url: "https://management.azure.com/.../listCredentials".into(),
            answer: Answer::Http { status, body },
            correlation_id: None,
        }
    }

    fn machine_vars() -> Vars {
        let mut vars = Vars::new();
        vars.insert("machine".into(), "web01".into());
        vars
    }

    #[test]
    fn issued_credentials_pass_and_keep_the_secrets_only_for_the_probe() {
        let answer = answered(
            200,
            json!({"relay": {
                "namespaceName": "azgnrelay-eastus-l1",
                "namespaceNameSuffix": "servicebus.windows.net",
                "hybridConnectionName": "hc-1",
                "accessKey": "k3y",
                "expiresOn": 1700000000
            }}),
        );
        let kept = judge(&answer, Default::default(), true, &machine_vars());
        assert_eq!(kept.status, Status::Pass);
        assert_eq!(
            kept.summary,
            "Azure issued relay credentials for web01 (they expire at unix time 1700000000; the key is not kept)."
        );
        let info = kept
            .output
            .as_ref()
            .and_then(|o| o.downcast_ref::<RelayInfo>());
        let info = info.expect("relay info for the probe");
        assert_eq!(info.namespace, "azgnrelay-eastus-l1.servicebus.windows.net");
        assert_eq!(info.scrub("key=k3y"), "key=<secret>");
        assert!(
            judge(&answer, Default::default(), false, &machine_vars())
                .output
                .is_none()
        );
    }

    #[test]
    fn no_endpoint_configuration_means_ssh_traffic_is_not_allowed() {
        let o = judge(
            &answered(404, Value::Null),
            Default::default(),
            true,
            &machine_vars(),
        );
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.diagnosis, Some(DiagnosisId::SshTrafficNotAllowed));
        assert_eq!(
            o.summary,
            "Azure has no SSH endpoint configuration to issue credentials for on web01."
        );
    }
}
