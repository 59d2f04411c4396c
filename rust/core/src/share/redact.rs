//! Identifiers and secrets out, stable placeholders in.
//!
//! Two passes over every string of a report (values and free-form keys alike): the
//! first learns what is an identifier (the request's own values, then patterns with
//! their context: ARM paths, command-line flags, e-mail addresses, home folders, GUIDs,
//! URL hosts, IP addresses, host names), the second replaces every occurrence of each
//! learned value in one leftmost-longest pass, so the same value gets the same
//! placeholder everywhere (`<machine-1>`, `<subscription-1>`, …). Anything token-like
//! becomes `<secret>` before either pass looks at the text.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

pub use super::patterns::strip_secrets;
use super::patterns::*;

use crate::model::Request;

pub const SECRET: &str = "<secret>";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    // Weakest first: a value learned again with a more specific kind takes that kind.
    Guid,
    Host,
    Ip,
    ObjectId,
    Tenant,
    Subscription,
    ResourceGroup,
    Machine,
    User,
    Secret,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Guid => "guid",
            Kind::Host => "host",
            Kind::Ip => "ip",
            Kind::ObjectId => "object-id",
            Kind::Tenant => "tenant",
            Kind::Subscription => "subscription",
            Kind::ResourceGroup => "resource-group",
            Kind::Machine => "machine",
            Kind::User => "user",
            Kind::Secret => "secret",
        }
    }
}

#[derive(Default)]
pub struct Redactor {
    /// Lower-cased value → index into `entries`.
    index: HashMap<String, usize>,
    /// (value as first seen, kind), in order of discovery.
    entries: Vec<(String, Kind)>,
    /// Values that can no longer change kind (the request's own).
    pinned: usize,
    built: Option<Built>,
}

struct Built {
    matcher: AhoCorasick,
    replacements: Vec<String>,
}

impl Redactor {
    /// Starts with the values the request names and the local user and host names.
    pub fn new(request: &Request, local: &[(Kind, String)]) -> Redactor {
        let mut r = Redactor::default();
        if let Some(t) = &request.target {
            r.learn_value(t.subscription.as_deref(), Kind::Subscription);
            r.learn_value(t.resource_group.as_deref(), Kind::ResourceGroup);
            r.learn_value(t.name.as_deref(), Kind::Machine);
        }
        r.learn_value(request.local_user.as_deref(), Kind::User);
        if let Some(token) = request
            .azure
            .as_ref()
            .and_then(|a| a.access_token.as_deref())
        {
            r.learn_value(Some(token), Kind::Secret);
        }
        for (kind, value) in local {
            r.learn_value(Some(value), *kind);
        }
        r.pinned = r.entries.len();
        r
    }

