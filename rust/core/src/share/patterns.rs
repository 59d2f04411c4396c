//! The lists and patterns redaction works with: public endpoints, top-level domains,
//! and the regular expressions for secrets and identifiers.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use super::redact::SECRET;

/// Names that identify no one: left as they are.
pub(super) const HARMLESS: &[&str] = &[
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
pub(super) const PUBLIC_HOSTS: &[&str] = &[
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
pub(super) const PUBLIC_SUFFIXES: &[&str] = &[
    ".microsoft.com",
    ".microsoftonline.com",
    ".his.arc.azure.com",
    ".guestnotificationservice.azure.com",
];
/// Public suffixes under which the first label names the customer's resource: the
/// label becomes a host placeholder, the suffix stays.
pub(super) const LABEL_SUFFIXES: &[&str] = &[
    ".servicebus.windows.net",
    ".blob.core.windows.net",
    ".vault.azure.net",
    ".cloudapp.azure.com",
    ".azurewebsites.net",
];
/// The last label of a host name; file extensions (`.sh`, `.py`, `.md`) are not here.
pub(super) const TLDS: &[&str] = &[
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
        pub(super) fn $name() -> &'static Regex {
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
