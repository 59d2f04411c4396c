//! Unrelated text, garbage and big `--debug` logs: nothing is guessed, needles are
//! found at their offsets, and the order is root cause first.

use std::collections::BTreeSet;

use super::tests_samples::{SAMPLES, entry_match};
use super::*;

/// xorshift64*: deterministic noise without a dependency.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn uuid(&mut self) -> String {
        let h = format!("{:016x}{:016x}", self.next(), self.next());
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// One line as `az ssh arc --debug` (az logging, urllib3, msal, then `ssh -vvv`) prints.
pub(super) fn debug_line(r: &mut Rng) -> String {
    let (sub, n, id) = (r.uuid(), r.below(100), r.uuid());
    let base = format!(
        "/subscriptions/{sub}/resourceGroups/rg-{n}/providers/Microsoft.HybridCompute/machines/vm-{n}"
    );
    match r.below(30) {
        0 => format!("DEBUG: cli.knack.cli: Command arguments: ['ssh', 'arc', '--resource-group', 'rg-{n}', '--name', 'vm-{n}', '--local-user', 'alice', '--debug']"),
        1 => "DEBUG: cli.azure.cli.core: Modules found from index for 'ssh': ['azext_ssh']".into(),
        2 => format!("DEBUG: cli.azure.cli.core.sdk.policies: Request URL: 'https://management.azure.com{base}/providers/Microsoft.HybridConnectivity/endpoints/default/listCredentials?api-version=2023-03-15&expiresin=3600'"),
        3 => "DEBUG: cli.azure.cli.core.sdk.policies: Request method: 'POST'".into(),
        4 => "DEBUG: cli.azure.cli.core.sdk.policies:     'Authorization': '*****'".into(),
        5 => format!("DEBUG: cli.azure.cli.core.sdk.policies:     'x-ms-client-request-id': '{id}'"),
        6 => "DEBUG: urllib3.connectionpool: Starting new HTTPS connection (1): management.azure.com:443".into(),
        7 => format!("DEBUG: urllib3.connectionpool: https://management.azure.com:443 \"POST {base}/providers/Microsoft.HybridConnectivity/endpoints/default/listCredentials?api-version=2023-03-15&expiresin=3600 HTTP/1.1\" 200 None"),
        8 => format!("DEBUG: urllib3.connectionpool: https://management.azure.com:443 \"GET {base}/providers/Microsoft.HybridConnectivity/endpoints/default/serviceConfigurations/SSH?api-version=2023-03-15 HTTP/1.1\" 200 None"),
        9 => format!("DEBUG: cli.azure.cli.core.sdk.policies: Response status: {}", [200, 201, 404, 412][r.below(4)]),
        10 => format!("DEBUG: cli.azure.cli.core.sdk.policies: {{\"relay\":{{\"namespaceName\":\"azgn-eastus-public-2p-cusdm-vazr0002\",\"namespaceNameSuffix\":\"servicebus.windows.net\",\"hybridConnectionName\":\"microsoft.hybridcompute/machines/{:x}/{}/v2\",\"accessKey\":\"SharedAccessSignature sr=REDACTED\",\"expiresOn\":{},\"serviceConfigurationToken\":\"REDACTED\"}}}}", r.next(), r.next(), r.next() % 2_000_000_000),
        11 => "DEBUG: cli.azure.cli.core.sdk.policies: {\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"The Resource 'Microsoft.HybridConnectivity/endpoints/default' under resource group 'rg-1' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix\"}}".into(),
        12 => format!("DEBUG: msal.token_cache: event={{\"client_id\": \"04b07795-8ddb-461a-bbee-02f9e1bf7b46\", \"data\": {{\"claims\": null, \"scope\": [\"https://management.core.windows.net//.default\"]}}, \"environment\": \"login.microsoftonline.com\", \"grant_type\": \"refresh_token\", \"response\": {{\"access_token\": \"********\", \"expires_in\": 4999, \"token_type\": \"Bearer\"}}, \"token_endpoint\": \"https://login.microsoftonline.com/{id}/oauth2/v2.0/token\"}}"),
        13 => "DEBUG: msal.application: Cache hit an AT".into(),
        14 => "DEBUG: cli.azext_ssh.custom: SSH Client Proxy saved to /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973".into(),
        15 => format!("DEBUG: cli.azext_ssh.ssh_utils: Running ssh command ssh vm-{n} -l alice -o ProxyCommand=\"/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973\" -p 22 -vvv"),
        16 => "debug1: Reading configuration data /etc/ssh/ssh_config".into(),
        17 => "debug1: Executing proxy command: exec /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973 -p 22".into(),
        18 => "debug1: identity file /home/alice/.ssh/id_rsa type 0".into(),
        19 => "debug1: Remote protocol version 2.0, remote software version OpenSSH_8.2p1 Ubuntu-4ubuntu0.9".into(),
        20 => format!("debug3: send packet: type {}", r.below(100)),
        21 => "debug2: ciphers ctos: chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com".into(),
        22 => "debug1: Authentications that can continue: publickey,password".into(),
        23 => format!("debug1: Offering public key: /home/alice/.ssh/id_rsa RSA SHA256:{:x} explicit", r.next()),
        24 => "debug1: Authentication succeeded (publickey).".into(),
        25 => format!("INFO: cli.azure.cli.core.commands: Command ran in {}.{} seconds (init: 0.321, invoke: 3.802)", r.below(9), r.below(999)),
        26 => format!("DEBUG: cli.azure.cli.core.sdk.policies: Request URL: 'https://management.azure.com/subscriptions/{sub}/resourceGroups/rg-{n}/resources?$filter=name%20eq%20%27vm-{n}%27&api-version=2022-09-01'"),
        27 => "debug1: Entering interactive session.".into(),
        28 => "DEBUG: cli.azure.cli.telemetry: Permission denied: '/home/alice/.azure/telemetry/cache'".into(),
        _ => format!("DEBUG: cli.knack.cli: Event: CommandInvoker.OnTransformResult [<function _resource_group_transform at 0x{:x}>]", r.next()),
    }
}

