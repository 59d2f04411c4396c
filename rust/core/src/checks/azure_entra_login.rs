//! `azure.entra-login`: Microsoft Entra login (no `--local-user`) needs a Linux machine
//! with the AADSSHLoginForLinux extension; Windows machines need a local user.

use serde_json::Value;

use crate::azure::facts::{EXTENSIONS, MACHINE};
use crate::azure::{self, Fetched, need};
use crate::checks::azure_machine::{self, target_vars};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;

pub const ID: &str = "azure.entra-login";

pub struct EntraLogin;

impl Check for EntraLogin {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Microsoft Entra login"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::EntraLoginExtensionMissing,
            DiagnosisId::LocalUserRequired,
        ]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_machine::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[MACHINE, EXTENSIONS]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        if let Some(user) = &ctx.request.local_user {
            return Ok(Outcome::pass(format!(
                "Logging in as local user {user}; Microsoft Entra login is not used."
            )));
        }
        let vars = target_vars(ctx);
        let name = vars.get("machine").cloned().unwrap_or_default();
        let Some(machine) = need::<Option<Fetched>>(deps, MACHINE)?
            .as_ref()
            .and_then(|m| m.ok_body())
        else {
            return Ok(Outcome::skip("The machine's OS is not known here."));
        };
        let os = machine
            .pointer("/properties/osType")
            .and_then(Value::as_str)
            .unwrap_or("");
        if os.eq_ignore_ascii_case("windows") {
            return Ok(Outcome::problem(
                Status::Fail,
                DiagnosisId::LocalUserRequired,
                format!(
                    "{name} runs Windows: SSH login with Microsoft Entra ID is not supported there; pass --local-user."
                ),
                &vars,
            ));
        }
        let Some(extensions) = need::<Option<Fetched>>(deps, EXTENSIONS)? else {
            return Ok(Outcome::skip("No extension list for this resource type."));
        };
        let Some(body) = extensions.ok_body() else {
            return Ok(unread(extensions));
        };
        let installed = extension_types(body);
        if installed
            .iter()
            .any(|t| t.eq_ignore_ascii_case("AADSSHLoginForLinux"))
        {
            return Ok(Outcome::pass(format!(
                "{name} has the AADSSHLoginForLinux extension."
            )));
        }
        Ok(Outcome::problem(
            Status::Fail,
            DiagnosisId::EntraLoginExtensionMissing,
            format!("{name} has no AADSSHLoginForLinux extension, so Microsoft Entra login will be refused (Permission denied (publickey))."),
            &vars,
        )
        .evidence("extensions", if installed.is_empty() { "none".into() } else { installed.join(", ") })
        .evidence("ARM", extensions.evidence()))
    }
}

/// The `properties.type` of every extension in an extension-list answer.
pub fn extension_types(body: &Value) -> Vec<String> {
    body.get("value")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.pointer("/properties/type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

/// The extension list could not be read: not being allowed to read it (403) leaves the
/// check unanswered (skip); anything else (throttled, 5xx, no answer) is an `error`, so
/// the report says it is incomplete rather than healthy.
fn unread(extensions: &Fetched) -> Outcome {
    let outcome = match extensions.status() {
        Some(403) => Outcome::skip(
            "You may not list the machine's extensions (403); Microsoft Entra login is not checked.",
        ),
        _ => Outcome::new(
            Status::Error,
            format!(
                "Could not list the machine's extensions: {}",
                extensions.evidence()
            ),
        ),
    };
    outcome.evidence("ARM", extensions.evidence())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::Answer;
    use crate::checks::Check;
    use crate::model::{Request, Target};
    use serde_json::json;
    use std::sync::Arc;

    fn fetched(answer: Answer) -> Option<Fetched> {
        Some(Fetched {
            method: "GET",
            url: "https://management.azure.com/x".into(),
            answer,
            correlation_id: None,
        })
    }

    fn judge(extensions: Answer) -> Outcome {
        let ctx = Context {
            request: Request {
                target: Some(Target {
                    resource_group: Some("rg".into()),
                    name: Some("web01".into()),
                    ..Target::default()
                }),
                ..Request::default()
            },
            env: crate::env::HostEnv::from_process().unwrap(),
            cancel: crate::cancel::Cancel::new(),
        };
        let machine = json!({"properties": {"osType": "linux"}});
        let mut deps = Deps::default();
        deps.outputs.insert(
            MACHINE,
            Arc::new(fetched(Answer::Http {
                status: 200,
                body: machine,
            })),
        );
        deps.outputs
            .insert(EXTENSIONS, Arc::new(fetched(extensions)));
        EntraLogin.run(&ctx, &deps).unwrap()
    }

    #[test]
    fn an_unread_extension_list_is_an_error_unless_forbidden() {
        let listed = judge(Answer::Http {
            status: 200,
            body: json!({"value": [{"properties": {"type": "AADSSHLoginForLinux"}}]}),
        });
        assert_eq!(listed.status, Status::Pass, "{}", listed.summary);
        for failed in [
            Answer::Http {
                status: 503,
                body: json!({"error": {"code": "ServiceUnavailable"}}),
            },
            Answer::Http {
                status: 429,
                body: json!({"error": {"code": "TooManyRequests"}}),
            },
            Answer::Transport("connection reset".into()),
        ] {
            let o = judge(failed.clone());
            assert_eq!(o.status, Status::Error, "{failed:?}: {}", o.summary);
            assert!(o.evidence.contains_key("ARM"));
        }
        let forbidden = judge(Answer::Http {
            status: 403,
            body: json!({"error": {"code": "AuthorizationFailed"}}),
        });
        assert_eq!(forbidden.status, Status::Skip, "{}", forbidden.summary);
    }
}
