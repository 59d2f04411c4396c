//! `azure.sign-in`: a token is there, not expired, and ARM accepts it; who it belongs to
//! (read from its claims, unverified).

use crate::arm::token::{self, TokenClaims};
use crate::azure::facts::PROVIDER;
use crate::azure::{self, CLIENT, ClientFact, Fetched, need};
use crate::catalogue::Vars;
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::Status;
use crate::model::{DiagnosisId, Evidence};

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
        if let Err(why) = need::<ClientFact>(deps, CLIENT)? {
            return Ok(no_client(why));
        }
        let raw = ctx
            .request
            .azure
            .as_ref()
            .and_then(|a| a.access_token.clone())
            .unwrap_or_default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (who, evidence) = match judge_token(token::claims(&raw).ok().as_ref(), now) {
            Ok(live) => live,
            Err(expired) => return Ok(*expired),
        };
        let provider = need::<Option<Fetched>>(deps, PROVIDER)?;
        let mut outcome = judge_arm_answer(&who, provider.as_ref());
        outcome.evidence.extend(evidence);
        Ok(outcome)
    }
}

/// No ARM client: without a token that is a missing sign-in; otherwise ARM cannot be
/// talked to at all.
fn no_client(why: &str) -> Outcome {
    if why.contains("token") {
        Outcome::problem(
            Status::Fail,
            DiagnosisId::NotSignedIn,
            format!("Azure checks need a sign-in: {why}."),
            &Vars::new(),
        )
    } else {
        Outcome::new(
            Status::Error,
            format!("Cannot talk to Azure Resource Manager: {why}."),
        )
    }
}

/// Who the token (its claims unverified) belongs to and what else they show; the
/// outcome instead when it has expired by `now` (Unix seconds).
fn judge_token(claims: Option<&TokenClaims>, now: u64) -> Result<(String, Evidence), Box<Outcome>> {
    let who = claims
        .and_then(|c| c.user.clone())
        .unwrap_or_else(|| "an unknown identity".into());
    let mut evidence = Evidence::new();
    if let Some(c) = claims {
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
                &Vars::new(),
            );
            o.evidence.extend(evidence);
            return Err(Box::new(o));
        }
    }
    Ok((who, evidence))
}

/// What ARM's answer with the token says about the sign-in.
fn judge_arm_answer(who: &str, provider: Option<&Fetched>) -> Outcome {
    match provider {
        Some(f) if f.status() == Some(401) => {
            let mut o = Outcome::problem(
                Status::Fail,
                DiagnosisId::NotSignedIn,
                format!(
                    "Azure Resource Manager rejected the token of {who} ({}).",
                    f.error_code().unwrap_or("401")
                ),
                &Vars::new(),
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(user: &str, expires: u64) -> Option<TokenClaims> {
        Some(TokenClaims {
            user: Some(user.into()),
            tenant: Some("t-1".into()),
            expires: Some(expires),
            ..TokenClaims::default()
        })
    }

    #[test]
    fn an_expired_token_fails() {
        let expired = judge_token(claims("ada@example.com", 1_000).as_ref(), 2_000).unwrap_err();
        assert_eq!(expired.status, Status::Fail);
        assert_eq!(expired.diagnosis, Some(DiagnosisId::NotSignedIn));
        assert_eq!(
            expired.summary,
            "The access token of ada@example.com has expired."
        );
        assert_eq!(
            expired.evidence.get("tenant").map(String::as_str),
            Some("t-1")
        );
    }

    #[test]
    fn a_live_token_without_an_arm_answer_passes_naming_who() {
        let (who, evidence) = judge_token(claims("ada@example.com", 10_000).as_ref(), 2_000)
            .ok()
            .expect("a live token");
        assert_eq!(who, "ada@example.com");
        assert_eq!(
            evidence.get("signed in as").map(String::as_str),
            Some("ada@example.com")
        );
        let o = judge_arm_answer(&who, None);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "Signed in as ada@example.com.");
        assert_eq!(
            no_client("no access token").diagnosis,
            Some(DiagnosisId::NotSignedIn)
        );
        assert_eq!(no_client("bad endpoint").status, Status::Error);
    }
}
