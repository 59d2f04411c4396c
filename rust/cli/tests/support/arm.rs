//! Scenarios for the ARM stand-in: a healthy Arc machine whose answers follow the REST
//! specs' examples, and ways to break each part of it.

use serde_json::{Value, json};

pub const SUB: &str = "00000000-1111-2222-3333-444444444444";
pub const RG: &str = "rg-arc";
pub const VM: &str = "web01";
/// Recognisable in any output it must never reach.
pub const TOKEN_MARK: &str = "SECRETTOKENMARK";

pub fn machine_path() -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.HybridCompute/machines/{VM}"
    )
}

pub fn endpoint_path() -> String {
    format!(
        "{}/providers/Microsoft.HybridConnectivity/endpoints/default",
        machine_path()
    )
}

pub fn config_path() -> String {
    format!("{}/serviceConfigurations/SSH", endpoint_path())
}

pub fn provider_path() -> String {
    format!("/subscriptions/{SUB}/providers/Microsoft.HybridConnectivity")
}

/// A JWT-shaped token for a user, with the marker inside its signature part.
pub fn token() -> String {
    let jwt = arm_standin::jwt(
        "72f988bf-0000-0000-0000-000000000000",
        "11111111-2222-3333-4444-555555555555",
        "ada@contoso.com",
        None,
    );
    let mut parts: Vec<&str> = jwt.split('.').collect();
    let signature = format!("{}{}", parts[2], TOKEN_MARK);
    parts[2] = &signature;
    parts.join(".")
}

/// `arc` against the scenario's machine through `url`, as the az client.
pub fn arc_args(url: &str) -> Vec<&str> {
    vec![
        "arc",
        "-g",
        RG,
        "-n",
        VM,
        "--subscription",
        SUB,
        "--arm-endpoint",
        url,
        "--client",
        "azure-cli",
    ]
}

pub fn route(method: &str, path: &str, status: u16, body: Value) -> Value {
    json!({"method": method, "path": path, "status": status, "body": body,
           "headers": {"x-ms-correlation-request-id": "corr-0001"}})
}

/// Every read of a healthy, connected Linux machine with SSH on port 22.
pub struct Scenario {
    pub routes: Vec<Value>,
}

impl Scenario {
    pub fn healthy() -> Scenario {
        let machine = json!({
            "id": machine_path(), "name": VM, "type": "Microsoft.HybridCompute/machines", "location": "eastus",
            "properties": {"status": "Connected", "agentVersion": "1.45.02800.1234", "lastStatusChange": "2026-11-23T20:00:00Z",
                           "osType": "linux", "osName": "ubuntu", "provisioningState": "Succeeded",
                           "agentConfiguration": {"incomingConnectionsPorts": []}}
        });
        let routes = vec![
            route(
                "GET",
                &format!("/subscriptions/{SUB}/resourceGroups/{RG}/resources"),
                200,
                json!({"value": [{"id": machine_path(), "name": VM, "type": "Microsoft.HybridCompute/machines", "location": "eastus"}]}),
            ),
            route(
                "GET",
                &provider_path(),
                200,
                json!({"namespace": "Microsoft.HybridConnectivity", "registrationState": "Registered"}),
            ),
            route("GET", &machine_path(), 200, machine),
            route(
                "GET",
                &endpoint_path(),
                200,
                json!({"id": endpoint_path(), "name": "default",
                "type": "Microsoft.HybridConnectivity/endpoints", "properties": {"type": "default", "provisioningState": "Succeeded"}}),
            ),
            // The spec's example gives the port as a string.
            route(
                "GET",
                &config_path(),
                200,
                json!({"id": config_path(), "name": "SSH",
                "properties": {"serviceName": "SSH", "port": "22", "provisioningState": "Succeeded"}}),
            ),
            route(
                "GET",
                &format!(
                    "{}/providers/Microsoft.Authorization/permissions",
                    machine_path()
                ),
                200,
                json!({"value": [
                {"actions": ["Microsoft.HybridCompute/machines/*/read", "Microsoft.HybridConnectivity/endpoints/listCredentials/action"],
                 "notActions": [], "dataActions": ["Microsoft.HybridCompute/machines/login/action"], "notDataActions": []}]}),
            ),
            route(
                "GET",
                &format!("{}/extensions", machine_path()),
                200,
                json!({"value": [
                {"name": "AADSSHLogin", "properties": {"publisher": "Microsoft.Azure.ActiveDirectory", "type": "AADSSHLoginForLinux"}}]}),
            ),
        ];
        Scenario { routes }
    }

    /// Replaces the answer of the route for `method path`.
    pub fn answer(mut self, method: &str, path: &str, status: u16, body: Value) -> Scenario {
        let replaced = route(method, path, status, body);
        match self.routes.iter().position(|r| {
            r["method"] == method
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case(path))
        }) {
            Some(i) => self.routes[i] = replaced,
            None => self.routes.push(replaced),
        }
        self
    }

    /// Adds a route that takes precedence over the others.
    pub fn first(mut self, route: Value) -> Scenario {
        self.routes.insert(0, route);
        self
    }

    /// Every route answers only after `ms`.
    pub fn delayed(mut self, ms: u64) -> Scenario {
        for r in &mut self.routes {
            r["delayMs"] = json!(ms);
        }
        self
    }

    pub fn json(&self) -> Value {
        json!({"routes": self.routes})
    }
}

pub fn error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}
