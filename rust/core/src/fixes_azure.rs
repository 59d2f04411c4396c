//! The Azure fixes: register the provider, allow the SSH port, and remove SSH access.
//! Each re-resolves the machine from the request and builds every path from validated
//! segments; each says what it changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::arm::{ArmClient, ArmPath, Method, machine_path};
use crate::azure::facts::{CONNECTIVITY_API, PROVIDERS_API, Resource, resolve};
use crate::azure::{AzureTarget, Fetched, client_for, fetch};
use crate::cancel::Cancel;
use crate::model::{AppliedFix, FixOutcome, Request};

/// How long registration is waited for before the fix reports it still pending.
const REGISTER_WAIT: Duration = Duration::from_secs(60);
const REGISTER_POLL: Duration = Duration::from_secs(2);

/// The request's ARM client, whose calls stop when `cancel` fires.
fn client_until(request: &Request, cancel: &Cancel) -> Result<Arc<ArmClient>, String> {
    client_for(request).map(|c| Arc::new(c.with_cancel(cancel)))
}

pub fn register_provider(
    request: &Request,
    subscription: &str,
    cancel: &Cancel,
) -> Result<String, String> {
    let client = client_until(request, cancel)?;
    let base = ArmPath::root()
        .lit("subscriptions")
        .seg(subscription)
        .map_err(|e| e.to_string())?;
    let provider = base.lit("providers").lit("Microsoft.HybridConnectivity");
    let sent = fetch(
        &client,
        Method::Post,
        &provider.clone().lit("register"),
        PROVIDERS_API,
        &[],
        None,
    );
    expect_ok(&sent, "register Microsoft.HybridConnectivity")?;
    let started = Instant::now();
    loop {
        let state = fetch(&client, Method::Get, &provider, PROVIDERS_API, &[], None)
            .ok_body()
            .and_then(|b| {
                b.get("registrationState")
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        if state.eq_ignore_ascii_case("Registered") {
            return Ok(format!(
                "Microsoft.HybridConnectivity is now Registered in {subscription}. Restart the Connected Machine agent on the server (sudo systemctl restart himdsd) as the guide says."
            ));
        }
        if started.elapsed() >= REGISTER_WAIT {
            return Ok(format!(
                "Registration of Microsoft.HybridConnectivity was requested; it is still {state} after {} s. It usually takes 2-5 minutes.",
                REGISTER_WAIT.as_secs()
            ));
        }
        if !cancel.sleep(REGISTER_POLL) {
            return Ok(format!(
                "Registration of Microsoft.HybridConnectivity was requested; it was still {state} when the run was cancelled."
            ));
        }
    }
}

pub fn allow_ssh_port(
    request: &Request,
    resource_type: &str,
    port: u16,
    create_endpoint: bool,
    cancel: &Cancel,
) -> Result<String, String> {
    let client = client_until(request, cancel)?;
    let endpoint = endpoint_path(request, resource_type)?;
    let mut done = Vec::new();
    if create_endpoint {
        let sent = fetch(
            &client,
            Method::Put,
            &endpoint,
            CONNECTIVITY_API,
            &[],
            Some(&json!({"properties": {"type": "default"}})),
        );
        expect_ok(&sent, "create the default connectivity endpoint")?;
        done.push("created the default connectivity endpoint".to_string());
    }
    let config = endpoint.lit("serviceConfigurations").lit("SSH");
    let body = json!({"properties": {"serviceName": "SSH", "port": port}});
    let sent = fetch(
        &client,
        Method::Put,
        &config,
        CONNECTIVITY_API,
        &[],
        Some(&body),
    );
    expect_ok(&sent, &format!("allow SSH on port {port}"))?;
    done.push(format!(
        "set the SSH service configuration to port {port} (it can take a minute to go live)"
    ));
    Ok(capitalise(&done.join("; ")))
}

/// `--disable-ssh`: delete the SSH service configuration, then the endpoint.
pub fn disable_ssh(request: &Request, cancel: &Cancel) -> Vec<AppliedFix> {
    let result = |id: &str, r: Result<String, String>| AppliedFix {
        id: id.to_string(),
        outcome: if r.is_ok() {
            FixOutcome::Applied
        } else {
            FixOutcome::Failed
        },
        message: r.unwrap_or_else(|e| e),
    };
    let prepared = (|| -> Result<(ArmClient, ArmPath), String> {
        let client = client_until(request, cancel)?;
        let target = AzureTarget::of(request).ok_or(
            "--disable-ssh needs a resource group and a machine name, and cannot be --offline",
        )?;
        let resource_type = match resolve(&client, &target) {
            Resource::Found { resource_type, .. } => resource_type,
            Resource::NotFound { .. } => {
                return Err(format!(
                    "no Arc-enabled server named {} in {}",
                    target.name, target.resource_group
                ));
            }
            Resource::Ambiguous { types, .. } => {
                return Err(format!(
                    "more than one resource named {} ({}); pass --resource-type",
                    target.name,
                    types.join(", ")
                ));
            }
            Resource::Failed(f) => return Err(f.evidence()),
            Resource::Invalid(e) => return Err(e),
        };
        let path = endpoint_path(request, &resource_type)?;
        Ok(((*client).clone(), path))
    })();
    let (client, endpoint) = match prepared {
        Ok(p) => p,
        Err(e) => return vec![result("azure.disable-ssh", Err(e))],
    };
    let config = fetch(
        &client,
        Method::Delete,
        &endpoint.clone().lit("serviceConfigurations").lit("SSH"),
        CONNECTIVITY_API,
        &[],
        None,
    );
    let first = deleted(&config, "the SSH service configuration");
    let failed = first.is_err();
    let mut out = vec![result("azure.disable-ssh:service-configuration", first)];
    if !failed {
        let gone = fetch(
            &client,
            Method::Delete,
            &endpoint,
            CONNECTIVITY_API,
            &[],
            None,
        );
        out.push(result(
            "azure.disable-ssh:endpoint",
            deleted(&gone, "the default connectivity endpoint"),
        ));
    }
    out
}

fn endpoint_path(request: &Request, resource_type: &str) -> Result<ArmPath, String> {
    let target = AzureTarget::of(request).ok_or("no target machine in the request")?;
    let machine = machine_path(
        &target.subscription,
        &target.resource_group,
        resource_type,
        &target.name,
    )
    .map_err(|e| e.to_string())?;
    Ok(machine
        .lit("providers")
        .lit("Microsoft.HybridConnectivity")
        .lit("endpoints")
        .lit("default"))
}

fn deleted(f: &Fetched, what: &str) -> Result<String, String> {
    match f.status() {
        Some(200 | 202 | 204) => Ok(format!("Deleted {what}.")),
        Some(404) => Ok(format!("There was no {what} to delete.")),
        _ => Err(format!("Could not delete {what}: {}", f.evidence())),
    }
}

fn expect_ok(f: &Fetched, what: &str) -> Result<(), String> {
    match f.status() {
        Some(200..=299) => Ok(()),
        Some(403) => Err(format!(
            "Azure refused to {what}: it needs Owner or Contributor ({})",
            f.evidence()
        )),
        _ => Err(format!("Could not {what}: {}", f.evidence())),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str() + ".")
        .unwrap_or_default()
}
