//! The reads the fleet makes besides Resource Graph: the provider per subscription, the
//! caller's permissions per resource group, each machine's SSH service configuration.

use super::limiter::Limiter;
use crate::arm::{ArmClient, ArmPath, ArmSettings, Method};
use crate::azure::Fetched;
use crate::model::Request;

const PROVIDERS_API: &str = "2021-04-01";
const PERMISSIONS_API: &str = "2022-04-01";

pub enum Job {
    Provider(String),
    Permissions(String, String),
    Config(usize),
    /// The caller's permissions on one machine: only for machines whose resource group
    /// grants too little, since a role may be assigned on the machine alone.
    MachinePermissions(usize),
}

/// (subscription, resource group), both lower-cased: ARM names are case-insensitive.
pub fn scope_of(row: &serde_json::Value) -> (String, String) {
    let t = |k: &str| {
        row.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    (t("subscriptionId"), t("resourceGroup"))
}

pub fn read(
    client: &ArmClient,
    limiter: &Limiter,
    job: &Job,
    rows: &[serde_json::Value],
) -> Option<Fetched> {
    let (sub, path, api) = match job {
        Job::Provider(s) => (
            s.clone(),
            ArmPath::root()
                .lit("subscriptions")
                .seg(s)
                .ok()?
                .lit("providers")
                .lit("Microsoft.HybridConnectivity"),
            PROVIDERS_API,
        ),
        Job::Permissions(s, g) => (
            s.clone(),
            crate::arm::path::resource_group_path(s, g)
                .ok()?
                .lit("providers")
                .lit("Microsoft.Authorization")
                .lit("permissions"),
            PERMISSIONS_API,
        ),
        Job::Config(i) => (
            scope_of(&rows[*i]).0,
            crate::azure::facts::ssh_config_path(machine_path(&rows[*i])?),
            crate::azure::facts::CONNECTIVITY_API,
        ),
        Job::MachinePermissions(i) => (
            scope_of(&rows[*i]).0,
            machine_path(&rows[*i])?
                .lit("providers")
                .lit("Microsoft.Authorization")
                .lit("permissions"),
            PERMISSIONS_API,
        ),
    };
    Some(
        limiter
            .call(
                client,
                &sub.to_ascii_lowercase(),
                Method::Get,
                &path,
                api,
                None,
            )
            .0,
    )
}

fn machine_path(row: &serde_json::Value) -> Option<ArmPath> {
    let text = |k: &str| row.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
    crate::arm::machine_path(
        text("subscriptionId"),
        text("resourceGroup"),
        text("type"),
        text("name"),
    )
    .ok()
}

pub fn client_for(request: &Request) -> Result<ArmClient, String> {
    let azure = request.azure.clone().unwrap_or_default();
    let Some(token) = azure.access_token.filter(|t| !t.trim().is_empty()) else {
        return Err("no Azure access token was given".into());
    };
    ArmClient::new(ArmSettings {
        endpoint: azure
            .arm_endpoint
            .unwrap_or_else(|| crate::arm::DEFAULT_ENDPOINT.into()),
        token: Some(token),
        ca_bundle: azure.ca_bundle,
        proxy: azure.proxy,
        client: request.client,
        request_timeout: crate::azure::REQUEST_TIMEOUT,
        // Retries are the limiter's, so that a 429 pauses every worker.
        max_retries: 0,
    })
    .map_err(|e| e.to_string())
}
