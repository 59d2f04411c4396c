//! ARM answer bodies as the doctor reads them: the body bytes go through the client's
//! own body parser (lenient for errors, strict JSON for 2xx), then every pure function
//! that turns a body into facts: effective permissions and the matcher, the machine's status/agent judgement, the service configuration's port, the
//! preview-era allow-list, the resource list and the extension list, and the evidence
//! line a finding shows. The first byte picks the HTTP status. (The role table is
//! fixed data, so `roles_granting` is left to the property tests: at ~15 ms per call
//! under the sanitizer it would cost most of the run.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use ssh_troubleshoot_core::arm::permissions::{Permissions, pattern_matches};
use ssh_troubleshoot_core::arm::response::parse_body;
use ssh_troubleshoot_core::azure::facts::arc_types_named;
use ssh_troubleshoot_core::azure::{Answer, Fetched};
use ssh_troubleshoot_core::catalogue::Vars;
use ssh_troubleshoot_core::checks::{azure_entra_login, azure_machine, azure_service_config};

const STATUSES: [u16; 8] = [200, 201, 401, 403, 404, 409, 412, 500];
const ACTIONS: [&str; 4] = [
    "Microsoft.HybridCompute/machines/read",
    "Microsoft.HybridConnectivity/endpoints/listCredentials/action",
    "Microsoft.HybridConnectivity/endpoints/write",
    "Microsoft.HybridConnectivity/endpoints/serviceConfigurations/write",
];
const DATA_ACTIONS: [&str; 2] = [
    "Microsoft.HybridCompute/machines/login/action",
    "Microsoft.HybridCompute/machines/loginAsAdmin/action",
];

fn fetched(status: u16, body: Value) -> Fetched {
    Fetched {
        method: "GET",
        url: "/subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/m"
            .into(),
        answer: Answer::Http { status, body },
        correlation_id: Some("c".into()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(pick) % STATUSES.len()];
    let Ok(body) = parse_body(bytes, status, "https://arm.invalid/x") else {
        assert!(
            (200..300).contains(&status),
            "only a 2xx body can be refused"
        );
        return;
    };

    if let Ok(perms) = Permissions::from_response(&body) {
        for a in ACTIONS {
            let allowed = perms.allows_action(a);
            // The upper-cased action is the same action.
            assert_eq!(allowed, perms.allows_action(&a.to_ascii_uppercase()));
        }
        for a in DATA_ACTIONS {
            let _ = perms.allows_data_action(a);
        }
        for g in perms.grants() {
            for p in g.actions.iter().chain(&g.not_actions).take(8) {
                let _ = pattern_matches(p, ACTIONS[0]);
                let _ = pattern_matches(ACTIONS[1], p);
            }
        }
        let _ = perms.next_link();
    }

    let mut vars = Vars::new();
    vars.insert("machine".into(), "m".into());
    vars.insert("port".into(), "22".into());
    let _ = azure_machine::judge(&body, &vars);
    let _ = azure_service_config::port_of(&body);
    let _ = azure_service_config::preview_ports(&body);
    let _ = azure_entra_login::extension_types(&body);
    let types = arc_types_named(&body, "m");
    for (i, t) in types.iter().enumerate() {
        assert!(!types[..i].contains(t), "each type once: {types:?}");
    }

    let f = fetched(status, body.clone());
    let _ = f.evidence();
    let _ = f.error_code();
    let _ = azure_machine::read_failure(&f, &vars, "read m");
    let other = fetched(200, body);
    let _ = azure_service_config::needed(&f, &other, "22");
    let _ = azure_service_config::needed(&other, &f, "2222");
});
