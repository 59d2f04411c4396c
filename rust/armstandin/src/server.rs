//! TLS listener, one thread per connection, answers, faults and the request log.

use crate::http::{self, ReadError, Request};
use crate::log::{RequestLog, new_id};
use crate::scenario::{Fault, Route, Router, Scenario};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde::Serialize;
use serde_json::json;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type Conn = BufReader<StreamOwned<ServerConnection, TcpStream>>;

/// The one line printed on stdout once the server listens.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub port: u16,
    pub url: String,
    pub ca_bundle: PathBuf,
    pub request_log: PathBuf,
}

pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

struct Shared {
    router: Router,
    fleet: Option<crate::fleet::Fleet>,
    log: RequestLog,
    tls: Arc<ServerConfig>,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes the CA and certificate into `state_dir`, binds 127.0.0.1:`port`.
pub fn bind(mut scenario: Scenario, port: u16, state_dir: &Path) -> io::Result<(Started, Server)> {
    fs::create_dir_all(state_dir)?;
    let dir = state_dir.canonicalize()?;
    let certs = crate::certs::generate().map_err(other)?;
    let ca_bundle = dir.join("ca.pem");
    fs::write(&ca_bundle, &certs.ca_pem)?;
    fs::write(dir.join("server.pem"), &certs.server_pem)?;
    let request_log = dir.join("requests.jsonl");
    let log = File::create(&request_log)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(other)?
        .with_no_client_auth()
        .with_single_cert(vec![certs.server_der], certs.server_key)
        .map_err(other)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];

    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    let started = Started {
        port,
        url: format!("https://127.0.0.1:{port}"),
        ca_bundle,
        request_log,
    };
    let fleet = scenario.fleet.take().map(crate::fleet::Fleet::new);
    let shared = Arc::new(Shared {
        fleet,
        router: Router::new(scenario),
        log: RequestLog::new(log),
        tls: Arc::new(tls),
    });
    Ok((started, Server { listener, shared }))
}

impl Server {
    /// Accepts connections forever.
    pub fn serve(self) {
        for tcp in self.listener.incoming().flatten() {
            let shared = self.shared.clone();
            thread::spawn(move || connection(&shared, tcp));
        }
    }
}

fn connection(shared: &Shared, tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let Ok(tls) = ServerConnection::new(shared.tls.clone()) else {
        return;
    };
    let mut conn = BufReader::new(StreamOwned::new(tls, tcp));
    loop {
        let outcome = match http::read_request(&mut conn) {
            Ok(Some(req)) => answer(shared, &mut conn, &req),
            Ok(None) | Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status, msg)) => {
                let body = error_body("BadRequest", &msg);
                let _ = send(&mut conn, status, base_headers(None), &body, true);
                Next::Close
            }
        };
        match outcome {
            Next::KeepAlive => continue,
            Next::Close => {
                let s = conn.get_mut();
                s.conn.send_close_notify();
                let _ = s.flush();
                return;
            }
            Next::Abort => return,
        }
    }
}

enum Next {
    KeepAlive,
    Close,
    /// Drop the connection without a TLS close_notify.
    Abort,
}

fn answer(shared: &Shared, conn: &mut Conn, req: &Request) -> Next {
    let scenario = &shared.router.scenario;
    if let Some(token) = &scenario.token
        && req.method.eq_ignore_ascii_case("GET")
        && req.path.eq_ignore_ascii_case("/msi/token")
    {
        shared.log.record(req, None);
        let (status, body) = msi_token(token, req);
        return finish(conn, req, status, base_headers(Some(req)), &body);
    }
    let bearer = req
        .header("authorization")
        .and_then(|a| a.split_once(' '))
        .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer") && !t.trim().is_empty());
    let found = shared.router.find(&req.method, &req.path, &req.query, |r| {
        bearer || !r.require_bearer
    });
    if found.is_none()
        && let Some(answer) = shared.fleet.as_ref().and_then(|f| f.answer(req))
    {
        return fleet_answer(shared, conn, req, bearer, answer);
    }
    shared.log.record(req, found);
    let Some(route) = found.map(|i| &scenario.routes[i]) else {
        let msg = format!("no route for {} {}", req.method, req.path);
        return finish(
            conn,
            req,
            404,
            base_headers(Some(req)),
            &error_body("NotFound", &msg),
        );
    };
    if route.require_bearer && !bearer {
        return missing_authorization(conn, req);
    }
    answer_route(conn, req, route)
}

/// ARM's 401 for a call without a bearer token, challenge header included.
fn missing_authorization(conn: &mut Conn, req: &Request) -> Next {
    let mut headers = base_headers(Some(req));
    headers.push((
        "www-authenticate".into(),
        "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"".into(),
    ));
    let msg = "Authentication failed. The 'Authorization' header is missing.";
    finish(
        conn,
        req,
        401,
        headers,
        &error_body("AuthenticationFailed", msg),
    )
}

