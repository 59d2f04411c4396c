//! The hidden nodes that read ARM. Resource discovery runs first (unless the request
//! names the type); every other read is independent of the rest and goes out at once.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{ARC_TYPES, AzureTarget, CLIENT, ClientFact, Fetched, HYBRID_COMPUTE, fetch, need};
use crate::arm::{ArmClient, ArmPath, Method, machine_path};
use crate::check::{Applicability, Check, CheckError, Context, Deps, Outcome};

pub const RESOURCE: &str = "azure.fact.resource";
pub const MACHINE: &str = "azure.fact.machine";
pub const PROVIDER: &str = "azure.fact.provider";
pub const ENDPOINT: &str = "azure.fact.endpoint";
pub const SERVICE_CONFIG: &str = "azure.fact.service-config";
pub const PERMISSIONS: &str = "azure.fact.permissions";
pub const EXTENSIONS: &str = "azure.fact.extensions";

const RESOURCES_API: &str = "2021-04-01";
pub const CONNECTIVITY_API: &str = "2023-03-15";
pub const PROVIDERS_API: &str = "2021-04-01";

/// Which Arc resource the name refers to.
#[derive(Debug, Clone)]
pub enum Resource {
    Found {
        resource_type: String,
        uri: ArmPath,
        listed: Option<Fetched>,
    },
    NotFound {
        listed: Fetched,
    },
    Ambiguous {
        types: Vec<String>,
        listed: Fetched,
    },
    Failed(Fetched),
    Invalid(String),
}

impl Resource {
    pub fn found(&self) -> Option<(&str, &ArmPath)> {
        match self {
            Resource::Found {
                resource_type, uri, ..
            } => Some((resource_type, uri)),
            _ => None,
        }
    }
}

fn hidden_timeout() -> Duration {
    super::REQUEST_TIMEOUT * (super::MAX_RETRIES + 1) + Duration::from_secs(1)
}

pub struct ResourceNode;

impl Check for ResourceNode {
    fn id(&self) -> &'static str {
        RESOURCE
    }
    fn title(&self) -> &'static str {
        "Resource lookup"
    }
    fn diagnoses(&self) -> &'static [crate::model::DiagnosisId] {
        &[]
    }
    fn after(&self) -> &'static [&'static str] {
        &[CLIENT]
    }
    fn hidden(&self) -> bool {
        true
    }
    fn timeout(&self) -> Duration {
        hidden_timeout()
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        super::applies(ctx)
    }
    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let target = AzureTarget::from(ctx).ok_or_else(|| CheckError("no target".into()))?;
        let resource = match need::<ClientFact>(deps, CLIENT)? {
            Ok(client) => resolve(client, &target),
            Err(e) => Resource::Invalid(e.clone()),
        };
        Ok(Outcome::pass("").with_output(resource))
    }
}

/// The resource type the user named, in ARM's spelling (legacy namespace-only names too).
pub fn normalise_type(given: &str) -> Option<&'static str> {
    let g = given.trim().to_ascii_lowercase();
    ARC_TYPES.iter().copied().find(|t| {
        t.to_ascii_lowercase() == g
            || t.split('/')
                .next()
                .is_some_and(|ns| ns.to_ascii_lowercase() == g)
    })
}

pub fn resolve(client: &ArmClient, target: &AzureTarget) -> Resource {
    if target.subscription.is_empty() {
        return Resource::Invalid(
            "no subscription: pass --subscription or set one with az account set".into(),
        );
    }
    if let Some(given) = &target.resource_type {
        let Some(t) = normalise_type(given) else {
            return Resource::Invalid(format!(
                "--resource-type {given} is not an Arc resource type ({})",
                ARC_TYPES.join(", ")
            ));
        };
        return match machine_path(
            &target.subscription,
            &target.resource_group,
            t,
            &target.name,
        ) {
            Ok(uri) => Resource::Found {
                resource_type: t.to_string(),
                uri,
                listed: None,
            },
            Err(e) => Resource::Invalid(e.to_string()),
        };
    }
    let path = ArmPath::root()
        .lit("subscriptions")
        .seg(&target.subscription)
        .and_then(|p| p.lit("resourceGroups").seg(&target.resource_group))
        .map(|p| p.lit("resources"));
    let path = match path {
        Ok(p) => p,
        Err(e) => return Resource::Invalid(e.to_string()),
    };
    let filter = format!("name eq '{}'", target.name.replace('\'', "''"));
    let listed = fetch(
        client,
        Method::Get,
        &path,
        RESOURCES_API,
        &[("$filter", &filter)],
        None,
    );
    let Some(body) = listed.ok_body() else {
        return Resource::Failed(listed);
    };
    let types = arc_types_named(body, &target.name);
    match types.as_slice() {
        [] => Resource::NotFound { listed },
        [one] => match machine_path(
            &target.subscription,
            &target.resource_group,
            one,
            &target.name,
        ) {
            Ok(uri) => Resource::Found {
                resource_type: one.clone(),
                uri,
                listed: Some(listed),
            },
            Err(e) => Resource::Invalid(e.to_string()),
        },
        _ => Resource::Ambiguous { types, listed },
    }
}

