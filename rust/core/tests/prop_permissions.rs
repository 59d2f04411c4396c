//! Property tests for the effective-permission matcher (`arm::permissions`): Azure's
//! wildcard semantics against a plain reference implementation, and what grants,
//! notActions and the role table must always do.

use proptest::prelude::*;
use serde_json::json;
use ssh_troubleshoot_core::arm::permissions::{
    Permissions, ROLES, pattern_matches, roles_granting,
};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The documented semantics, recursively: ASCII case-insensitive, `*` matches any run
/// of characters (`/` included), and a `*` between two `/` may also stand for nothing
/// at all, so `a/*/b` matches `a/b`.
fn reference(p: &[u8], a: &[u8]) -> bool {
    fn go(p: &[u8], i: usize, a: &[u8]) -> bool {
        match p.get(i) {
            None => a.is_empty(),
            Some(b'*') => {
                let slash_star_slash = i > 0 && p[i - 1] == b'/' && p.get(i + 1) == Some(&b'/');
                (0..=a.len()).any(|k| go(p, i + 1, &a[k..]))
                    || (slash_star_slash && go(p, i + 2, a))
            }
            Some(c) => a
                .first()
                .is_some_and(|x| x.eq_ignore_ascii_case(c) && go(p, i + 1, &a[1..])),
        }
    }
    go(p, 0, a)
}

/// Actions shaped like Azure's: `Provider.Name/type[/subtype]/verb`.
fn action() -> impl Strategy<Value = String> {
    (
        "[A-Za-z]{1,8}\\.[A-Za-z]{1,10}",
        prop::collection::vec("[A-Za-z]{1,10}", 1..4),
        prop::sample::select(vec!["read", "write", "delete", "action", "Read", "Action"]),
    )
        .prop_map(|(ns, types, verb)| format!("{ns}/{}/{verb}", types.join("/")))
}

fn permissions(grants: serde_json::Value) -> Permissions {
    Permissions::from_response(&json!({ "value": grants })).expect("a permissions answer")
}