/// The route's answer, after its delay, or the fault it stands for.
fn answer_route(conn: &mut Conn, req: &Request, route: &Route) -> Next {
    if route.delay_ms > 0 {
        thread::sleep(Duration::from_millis(route.delay_ms));
    }
    let headers = route_headers(req, route);
    let body = route.body_bytes();
    let Some(fault) = &route.fault else {
        return finish(conn, req, route.status, headers, &body);
    };
    match fault {
        Fault::Reset => {
            reset(&conn.get_ref().sock);
            Next::Abort
        }
        Fault::Truncate => {
            let mut out = http::head(route.status, &headers, body.len() + 100, true);
            out.extend_from_slice(&body);
            match write_flush(conn, &out) {
                Ok(()) => Next::Close,
                Err(_) => Next::Abort,
            }
        }
        Fault::SlowBody => slow_body(conn, req, route.status, &headers, &body),
        Fault::Hang => {
            // Wait (without answering) until the client gives up.
            let mut buf = [0u8; 4096];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            Next::Abort
        }
    }
}

/// The head at once, then the body a byte every 200 ms.
fn slow_body(
    conn: &mut Conn,
    req: &Request,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Next {
    let head = http::head(status, headers, body.len(), req.close);
    if write_flush(conn, &head).is_err() {
        return Next::Abort;
    }
    for b in body {
        thread::sleep(Duration::from_millis(200));
        if write_flush(conn, &[*b]).is_err() {
            return Next::Abort;
        }
    }
    if req.close {
        Next::Close
    } else {
        Next::KeepAlive
    }
}

fn fleet_answer(
    shared: &Shared,
    conn: &mut Conn,
    req: &Request,
    bearer: bool,
    answer: crate::fleet::Answer,
) -> Next {
    shared.log.record_with(req, None, &answer.log);
    if !bearer {
        let msg = "Authentication failed. The 'Authorization' header is missing.";
        let body = error_body("AuthenticationFailed", msg);
        return finish(conn, req, 401, base_headers(Some(req)), &body);
    }
    if answer.delay_ms > 0 {
        thread::sleep(Duration::from_millis(answer.delay_ms));
    }
    let mut headers = base_headers(Some(req));
    headers.extend(answer.headers);
    let body = serde_json::to_vec(&answer.body).unwrap_or_default();
    finish(conn, req, answer.status, headers, &body)
}

fn msi_token(token: &crate::scenario::TokenSpec, req: &Request) -> (u16, Vec<u8>) {
    if req.header("x-identity-header").is_none_or(str::is_empty) {
        let msg = "missing X-IDENTITY-HEADER";
        return (400, error_body("BadRequest", msg));
    }
    let Some(resource) = req.query_param("resource").filter(|r| !r.is_empty()) else {
        return (
            400,
            error_body("BadRequest", "missing resource query parameter"),
        );
    };
    let expires_on = unix_now() + token.expires_in_seconds;
    let body = json!({
        "access_token": token.access_token,
        "expires_on": expires_on.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": "00000000-0000-0000-0000-000000000000",
    });
    (200, body.to_string().into_bytes())
}

fn finish(
    conn: &mut Conn,
    req: &Request,
    status: u16,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> Next {
    match send(conn, status, headers, body, req.close) {
        Ok(()) if req.close => Next::Close,
        Ok(()) => Next::KeepAlive,
        Err(_) => Next::Abort,
    }
}

fn send(
    conn: &mut Conn,
    status: u16,
    headers: Vec<(String, String)>,
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut out = http::head(status, &headers, body.len(), close);
    if !http::bodiless(status) {
        out.extend_from_slice(body);
    }
    write_flush(conn, &out)
}

fn write_flush(conn: &mut Conn, bytes: &[u8]) -> io::Result<()> {
    let s = conn.get_mut();
    s.write_all(bytes)?;
    s.flush()
}

/// Makes the coming close an RST rather than a FIN, where the platform lets us say so.
fn reset(sock: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid socket descriptor and a correctly sized linger struct.
        unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    #[cfg(not(unix))]
    let _ = sock;
}

fn error_body(code: &str, message: &str) -> Vec<u8> {
    json!({"error": {"code": code, "message": message}})
        .to_string()
        .into_bytes()
}

/// content-type and the two ARM ids; the correlation id echoes the client's, as ARM does.
fn base_headers(req: Option<&Request>) -> Vec<(String, String)> {
    let correlation = req
        .and_then(|r| r.header("x-ms-correlation-request-id"))
        .map_or_else(new_id, str::to_string);
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-ms-request-id".into(), new_id()),
        ("x-ms-correlation-request-id".into(), correlation),
    ]
}

fn route_headers(req: &Request, route: &Route) -> Vec<(String, String)> {
    let mut headers = base_headers(Some(req));
    for (k, v) in &route.headers {
        match headers
            .iter_mut()
            .find(|(hk, _)| hk.eq_ignore_ascii_case(k))
        {
            Some(h) => h.1 = v.clone(),
            None => headers.push((k.clone(), v.clone())),
        }
    }
    headers
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
