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
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use regex::{Captures, Regex};

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

/// Names that identify no one: left as they are.
const HARMLESS: &[&str] = &[
    "root",
    "system",
    "public",
    "default",
    "shared",
    "all users",
    "localhost",
    "none",
];

/// Public endpoints kept verbatim: support needs to see which cloud was reached.
const PUBLIC_HOSTS: &[&str] = &[
    "management.azure.com",
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "management.usgovcloudapi.net",
    "management.chinacloudapi.cn",
    "learn.microsoft.com",
    "aka.ms",
    "portal.azure.com",
    "guestnotificationservice.azure.com",
    "sshproxysa.blob.core.windows.net",
    "www.powershellgallery.com",
    "pypi.org",
    "github.com",
];
/// Public suffixes whose every host is Microsoft's own.
const PUBLIC_SUFFIXES: &[&str] = &[
    ".microsoft.com",
    ".microsoftonline.com",
    ".his.arc.azure.com",
    ".guestnotificationservice.azure.com",
];
/// Public suffixes under which the first label names the customer's resource: the
/// label becomes a host placeholder, the suffix stays.
const LABEL_SUFFIXES: &[&str] = &[
    ".servicebus.windows.net",
    ".blob.core.windows.net",
    ".vault.azure.net",
    ".cloudapp.azure.com",
    ".azurewebsites.net",
];
/// The last label of a host name; file extensions (`.sh`, `.py`, `.md`) are not here.
const TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "info",
    "biz",
    "uk",
    "de",
    "fr",
    "nl",
    "eu",
    "ca",
    "au",
    "jp",
    "cn",
    "ch",
    "se",
    "fi",
    "dk",
    "ru",
    "br",
    "nz",
    "za",
    "kr",
    "sg",
    "ie",
    "local",
    "localdomain",
    "lan",
    "internal",
    "intra",
    "corp",
    "home",
    "arpa",
    "cloud",
    "dev",
    "app",
    "test",
    "example",
    "invalid",
    "gov",
    "edu",
    "mil",
    "azure",
    "microsoft",
    "ms",
    "us",
];

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("{pattern}: {e}")))
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        fn $name() -> &'static Regex {
            static CELL: OnceLock<Regex> = OnceLock::new();
            re(&CELL, $re)
        }
    };
}

pattern!(
    jwt,
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?"
);
pattern!(
    scheme_value,
    r#"(?i)\b(bearer|sharedaccesssignature|basic)(\s+)([^\s"',;]+)"#
);
pattern!(
    assigned,
    r#"(?i)\b(password|passwd|pwd|client_secret|secret|access_token|refresh_token|id_token|token|sig|signature|sharedaccesskey|accountkey|access_?key|primary_?key|secondary_?key|relay_?key|api_?key)(\s*=\s*"?|"?\s*:\s*")([^\s&;,"'<>]+)"#
);
pattern!(
    colon_secret,
    r#"(?i)\b(password|passwd|pwd|client_secret|secret|access_?key|primary_?key|secondary_?key|relay_?key|api_?key)(\s*:\s*)([^\s&;,"'<>]+)"#
);
pattern!(long_hex, r"\b[0-9a-fA-F]{32,}\b");
pattern!(long_b64, r"[A-Za-z0-9+/_-]{40,}={0,2}");
pattern!(
    arm_segment,
    r#"(?i)/(subscriptions|resourceGroups|machines|virtualMachines|virtualMachineInstances)/([^/\s"'?#<>,;)\]]+)"#
);
pattern!(
    flag_value,
    r#"(?:^|\s)(--resource-group|-g|--name|-n|--machine-name|--vm-name|--subscription|--subscription-id|--local-user|-ResourceGroupName|-Name|-SubscriptionId|-LocalUser)\s+["']?([^\s"'<$-][^\s"']*)"#
);
pattern!(
    quoted,
    r#"(?i)\b(resource group|machine|server|endpoint for|vm) ['"]([^'"\s<>]+)['"]"#
);
pattern!(
    email,
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
);
pattern!(
    home,
    r#"(?i)(?:/home/|/Users/|\\Users\\|/var/home/)([^/\\\s"':;,<>$~]+)"#
);
pattern!(
    guid,
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
);
pattern!(
    url_host,
    r#"(?i)\b[a-z][a-z0-9+.-]*://(?:[^/\s@"']*@)?(\[[0-9a-f:.]+\]|[^/\s:?#"'<>\\]+)"#
);
pattern!(ipv4, r"\b(?:\d{1,3}\.){3}\d{1,3}\b");
pattern!(ipv6, r"(?i)[0-9a-f]{0,4}:[0-9a-f:.]*:[0-9a-f.]*");
pattern!(
    fqdn,
    r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b"
);

/// Replaces everything token-like by `<secret>`, and remembers values only their
/// context showed to be secret so that they go wherever else they appear too.
pub fn strip_secrets(text: &str, learned: &mut Vec<String>) -> String {
    let mut s = jwt().replace_all(text, SECRET).into_owned();
    for pat in [scheme_value(), assigned(), colon_secret()] {
        s = pat
            .replace_all(&s, |c: &Captures| {
                let value = &c[3];
                if value != SECRET && !value.starts_with('<') {
                    if value.len() >= 6 {
                        learned.push(value.to_string());
                    }
                    format!("{}{}{SECRET}", &c[1], &c[2])
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
    }
    s = long_hex().replace_all(&s, SECRET).into_owned();
    long_b64()
        .replace_all(&s, |c: &Captures| {
            let run = &c[0];
            let mixed = run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit());
            // A path is a long run too; a key has '+' or padding when it has '/'.
            let pathlike = run.contains('/') && !run.contains('+') && !run.ends_with('=');
            if mixed && !pathlike {
                SECRET.to_string()
            } else {
                run.to_string()
            }
        })
        .into_owned()
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

    /// Every value learned so far with its placeholder (tests and the Markdown legend).
    pub fn placeholders(&mut self) -> Vec<(String, String)> {
        let built = self.build();
        let replacements = built.replacements.clone();
        self.entries
            .iter()
            .map(|(v, _)| v.clone())
            .zip(replacements)
            .collect()
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