/// The Arc resource types (ARM spelling, each once, in listing order) of the resources
/// named `name` (case-insensitive) in a resource-list answer.
pub fn arc_types_named(body: &Value, name: &str) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    let listed = body
        .get("value")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| {
            r.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .filter_map(|r| r.get("type").and_then(Value::as_str))
        .filter_map(normalise_type);
    for t in listed {
        if !types.iter().any(|known| known == t) {
            types.push(t.to_string());
        }
    }
    types
}

/// Where a read goes, relative to the machine (or the subscription).
#[derive(Clone, Copy)]
enum Scope {
    Subscription(&'static [&'static str]),
    Machine(&'static [&'static str]),
}

/// One ARM GET, made once its inputs are known. Its output is `Option<Fetched>`:
/// `None` when there is nothing to read (no resource, or not a HybridCompute machine).
#[derive(Clone, Copy)]
pub struct ArmRead {
    id: &'static str,
    scope: Scope,
    api_version: &'static str,
    hybrid_compute_only: bool,
}

/// The machine's SSH service configuration, below the machine's own path.
pub const SSH_CONFIG_TAIL: &[&str] = &[
    "providers",
    "Microsoft.HybridConnectivity",
    "endpoints",
    "default",
    "serviceConfigurations",
    "SSH",
];

/// `{machine}/providers/Microsoft.HybridConnectivity/endpoints/default/serviceConfigurations/SSH`.
pub fn ssh_config_path(machine: ArmPath) -> ArmPath {
    SSH_CONFIG_TAIL.iter().fold(machine, |p, s| p.lit(s))
}

pub const READS: &[ArmRead] = &[
    ArmRead {
        id: PROVIDER,
        scope: Scope::Subscription(&["providers", "Microsoft.HybridConnectivity"]),
        api_version: PROVIDERS_API,
        hybrid_compute_only: false,
    },
    ArmRead {
        id: MACHINE,
        scope: Scope::Machine(&[]),
        api_version: "2022-11-10",
        hybrid_compute_only: true,
    },
    ArmRead {
        id: ENDPOINT,
        scope: Scope::Machine(&[
            "providers",
            "Microsoft.HybridConnectivity",
            "endpoints",
            "default",
        ]),
        api_version: CONNECTIVITY_API,
        hybrid_compute_only: false,
    },
    ArmRead {
        id: SERVICE_CONFIG,
        scope: Scope::Machine(SSH_CONFIG_TAIL),
        api_version: CONNECTIVITY_API,
        hybrid_compute_only: false,
    },
    ArmRead {
        id: PERMISSIONS,
        scope: Scope::Machine(&["providers", "Microsoft.Authorization", "permissions"]),
        api_version: "2022-04-01",
        hybrid_compute_only: false,
    },
    ArmRead {
        id: EXTENSIONS,
        scope: Scope::Machine(&["extensions"]),
        api_version: "2022-12-27",
        hybrid_compute_only: true,
    },
];

pub fn nodes() -> Vec<Arc<dyn Check>> {
    let mut nodes: Vec<Arc<dyn Check>> = vec![Arc::new(super::ClientNode), Arc::new(ResourceNode)];
    nodes.extend(
        READS
            .iter()
            .map(|r| Arc::new(ArmRead { ..*r }) as Arc<dyn Check>),
    );
    nodes
}

impl Check for ArmRead {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        self.id
    }
    fn diagnoses(&self) -> &'static [crate::model::DiagnosisId] {
        &[]
    }
    fn after(&self) -> &'static [&'static str] {
        match self.scope {
            Scope::Subscription(_) => &[CLIENT],
            Scope::Machine(_) => &[CLIENT, RESOURCE],
        }
    }
    fn hidden(&self) -> bool {
        true
    }
    fn timeout(&self) -> Duration {
        hidden_timeout()
    }
    fn applies(&self, ctx: &Context) -> Applicability {
        super::applies(ctx)
    }
    fn run(&self, ctx: &Context, deps: &Deps) -> Result<Outcome, CheckError> {
        let target = AzureTarget::from(ctx).ok_or_else(|| CheckError("no target".into()))?;
        let Ok(client) = need::<ClientFact>(deps, CLIENT)? else {
            return Ok(Outcome::pass("").with_output(None::<Fetched>));
        };
        let path = match self.scope {
            Scope::Subscription(tail) => {
                if target.subscription.is_empty() {
                    return Ok(Outcome::pass("").with_output(None::<Fetched>));
                }
                ArmPath::root()
                    .lit("subscriptions")
                    .seg(&target.subscription)
                    .map(|p| tail.iter().fold(p, |p, s| p.lit(s)))
            }
            Scope::Machine(tail) => {
                let resource = need::<Resource>(deps, RESOURCE)?;
                let Some((resource_type, uri)) = resource.found() else {
                    return Ok(Outcome::pass("").with_output(None::<Fetched>));
                };
                if self.hybrid_compute_only && resource_type != HYBRID_COMPUTE {
                    return Ok(Outcome::pass("").with_output(None::<Fetched>));
                }
                Ok(tail.iter().fold(uri.clone(), |p, s| p.lit(s)))
            }
        };
        let path = path.map_err(|e| CheckError(e.to_string()))?;
        Ok(Outcome::pass("").with_output(Some(fetch(
            client,
            Method::Get,
            &path,
            self.api_version,
            &[],
            None,
        ))))
    }
}
