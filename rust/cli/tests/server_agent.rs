//! `ssh-troubleshoot server`: the agent, Entra login and network checks, end to end
//! through the binary, against stand-in `azcmagent`, `systemctl` and `dpkg-query`
//! scripts (documented output shapes) on a test PATH and local TLS listeners.
//! Nothing here contacts a non-loopback address: every run passes `--network-target`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use support::{Machine, finding};

struct Agent<'a> {
    version: &'a str,
    status: &'a str,
    arcproxyd: &'a str,
    ports: &'a str,
    proxy: &'a str,
}

const HEALTHY: Agent = Agent {
    version: "1.44.02628.1456",
    status: "Connected",
    arcproxyd: "active",
    ports: "",
    proxy: "",
};

/// A machine whose azcmagent, systemctl and dpkg-query answer as described.
fn server(agent: Option<&Agent>, aadsshlogin: bool) -> Machine {
    let m = Machine::bare();
    if let Some(a) = agent {
        let show = format!(
            "Resource Name                           : web01\n\
             Resource Group Name                     : rg-arc\n\
             Subscription ID                         : 00000000-0000-0000-0000-000000000000\n\
             Location                                : eastus\n\
             Agent Version                           : {v}\n\
             Agent Status                            : {s}\n\
             Agent Last Heartbeat                    : 2024-09-01T10:00:00Z\n\
             Dependent Service Status\n  \
               Agent Service (himdsd)                : active\n  \
               Azure Arc Proxy (arcproxyd)           : {p}\n  \
               Extension Service (extd)              : active\n  \
               GC Service (gcad)                     : active\n\
             Portal Page                             : https://portal.azure.com/\n",
            v = a.version,
            s = a.status,
            p = a.arcproxyd
        );
        m.script(
            "azcmagent",
            &format!(
                "case \"$1 $3\" in\n\
                 'show ') printf '%s' '{show}' ;;\n\
                 'version ') echo 'azcmagent version {v}' ;;\n\
                 'config incomingconnections.ports') echo '{ports}' ;;\n\
                 'config proxy.url') echo '{proxy}' ;;\n\
                 *) echo \"unexpected: $*\" >&2; exit 2 ;;\n\
                 esac",
                v = a.version,
                ports = a.ports,
                proxy = a.proxy
            ),
        );
        m.script(
            "systemctl",
            &format!(
                "[ \"$1 $2 $3\" = 'is-active himdsd arcproxyd' ] && {{ echo active; echo {}; [ {} = active ]; exit $?; }}\necho inactive; exit 3",
                a.arcproxyd, a.arcproxyd
            ),
        );
    }
    if aadsshlogin {
        m.script(
            "dpkg-query",
            "printf 'install ok installed\\t1.0.02351.1\\n'",
        );
    } else {
        m.script(
            "dpkg-query",
            "echo 'dpkg-query: no packages found matching aadsshlogin' >&2; exit 1",
        );
    }
    m
}

fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", l.local_addr().unwrap().port())
}

fn run(m: &Machine, target: &str) -> Value {
    m.json(&["server", "--network-target", target, "--deadline", "20"])
        .1
}

fn diagnosis(f: &Value) -> &str {
    f["diagnosis"].as_str().unwrap_or("")
}

#[test]
fn a_current_connected_agent_passes() {
    let m = server(Some(&HEALTHY), true);
    let r = run(&m, &closed_port());
    for id in [
        "server.agent",
        "server.agent-services",
        "server.agent-allowlist",
        "server.entra-login",
    ] {
        assert_eq!(finding(&r, id)["status"], "pass", "{id}: {r:#}");
    }
    let agent = finding(&r, "server.agent");
    assert_eq!(agent["evidence"]["version"], "1.44.02628.1456");
    assert_eq!(agent["evidence"]["location"], "eastus");
}

#[test]
fn an_old_agent_is_outdated() {
    let m = server(
        Some(&Agent {
            version: "1.28.02260.736",
            ..HEALTHY
        }),
        true,
    );
    let f = finding(&run(&m, &closed_port()), "server.agent").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("fail"), "agent-outdated"),
        "{f:#}"
    );
    assert!(
        f["remedy"]["text"]
            .as_str()
            .unwrap()
            .contains("1.28.02260.736"),
        "{f:#}"
    );
}

#[test]
fn a_disconnected_agent_fails() {
    let m = server(
        Some(&Agent {
            status: "Disconnected",
            ..HEALTHY
        }),
        true,
    );
    let f = finding(&run(&m, &closed_port()), "server.agent").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("fail"), "machine-disconnected"),
        "{f:#}"
    );
    assert!(f["summary"].as_str().unwrap().contains("Disconnected"));
}

#[test]
fn an_inactive_arcproxyd_means_no_relay_listener() {
    let m = server(
        Some(&Agent {
            arcproxyd: "inactive",
            ..HEALTHY
        }),
        true,
    );
    let f = finding(&run(&m, &closed_port()), "server.agent-services").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("fail"), "relay-listener-unavailable"),
        "{f:#}"
    );
    assert_eq!(f["evidence"]["arcproxyd"], "inactive");
    assert!(
        f["evidence"]["source"]
            .as_str()
            .unwrap()
            .contains("is-active"),
        "{f:#}"
    );
}

