use super::permissions::actions::{
    CONFIG_WRITE, ENDPOINT_WRITE, LIST_CREDENTIALS as LIST_CREDS, LOGIN,
    LOGIN_AS_ADMIN as LOGIN_ADMIN,
};
use super::permissions::*;
use serde_json::json;

const MACHINE_READ: &str = "Microsoft.HybridCompute/machines/read";

fn names(roles: &[&Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.name).collect()
}

#[test]
fn wildcards() {
    for (pattern, action, want) in [
        ("*", LIST_CREDS, true),
        ("*/read", MACHINE_READ, true),
        ("*/read", LIST_CREDS, false),
        ("Microsoft.HybridConnectivity/*", LIST_CREDS, true),
        ("Microsoft.HybridConnectivity/*", MACHINE_READ, false),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/extensions/read",
            true,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/a/b/read",
            true,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            MACHINE_READ,
            true,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machinesX/read",
            false,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/write",
            false,
        ),
        (
            "Microsoft.HybridCompute/machines*/read",
            "Microsoft.HybridCompute/machinesread",
            false,
        ),
        (
            "Microsoft.HybridCompute/machines*/read",
            "Microsoft.HybridCompute/machines/read",
            true,
        ),
        (
            "MICROSOFT.hybridconnectivity/ENDPOINTS/listcredentials/ACTION",
            LIST_CREDS,
            true,
        ),
        (
            "Microsoft.Authorization/*/Write",
            "microsoft.authorization/roleAssignments/write",
            true,
        ),
        (
            "Microsoft.HybridConnectivity/endpoints/write",
            CONFIG_WRITE,
            false,
        ),
        ("", "", true),
        ("", "x", false),
        ("a**b", "ab", true),
    ] {
        assert_eq!(
            pattern_matches(pattern, action),
            want,
            "{pattern} vs {action}"
        );
    }
    let hostile = "*a".repeat(30);
    assert!(
        !pattern_matches(&hostile, &"a".repeat(29)),
        "no exponential blow-up"
    );
}

#[test]
fn not_actions_subtract_within_one_grant_only() {
    let body = json!({"value": [
        {"actions": ["*"], "notActions": ["Microsoft.HybridConnectivity/*/write", "Microsoft.Authorization/*"],
         "dataActions": [], "notDataActions": []},
    ]});
    let p = Permissions::from_response(&body).unwrap();
    assert!(p.allows_action(LIST_CREDS));
    assert!(!p.allows_action(ENDPOINT_WRITE));
    assert!(!p.allows_action(CONFIG_WRITE));
    assert!(!p.allows_action("microsoft.authorization/permissions/read"));
    assert!(
        !p.allows_data_action(LOGIN),
        "actions never grant data actions"
    );

    // Another grant that allows it wins: notActions are not a deny.
    let body = json!({"value": [
        {"actions": ["*"], "notActions": [ENDPOINT_WRITE]},
        {"actions": [ENDPOINT_WRITE]},
    ]});
    assert!(
        Permissions::from_response(&body)
            .unwrap()
            .allows_action(ENDPOINT_WRITE)
    );
}

#[test]
fn data_actions() {
    let body = json!({"value": [
        {"actions": [], "notActions": [], "dataActions": ["Microsoft.HybridCompute/machines/*"],
         "notDataActions": [LOGIN_ADMIN]},
    ]});
    let p = Permissions::from_response(&body).unwrap();
    assert!(p.allows_data_action(LOGIN));
    assert!(!p.allows_data_action(LOGIN_ADMIN));
    assert!(
        !p.allows_action(MACHINE_READ),
        "data actions never grant actions"
    );
    assert_eq!(p.grants().len(), 1);
    assert_eq!(
        p.grants()[0].data_actions,
        ["microsoft.hybridcompute/machines/*"]
    );
}

#[test]
fn parsing() {
    let p = Permissions::from_response(&json!({"value": []})).unwrap();
    assert!(!p.allows_action(MACHINE_READ));
    assert_eq!(p.next_link(), None);
    let p = Permissions::from_response(&json!({"value": [{"actions": ["*/read"]}],
        "nextLink": "https://management.azure.com/x?$skiptoken=abc"}))
    .unwrap();
    assert!(p.allows_action(MACHINE_READ), "missing lists are empty");
    assert_eq!(
        p.next_link(),
        Some("https://management.azure.com/x?$skiptoken=abc")
    );
    let p = Permissions::from_response(&json!({"value": [{"actions": null}], "nextLink": null}))
        .unwrap();
    assert_eq!((p.grants().len(), p.next_link()), (1, None));
    for bad in [
        json!([]),
        json!({}),
        json!({"value": {}}),
        json!({"value": [1]}),
        json!({"value": [{"actions": "*"}]}),
        json!({"value": [{"notActions": [1]}]}),
    ] {
        assert!(Permissions::from_response(&bad).is_err(), "{bad}");
    }
}

#[test]
fn roles_for_connecting() {
    let roles = roles_granting(&[LIST_CREDS, MACHINE_READ], &[]);
    assert_eq!(
        names(&roles),
        [
            "Virtual Machine Local User Login",
            "Virtual Machine User Login",
            "Virtual Machine Administrator Login",
            "Contributor",
            "Owner"
        ]
    );
    let roles = roles_granting(&[LIST_CREDS, MACHINE_READ], &[LOGIN]);
    assert_eq!(
        names(&roles),
        [
            "Virtual Machine User Login",
            "Virtual Machine Administrator Login"
        ]
    );
    let roles = roles_granting(&[], &[LOGIN_ADMIN]);
    assert_eq!(names(&roles), ["Virtual Machine Administrator Login"]);
}

#[test]
fn roles_for_enabling_ssh() {
    let roles = roles_granting(&[ENDPOINT_WRITE], &[]);
    assert_eq!(
        names(&roles),
        [
            "Windows Admin Center Administrator Login",
            "Contributor",
            "Owner"
        ]
    );
    let roles = roles_granting(&[ENDPOINT_WRITE, CONFIG_WRITE, MACHINE_READ], &[]);
    assert_eq!(
        names(&roles),
        [
            "Windows Admin Center Administrator Login",
            "Contributor",
            "Owner"
        ]
    );
    let roles = roles_granting(&["Microsoft.Authorization/roleAssignments/write"], &[]);
    assert_eq!(names(&roles), ["Owner"]);
}

#[test]
fn role_table() {
    let mut ids: Vec<&str> = ROLES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), ROLES.len());
    for r in ROLES {
        assert!(super::path::is_guid(r.id), "{}", r.name);
        assert_eq!(
            role_by_id(&r.id.to_uppercase()).map(|x| x.name),
            Some(r.name)
        );
    }
    assert_eq!(
        role_by_id("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
            .unwrap()
            .name,
        "Owner"
    );
    assert!(role_by_id("acdd72a7-3385-48ef-bd42-f606fba81ae7").is_none());
    let contributor = role_by_id("b24988ac-6180-42a0-ab88-20f7382dd24c").unwrap();
    assert!(!contributor.allows_action("Microsoft.Authorization/roleAssignments/write"));
    assert!(contributor.allows_action("Microsoft.Authorization/roleAssignments/read"));
}
