use super::*;
use std::io::Write;
use std::net::TcpListener;

const DEBIAN_IDENT: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";

fn ssh() -> Answer {
    classify(DEBIAN_IDENT, false).unwrap()
}

fn l(s: &str) -> Listener {
    let a: SocketAddr = s.parse().unwrap();
    Listener {
        addr: a.ip(),
        port: a.port(),
    }
}

#[test]
fn identification_lines() {
    assert_eq!(
        ssh(),
        Answer::Ssh {
            ident: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3".into(),
            banner: 0
        }
    );
    assert_eq!(
        software("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
        "OpenSSH_9.2p1 Debian-2+deb12u3"
    );
    assert_eq!(
        software("SSH-2.0-OpenSSH_for_Windows_9.5"),
        "OpenSSH_for_Windows_9.5"
    );
    // Banner lines may come first (RFC 4253 4.2).
    let a = classify(
        b"Authorized use only\r\nhello\r\nSSH-2.0-dropbear_2022.83\r\n",
        false,
    );
    assert!(matches!(a, Some(Answer::Ssh { banner: 2, .. })), "{a:?}");
    // Half a line: keep reading.
    assert_eq!(classify(b"SSH-2.0-Open", false), None);
    assert_eq!(classify(b"", false), None);
    assert_eq!(classify(b"", true), Some(Answer::Silent { closed: true }));
}

#[test]
fn strangers_are_shown_sanitised_and_cut() {
    let http = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    assert_eq!(
        classify(http, false),
        None,
        "a banner might follow until it hangs up"
    );
    let Some(Answer::NotSsh(said)) = classify(http, true) else {
        panic!()
    };
    assert!(
        said.starts_with("HTTP/1.1 400 Bad Request\\nContent-Length"),
        "{said}"
    );
    let tls_alert = [0x15u8, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];
    assert_eq!(
        classify(&tls_alert, true),
        Some(Answer::NotSsh("\\x15\\x03\\x01\\x00\\x02\\x02(".into()))
    );
    let flood = vec![b'A'; MAX_READ];
    let Some(Answer::NotSsh(said)) = classify(&flood, false) else {
        panic!()
    };
    assert!(said.chars().count() <= SHOWN + 1);
}

#[test]
fn both_loopbacks_answering_pass_with_the_version() {
    let v = judge(22, &ssh(), &ssh(), &[]);
    assert_eq!((v.status, v.kind), (Status::Pass, Kind::Fine));
    assert!(v.summary.contains("OpenSSH_9.2p1"), "{}", v.summary);
    // No IPv6 on this machine: 127.0.0.1 alone is all there is.
    assert_eq!(
        judge(22, &ssh(), &Answer::NoAddress, &[]).status,
        Status::Pass
    );
}

#[test]
fn one_loopback_only_warns_and_names_the_other() {
    let v = judge(2222, &ssh(), &Answer::Refused, &[]);
    assert_eq!((v.status, v.kind), (Status::Warn, Kind::OneLoopbackOnly));
    assert!(v.summary.contains("not on [::1]:2222"), "{}", v.summary);
    let v = judge(22, &Answer::Refused, &ssh(), &[]);
    assert!(
        v.summary
            .contains("answers on [::1]:22 but not on 127.0.0.1:22"),
        "{}",
        v.summary
    );
}

#[test]
fn a_stranger_on_either_loopback_fails() {
    let v = judge(22, &ssh(), &Answer::NotSsh("HTTP/1.1 400".into()), &[]);
    assert_eq!((v.status, v.kind), (Status::Fail, Kind::NotSsh));
    assert!(v.summary.contains("[::1]:22") && v.summary.contains("HTTP/1.1 400"));
    let v = judge(22, &Answer::Silent { closed: false }, &Answer::Refused, &[]);
    assert_eq!((v.status, v.kind), (Status::Fail, Kind::NotSsh));
}

#[test]
fn ssh_only_on_another_address_is_named() {
    let others = [(l("10.0.0.4:22"), ssh())];
    let v = judge(22, &Answer::Refused, &Answer::Refused, &others);
    assert_eq!((v.status, v.kind), (Status::Fail, Kind::OtherAddressOnly));
    assert!(
        v.summary.contains("10.0.0.4:22 (SSH-2.0-OpenSSH_9.2p1"),
        "{}",
        v.summary
    );
}

#[test]
fn nothing_listening_fails() {
    let v = judge(22, &Answer::Refused, &Answer::NoAddress, &[]);
    assert_eq!((v.status, v.kind), (Status::Fail, Kind::NothingListens));
    assert!(v.summary.contains("connection refused"), "{}", v.summary);
}

#[test]
fn remedies_name_the_port_and_config() {
    let r = remedy_for(Kind::NothingListens, 2222, "/etc/ssh/sshd_config");
    assert!(r.text.contains("`Port 2222`") && r.text.contains("az ssh arc --port"));
    assert!(
        r.commands
            .iter()
            .any(|c| c.command.contains("systemctl enable --now"))
    );
    let r = remedy_for(Kind::OneLoopbackOnly, 22, "/x");
    assert!(r.text.contains("ListenAddress ::1"));
}

fn serve(reply: &'static [u8], close: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let _ = s.write_all(reply);
            if !close {
                std::thread::sleep(Duration::from_secs(5));
            }
        }
    });
    port
}

#[test]
fn probing_real_sockets() {
    let at = |p| SocketAddr::new(Ipv4Addr::LOCALHOST.into(), p);
    assert!(matches!(
        probe(at(serve(DEBIAN_IDENT, false))),
        Answer::Ssh { .. }
    ));
    assert!(matches!(
        probe(at(serve(b"HTTP/1.1 400 Bad Request\r\n\r\n", true))),
        Answer::NotSsh(s) if s.starts_with("HTTP/1.1 400")
    ));
    let started = Instant::now();
    assert_eq!(
        probe(at(serve(b"", false))),
        Answer::Silent { closed: false }
    );
    assert!(started.elapsed() < READ_TIMEOUT + Duration::from_secs(1));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert_eq!(probe(at(port)), Answer::Refused);
}