/// Flips the case of some ASCII letters.
fn recase(s: &str, flips: &[bool]) -> String {
    s.chars()
        .zip(flips.iter().cycle())
        .map(|(c, &f)| {
            if f {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matcher_equals_the_reference(p in "[ab/*A]{0,10}", a in "[ab/AB]{0,12}") {
        prop_assert_eq!(
            pattern_matches(&p, &a),
            reference(p.as_bytes(), a.as_bytes()),
            "pattern {:?} action {:?}", p, a
        );
    }

    #[test]
    fn matcher_equals_the_reference_on_action_shapes(
        a in action(),
        p in "[A-Za-z./*]{0,24}",
    ) {
        prop_assert_eq!(pattern_matches(&p, &a), reference(p.as_bytes(), a.as_bytes()));
    }

    #[test]
    fn star_allows_every_action(a in action(), other in "(?s).{0,40}") {
        let perms = permissions(json!([{ "actions": ["*"] }]));
        prop_assert!(perms.allows_action(&a));
        prop_assert!(perms.allows_action(&other));
        // Control-plane actions are not data actions.
        prop_assert!(!perms.allows_data_action(&a));
        let data = permissions(json!([{ "dataActions": ["*"] }]));
        prop_assert!(data.allows_data_action(&a));
        prop_assert!(!data.allows_action(&a));
    }

    #[test]
    fn a_wildcard_made_from_an_action_matches_it(
        a in action(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        flips in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        // Replace whole segments, or the tail from some segment on, with `*`.
        let segments: Vec<&str> = a.split('/').collect();
        let mut pattern: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
        for (i, cut) in cuts.iter().enumerate() {
            let at = cut.index(pattern.len());
            if i == 0 && pattern.len() > 1 {
                pattern.truncate(at.max(1));
                pattern.push("*".into());
            } else {
                pattern[at] = "*".into();
            }
        }
        let pattern = recase(&pattern.join("/"), &flips);
        prop_assert!(pattern_matches(&pattern, &a), "{} should match {}", pattern, a);
        let perms = permissions(json!([{ "actions": [pattern.clone()] }]));
        prop_assert!(perms.allows_action(&a));
    }

    #[test]
    fn the_empty_segment_form_of_slash_star_slash(a in action()) {
        // `ns/type/*/verb` also matches `ns/type/verb`, as the login roles rely on.
        let segments: Vec<&str> = a.split('/').collect();
        let (last, head) = segments.split_last().expect("segments");
        let pattern = format!("{}/*/{}", head.join("/"), last);
        prop_assert!(pattern_matches(&pattern, &a));
    }

    #[test]
    fn matching_ignores_ascii_case(p in "[A-Za-z/*.]{0,16}", a in action(), flips in prop::collection::vec(any::<bool>(), 1..8)) {
        let expected = pattern_matches(&p, &a);
        prop_assert_eq!(pattern_matches(&recase(&p, &flips), &a), expected);
        prop_assert_eq!(pattern_matches(&p, &recase(&a, &flips)), expected);
        let perms = permissions(json!([{ "actions": [p.clone()] }]));
        prop_assert_eq!(perms.allows_action(&a.to_ascii_uppercase()), expected);
    }

    #[test]
    fn not_actions_subtract_within_their_grant(
        a in action(),
        yes in prop::collection::vec("[A-Za-z./*]{1,20}", 1..4),
        no in prop::collection::vec("[A-Za-z./*]{1,20}", 0..4),
    ) {
        let any = |ps: &[String]| ps.iter().any(|p| pattern_matches(p, &a));
        let one = permissions(json!([{ "actions": yes.clone(), "notActions": no.clone() }]));
        prop_assert_eq!(one.allows_action(&a), any(&yes) && !any(&no));
        // A second grant's notActions never take away what the first allows.
        let two = permissions(json!([
            { "actions": yes.clone() },
            { "actions": ["*"], "notActions": no.clone() },
        ]));
        prop_assert_eq!(two.allows_action(&a), any(&yes) || !any(&no));
        // Star minus the patterns allows exactly what the patterns do not match.
        let star = permissions(json!([{ "actions": ["*"], "notActions": no.clone() }]));
        prop_assert_eq!(star.allows_action(&a), !any(&no));
    }

    #[test]
    fn grants_combine_as_a_union(
        a in action(),
        grants in prop::collection::vec(
            (prop::collection::vec("[A-Za-z./*]{1,20}", 0..3), prop::collection::vec("[A-Za-z./*]{1,20}", 0..3)),
            0..4,
        ),
    ) {
        let body: Vec<serde_json::Value> = grants
            .iter()
            .map(|(y, n)| json!({ "dataActions": y, "notDataActions": n }))
            .collect();
        let perms = permissions(json!(body));
        let expected = grants.iter().any(|(y, n)| {
            y.iter().any(|p| pattern_matches(p, &a)) && !n.iter().any(|p| pattern_matches(p, &a))
        });
        prop_assert_eq!(perms.allows_data_action(&a), expected);
        prop_assert!(!perms.allows_action(&a), "data grants give no control-plane action");
    }

    #[test]
    fn roles_granting_only_names_roles_that_grant(
        actions in prop::collection::vec(action(), 0..3),
        data in prop::collection::vec(action(), 0..2),
    ) {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
        let d: Vec<&str> = data.iter().map(String::as_str).collect();
        let roles = roles_granting(&a, &d);
        for r in ROLES {
            let grants = a.iter().all(|x| r.allows_action(x)) && d.iter().all(|x| r.allows_data_action(x));
            prop_assert_eq!(roles.iter().any(|x| x.id == r.id), grants, "{}", r.name);
        }
        if d.is_empty() {
            prop_assert!(roles.iter().any(|r| r.name == "Owner"), "Owner grants every action");
        }
    }

    #[test]
    fn parsing_never_panics_on_any_json_shape(text in "(?s)[\\[\\]{}\",:a-zA-Z*/ 0-9]{0,80}") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            if let Ok(p) = Permissions::from_response(&v) {
                let _ = p.allows_action("Microsoft.HybridCompute/machines/read");
            }
        }
    }
}

#[test]
fn hostile_patterns_stay_fast() {
    // Many stars against a long near-miss: quadratic at worst, never exponential.
    let pattern = "*a".repeat(200) + "b";
    let action = "a".repeat(2000);
    let started = std::time::Instant::now();
    assert!(!pattern_matches(&pattern, &action));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

/// Found by `matcher_equals_the_reference`: once the star of a `/*/` had taken
/// characters, the matcher still let the `*/` collapse, so `a/*/b` matched `a/xb` and a
/// notAction such as `Microsoft.Authorization/*/Delete` took away
/// `Microsoft.Authorization/undoDelete`.
#[test]
fn slash_star_slash_collapses_only_when_the_star_is_empty() {
    for (pattern, action, expected) in [
        ("a/*/b", "a/b", true),
        ("a/*/b", "a/x/b", true),
        ("a/*/b", "a/x/y/b", true),
        ("a/*/b", "a/xb", false),
        ("*/*/", "/a", false),
        (
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/undoDelete",
            false,
        ),
        (
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/locks/delete",
            true,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/read",
            true,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machinesXread",
            false,
        ),
        (
            "Microsoft.HybridCompute/machines/*/read",
            "Microsoft.HybridCompute/machines/unread",
            false,
        ),
    ] {
        assert_eq!(
            pattern_matches(pattern, action),
            expected,
            "{pattern} vs {action}"
        );
        assert_eq!(
            reference(pattern.as_bytes(), action.as_bytes()),
            expected,
            "reference: {pattern} vs {action}"
        );
    }
    let contributor = ROLES.iter().find(|r| r.name == "Contributor").unwrap();
    assert!(contributor.allows_action("Microsoft.Authorization/undoDelete"));
    assert!(!contributor.allows_action("Microsoft.Authorization/locks/delete"));
}
