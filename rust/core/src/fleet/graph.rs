//! Every Arc machine of the fleet from Azure Resource Graph, a thousand per request:
//! `POST /providers/Microsoft.ResourceGraph/resources`, paged with `$skipToken`.
//!
//! The `resources` table holds `microsoft.hybridcompute/machines` (status, agent
//! version, OS, the preview-era port allow-list) but not the HybridConnectivity
//! endpoints or their service configurations, which are read per machine elsewhere.

use std::time::Duration;

use serde_json::{Value, json};

use super::limiter::Limiter;
use crate::arm::{ArmClient, ArmPath, Method};
use crate::azure::{ARC_TYPES, Fetched};

pub const API_VERSION: &str = "2022-10-01";
pub const PAGE_SIZE: u64 = 1000;
/// Resource Graph takes at most this many subscriptions per request.
const SUBSCRIPTIONS_PER_REQUEST: usize = 1000;
const MAX_PAGES: usize = 10_000;
/// The limiter key for Resource Graph (a tenant-level API with its own user quota).
pub const KEY: &str = "resourcegraph";

pub struct Machines {
    pub rows: Vec<Value>,
    pub pages: usize,
    /// Resource Graph marked an answer `resultTruncated` and gave no `$skipToken`.
    pub truncated: bool,
    /// How many machines match, by the first page's `totalRecords` of every batch.
    pub total_records: Option<u64>,
}

/// `resultTruncated` is documented as the string "true"/"false"; a boolean is taken too.
fn is_truncated(page: &Value) -> bool {
    match page.get("resultTruncated") {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Bool(b)) => *b,
        _ => false,
    }
}

/// The KQL: Arc machines of the supported types, optionally in one resource group,
/// with only the properties the diagnosis reads, in the shape of an ARM GET.
pub fn query(resource_group: Option<&str>) -> String {
    let types: Vec<String> = ARC_TYPES
        .iter()
        .map(|t| format!("'{}'", t.to_ascii_lowercase()))
        .collect();
    // The caller validated the name (letters, digits, `._-()`): nothing to escape.
    let group = resource_group
        .map(|g| format!(" | where resourceGroup =~ '{g}'"))
        .unwrap_or_default();
    format!(
        "resources | where type in~ ({}){group} \
         | project id, name, type, resourceGroup, subscriptionId, location, \
         properties = pack('status', properties.status, 'agentVersion', properties.agentVersion, \
         'osType', properties.osType, 'osName', properties.osName, \
         'lastStatusChange', properties.lastStatusChange, \
         'agentConfiguration', pack('incomingConnectionsPorts', properties.agentConfiguration.incomingConnectionsPorts)) \
         | order by id asc",
        types.join(", ")
    )
}

/// Every page of every batch of subscriptions; the failed answer if one failed.
pub fn machines(
    client: &ArmClient,
    limiter: &Limiter,
    subscriptions: &[String],
    resource_group: Option<&str>,
) -> Result<Machines, Fetched> {
    let path = ArmPath::root()
        .lit("providers")
        .lit("Microsoft.ResourceGraph")
        .lit("resources");
    let query = query(resource_group);
    let mut out = Machines {
        rows: Vec::new(),
        pages: 0,
        truncated: false,
        total_records: Some(0),
    };
    for batch in subscriptions.chunks(SUBSCRIPTIONS_PER_REQUEST) {
        let mut skip_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut options = json!({"$top": PAGE_SIZE, "resultFormat": "objectArray"});
            if let Some(t) = &skip_token {
                options["$skipToken"] = json!(t);
            }
            let body = json!({"subscriptions": batch, "query": query, "options": options});
            let (fetched, throttling) =
                limiter.call(client, KEY, Method::Post, &path, API_VERSION, Some(&body));
            let Some(page) = fetched.ok_body() else {
                return Err(fetched);
            };
            out.pages += 1;
            if skip_token.is_none() {
                let said = page.get("totalRecords").and_then(Value::as_u64);
                out.total_records = out.total_records.zip(said).map(|(a, b)| a + b);
            }
            out.rows.extend(
                page.get("data")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            skip_token = page
                .get("$skipToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if skip_token.is_none() {
                out.truncated |= is_truncated(page);
                break;
            }
            // Resource Graph's own quota (15 requests per 5 s by default): wait out a spent one.
            if throttling.user_quota_remaining == Some(0) {
                let wait = throttling
                    .user_quota_resets_after
                    .unwrap_or(Duration::from_secs(5))
                    .min(Duration::from_secs(60));
                if !limiter.sleep(wait) {
                    break;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_query_filters_types_and_group() {
        let q = super::query(Some("rg-arc"));
        assert!(q.starts_with("resources | where type in~ ('microsoft.hybridcompute/machines', "));
        assert!(q.contains("| where resourceGroup =~ 'rg-arc' |"));
        assert!(q.contains("incomingConnectionsPorts"));
        assert!(!super::query(None).contains("resourceGroup =~"));
    }

    #[test]
    fn truncation_is_read_from_string_or_boolean() {
        use serde_json::json;
        assert!(super::is_truncated(&json!({"resultTruncated": "true"})));
        assert!(super::is_truncated(&json!({"resultTruncated": "True"})));
        assert!(super::is_truncated(&json!({"resultTruncated": true})));
        assert!(!super::is_truncated(&json!({"resultTruncated": "false"})));
        assert!(!super::is_truncated(&json!({"resultTruncated": 1})));
        assert!(!super::is_truncated(&json!({})));
    }
}
