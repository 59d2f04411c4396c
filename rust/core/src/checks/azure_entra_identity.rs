//! `azure.entra-identity`: Microsoft Entra login needs an SSH certificate issued to the
//! signed-in principal, and only a user can get one. A managed identity (including
//! what a VM or an Automation account signs in as) cannot; a service principal cannot
//! in Azure PowerShell before Az.Ssh 0.3.1; Cloud Shell's own sign-in cannot until the
//! user signs in for the certificate's scope.
//!
//! The probe reads the kind of principal from the access token's claims (never its
//! signature, never printed) and whether this is Cloud Shell; [`judge`] decides.

use crate::arm::token::{self, Identity};
use crate::checks::azure_machine::target_vars;
use crate::checks::azure_sign_in;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::{Client, Status};

pub const ID: &str = "azure.entra-identity";
const DIAGNOSIS: DiagnosisId = DiagnosisId::EntraCertificateUnavailable;

pub struct EntraIdentity;

/// What the probe saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub identity: Identity,
    pub client: Client,
    pub local_user: bool,
    pub cloud_shell: bool,
}

impl Check for EntraIdentity {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Identity for Microsoft Entra login"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DIAGNOSIS]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_sign_in::ID]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        crate::azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, _deps: &Deps) -> Result<Outcome, CheckError> {
        let raw = ctx
            .request
            .azure
            .as_ref()
            .and_then(|a| a.access_token.as_deref())
            .unwrap_or_default();
        let identity = match token::claims(raw) {
            Ok(c) => c.identity,
            // The sign-in check already reports an unreadable token; say only why
            // this one cannot tell (the error never holds the token).
            Err(e) => {
                return Ok(Outcome::skip(format!(
                    "The kind of principal is not known: {e}."
                )));
            }
        };
        let seen = Seen {
            identity,
            client: ctx.request.client,
            local_user: ctx.request.local_user.is_some(),
            cloud_shell: in_cloud_shell(&|k| ctx.env.var(k)),
        };
        Ok(judge(seen, &target_vars(ctx)))
    }
}

/// Cloud Shell sets `ACC_CLOUD` (and Azure PowerShell's `AZUREPS_HOST_ENVIRONMENT`
/// `cloud-shell/…`) in every session.
pub fn in_cloud_shell(var: &dyn Fn(&str) -> Option<String>) -> bool {
    var("ACC_CLOUD").is_some_and(|v| !v.trim().is_empty())
        || var("AZUREPS_HOST_ENVIRONMENT")
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("cloud-shell"))
}

/// The rule: who may get the certificate, and what a local user changes.
pub fn judge(seen: Seen, vars: &crate::catalogue::Vars) -> Outcome {
    let who = seen.identity.describe();
    if seen.local_user {
        return Outcome::pass(format!(
            "Signed in as {who}; logging in as a local user needs no Microsoft Entra certificate."
        ))
        .evidence("principal", who);
    }
    let problem = |status, why: String| {
        Outcome::problem(status, DIAGNOSIS, why, vars).evidence("principal", who)
    };
    match seen.identity {
        Identity::ManagedIdentity => problem(
            Status::Fail,
            "Signed in as a managed identity, which cannot get the Microsoft Entra SSH certificate; Entra login will fail before ssh starts.".into(),
        ),
        Identity::ServicePrincipal if seen.client == Client::Powershell => problem(
            Status::Warn,
            "Signed in as a service principal: Az.Ssh before 0.3.1 cannot get it a Microsoft Entra SSH certificate.".into(),
        ),
        _ if seen.cloud_shell => problem(
            Status::Warn,
            format!("This is Cloud Shell: its own sign-in ({who}) cannot get the Microsoft Entra SSH certificate until you sign in for its scope."),
        ),
        Identity::Unknown => Outcome::pass(
            "The token does not say which kind of principal signed in; Microsoft Entra login is not judged from it.",
        ),
        _ => Outcome::pass(format!(
            "Signed in as {who}, which can get the Microsoft Entra SSH certificate."
        ))
        .evidence("principal", who),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Vars;

    fn seen(identity: Identity, client: Client) -> Seen {
        Seen {
            identity,
            client,
            local_user: false,
            cloud_shell: false,
        }
    }

    #[test]
    fn only_a_user_gets_the_certificate_and_a_local_user_needs_none() {
        let vars = Vars::new();
        let fail = judge(seen(Identity::ManagedIdentity, Client::AzureCli), &vars);
        assert_eq!(fail.status, Status::Fail);
        assert_eq!(fail.diagnosis, Some(DIAGNOSIS));
        let ps = judge(seen(Identity::ServicePrincipal, Client::Powershell), &vars);
        assert_eq!(ps.status, Status::Warn);
        let az = judge(seen(Identity::ServicePrincipal, Client::AzureCli), &vars);
        assert_eq!(az.status, Status::Pass, "{}", az.summary);
        let user = judge(seen(Identity::User, Client::AzureCli), &vars);
        assert_eq!(user.status, Status::Pass);
        let local = Seen {
            local_user: true,
            ..seen(Identity::ManagedIdentity, Client::AzureCli)
        };
        assert_eq!(judge(local, &vars).status, Status::Pass);
        let shell = Seen {
            cloud_shell: true,
            ..seen(Identity::User, Client::AzureCli)
        };
        assert_eq!(judge(shell, &vars).status, Status::Warn);
    }

    #[test]
    fn cloud_shell_is_known_by_its_session_variables() {
        assert!(in_cloud_shell(
            &|k| (k == "ACC_CLOUD").then(|| "PROD".into())
        ));
        assert!(in_cloud_shell(&|k| {
            (k == "AZUREPS_HOST_ENVIRONMENT").then(|| "cloud-shell/1.0".into())
        }));
        assert!(!in_cloud_shell(&|_| None));
    }
}