/// About `bytes` of debug log.
pub(super) fn debug_log(r: &mut Rng, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 512);
    while s.len() < bytes {
        s.push_str(&debug_line(r));
        s.push('\n');
    }
    s
}

#[test]
fn unrelated_text_matches_nothing() {
    let texts = [
        "Permission denied",
        "permission denied: /usr/bin/foo",
        "/bin/bash: line 1: exec: /usr/bin/foo: cannot execute: Permission denied",
        "ssh: connect to host 10.0.0.4 port 22: Connection refused",
        "ssh: Could not resolve hostname vm1: Name or service not known",
        "kex_exchange_identification: read: Connection reset by peer",
        "Connection to vm1 closed.",
        "Unable to find type [Foo]. The resource group was found.",
        "ssh(1) connects and logs into the specified destination. The user must prove their identity to the remote machine using one of several methods. ProxyCommand specifies the command to use to connect to the server. Permissions on ~/.ssh/id_rsa should be 0600; the key file is ignored if it is accessible by others.",
        "--ssh-client-folder : Folder path that contains ssh executables (ssh.exe, ssh-keygen.exe, etc). Default to ssh pre-installed if not provided.\n--ssh-proxy-folder : Path to the folder where the ssh proxy should be saved.",
        "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -Repository PSGallery",
        "The Az.Ssh.ArcProxy module version is 1.0.0.",
        "Successfuly installed SSH Connectivity Proxy file /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        "Authentication succeeded (publickey).",
        "error connecting to the address: 200 OK",
        "Unsupported",
        "(AuthorizationFailed)",
        "The port 2222 that you are trying to connect to is not allowed for SSH connections for this resource.",
    ];
    for t in texts {
        assert_eq!(explain(t.as_bytes()), [], "{t}");
    }
}

#[test]
fn empty_and_garbage_match_nothing() {
    assert_eq!(explain(b""), []);
    assert_eq!(explain(b"\n\r\n\x1b[0m\x1b"), []);
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let garbage: Vec<u8> = (0..1 << 20).map(|_| r.next() as u8).collect();
    assert_eq!(explain(&garbage), []);
    // Invalid UTF-8 and escape debris around anchors, but no whole message.
    let mut bad = Vec::new();
    for a in ENTRIES.iter().flat_map(|e| e.anchors.iter()) {
        bad.extend_from_slice(b"\xff\xfe\xc3(\x1b[");
        bad.extend_from_slice(a.as_bytes());
        bad.extend_from_slice(b"\xe2\x82\n\r\x00");
    }
    assert_eq!(explain(&bad), []);
}

#[test]
fn ten_thousand_debug_lines_match_nothing() {
    let mut r = Rng(42);
    let log: String = (0..10_000).map(|_| debug_line(&mut r) + "\n").collect();
    assert_eq!(explain(log.as_bytes()), []);
}

