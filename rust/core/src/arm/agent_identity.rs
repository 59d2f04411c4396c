//! A token from the Connected Machine agent's managed identity, for `ssh-troubleshoot
//! server` when nobody on the server is signed in to Azure.
//!
//! The agent serves the identity on loopback (`IDENTITY_ENDPOINT`, by default
//! `http://localhost:40342/metadata/identity/oauth2/token`) behind a challenge: the
//! first request is answered 401 with `WWW-Authenticate: Basic realm=<key file>`, and
//! only a caller who can read that file (root, or the `himds` group) may send its
//! content back as the `Authorization: Basic` value. The realm is a path the local
//! endpoint chooses, so it is read only when it names a `.key` file of at most 4 KiB
//! directly inside the agent's token folder.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::platform::Os;

pub const DEFAULT_ENDPOINT: &str = "http://localhost:40342/metadata/identity/oauth2/token";
const API_VERSION: &str = "2020-06-01";
const MAX_KEY_BYTES: u64 = 4096;
const MAX_ANSWER_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    #[error("the agent's identity endpoint {0} is not a plain-http loopback address")]
    NotLoopback(String),
    #[error("the agent's identity endpoint did not answer: {0}")]
    Unreachable(String),
    #[error("the agent's identity endpoint answered {0} where a 401 challenge was expected")]
    NoChallenge(u16),
    #[error("the agent's challenge names {0}, which is not a key file in {1}")]
    KeyOutsideFolder(String, String),
    #[error(
        "cannot read the agent's key file {0}: {1} (run as root or as a member of the himds group)"
    )]
    KeyUnreadable(String, String),
    #[error("the agent's identity endpoint refused the token request: HTTP {0}")]
    Refused(u16),
    #[error("the agent's identity endpoint gave no access_token")]
    NoToken,
}

/// Where the agent keeps its challenge key files.
pub fn key_folder(os: Os, program_data: Option<&str>) -> PathBuf {
    match os {
        Os::Windows => {
            let base = program_data.unwrap_or(r"C:\ProgramData");
            PathBuf::from(format!(
                r"{}\AzureConnectedMachineAgent\Tokens",
                base.trim_end_matches('\\')
            ))
        }
        Os::Linux | Os::Macos => PathBuf::from("/var/opt/azcmagent/tokens"),
    }
}

/// An access token for `resource` (e.g. `https://management.azure.com/`) from the agent.
pub fn token(
    endpoint: &str,
    resource: &str,
    key_folder: &Path,
    timeout: Duration,
) -> Result<String, IdentityError> {
    let url = LoopbackUrl::parse(endpoint)?;
    let path = format!(
        "{}?api-version={API_VERSION}&resource={}",
        url.path,
        super::path::encode_segment(resource)
    );
    let deadline = Instant::now() + timeout;
    let challenge = get(&url, &path, None, deadline)?;
    if challenge.status != 401 {
        return Err(IdentityError::NoChallenge(challenge.status));
    }
    let realm = challenge
        .header("www-authenticate")
        .and_then(|v| {
            v.split_once("realm=")
                .map(|(_, r)| r.trim().trim_matches('"'))
        })
        .unwrap_or_default()
        .to_string();
    let key = read_key(&realm, key_folder)?;
    let answer = get(&url, &path, Some(&key), deadline)?;
    if answer.status != 200 {
        return Err(IdentityError::Refused(answer.status));
    }
    serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_string))
        .filter(|t| !t.is_empty())
        .ok_or(IdentityError::NoToken)
}

fn read_key(realm: &str, folder: &Path) -> Result<String, IdentityError> {
    let outside =
        || IdentityError::KeyOutsideFolder(realm.to_string(), folder.display().to_string());
    let given = Path::new(realm);
    if realm.is_empty() || given.extension().is_none_or(|e| e != "key") {
        return Err(outside());
    }
    let unreadable = |e: std::io::Error| IdentityError::KeyUnreadable(realm.into(), e.to_string());
    // Both sides resolved, so neither `..` nor a link can lead out of the folder.
    let resolved = std::fs::canonicalize(given).map_err(unreadable)?;
    let folder = std::fs::canonicalize(folder).map_err(|_| outside())?;
    if resolved.parent() != Some(folder.as_path()) {
        return Err(outside());
    }
    let meta = std::fs::metadata(&resolved).map_err(unreadable)?;
    if !meta.is_file() || meta.len() > MAX_KEY_BYTES {
        return Err(outside());
    }
    let mut key = String::new();
    std::fs::File::open(&resolved)
        .and_then(|f| f.take(MAX_KEY_BYTES).read_to_string(&mut key))
        .map_err(unreadable)?;
    Ok(key.trim().to_string())
}

struct LoopbackUrl {
    host: String,
    port: u16,
    path: String,
}

impl LoopbackUrl {
    fn parse(endpoint: &str) -> Result<LoopbackUrl, IdentityError> {
        let bad = || IdentityError::NotLoopback(endpoint.to_string());
        let rest = endpoint.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h, p.parse::<u16>().map_err(|_| bad())?)
            }
            _ => (authority, 80),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !matches!(host, "localhost" | "127.0.0.1" | "::1") {
            return Err(bad());
        }
        Ok(LoopbackUrl {
            host: host.to_string(),
            port,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
        })
    }
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 GET on loopback, bounded by `deadline`; the key never leaves this call.
fn get(
    url: &LoopbackUrl,
    path: &str,
    key: Option<&str>,
    deadline: Instant,
) -> Result<Answer, IdentityError> {
    let unreachable = |e: std::io::Error| IdentityError::Unreachable(e.to_string());
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| IdentityError::Unreachable("timed out".into()))
    };
    let addr = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(unreachable)?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| IdentityError::NotLoopback(url.host.clone()))?;
    let mut stream = TcpStream::connect_timeout(&addr, left()?).map_err(unreachable)?;
    stream
        .set_write_timeout(Some(left()?))
        .map_err(unreachable)?;
    let auth = key.map_or(String::new(), |k| format!("Authorization: Basic {k}\r\n"));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}:{}\r\nMetadata: true\r\n{auth}Connection: close\r\n\r\n",
        url.host, url.port
    );
    stream.write_all(request.as_bytes()).map_err(unreachable)?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        stream
            .set_read_timeout(Some(left()?))
            .map_err(unreachable)?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) if raw.len() + n > MAX_ANSWER_BYTES => {
                return Err(IdentityError::Unreachable("answer too large".into()));
            }
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreachable(e)),
        }
    }
    parse_answer(&raw).ok_or_else(|| IdentityError::Unreachable("not an HTTP answer".into()))
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Some(Answer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
#[path = "agent_identity_tests.rs"]
mod tests;
