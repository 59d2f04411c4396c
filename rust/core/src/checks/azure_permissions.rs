//! `azure.permissions`: the caller's effective permissions on the machine, against what
//! connecting needs and, when the endpoint or configuration must be created or
//! changed, what that needs.

use crate::arm::permissions::actions::{
    CONFIG_WRITE, ENDPOINT_WRITE, LIST_CREDENTIALS, LOGIN, LOGIN_AS_ADMIN,
};
use crate::arm::permissions::{Permissions, roles_granting};
use crate::arm::token;
use crate::azure::facts::{ENDPOINT, PERMISSIONS, RESOURCE, Resource, SERVICE_CONFIG};
use crate::azure::{self, Fetched, need};
use crate::checks::azure_machine::{self, read_failure, target_vars};
use crate::checks::azure_service_config::{Needed, needed};
use crate::checks::{Applicability, Check, CheckError, Context, Deps, Outcome};
use crate::model::DiagnosisId;
use crate::model::Status;

pub const ID: &str = "azure.permissions";

pub struct AzurePermissions;

/// What the caller's permissions lack for SSH to one machine: the rule of this check and
/// of fleet mode alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shortfall {
    /// Nothing: the caller may connect, and enable SSH where it must be enabled first.
    None,
    /// Connecting needs these actions (data actions last); `role`, the smallest
    /// built-in role that grants them all, if one does.
    Connect {
        missing: Vec<String>,
        role: Option<&'static str>,
    },
    /// SSH must first be enabled, which needs these write actions; `role` grants them.
    Enable {
        missing: Vec<&'static str>,
        role: &'static str,
    },
}

/// Judges `perms` for a machine of `resource_type`: reading it and getting relay
/// credentials always, the login data action for Microsoft Entra login, and the write
/// actions when the endpoint or its configuration must be created or changed first.
pub fn shortfall(
    perms: &Permissions,
    resource_type: &str,
    entra_login: bool,
    must_enable: bool,
) -> Shortfall {
    // Microsoft.HybridCompute/machines/read for the usual case.
    let read = format!("{resource_type}/read");
    let missing: Vec<&str> = [read.as_str(), LIST_CREDENTIALS]
        .into_iter()
        .filter(|a| !perms.allows_action(a))
        .collect();
    let mut missing_data: Vec<&str> = Vec::new();
    if entra_login && !perms.allows_data_action(LOGIN) && !perms.allows_data_action(LOGIN_AS_ADMIN)
    {
        missing_data.push(LOGIN);
    }
    if !missing.is_empty() || !missing_data.is_empty() {
        let role = roles_granting(&missing, &missing_data)
            .first()
            .map(|r| r.name);
        let missing = missing.iter().chain(&missing_data).map(|a| a.to_string());
        return Shortfall::Connect {
            missing: missing.collect(),
            role,
        };
    }
    if must_enable {
        let missing: Vec<&'static str> = [ENDPOINT_WRITE, CONFIG_WRITE]
            .into_iter()
            .filter(|a| !perms.allows_action(a))
            .collect();
        if !missing.is_empty() {
            let role = roles_granting(&missing, &[])
                .first()
                .map_or("Contributor", |r| r.name);
            return Shortfall::Enable { missing, role };
        }
    }
    Shortfall::None
}

impl Shortfall {
    pub fn diagnosis(&self) -> Option<DiagnosisId> {
        match self {
            Shortfall::None => None,
            Shortfall::Connect { .. } => Some(DiagnosisId::ConnectPermissionMissing),
            Shortfall::Enable { .. } => Some(DiagnosisId::EndpointCreationForbidden),
        }
    }

    /// One sentence for machine `name`. `scope` says where the permissions were read
    /// ("in resource group rg") when that is not the machine itself.
    pub fn summary(&self, name: &str, port: &str, scope: Option<&str>) -> Option<String> {
        match self {
            Shortfall::None => None,
            Shortfall::Connect { missing, role } => Some(format!(
                "You lack {} {}; '{}' grants {}.",
                missing.join(", "),
                scope.map_or_else(|| format!("on {name}"), str::to_string),
                role.unwrap_or("a role that grants them"),
                if missing.len() == 1 { "it" } else { "them" }
            )),
            Shortfall::Enable { missing, role } => Some(format!(
                "SSH must first be enabled on {name} for port {port}, which needs {}; you lack it{} ('{role}' grants it).",
                missing.join(", "),
                scope.map(|s| format!(" {s}")).unwrap_or_default(),
            )),
        }
    }
}

impl Check for AzurePermissions {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Your permissions on the machine"
    }
    fn diagnoses(&self) -> &'static [DiagnosisId] {
        &[
            DiagnosisId::ConnectPermissionMissing,
            DiagnosisId::EndpointCreationForbidden,
        ]
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
        let entra = ctx.request.local_user.is_none();
        let port = vars.get("port").cloned().unwrap_or_else(|| "22".into());
        let scope = "deny assignments and conditions are not evaluated by this API";
        let mut verdict = shortfall(&perms, resource_type, entra, false);
        if verdict == Shortfall::None {
            // Only now do the endpoint reads matter: may the caller enable SSH first?
            let must_enable = match (
                need::<Option<Fetched>>(deps, ENDPOINT)?,
                need::<Option<Fetched>>(deps, SERVICE_CONFIG)?,
            ) {
                (Some(e), Some(c)) => {
                    !matches!(needed(e, c, &port), Needed::Nothing | Needed::Unknown)
                }
                _ => false,
            };
            verdict = shortfall(&perms, resource_type, entra, must_enable);
        }
        if let (Some(diagnosis), Some(summary)) =
            (verdict.diagnosis(), verdict.summary(&name, &port, None))
        {
            if let Shortfall::Connect {
                role: Some(role), ..
            } = &verdict
            {
                vars.insert("role".into(), role.to_string());
            }
            let mut o = Outcome::problem(Status::Fail, diagnosis, summary, &vars);
            if entra && matches!(verdict, Shortfall::Connect { .. }) {
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
