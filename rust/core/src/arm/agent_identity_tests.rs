//! The agent's identity challenge against a real HTTP server thread on loopback.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

const TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJhcm0ifQ.agent-token-MARKER";
const KEY: &str = "c2VjcmV0LWtleS1NQVJLRVI=";

/// Serves `answers` in order, one per connection; records each request head.
fn serve(answers: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = s.write_all(answer.as_bytes());
        }
    });
    (
        format!("http://127.0.0.1:{port}/metadata/identity/oauth2/token"),
        seen,
    )
}

fn challenge(realm: &str) -> String {
    format!(
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm={realm}\r\nContent-Length: 0\r\n\r\n"
    )
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn key_folder_with(name: &str, content: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path.display().to_string())
}

const SECOND: Duration = Duration::from_secs(3);

#[test]
fn answers_the_challenge_with_the_key_file_and_returns_the_token() {
    let (dir, key_path) = key_folder_with("abc.key", &format!("{KEY}\n"));
    let body = format!(r#"{{"access_token":"{TOKEN}","expires_in":"3600"}}"#);
    let (endpoint, seen) = serve(vec![challenge(&key_path), ok(&body)]);
    let got = token(
        &endpoint,
        "https://management.azure.com/",
        dir.path(),
        SECOND,
    )
    .unwrap();
    assert_eq!(got, TOKEN);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].starts_with(
        "GET /metadata/identity/oauth2/token?api-version=2020-06-01&resource=https%3A%2F%2Fmanagement.azure.com%2F HTTP/1.1\r\n"
    ));
    assert!(seen[0].contains("Metadata: true\r\n"));
    assert!(!seen[0].contains("Authorization"));
    assert!(seen[1].contains(&format!("Authorization: Basic {KEY}\r\n")));
}

#[test]
fn a_chunked_answer_is_read() {
    let (dir, key_path) = key_folder_with("k.key", KEY);
    let body = format!(r#"{{"access_token":"{TOKEN}"}}"#);
    let chunked = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        10,
        &body[..10],
        body.len() - 10,
        &body[10..]
    );
    let (endpoint, _) = serve(vec![challenge(&key_path), chunked]);
    assert_eq!(token(&endpoint, "r", dir.path(), SECOND).unwrap(), TOKEN);
}

#[test]
fn a_realm_outside_the_token_folder_is_never_read() {
    let (dir, _) = key_folder_with("real.key", KEY);
    let (elsewhere, other) = key_folder_with("other.key", "not-for-you");
    let (endpoint, seen) = serve(vec![challenge(&other)]);
    let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
    assert!(matches!(e, IdentityError::KeyOutsideFolder(..)), "{e}");
    assert_eq!(seen.lock().unwrap().len(), 1, "no second request");

    // `..` and links are resolved before the folder is compared.
    let sneaky = format!("{}/../{}", dir.path().display(), "x.key");
    let (endpoint, _) = serve(vec![challenge(&sneaky)]);
    assert!(token(&endpoint, "r", dir.path(), SECOND).is_err());
    let link = dir.path().join("link.key");
    std::os::unix::fs::symlink(&other, &link).unwrap();
    let (endpoint, _) = serve(vec![challenge(&link.display().to_string())]);
    let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
    assert!(matches!(e, IdentityError::KeyOutsideFolder(..)), "{e}");
    drop(elsewhere);
}

#[test]
fn only_key_files_of_at_most_4_kib() {
    let (dir, not_key) = key_folder_with("passwd", "x");
    let (endpoint, _) = serve(vec![challenge(&not_key)]);
    let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
    assert!(matches!(e, IdentityError::KeyOutsideFolder(..)));
    let big = dir.path().join("big.key");
    std::fs::write(&big, vec![b'a'; 5000]).unwrap();
    let (endpoint, _) = serve(vec![challenge(&big.display().to_string())]);
    let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
    assert!(matches!(e, IdentityError::KeyOutsideFolder(..)));
}

#[test]
fn an_unreadable_key_says_who_may_read_it() {
    if crate::probe::user::current().uid == 0 {
        // root reads any file; the mode cannot refuse it.
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (dir, key_path) = key_folder_with("a.key", KEY);
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (endpoint, _) = serve(vec![challenge(&key_path)]);
    let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
    assert!(e.to_string().contains("himds"), "{e}");
}

#[test]
fn refusals_and_odd_answers_are_errors_without_the_key() {
    let (dir, key_path) = key_folder_with("a.key", KEY);
    let cases = [
        (vec![ok("{}")], "NoChallenge"),
        (
            vec![
                challenge(&key_path),
                "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".into(),
            ],
            "Refused",
        ),
        (
            vec![challenge(&key_path), ok(r#"{"token_type":"Bearer"}"#)],
            "NoToken",
        ),
        (
            vec![challenge(&key_path), "garbage without head".into()],
            "Unreachable",
        ),
    ];
    for (answers, want) in cases {
        let (endpoint, _) = serve(answers);
        let e = token(&endpoint, "r", dir.path(), SECOND).unwrap_err();
        assert!(format!("{e:?}").starts_with(want), "{want}: {e:?}");
        assert!(!e.to_string().contains(KEY));
    }
}

#[test]
fn a_silent_endpoint_is_bounded_by_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _hold = std::thread::spawn(move || {
        let kept = listener.accept();
        std::thread::sleep(Duration::from_secs(5));
        drop(kept);
    });
    let start = std::time::Instant::now();
    let e = token(
        &format!("http://127.0.0.1:{port}/t"),
        "r",
        std::path::Path::new("/nonexistent"),
        Duration::from_millis(500),
    )
    .unwrap_err();
    assert!(matches!(e, IdentityError::Unreachable(_)), "{e:?}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn only_plain_http_on_loopback() {
    for bad in [
        "https://localhost:40342/x",
        "http://example.com/x",
        "http://10.0.0.1:40342/x",
        "ftp://localhost/x",
        "http://localhost:notaport/x",
    ] {
        let e = token(bad, "r", std::path::Path::new("/tmp"), SECOND).unwrap_err();
        assert!(matches!(e, IdentityError::NotLoopback(_)), "{bad}: {e:?}");
    }
    for good in [
        DEFAULT_ENDPOINT,
        "http://127.0.0.1:1/a",
        "http://[::1]:40342/a",
        "http://localhost/a",
    ] {
        assert!(LoopbackUrl::parse(good).is_ok(), "{good}");
    }
}

#[test]
fn key_folders_per_platform() {
    assert_eq!(
        key_folder(Os::Linux, None),
        PathBuf::from("/var/opt/azcmagent/tokens")
    );
    assert_eq!(
        key_folder(Os::Windows, Some(r"D:\ProgramData\")),
        PathBuf::from(r"D:\ProgramData\AzureConnectedMachineAgent\Tokens")
    );
    assert_eq!(
        key_folder(Os::Windows, None),
        PathBuf::from(r"C:\ProgramData\AzureConnectedMachineAgent\Tokens")
    );
}
