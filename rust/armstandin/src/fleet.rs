//! A generated fleet of Arc machines: Azure Resource Graph pages, and every
//! per-machine, per-resource-group and per-subscription read, from one compact spec;
//! with ARM's subscription read throttling (a token bucket per subscription, counted
//! down in `x-ms-ratelimit-remaining-subscription-reads`, 429 + `Retry-After` when empty).

use crate::http::Request;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub use crate::fleet_spec::{FleetSpec, Profile, Throttle};

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub delay_ms: u64,
    /// Added to the request's log line.
    pub log: Value,
}

pub struct Fleet {
    spec: FleetSpec,
    total_weight: usize,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

const HC: &str = "microsoft.hybridcompute/machines";

impl Fleet {
    pub fn new(spec: FleetSpec) -> Fleet {
        let total_weight = spec.profiles.iter().map(|p| p.weight).sum();
        Fleet {
            spec,
            total_weight,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn profile(&self, i: usize) -> Profile {
        let mut k = i % self.total_weight.max(1);
        for p in &self.spec.profiles {
            if k < p.weight {
                return p.clone();
            }
            k -= p.weight;
        }
        serde_json::from_value(json!({})).expect("the default profile")
    }

    /// (subscription, resource group, name) of machine `i`.
    fn place(&self, i: usize) -> (&str, &str, String) {
        let subs = &self.spec.subscriptions;
        let groups = &self.spec.resource_groups;
        (
            &subs[i % subs.len()],
            &groups[(i / subs.len()) % groups.len()],
            format!("{}{:05}", self.spec.name_prefix, i + 1),
        )
    }

    fn machine(&self, i: usize) -> Value {
        let (s, g, name) = self.place(i);
        let p = self.profile(i);
        json!({
            "id": format!("/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.HybridCompute/machines/{name}"),
            "name": name, "type": HC, "location": "eastus", "resourceGroup": g, "subscriptionId": s,
            "properties": {"status": p.status, "agentVersion": p.agent_version, "osType": p.os_type,
                "osName": if p.os_type == "windows" { "windows" } else { "ubuntu" },
                "lastStatusChange": "2026-11-23T20:00:00Z",
                "agentConfiguration": {"incomingConnectionsPorts": p.legacy_ports}}
        })
    }

    /// The index of the machine this path names, if it is one of the fleet's.
    fn find(&self, s: &str, g: &str, name: &str) -> Option<usize> {
        let n: usize = name
            .to_ascii_lowercase()
            .strip_prefix(&self.spec.name_prefix.to_ascii_lowercase())?
            .parse()
            .ok()?;
        let i = n.checked_sub(1).filter(|i| *i < self.spec.count)?;
        let (ps, pg, _) = self.place(i);
        (ps.eq_ignore_ascii_case(s) && pg.eq_ignore_ascii_case(g)).then_some(i)
    }

    fn unregistered(&self, s: &str) -> bool {
        self.spec
            .unregistered_subscriptions
            .iter()
            .any(|u| u.eq_ignore_ascii_case(s))
    }

    /// The answer for `req`, or `None` when it is not a fleet request.
    pub fn answer(&self, req: &Request) -> Option<Answer> {
        let path = crate::scenario::percent_decode(&req.path);
        let lower = path.to_ascii_lowercase();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        if req.method == "POST" && lower == "/providers/microsoft.resourcegraph/resources" {
            return Some(self.graph(req));
        }
        if req.method != "GET" || parts.first() != Some(&"subscriptions") || parts.len() < 2 {
            return None;
        }
        let s = parts[1];
        let (status, body) = match &parts[2..] {
            [p, ns]
                if p.eq_ignore_ascii_case("providers")
                    && ns.eq_ignore_ascii_case("Microsoft.HybridConnectivity") =>
            {
                let state = if self.unregistered(s) {
                    "NotRegistered"
                } else {
                    "Registered"
                };
                (
                    200,
                    json!({"namespace": "Microsoft.HybridConnectivity", "registrationState": state}),
                )
            }
            [rgs, g, p, ns, perm]
                if rgs.eq_ignore_ascii_case("resourceGroups")
                    && p.eq_ignore_ascii_case("providers")
                    && ns.eq_ignore_ascii_case("Microsoft.Authorization")
                    && perm.eq_ignore_ascii_case("permissions") =>
            {
                (200, self.permissions(&[self.grant_of_group(g)]))
            }
            [rgs, g, p, ns, ty, name, rest @ ..]
                if rgs.eq_ignore_ascii_case("resourceGroups")
                    && p.eq_ignore_ascii_case("providers")
                    && format!("{ns}/{ty}").eq_ignore_ascii_case(HC) =>
            {
                let i = self.find(s, g, name)?;
                self.machine_read(i, rest)?
            }
            _ => return None,
        };
        Some(self.throttled(s, status, body))
    }

    fn machine_read(&self, i: usize, rest: &[&str]) -> Option<(u16, Value)> {
        let is = |a: &[&str]| {
            rest.len() == a.len() && rest.iter().zip(a).all(|(x, y)| x.eq_ignore_ascii_case(y))
        };
        let (s, _, name) = self.place(i);
        let endpoint = [
            "providers",
            "Microsoft.HybridConnectivity",
            "endpoints",
            "default",
        ];
        let config = [&endpoint[..], &["serviceConfigurations", "SSH"]].concat();
        let unregistered = (
            409,
            json!({"error": {"code": "NoRegisteredProviderFound",
            "message": "No registered resource provider found for location 'eastus' and API version '2023-03-15' for type 'endpoints'."}}),
        );
        let permissions = ["providers", "Microsoft.Authorization", "permissions"];
        if rest.is_empty() {
            Some((200, self.machine(i)))
        } else if is(&permissions) {
            let (_, g, _) = self.place(i);
            let mut grants = vec![self.grant_of_group(g)];
            grants.extend(
                self.spec
                    .machine_grants
                    .iter()
                    .find(|(m, _)| m.eq_ignore_ascii_case(&name))
                    .map(|(_, v)| v.as_str()),
            );
            Some((200, self.permissions(&grants)))
        } else if is(&endpoint) || is(&config) {
            if self.unregistered(s) {
                return Some(unregistered);
            }
            let port = self.profile(i).ssh_port;
            Some(match (is(&config), port) {
                (false, Some(_)) => (
                    200,
                    json!({"name": "default", "type": "Microsoft.HybridConnectivity/endpoints",
                    "properties": {"type": "default", "provisioningState": "Succeeded"}}),
                ),
                (true, Some(p)) => (
                    200,
                    json!({"name": "SSH", "type": "Microsoft.HybridConnectivity/endpoints/serviceConfigurations",
                    "properties": {"serviceName": "SSH", "port": p.to_string(), "provisioningState": "Succeeded"}}),
                ),
                (_, None) => (
                    404,
                    json!({"error": {"code": "ResourceNotFound",
                    "message": format!("The SSH service configuration of {name} was not found.")}}),
                ),
            })
        } else {
            None
        }
    }

    fn grant_of_group(&self, group: &str) -> &str {
        self.spec
            .grants
            .iter()
            .find(|(g, _)| g.eq_ignore_ascii_case(group))
            .map_or("owner", |(_, v)| v.as_str())
    }

    /// One permission entry per grant, as ARM lists one per role assignment.
    fn permissions(&self, grants: &[&str]) -> Value {
        let entry = |grant: &str| {
            let mut actions = vec!["Microsoft.HybridCompute/machines/*/read"];
            let mut data = vec![];
            if grant != "reader" {
                actions.push("Microsoft.HybridConnectivity/endpoints/listCredentials/action");
                data.push("Microsoft.HybridCompute/machines/login/action");
            }
            if grant == "owner" {
                actions.push("Microsoft.HybridConnectivity/endpoints/write");
                actions.push("Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write");
            }
            json!({"actions": actions, "notActions": [], "dataActions": data, "notDataActions": []})
        };
        json!({"value": grants.iter().map(|g| entry(g)).collect::<Vec<_>>()})
    }

    /// Takes a token from the subscription's bucket, or answers 429.
    fn throttled(&self, sub: &str, status: u16, body: Value) -> Answer {
        let mut headers = Vec::new();
        if let Some(t) = &self.spec.throttle {
            let now = Instant::now();
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let (tokens, last) = buckets
                .entry(sub.to_ascii_lowercase())
                .or_insert((t.bucket, now));
            *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * t.refill_per_second)
                .min(t.bucket);
            *last = now;
            if *tokens < 1.0 {
                let wait = t.retry_after_seconds.unwrap_or_else(|| {
                    ((1.0 - *tokens) / t.refill_per_second.max(0.001))
                        .ceil()
                        .max(1.0) as u64
                });
                let message = format!(
                    "Number of 'read' requests for subscription '{sub}' exceeded. Please try again after '{wait}' seconds."
                );
                return Answer {
                    status: 429,
                    headers: vec![
                        ("retry-after".into(), wait.to_string()),
                        (
                            "x-ms-ratelimit-remaining-subscription-reads".into(),
                            "0".into(),
                        ),
                    ],
                    body: json!({"error": {"code": "SubscriptionRequestsThrottled", "message": message}}),
                    delay_ms: 0,
                    log: json!({"throttled": true, "retryAfter": wait}),
                };
            }
            *tokens -= 1.0;
            headers.push((
                "x-ms-ratelimit-remaining-subscription-reads".into(),
                (*tokens as u64).to_string(),
            ));
        }
        Answer {
            status,
            headers,
            body,
            delay_ms: self.spec.delay_ms,
            log: json!({}),
        }
    }

    fn graph(&self, req: &Request) -> Answer {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let query = body["query"].as_str().unwrap_or("").to_ascii_lowercase();
        let subs: Vec<String> = body["subscriptions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect();
        // Only the clauses the tool sends are understood: the type and the group.
        let group = query
            .split("resourcegroup =~ '")
            .nth(1)
            .and_then(|r| r.split('\'').next());
        let matching: Vec<usize> = (0..self.spec.count)
            .filter(|i| {
                let (s, g, _) = self.place(*i);
                query.contains(HC)
                    && subs.contains(&s.to_ascii_lowercase())
                    && group.is_none_or(|w| w == g.to_ascii_lowercase())
            })
            .collect();
        let offset: usize = body["options"]["$skipToken"]
            .as_str()
            .and_then(|t| t.strip_prefix("standin:"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let top = body["options"]["$top"]
            .as_u64()
            .map_or(self.spec.page_size, |t| {
                (t as usize).min(self.spec.page_size)
            })
            .max(1);
        let listable = self
            .spec
            .truncate_at
            .map_or(matching.len(), |cut| cut.min(matching.len()));
        let page: Vec<Value> = matching[..listable]
            .iter()
            .skip(offset)
            .take(top)
            .map(|i| self.machine(*i))
            .collect();
        let truncated = listable < matching.len() && offset + top >= listable;
        let mut answer = json!({"totalRecords": matching.len(), "count": page.len(),
            "resultTruncated": if truncated { "true" } else { "false" }, "data": page});
        if offset + top < listable {
            answer["$skipToken"] = json!(format!("standin:{}", offset + top));
        }
        Answer {
            status: 200,
            headers: vec![
                ("x-ms-user-quota-remaining".into(), "14".into()),
                ("x-ms-user-quota-resets-after".into(), "00:00:05".into()),
            ],
            body: answer,
            delay_ms: self.spec.delay_ms,
            log: json!({"resourceGraph": true}),
        }
    }
}
