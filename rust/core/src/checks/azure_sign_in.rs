//! `azure.sign-in`: a token is there, not expired, and ARM accepts it; who it belongs to
//! (read from its claims, unverified).

use crate::arm::token;
use crate::azure::facts::PROVIDER;
use crate::azure::{self, CLIENT, ClientFact, Fetched, need};
use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;

pub const ID: &str = "azure.sign-in";

pub struct SignIn;

impl Check for SignIn {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Azure sign-in"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::NotSignedIn]
    }
    fn after(&self) -> &'static [&'static str] {
        &[CLIENT, PROVIDER]
    }
    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(60)
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let vars = Vars::new();
        if let Err(why) = need::<ClientFact>(deps, CLIENT)? {
            let status = if why.contains("token") {
                Status::Fail
            } else {
                Status::Error
            };
            return Ok(if status == Status::Fail {
                Outcome::problem(
                    Status::Fail,
                    DiagnosisId::NotSignedIn,
                    format!("Azure checks need a sign-in: {why}."),
                    &vars,
                )
            } else {
                Outcome::new(
                    Status::Error,
                    format!("Cannot talk to Azure Resource Manager: {why}."),
                )
            });
        }
        let raw = ctx
            .request
            .azure
            .as_ref()
            .and_then(|a| a.access_token.clone())
            .unwrap_or_default();
        let claims = token::claims(&raw).ok();
        let who = claims
            .as_ref()
            .and_then(|c| c.user.clone())
            .unwrap_or_else(|| "an unknown identity".into());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut evidence = crate::model::Evidence::new();
        if let Some(c) = &claims {
            evidence.insert("signed in as".into(), who.clone());
            if let Some(t) = &c.tenant {
                evidence.insert("tenant".into(), t.clone());
            }
            if let Some(exp) = c.expires {
                evidence.insert("token expires".into(), crate::arm::token::utc_text(exp));
            }
            if token::is_expired(c, now, 60) {
                let mut o = Outcome::problem(
                    Status::Fail,
                    DiagnosisId::NotSignedIn,
                    format!("The access token of {who} has expired."),
                    &vars,
                );
                o.evidence.extend(evidence);
                return Ok(o);
            }
        }
        let provider = need::<Option<Fetched>>(deps, PROVIDER)?;
        let outcome = match provider {
            Some(f) if f.status() == Some(401) => {
                let mut o = Outcome::problem(
                    Status::Fail,
                    DiagnosisId::NotSignedIn,
                    format!(
                        "Azure Resource Manager rejected the token of {who} ({}).",
                        f.error_code().unwrap_or("401")
                    ),
                    &vars,
                );
                o.evidence.insert("ARM".into(), f.evidence());
                o
            }
            Some(f) if f.status().is_none() => Outcome::new(
                Status::Error,
                format!("Azure Resource Manager did not answer: {}", f.evidence()),
            )
            .evidence("ARM", f.evidence()),
            Some(f) => Outcome::pass(format!(
                "Signed in as {who}; Azure Resource Manager accepts the token."
            ))
            .evidence("ARM", f.evidence()),
            None => Outcome::pass(format!("Signed in as {who}.")),
        };
        let mut outcome = outcome;
        outcome.evidence.extend(evidence);
        Ok(outcome)
    }
}
