//! The standalone host's Azure context: ARM endpoint, token, subscription and TLS trust,
//! found the way the contract says (flags, then environment, then an installed `az`).

use std::time::Duration;

use ssh_troubleshoot_core::model::AzureSettings;

const PUBLIC_ARM: &str = "https://management.azure.com";
const AZ_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Found {
    pub azure: AzureSettings,
    pub subscription: Option<String>,
}

/// `arm_endpoint` and `subscription` as given on the command line, if any.
pub fn discover(arm_endpoint: Option<String>, subscription: Option<String>) -> Found {
    let env_token = std::env::var("SSH_TROUBLESHOOT_ACCESS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let need_cloud = arm_endpoint.is_none();
    // The az calls are independent; each costs a Python start-up, so run them together.
    let (cloud, account) = std::thread::scope(|s| {
        let cloud = s.spawn(|| {
            if need_cloud {
                az(&[
                    "cloud",
                    "show",
                    "--query",
                    "endpoints.resourceManager",
                    "-o",
                    "tsv",
                ])
            } else {
                None
            }
        });
        let account = s.spawn(|| {
            if subscription.is_none() {
                az(&["account", "show", "--query", "id", "-o", "tsv"])
            } else {
                None
            }
        });
        (cloud.join().ok().flatten(), account.join().ok().flatten())
    });
    // ARM paths take the subscription id; a name is resolved the way az resolves it.
    let subscription = subscription.map(|s| {
        if looks_like_guid(&s) {
            s
        } else {
            az(&[
                "account",
                "show",
                "--subscription",
                &s,
                "--query",
                "id",
                "-o",
                "tsv",
            ])
            .unwrap_or(s)
        }
    });
    let endpoint = arm_endpoint
        .or(cloud)
        .unwrap_or_else(|| PUBLIC_ARM.to_string());
    let endpoint = endpoint.trim_end_matches('/').to_string();
    let token = env_token.or_else(|| {
        let mut args = vec![
            "account",
            "get-access-token",
            "--resource",
            endpoint.as_str(),
            "--query",
            "accessToken",
            "-o",
            "tsv",
        ];
        if let Some(s) = subscription.as_deref() {
            args.extend(["--subscription", s]);
        }
        az(&args)
    });
    let ca_bundle = ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    Found {
        azure: AzureSettings {
            arm_endpoint: Some(endpoint),
            access_token: token,
            ca_bundle,
            proxy: None,
        },
        subscription: subscription.or(account),
    }
}

/// A subscription name resolved to its id the way az does (ids pass through).
pub fn subscription_id(s: &str) -> String {
    if looks_like_guid(s) {
        return s.to_string();
    }
    az(&[
        "account",
        "show",
        "--subscription",
        s,
        "--query",
        "id",
        "-o",
        "tsv",
    ])
    .unwrap_or_else(|| s.to_string())
}

fn looks_like_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// One `az` call's trimmed standard output, or `None` if az is absent, fails or hangs.
fn az(args: &[&str]) -> Option<String> {
    let program = if cfg!(windows) { "az.cmd" } else { "az" };
    let ran = ssh_troubleshoot_core::probe::process::run(program, args, AZ_TIMEOUT).ok()?;
    let value = ran.stdout.trim().to_string();
    (ran.code == Some(0) && !value.is_empty()).then_some(value)
}
