//! `azure.permissions`: the caller's effective permissions on the machine, against what
//! connecting needs and, when the endpoint or configuration must be created or
//! changed, what that needs.

use crate::arm::permissions::{Permissions, roles_granting};
use crate::arm::token;
use crate::azure::facts::{ENDPOINT, PERMISSIONS, RESOURCE, Resource, SERVICE_CONFIG};
use crate::azure::{self, Fetched, need};
use crate::checks::azure_machine::{self, read_failure, target_vars};
use crate::checks::azure_service_config::{Needed, needed};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::Status;

pub const ID: &str = "azure.permissions";

const LIST_CREDENTIALS: &str = "Microsoft.HybridConnectivity/endpoints/listCredentials/action";
const LOGIN: &str = "Microsoft.HybridCompute/machines/login/action";
const LOGIN_AS_ADMIN: &str = "Microsoft.HybridCompute/machines/loginAsAdmin/action";
const ENDPOINT_WRITE: &str = "Microsoft.HybridConnectivity/endpoints/write";
const CONFIG_WRITE: &str = "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write";

pub struct AzurePermissions;

impl Check for AzurePermissions {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Your permissions on the machine"
    }
    fn diagnoses(&self) -> &'static [&'static str] {
        &["connect-permission-missing", "endpoint-creation-forbidden"]
    }
    fn requires(&self) -> &'static [&'static str] {
        &[azure_machine::ID]
    }
    fn after(&self) -> &'static [&'static str] {
        &[RESOURCE, PERMISSIONS, ENDPOINT, SERVICE_CONFIG]
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        azure::applies(ctx)
    }

    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let mut vars = target_vars(ctx);
        let raw = ctx
            .request
            .azure
            .as_ref()
            .and_then(|a| a.access_token.clone())
            .unwrap_or_default();
        if let Some(user) = token::claims(&raw).ok().and_then(|c| c.user) {
            vars.insert("user".into(), user);
        }
        let name = vars.get("machine").cloned().unwrap_or_default();
        let Some((resource_type, _)) = need::<Resource>(deps, RESOURCE)?.found() else {
            return Ok(Outcome::skip("No machine to look at."));
        };
        let Some(fetched) = need::<Option<Fetched>>(deps, PERMISSIONS)? else {
            return Ok(Outcome::skip("No machine to look at."));
        };
        let Some(body) = fetched.ok_body() else {
            return Ok(read_failure(
                fetched,
                &vars,
                &format!("read your permissions on {name}"),
            ));
        };
        let perms = Permissions::from_response(body).map_err(CheckError)?;
        // Microsoft.HybridCompute/machines/read for the usual case.
        let read = format!("{resource_type}/read");
        let entra = ctx.request.local_user.is_none();

        let mut missing: Vec<&str> = [read.as_str(), LIST_CREDENTIALS]
            .into_iter()
            .filter(|a| !perms.allows_action(a))
            .collect();
        let mut missing_data: Vec<&str> = Vec::new();
        if entra && !perms.allows_data_action(LOGIN) && !perms.allows_data_action(LOGIN_AS_ADMIN) {
            missing_data.push(LOGIN);
        }
        let scope = "deny assignments and conditions are not evaluated by this API";
        if !missing.is_empty() || !missing_data.is_empty() {
            let roles = roles_granting(&missing, &missing_data);
            let role = roles.first().map_or("a role that grants them", |r| r.name);
            vars.insert("role".into(), role.to_string());
            let all: Vec<&str> = missing.iter().chain(&missing_data).copied().collect();
            let mut o = Outcome::problem(
                Status::Fail,
                "connect-permission-missing",
                format!(
                    "You lack {} on {name}; '{role}' grants {}.",
                    all.join(", "),
                    if all.len() == 1 { "it" } else { "them" }
                ),
                &vars,
            );
            if entra {
                o.evidence.insert(
                    "login".into(),
                    "Microsoft Entra login (no --local-user): the login data action is needed too"
                        .into(),
                );
            }
            return Ok(o
                .evidence("ARM", fetched.evidence())
                .evidence("not evaluated", scope));
        }

        let (endpoint, config) = (
            need::<Option<Fetched>>(deps, ENDPOINT)?,
            need::<Option<Fetched>>(deps, SERVICE_CONFIG)?,
        );
        let port = vars.get("port").cloned().unwrap_or_else(|| "22".into());
        let must_change = match (endpoint, config) {
            (Some(e), Some(c)) => !matches!(needed(e, c, &port), Needed::Nothing | Needed::Unknown),
            _ => false,
        };
        if must_change {
            missing = [ENDPOINT_WRITE, CONFIG_WRITE]
                .into_iter()
                .filter(|a| !perms.allows_action(a))
                .collect();
            if !missing.is_empty() {
                let role = roles_granting(&missing, &[])
                    .first()
                    .map_or("Contributor", |r| r.name);
                return Ok(Outcome::problem(
                    Status::Fail,
                    "endpoint-creation-forbidden",
                    format!(
                        "SSH must first be enabled on {name} for port {port}, which needs {}; you lack it ('{role}' grants it).",
                        missing.join(", ")
                    ),
                    &vars,
                )
                .evidence("ARM", fetched.evidence())
                .evidence("not evaluated", scope));
            }
        }
        let what = if entra {
            "read it, get relay credentials and log in with Microsoft Entra ID"
        } else {
            "read it and get relay credentials"
        };
        Ok(Outcome::pass(format!("You may {what} on {name}."))
            .evidence("ARM", fetched.evidence())
            .evidence("not evaluated", scope))
    }
}
