//! Reading (never verifying) the claims of a JWT access token, for the sign-in check.
//!
//! Nothing here logs or returns the token: errors describe only its shape.

use serde_json::Value;

/// Tokens longer than this are refused unread (real ARM tokens are 1-4 KB).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The claims the doctor reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// `tid`: the tenant the token was issued in.
    pub tenant: Option<String>,
    /// `oid`: the signed-in principal's object id.
    pub object_id: Option<String>,
    /// `upn`, else `unique_name`, else `preferred_username`, else `appid`/`azp` (service
    /// principals and managed identities have no user name).
    pub user: Option<String>,
    /// `exp`, Unix seconds.
    pub expires: Option<u64>,
    /// `aud` (the first one when it is a list).
    pub audience: Option<String>,
    /// What kind of principal signed in, from the claims that tell them apart.
    pub identity: Identity,
}

/// The kind of principal a token was issued to. Only a user can get a Microsoft Entra
/// SSH certificate, so the doctor needs to tell these apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Identity {
    /// A person: a delegated token (`scp`, or a user name claim).
    User,
    /// An application (service principal): `idtyp` `app`, or no user and no `scp`.
    ServicePrincipal,
    /// A managed identity: an app token naming its Azure resource (`xms_mirid`).
    ManagedIdentity,
    /// The claims say neither.
    #[default]
    Unknown,
}

impl Identity {
    pub fn describe(self) -> &'static str {
        match self {
            Identity::User => "a user",
            Identity::ServicePrincipal => "a service principal",
            Identity::ManagedIdentity => "a managed identity",
            Identity::Unknown => "an identity of unknown kind",
        }
    }
}

/// Why a token's claims could not be read. The Display never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is empty")]
    Empty,
    #[error("the access token is {0} bytes long, more than the 64 KB a token can be")]
    TooLarge(usize),
    #[error("the access token is not a JWT (expected three dot-separated parts, found {0})")]
    NotAJwt(usize),
    #[error("the access token's claims are not valid base64url")]
    BadBase64,
    #[error("the access token's claims are not a JSON object")]
    BadJson,
}

impl TokenError {
    /// A stable identifier per variant.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Empty => "token-empty",
            TokenError::TooLarge(_) => "token-too-large",
            TokenError::NotAJwt(_) => "token-not-jwt",
            TokenError::BadBase64 => "token-bad-base64",
            TokenError::BadJson => "token-bad-json",
        }
    }
}

/// Reads the claims of `token` (a JWS compact serialization: `header.claims.signature`)
/// without verifying its signature. Base64url without padding; padding and the standard
/// alphabet (`+`, `/`) are tolerated. Surrounding whitespace and a `Bearer ` prefix are
/// ignored.
pub fn claims(token: &str) -> Result<TokenClaims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge(token.len()));
    }
    let token = token.trim();
    let token = match token.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if token.eq_ignore_ascii_case("bearer") => "",
        _ => token,
    };
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(TokenError::NotAJwt(parts.len()));
    }
    let bytes = decode_base64url(parts[1]).ok_or(TokenError::BadBase64)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| TokenError::BadJson)?;
    let obj = value.as_object().ok_or(TokenError::BadJson)?;
    let text = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let user = ["upn", "unique_name", "preferred_username", "appid", "azp"]
        .iter()
        .find_map(|k| text(k));
    let expires = obj.get("exp").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let audience = match obj.get("aud") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.iter().find_map(Value::as_str).map(str::to_string),
        _ => None,
    };
    Ok(TokenClaims {
        tenant: text("tid"),
        object_id: text("oid"),
        user,
        expires,
        audience,
        identity: identity(&text),
    })
}

/// Managed identity tokens are app tokens that also name the Azure resource holding the
/// identity (`xms_mirid`); v2 tokens say `idtyp`; v1 app tokens carry no `scp` and no
/// user name.
fn identity(text: &dyn Fn(&str) -> Option<String>) -> Identity {
    if text("xms_mirid").is_some() {
        return Identity::ManagedIdentity;
    }
    match text("idtyp").as_deref() {
        Some("app") => return Identity::ServicePrincipal,
        Some("user") => return Identity::User,
        _ => {}
    }
    let named = ["upn", "unique_name", "preferred_username"]
        .iter()
        .any(|k| text(k).is_some());
    if named || text("scp").is_some() {
        Identity::User
    } else if text("appid").or_else(|| text("azp")).is_some() {
        Identity::ServicePrincipal
    } else {
        Identity::Unknown
    }
}

/// True when the token has expired: `now_unix >= exp + skew_seconds`. The skew
/// tolerates a local clock running ahead, so a token is not called expired on a clock
/// difference alone. Unknown expiry (`exp` absent) is not expired.
pub fn is_expired(claims: &TokenClaims, now_unix: u64, skew_seconds: u64) -> bool {
    claims
        .expires
        .is_some_and(|exp| now_unix >= exp.saturating_add(skew_seconds))
}

/// Decodes base64url (or standard base64), with or without `=` padding.
pub(crate) fn decode_base64url(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `2026-11-23T20:00:00Z` for a unix time: evidence that reads the same in every run.
pub fn utc_text(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), shifted so that
    // eras start on 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