#[test]
fn a_preview_allow_list_warns_with_the_clear_command() {
    let m = server(
        Some(&Agent {
            ports: "22,6516",
            ..HEALTHY
        }),
        true,
    );
    let f = finding(&run(&m, &closed_port()), "server.agent-allowlist").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("warn"), "post-preview-reconfiguration"),
        "{f:#}"
    );
    let commands = f["remedy"]["commands"].to_string();
    assert!(
        commands.contains("azcmagent config clear incomingconnections.ports"),
        "{f:#}"
    );
    assert!(commands.contains("machines/web01/"), "{f:#}");
}

#[test]
fn no_agent_fails_clearly_and_the_agent_checks_skip() {
    let m = server(None, false);
    let r = run(&m, &closed_port());
    let f = finding(&r, "server.agent");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(
        f["summary"].as_str().unwrap().contains("not installed"),
        "{f:#}"
    );
    for id in ["server.agent-services", "server.agent-allowlist"] {
        assert_eq!(finding(&r, id)["status"], "skip", "{id}: {r:#}");
    }
}

#[test]
fn a_missing_aadsshlogin_warns_for_entra_login_only() {
    let m = server(Some(&HEALTHY), false);
    let f = finding(&run(&m, &closed_port()), "server.entra-login").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("warn"), "entra-login-extension-missing"),
        "{f:#}"
    );
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("local users are unaffected")
    );
    assert!(
        f["remedy"]["commands"]
            .to_string()
            .contains("AADSSHLoginForLinux"),
        "{f:#}"
    );
}

#[test]
fn tls_to_a_trusted_listener_passes() {
    let s = arm_standin::Standin::start(&serde_json::json!({"routes": []}));
    let mut m = server(Some(&HEALTHY), true);
    m.set_env("REQUESTS_CA_BUNDLE", s.ca_bundle.to_str().unwrap());
    let target = format!("127.0.0.1:{}", s.port);
    let f = finding(&run(&m, &target), "server.network").clone();
    assert_eq!(f["status"], "pass", "{f:#}");
    let seen = f["evidence"][&target].as_str().unwrap();
    assert!(
        seen.contains("direct to 127.0.0.1:") && seen.contains("TLSv1_"),
        "{f:#}"
    );
}

#[test]
fn tls_to_a_listener_signed_by_another_ca_fails_with_the_reason() {
    let s = arm_standin::Standin::start(&serde_json::json!({"routes": []}));
    let other = arm_standin::Standin::start(&serde_json::json!({"routes": []}));
    let mut m = server(Some(&HEALTHY), true);
    m.set_env("REQUESTS_CA_BUNDLE", other.ca_bundle.to_str().unwrap());
    let target = format!("127.0.0.1:{}", s.port);
    let f = finding(&run(&m, &target), "server.network").clone();
    assert_eq!(
        (f["status"].as_str(), diagnosis(&f)),
        (Some("fail"), "relay-listener-unavailable"),
        "{f:#}"
    );
    let seen = f["evidence"][&target].as_str().unwrap();
    assert!(
        seen.contains("certificate") || seen.contains("UnknownIssuer"),
        "{f:#}"
    );
    assert!(
        f["remedy"]["commands"]
            .to_string()
            .contains("azcmagent check"),
        "{f:#}"
    );
}

#[test]
fn a_closed_port_fails() {
    let m = server(Some(&HEALTHY), true);
    let target = closed_port();
    let f = finding(&run(&m, &target), "server.network").clone();
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(
        f["evidence"][&target]
            .as_str()
            .unwrap()
            .contains("TCP connect"),
        "{f:#}"
    );
}

/// A tiny HTTP CONNECT proxy on loopback; returns its URL and the request lines seen.
fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
                        break;
                    }
                }
                log.lock().unwrap().push(first.trim().to_string());
                let target = first
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                assert!(
                    target.starts_with("127.0.0.1:"),
                    "the proxy only forwards to loopback"
                );
                let Ok(upstream) = TcpStream::connect(&target) else {
                    let _ = (&client).write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                (&client)
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut up_r, mut up_w) = (upstream.try_clone().unwrap(), upstream);
                let mut down_w = client.try_clone().unwrap();
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut up_r, &mut down_w);
                });
                let _ = std::io::copy(&mut reader, &mut up_w);
            });
        }
    });
    (url, seen)
}

#[test]
fn tls_through_the_agents_proxy_passes_and_the_proxy_saw_connect() {
    let s = arm_standin::Standin::start(&serde_json::json!({"routes": []}));
    let (proxy, seen) = connect_proxy();
    let mut m = server(
        Some(&Agent {
            proxy: &proxy,
            ..HEALTHY
        }),
        true,
    );
    m.set_env("REQUESTS_CA_BUNDLE", s.ca_bundle.to_str().unwrap());
    let target = format!("127.0.0.1:{}", s.port);
    let f = finding(&run(&m, &target), "server.network").clone();
    assert_eq!(f["status"], "pass", "{f:#}");
    assert!(
        f["evidence"]["proxy"].as_str().unwrap().contains(&proxy),
        "{f:#}"
    );
    assert!(
        f["evidence"][&target]
            .as_str()
            .unwrap()
            .contains("via proxy"),
        "{f:#}"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![format!("CONNECT {target} HTTP/1.1")]
    );
}
