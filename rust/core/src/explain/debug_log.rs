//! A generator of `az ssh arc --debug`-style logs (deterministic noise, no
//! dependency) for the explain engine's scale tests and its benchmark, which includes
//! this file by path.

/// xorshift64*: deterministic noise without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn uuid(&mut self) -> String {
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
pub fn debug_line(r: &mut Rng) -> String {
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
pub fn debug_log(r: &mut Rng, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 512);
    while s.len() < bytes {
        s.push_str(&debug_line(r));
        s.push('\n');
    }
    s
}