#[test]
fn needles_in_a_20_mb_debug_haystack() {
    let mut r = Rng(7);
    let mut log = debug_log(&mut r, 10 << 20);
    let needle = "Request for Azure Relay Information Failed: (NoRegisteredProviderFound) Code: NoRegisteredProviderFound\n";
    let at = log.len();
    log.push_str(needle);
    log.push_str(&debug_log(&mut r, 5 << 20));
    let bash = "/bin/bash: line 1: exec: /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: cannot execute: Permission denied\r\n";
    let at2 = log.len();
    log.push_str(bash);
    log.push_str(&debug_log(&mut r, 5 << 20));
    assert!(log.len() >= 20 << 20);

    let found = explain(log.as_bytes());
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].entry, "no-registered-provider-found");
    assert_eq!(
        found[0].offset,
        at + needle.find("NoRegisteredProviderFound").unwrap_or(0)
    );
    assert_eq!(found[1].entry, "proxy-exec-permission-denied-bash");
    assert_eq!(found[1].offset, at2 + bash.find("exec:").unwrap_or(0));
    assert_eq!(
        found[1].extracted["path"],
        "/home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973"
    );
}

#[test]
fn needle_across_a_chunk_boundary() {
    let needle = "Code: NoRegisteredProviderFound";
    for at in (CHUNK - 40)..(CHUNK + 4) {
        let mut text = vec![b'x'; at];
        text.extend_from_slice(needle.as_bytes());
        text.extend_from_slice(b"\nmore\n");
        let found = explain(&text);
        assert_eq!(found.len(), 1, "at {at}");
        assert_eq!(found[0].offset, at + "Code: ".len(), "at {at}");
    }
}

#[test]
fn dense_anchors_do_not_hide_a_message() {
    // Far more anchor hits than one window holds.
    let mut text = "sshproxy: 503 connection unsuported zsh: ".repeat(20_000);
    let at = text.len();
    text.push_str("\nERROR: SSH connection is not enabled in the target port 2200.\n");
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].offset, at + "\nERROR: ".len());
    assert_eq!(found[0].extracted["port"], "2200");
}

#[test]
fn root_cause_comes_first() {
    let sample = |id: &str| {
        SAMPLES
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    };
    // The consequence is printed first; the root cause still leads.
    let text = format!(
        "{}\n{}\n",
        sample("arcproxy-module-not-found"),
        sample("arcproxy-version-unsupported")
    );
    let found = explain(text.as_bytes());
    let order: Vec<&str> = found.iter().map(|m| m.diagnosis).collect();
    assert_eq!(
        order,
        ["arcproxy-version-mismatch", "arcproxy-not-installed"]
    );

    let text = format!(
        "{}\n{}\n{}\nConnection closed by UNKNOWN port 65535\n",
        sample("proxy-404-no-listeners"),
        sample("proxy-503-connection-refused"),
        sample("no-registered-provider-found")
    );
    let found = explain(text.as_bytes());
    let order: Vec<&str> = found.iter().map(|m| m.diagnosis).collect();
    assert_eq!(
        order,
        [
            "provider-not-registered",
            "relay-listener-unavailable",
            "ssh-traffic-not-allowed"
        ]
    );

    // Alone, ssh's closing line is reported, weakly.
    let found = explain(b"Connection closed by UNKNOWN port 65535\r\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].diagnosis, "post-preview-reconfiguration");
    assert!(found[0].confidence < 0.6);
}

#[test]
fn one_match_per_diagnosis_strongest_then_earliest() {
    let text = "Permission denied (publickey).\nRequest for Azure Relay Information Failed: (AuthorizationFailed) The client 'a@b.c' with object id 'x' does not have authorization to perform action 'Microsoft.HybridConnectivity/endpoints/listCredentials/action' over scope '/subscriptions/s1/resourceGroups/g1/providers/Microsoft.HybridCompute/machines/m1/providers/Microsoft.HybridConnectivity/endpoints/default' or the scope is invalid.\nERROR: Unable to determine the target machine type as Azure VM or Arc Server\n";
    let found = explain(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].entry, "authz-list-credentials");
    assert_eq!(
        found[0].extracted.get("machine").map(String::as_str),
        Some("m1")
    );
    assert_eq!(
        found[0].extracted.get("user").map(String::as_str),
        Some("a@b.c")
    );
}

#[test]
fn same_input_same_output() {
    let mut r = Rng(3);
    let mut text = debug_log(&mut r, 300_000);
    for (_, s) in SAMPLES.iter().step_by(3) {
        text.push_str(s);
        text.push('\n');
        text.push_str(&debug_log(&mut r, 3_000));
    }
    let a = explain(text.as_bytes());
    assert!(a.len() > 5);
    assert_eq!(a, explain(text.as_bytes()));
    // Every diagnosis the engine emitted is in the catalogue, once.
    let ids: Vec<&str> = a.iter().map(|m| m.diagnosis).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.iter().all(|d| crate::catalogue::diagnosis(d).is_some()));
    assert!(
        a.iter()
            .all(|m| entry_match(&a, m.entry).is_some() && (0.0..=1.0).contains(&m.confidence))
    );
}
