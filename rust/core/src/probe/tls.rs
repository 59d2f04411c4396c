//! A TLS handshake with certificate validation to `host:port`, directly or through an
//! HTTP proxy (`CONNECT`), bounded by a timeout. No HTTP is spoken to the target.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An HTTP proxy as `azcmagent config set proxy.url` takes it: `http://[user:pass@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// `user:pass`, sent as Basic `Proxy-Authorization`.
    pub auth: Option<String>,
}

impl Proxy {
    /// Parses a proxy URL; a missing port is 80 (as the agent documents).
    pub fn parse(url: &str) -> Result<Proxy, String> {
        let url = url.trim();
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "proxy scheme {scheme} is not supported (http only)"
                ));
            }
            None => url,
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (auth, hostport) = match authority.rsplit_once('@') {
            Some((a, h)) => (Some(a.to_string()), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport, 80)?;
        Ok(Proxy { host, port, auth })
    }

    /// `host:port`, without credentials.
    pub fn display(&self) -> String {
        format!("http://{}", join_host_port(&self.host, self.port))
    }
}

/// `host:port` or `[v6]:port`; `default` when no port is given.
pub fn split_host_port(s: &str, default: u16) -> Result<(String, u16), String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not host:port");
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if after.is_empty() => default,
            None => return Err(bad()),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && !h.is_empty() => {
            Ok((h.to_string(), p.parse().map_err(|_| bad())?))
        }
        None if !s.is_empty() => Ok((s.to_string(), default)),
        _ => Err(bad()),
    }
}

fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What one attempt saw.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The address connected to (the proxy's when one is used).
    pub address: Option<SocketAddr>,
    /// The negotiated TLS version (`TLSv1_3`), or why there is none.
    pub result: Result<String, String>,
}

/// Connects to `host:port` (through `proxy` if given) and completes a TLS handshake
/// validated by `tls`, all within `timeout`. Blocking DNS is not interruptible; run it
/// on a thread and stop waiting at the timeout (see [`reach_all`]).
pub fn reach(
    host: &str,
    port: u16,
    proxy: Option<&Proxy>,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Reach {
    let deadline = Instant::now() + timeout;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let (dial_host, dial_port) = match proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (host, port),
    };
    let addrs: Vec<SocketAddr> = match (dial_host, dial_port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            return Reach {
                address: None,
                result: Err(format!("cannot resolve {dial_host}: {e}")),
            };
        }
    };
    let mut last = format!("{dial_host} resolved to no address");
    let mut sock = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, left()) {
            Ok(s) => {
                sock = Some((s, *a));
                break;
            }
            Err(e) => last = format!("TCP connect to {a} failed: {e}"),
        }
    }
    let Some((mut sock, address)) = sock else {
        return Reach {
            address: addrs.first().copied(),
            result: Err(last),
        };
    };
    let result = (|| {
        sock.set_read_timeout(Some(left()))
            .map_err(|e| e.to_string())?;
        sock.set_write_timeout(Some(left()))
            .map_err(|e| e.to_string())?;
        if let Some(p) = proxy {
            connect_through(&mut sock, p, host, port)?;
        }
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| format!("{host} is not a valid TLS server name: {e}"))?;
        let mut conn = rustls::ClientConnection::new(tls, name).map_err(|e| e.to_string())?;
        while conn.is_handshaking() {
            sock.set_read_timeout(Some(left()))
                .map_err(|e| e.to_string())?;
            conn.complete_io(&mut sock).map_err(|e| match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    "TLS handshake timed out".to_string()
                }
                std::io::ErrorKind::UnexpectedEof => {
                    "the peer closed the connection during the TLS handshake".to_string()
                }
                _ => format!("TLS handshake failed: {e}"),
            })?;
        }
        Ok(conn
            .protocol_version()
            .map_or("TLS".into(), |v| format!("{v:?}")))
    })();
    Reach {
        address: Some(address),
        result,
    }
}

fn connect_through(sock: &mut TcpStream, p: &Proxy, host: &str, port: u16) -> Result<(), String> {
    let target = join_host_port(host, port);
    let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = &p.auth {
        req.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64(auth.as_bytes())
        ));
    }
    req.push_str("\r\n");
    sock.write_all(req.as_bytes())
        .map_err(|e| format!("proxy {}: {e}", p.display()))?;
    // Read the answer byte by byte so no TLS bytes are swallowed by a buffer.
    let mut reader = BufReader::with_capacity(1, &mut *sock);
    let mut status = String::new();
    reader
        .read_line(&mut status)
        .map_err(|e| format!("proxy {} did not answer CONNECT: {e}", p.display()))?;
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| format!("proxy {}: {e}", p.display()))?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code == "200" {
        Ok(())
    } else if status.is_empty() {
        Err(format!(
            "proxy {} closed the connection on CONNECT",
            p.display()
        ))
    } else {
        Err(format!(
            "proxy {} refused CONNECT {target}: {}",
            p.display(),
            status.trim()
        ))
    }
}

pub(crate) fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// [`reach`] for every `(host, port)` at once, each on its own thread, each given up at
/// `timeout` (plus a short grace) even if DNS hangs. Results are in input order.
pub fn reach_all(
    targets: &[(String, u16)],
    proxy: Option<&Proxy>,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Vec<Reach> {
    let (tx, rx) = std::sync::mpsc::channel();
    for (i, (host, port)) in targets.iter().enumerate() {
        let (tx, host, port, proxy, tls) =
            (tx.clone(), host.clone(), *port, proxy.cloned(), tls.clone());
        std::thread::spawn(move || {
            let _ = tx.send((i, reach(&host, port, proxy.as_ref(), tls, timeout)));
        });
    }
    drop(tx);
    let deadline = Instant::now() + timeout + Duration::from_millis(500);
    let mut out: Vec<Option<Reach>> = vec![None; targets.len()];
    while out.iter().any(Option::is_none) {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((i, r)) => out[i] = Some(r),
            Err(_) => break,
        }
    }
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Reach {
                address: None,
                result: Err(format!(
                    "no answer within {} ms (name resolution or connect hung)",
                    timeout.as_millis()
                )),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert_eq!(
            Proxy::parse("http://user:p%40ss@proxy.contoso.com:8080/").unwrap(),
            Proxy {
                host: "proxy.contoso.com".into(),
                port: 8080,
                auth: Some("user:p%40ss".into())
            }
        );
        assert_eq!(Proxy::parse("proxy:3128").unwrap().port, 3128);
        assert_eq!(Proxy::parse("http://proxy").unwrap().port, 80);
        assert!(Proxy::parse("socks5://proxy:1080").is_err());
    }

    #[test]
    fn host_ports() {
        assert_eq!(
            split_host_port("[::1]:443", 1).unwrap(),
            ("::1".into(), 443)
        );
        assert_eq!(
            split_host_port("a.b:8443", 1).unwrap(),
            ("a.b".into(), 8443)
        );
        assert_eq!(split_host_port("a.b", 443).unwrap(), ("a.b".into(), 443));
        assert!(split_host_port("a.b:x", 1).is_err());
        assert!(split_host_port("::1", 1).is_err());
    }

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
