//! The scenario file: which answers the stand-in gives, and route matching.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub token: Option<TokenSpec>,
    /// A generated fleet of Arc machines (see `fleet.rs`), answered when no route matches.
    #[serde(default)]
    pub fleet: Option<crate::fleet::FleetSpec>,
}

/// What `GET /msi/token` hands out (App Service managed-identity protocol).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenSpec {
    pub access_token: String,
    #[serde(default = "default_expires")]
    pub expires_in_seconds: u64,
}

fn default_expires() -> u64 {
    3600
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Close the TCP connection (with an RST on unix) without answering.
    Reset,
    /// Announce a longer Content-Length than the body, send the body, close.
    Truncate,
    /// Send the headers, then the body one byte every 200 ms.
    SlowBody,
    /// Never answer.
    Hang,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Route {
    /// Absent: any method.
    pub method: Option<String>,
    /// Exact path, case-insensitive, compared after percent-decoding.
    pub path: Option<String>,
    /// Path prefix, case-insensitive. Neither `path` nor `pathPrefix`: any path.
    pub path_prefix: Option<String>,
    /// Query parameters that must be present with these values (names case-insensitive).
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
    pub body_text: Option<String>,
    #[serde(default)]
    pub delay_ms: u64,
    pub fault: Option<Fault>,
    pub times: Option<u64>,
    #[serde(default = "default_true")]
    pub require_bearer: bool,
}

fn default_status() -> u16 {
    200
}

fn default_true() -> bool {
    true
}

impl Route {
    /// The bytes of the answer body.
    pub fn body_bytes(&self) -> Vec<u8> {
        match (&self.body, &self.body_text) {
            (Some(v), _) => serde_json::to_vec(v).unwrap_or_default(),
            (None, Some(t)) => t.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        }
    }

    fn matches(&self, method: &str, path: &str, query: &[(String, String)]) -> bool {
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(method)
        {
            return false;
        }
        let path = path.to_ascii_lowercase();
        if let Some(p) = &self.path
            && percent_decode(p).to_ascii_lowercase() != path
        {
            return false;
        }
        if let Some(p) = &self.path_prefix
            && !path.starts_with(&percent_decode(p).to_ascii_lowercase())
        {
            return false;
        }
        self.query.iter().all(|(k, v)| {
            query
                .iter()
                .any(|(qk, qv)| qk.eq_ignore_ascii_case(k) && qv == v)
        })
    }
}

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let s: Scenario = serde_json::from_str(text).map_err(|e| format!("scenario: {e}"))?;
        for (i, r) in s.routes.iter().enumerate() {
            if r.body.is_some() && r.body_text.is_some() {
                return Err(format!("scenario: route {i} has both body and bodyText"));
            }
            if r.path.is_some() && r.path_prefix.is_some() {
                return Err(format!("scenario: route {i} has both path and pathPrefix"));
            }
        }
        Ok(s)
    }
}

/// The routes plus how many more times each limited one may still be served.
pub struct Router {
    pub scenario: Scenario,
    remaining: Mutex<Vec<Option<u64>>>,
}

impl Router {
    pub fn new(scenario: Scenario) -> Router {
        let remaining = scenario.routes.iter().map(|r| r.times).collect();
        Router {
            scenario,
            remaining: Mutex::new(remaining),
        }
    }

    /// Index of the first matching route that has uses left; one use is counted
    /// when `consume` says so for that route.
    pub fn find(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        consume: impl Fn(&Route) -> bool,
    ) -> Option<usize> {
        let mut remaining = self.remaining.lock().unwrap_or_else(|e| e.into_inner());
        let decoded = percent_decode(path);
        let i = self
            .scenario
            .routes
            .iter()
            .enumerate()
            .position(|(i, r)| remaining[i] != Some(0) && r.matches(method, &decoded, query))?;
        if consume(&self.scenario.routes[i])
            && let Some(n) = remaining[i].as_mut()
        {
            *n -= 1;
        }
        Some(i)
    }
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are). `plus` also turns `+` into a space.
pub fn decode_component(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => {
                if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn percent_decode(s: &str) -> String {
    decode_component(s, false)
}

/// Splits `a=1&b=2` into decoded pairs, in order.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k, true), decode_component(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_and_query() {
        assert_eq!(percent_decode("/a%2Fb%zz%4"), "/a/b%zz%4");
        assert_eq!(
            parse_query("api-version=2023-03-15&x=a+b%21&flag"),
            vec![
                ("api-version".into(), "2023-03-15".into()),
                ("x".into(), "a b!".into()),
                ("flag".into(), String::new())
            ]
        );
    }

    #[test]
    fn times_fall_through() {
        let s = Scenario::parse(
            r#"{"routes":[{"path":"/X","times":1,"status":404},{"pathPrefix":"/x"}]}"#,
        )
        .unwrap();
        let r = Router::new(s);
        assert_eq!(r.find("GET", "/x", &[], |_| false), Some(0));
        assert_eq!(r.find("GET", "/x", &[], |_| true), Some(0));
        assert_eq!(r.find("GET", "/x", &[], |_| true), Some(1));
        assert_eq!(r.find("GET", "/y", &[], |_| true), None);
    }
}