    fn learn_value(&mut self, value: Option<&str>, kind: Kind) {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return;
        };
        let lower = value.to_ascii_lowercase();
        if value.starts_with('<') || HARMLESS.contains(&lower.as_str()) {
            return;
        }
        match self.index.get(&lower) {
            Some(&i) if i >= self.pinned && kind > self.entries[i].1 => self.entries[i].1 = kind,
            Some(_) => {}
            None => {
                self.index.insert(lower, self.entries.len());
                self.entries.push((value.to_string(), kind));
            }
        }
    }

    /// First pass: learns the identifiers in `text` (already stripped of secrets).
    /// `hint` is the evidence key or field the text sits under.
    pub fn learn(&mut self, text: &str, hint: &str) {
        for c in arm_segment().captures_iter(text) {
            let kind = match c[1].to_ascii_lowercase().as_str() {
                "subscriptions" => Kind::Subscription,
                "resourcegroups" => Kind::ResourceGroup,
                _ => Kind::Machine,
            };
            self.learn_value(Some(trim_punct(&c[2])), kind);
        }
        let az_line = text.contains("az ");
        for c in flag_value().captures_iter(text) {
            if matches!(&c[1], "-g" | "-n") && !az_line {
                continue;
            }
            let kind = match c[1].to_ascii_lowercase().trim_start_matches('-') {
                "resource-group" | "g" | "resourcegroupname" => Kind::ResourceGroup,
                "subscription" | "subscription-id" | "subscriptionid" => Kind::Subscription,
                "local-user" | "localuser" => Kind::User,
                _ => Kind::Machine,
            };
            // `az provider register -n Microsoft.HybridConnectivity` names no machine.
            if !c[2].to_ascii_lowercase().starts_with("microsoft.") {
                self.learn_value(Some(trim_punct(&c[2])), kind);
            }
        }
        for c in quoted().captures_iter(text) {
            let kind = if c[1].eq_ignore_ascii_case("resource group") {
                Kind::ResourceGroup
            } else {
                Kind::Machine
            };
            self.learn_value(Some(&c[2]), kind);
        }
        for m in email().find_iter(text) {
            self.learn_value(Some(m.as_str()), Kind::User);
        }
        for c in home().captures_iter(text) {
            self.learn_value(Some(&c[1]), Kind::User);
        }
        let hint = hint.to_ascii_lowercase();
        for m in guid().find_iter(text) {
            let kind = guid_kind(&text[..m.start()], &hint);
            self.learn_value(Some(m.as_str()), kind);
        }
        for c in url_host().captures_iter(text) {
            let host = c[1].trim_start_matches('[').trim_end_matches(']');
            self.learn_host(host);
        }
        for m in ipv4().find_iter(text) {
            if is_ipv4_address(text, m.start(), m.end()) {
                self.learn_value(Some(m.as_str()), Kind::Ip);
            }
        }
        for m in ipv6().find_iter(text) {
            if let Some(ip) = ipv6_address(text, m.start(), m.as_str()) {
                self.learn_value(Some(ip), Kind::Ip);
            }
        }
        for m in fqdn().find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let glued = |c: Option<char>| c.is_some_and(|c| c == '_' || c == '-' || c == '@');
            if glued(before) || glued(after) || after == Some('(') {
                continue;
            }
            let tld = m.as_str().rsplit('.').next().unwrap_or_default();
            if TLDS.contains(&tld.to_ascii_lowercase().as_str()) {
                self.learn_host(m.as_str());
            }
        }
    }

    fn learn_host(&mut self, host: &str) {
        let host = trim_punct(host);
        let lower = host.to_ascii_lowercase();
        if let Ok(ip) = host.parse::<std::net::IpAddr>() {
            if !is_unremarkable(&ip) {
                self.learn_value(Some(host), Kind::Ip);
            }
            return;
        }
        if PUBLIC_HOSTS.contains(&lower.as_str())
            || PUBLIC_SUFFIXES.iter().any(|s| lower.ends_with(s))
        {
            return;
        }
        match LABEL_SUFFIXES.iter().find(|s| lower.ends_with(*s)) {
            Some(suffix) => self.learn_value(Some(&host[..host.len() - suffix.len()]), Kind::Host),
            None => self.learn_value(Some(host), Kind::Host),
        }
    }

    /// Ends the first pass: numbers every learned value and builds the matcher.
    fn build(&mut self) -> &Built {
        if self.built.is_none() {
            let mut counters: HashMap<Kind, usize> = HashMap::new();
            let replacements: Vec<String> = self
                .entries
                .iter()
                .map(|(_, kind)| {
                    if *kind == Kind::Secret {
                        return SECRET.to_string();
                    }
                    let n = counters.entry(*kind).or_default();
                    *n += 1;
                    format!("<{}-{n}>", kind.label())
                })
                .collect();
            let matcher = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(self.entries.iter().map(|(v, _)| v.as_str()))
                .unwrap_or_else(|e| unreachable!("literal patterns always build: {e}"));
            self.built = Some(Built {
                matcher,
                replacements,
            });
        }
        self.built.get_or_insert_with(|| unreachable!())
    }

    /// Second pass: `text` with every secret and every learned value replaced.
    pub fn apply(&mut self, text: &str) -> String {
        let stripped = strip_secrets(text, &mut Vec::new());
        let built = self.build();
        let mut out = String::with_capacity(stripped.len());
        let (mut copied, mut from) = (0, 0);
        while let Some(m) = built
            .matcher
            .find(Input::new(&stripped).span(from..stripped.len()))
        {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if word(stripped[..m.start()].chars().next_back())
                || word(stripped[m.end()..].chars().next())
            {
                from = m.start()
                    + stripped[m.start()..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
                continue;
            }
            out.push_str(&stripped[copied..m.start()]);
            // A relay namespace keeps its public suffix: only its label was learned.
            out.push_str(&built.replacements[m.pattern().as_usize()]);
            copied = m.end();
            from = m.end();
        }
        out.push_str(&stripped[copied..]);
        out
    }

    /// Also replaces, from now on, what `strip_secrets` learned from context.
    pub fn learn_secrets(&mut self, values: Vec<String>) {
        for v in values {
            self.learn_value(Some(&v), Kind::Secret);
        }
    }
}

fn trim_punct(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ')', ':', ';', '\'', '"', ']'])
}

/// Subscription right after `/subscriptions/`, else the nearest keyword before it or
/// the key it sits under decides.
fn guid_kind(before: &str, hint: &str) -> Kind {
    let tail: String = before
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_ascii_lowercase();
    let keywords: [(&str, Kind); 8] = [
        ("subscription", Kind::Subscription),
        ("tenant", Kind::Tenant),
        ("tid", Kind::Tenant),
        ("oid", Kind::ObjectId),
        ("object", Kind::ObjectId),
        ("principal", Kind::ObjectId),
        ("appid", Kind::ObjectId),
        ("client id", Kind::ObjectId),
    ];
    let nearest = keywords
        .iter()
        .filter_map(|(k, kind)| tail.rfind(k).map(|at| (at, *kind)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, kind)| kind);
    nearest.unwrap_or_else(|| {
        keywords
            .iter()
            .find(|(k, _)| hint.contains(k))
            .map_or(Kind::Guid, |(_, kind)| *kind)
    })
}

/// Loopback and the unspecified address say nothing about anyone.
fn is_unremarkable(ip: &std::net::IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

/// A dotted quad that is an address, not a version (`1.2.3.4` after "version" or
/// glued to other dots, digits or letters is left alone).
fn is_ipv4_address(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if glued(before) || glued(after) || before == Some('.') {
        return false;
    }
    if after == Some('.') && text[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let lead = text[..start].to_ascii_lowercase();
    let lead = lead.trim_end_matches([' ', ':', '=', 'v']);
    if lead.ends_with("version") || lead.ends_with("ver") {
        return false;
    }
    text[start..end]
        .parse::<Ipv4Addr>()
        .is_ok_and(|ip| !is_unremarkable(&ip.into()))
}

/// The IPv6 address in a candidate run (a trailing `:port` is tolerated).
fn ipv6_address<'a>(text: &str, start: usize, candidate: &'a str) -> Option<&'a str> {
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
        return None;
    }
    let candidate = candidate.trim_end_matches('.');
    let parsed = |s: &str| s.parse::<Ipv6Addr>().ok();
    let (ip, text) = match parsed(candidate) {
        Some(ip) => (ip, candidate),
        None => {
            let cut = candidate.rfind(':')?;
            (parsed(&candidate[..cut])?, &candidate[..cut])
        }
    };
    (!is_unremarkable(&ip.into())).then_some(text)
}
