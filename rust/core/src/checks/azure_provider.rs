//! `azure.resource-provider`: Microsoft.HybridConnectivity is registered in the
//! subscription.

use crate::azure::facts::PROVIDER;
use crate::azure::{self, Fetched, need};
use crate::catalogue::Vars;
use crate::checks::{
    Applicability, Check, CheckError, Context, Deps, FixAction, Outcome, azure_sign_in,
};
use crate::model::DiagnosisId;
use crate::model::{FixImpact, Status};

pub const ID: &str = "azure.resource-provider";

pub struct ResourceProvider;

impl Check for ResourceProvider {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Microsoft.HybridConnectivity provider"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[DiagnosisId::ProviderNotRegistered]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_sign_in::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[PROVIDER]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let Some(fetched) = need::<Option<Fetched>>(deps, PROVIDER)? else {
            return Ok(Outcome::skip("No subscription to look in."));
        };
        let subscription = ctx
            .request
            .target
            .as_ref()
            .and_then(|t| t.subscription.clone())
            .unwrap_or_default();
        let Some(body) = fetched.ok_body() else {
            return Ok(match fetched.status() {
                Some(403) => Outcome::skip(
                    "You may not read the subscription's resource providers (403); not checked.",
                ),
                Some(404) if fetched.error_code() == Some("SubscriptionNotFound") => Outcome::new(
                    Status::Error,
                    format!("Subscription {subscription} was not found."),
                ),
                _ => Outcome::new(
                    Status::Error,
                    format!("Could not read the provider: {}", fetched.evidence()),
                ),
            }
            .evidence("ARM", fetched.evidence()));
        };
        let state = body
            .get("registrationState")
            .and_then(|v| v.as_str())
            .unwrap_or("unknown");
        if state.eq_ignore_ascii_case("Registered") {
            return Ok(Outcome::pass("Microsoft.HybridConnectivity is registered.")
                .evidence("registrationState", state));
        }
        let mut vars = Vars::new();
        vars.insert("subscription".into(), subscription.clone());
        let mut outcome = Outcome::problem(
            Status::Fail,
            DiagnosisId::ProviderNotRegistered,
            format!("Microsoft.HybridConnectivity is {state} in subscription {subscription}, not Registered."),
            &vars,
        )
        .evidence("registrationState", state)
        .evidence("ARM", fetched.evidence());
        outcome = outcome.with_fix(
            format!("{ID}:register"),
            format!("Register Microsoft.HybridConnectivity in subscription {subscription} and wait until it is Registered."),
            FixAction::RegisterProvider { subscription },
        );
        if let Some(fix) = outcome.fix.as_mut() {
            fix.offer.impact = FixImpact::AzureResource;
        }
        Ok(outcome)
    }
}
