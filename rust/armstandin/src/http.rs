//! A minimal HTTP/1.1 server side: read one request, write one answer.

use crate::scenario::parse_query;
use std::io::{self, BufRead, BufReader, Read, Write};

pub const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_HEAD: usize = 64 * 1024;

pub struct Request {
    pub method: String,
    /// The path as sent, without the query.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client asked to close the connection after this answer.
    pub close: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub enum ReadError {
    /// The client went away (or never finished the TLS handshake): nothing to answer.
    Closed,
    /// A request we answer with this status and message, then close.
    Bad(u16, String),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

fn read_line<R: BufRead>(r: &mut R, budget: &mut usize) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = r
        .by_ref()
        .take(*budget as u64)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        if n >= *budget {
            return Err(ReadError::Bad(431, "request head too large".into()));
        }
        return Err(ReadError::Closed);
    }
    *budget -= n;
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Reads the next request of the connection; `Ok(None)` when the client closed between requests.
pub fn read_request<S: Read + Write>(r: &mut BufReader<S>) -> Result<Option<Request>, ReadError> {
    let mut budget = MAX_HEAD;
    let line = loop {
        match read_line(r, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue, // tolerate stray CRLF between requests
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(
            400,
            format!("malformed request line {line:?}"),
        ));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(ReadError::Bad(
            400,
            format!("malformed request line {line:?}"),
        ));
    }
    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(r, &mut budget)? else {
            return Err(ReadError::Closed);
        };
        if h.is_empty() {
            break;
        }
        let Some((k, v)) = h.split_once(':') else {
            return Err(ReadError::Bad(400, format!("malformed header line {h:?}")));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: parse_query(query),
        headers,
        body: Vec::new(),
        close: false,
    };
    let conn = req.header("connection").unwrap_or("").to_ascii_lowercase();
    req.close = conn.contains("close") || (version == "HTTP/1.0" && !conn.contains("keep-alive"));
    if req.header("transfer-encoding").is_some() {
        return Err(ReadError::Bad(
            400,
            "Transfer-Encoding request bodies are not supported; send Content-Length".into(),
        ));
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ReadError::Bad(400, format!("bad Content-Length {v:?}")))?,
    };
    if len > MAX_BODY {
        return Err(ReadError::Bad(
            413,
            format!("body of {len} bytes is over 16 MiB"),
        ));
    }
    if len > 0 {
        if req
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            let w = r.get_mut();
            w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            w.flush()?;
        }
        req.body = vec![0; len];
        r.read_exact(&mut req.body)?;
    }
    Ok(Some(req))
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Whether an answer with this status carries no body (and no Content-Length).
pub fn bodiless(status: u16) -> bool {
    status < 200 || status == 204 || status == 304
}

/// The status line and headers; `content_length` is left out for bodiless statuses.
pub fn head(
    status: u16,
    headers: &[(String, String)],
    content_length: usize,
    close: bool,
) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    if !bodiless(status) {
        s.push_str(&format!("content-length: {content_length}\r\n"));
    }
    if close {
        s.push_str("connection: close\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}
