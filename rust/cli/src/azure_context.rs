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
        let cloud = s.spawn(|| if need_cloud { active_cloud_arm() } else { None });
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
    let ca_bundle = ca_bundle_from_env();
    Found {
        azure: AzureSettings {
            arm_endpoint: Some(endpoint),
            access_token: token,
            ca_bundle,
            proxy: None,
            token_source: None,
        },
        subscription: subscription.or(account),
    }
}

/// A token issued again, the way `discover` got the first (`--watch` after a role
/// assignment): the environment's if set, else az's.
pub fn fresh_token(endpoint: &str, subscription: Option<&str>) -> Option<String> {
    if let Some(t) = std::env::var("SSH_TROUBLESHOOT_ACCESS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Some(t);
    }
    let mut args = vec![
        "account",
        "get-access-token",
        "--resource",
        endpoint,
        "--query",
        "accessToken",
        "-o",
        "tsv",
    ];
    if let Some(s) = subscription {
        args.extend(["--subscription", s]);
    }
    az(&args)
}

/// The server mode's context: no subscription guess (the user's default subscription
/// need not be the machine's), and the agent's own identity as the last resort.
pub fn for_server(arm_endpoint: Option<String>) -> AzureSettings {
    let ca_bundle = ca_bundle_from_env();
    let endpoint = arm_endpoint
        .or_else(active_cloud_arm)
        .unwrap_or_else(|| PUBLIC_ARM.to_string())
        .trim_end_matches('/')
        .to_string();
    let from_env = std::env::var("SSH_TROUBLESHOOT_ACCESS_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(|t| (t, "SSH_TROUBLESHOOT_ACCESS_TOKEN"));
    let found = from_env
        .or_else(|| {
            az(&[
                "account",
                "get-access-token",
                "--resource",
                &endpoint,
                "--query",
                "accessToken",
                "-o",
                "tsv",
            ])
            .map(|t| (t, "az account get-access-token"))
        })
        .or_else(|| agent_identity_token(&endpoint).map(|t| (t, "the agent's managed identity")));
    AzureSettings {
        arm_endpoint: Some(endpoint),
        access_token: found.as_ref().map(|(t, _)| t.clone()),
        ca_bundle,
        proxy: None,
        token_source: found.map(|(_, source)| source.to_string()),
    }
}

/// A token from the Connected Machine agent's identity endpoint, if this user may read
/// its challenge key (root or the himds group).
fn agent_identity_token(endpoint: &str) -> Option<String> {
    use ssh_troubleshoot_core::arm::agent_identity;
    use ssh_troubleshoot_core::platform::Os;
    let os = if cfg!(windows) {
        Os::Windows
    } else {
        Os::Linux
    };
    let identity = std::env::var("IDENTITY_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| agent_identity::DEFAULT_ENDPOINT.to_string());
    let folder = agent_identity::key_folder(os, std::env::var("ProgramData").ok().as_deref());
    agent_identity::token(&identity, &format!("{endpoint}/"), &folder, AZ_TIMEOUT / 4).ok()
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

/// The CA bundle az would trust: `REQUESTS_CA_BUNDLE`, then `SSL_CERT_FILE`.
fn ca_bundle_from_env() -> Option<String> {
    ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

/// The ARM endpoint of az's active cloud, if az is installed.
fn active_cloud_arm() -> Option<String> {
    az(&[
        "cloud",
        "show",
        "--query",
        "endpoints.resourceManager",
        "-o",
        "tsv",
    ])
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
