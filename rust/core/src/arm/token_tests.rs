use super::token::*;
use arm_standin::base64url;
use serde_json::{Value, json};

fn jwt(claims: &Value) -> String {
    let header = base64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    format!(
        "{header}.{}.c2lnbmF0dXJl",
        base64url(claims.to_string().as_bytes())
    )
}

#[test]
fn reads_a_user_token() {
    let t = arm_standin::jwt(
        "tenant-1",
        "oid-1",
        "alice@contoso.com",
        Some(1_900_000_000),
    );
    let c = claims(&t).unwrap();
    assert_eq!(
        c,
        TokenClaims {
            tenant: Some("tenant-1".into()),
            object_id: Some("oid-1".into()),
            user: Some("alice@contoso.com".into()),
            expires: Some(1_900_000_000),
            audience: Some("https://management.azure.com/".into()),
            identity: Identity::User,
        }
    );
    assert_eq!(claims(&format!("  Bearer {t}\n")).unwrap(), c);
}

#[test]
fn user_falls_back_through_the_name_claims() {
    let cases = [
        (
            json!({"upn": "u", "unique_name": "n", "preferred_username": "p", "appid": "a"}),
            "u",
        ),
        (
            json!({"unique_name": "live.com#bob@outlook.com", "preferred_username": "p"}),
            "live.com#bob@outlook.com",
        ),
        (json!({"preferred_username": "p", "appid": "a"}), "p"),
        (
            json!({"appid": "11111111-2222-3333-4444-555555555555", "idtyp": "app"}),
            "11111111-2222-3333-4444-555555555555",
        ),
        (json!({"azp": "client-id"}), "client-id"),
        (json!({"upn": "", "unique_name": "n"}), "n"),
    ];
    for (body, want) in cases {
        assert_eq!(
            claims(&jwt(&body)).unwrap().user.as_deref(),
            Some(want),
            "{body}"
        );
    }
    assert_eq!(claims(&jwt(&json!({}))).unwrap(), TokenClaims::default());
}

#[test]
fn tolerant_decoding() {
    let body = json!({"tid": "t", "exp": 1700000000.0, "aud": ["https://management.core.windows.net/", "x"]});
    let t = jwt(&body);
    let c = claims(&t).unwrap();
    assert_eq!(c.expires, Some(1_700_000_000));
    assert_eq!(
        c.audience.as_deref(),
        Some("https://management.core.windows.net/")
    );
    // Padding and the standard alphabet are accepted.
    let parts: Vec<&str> = t.split('.').collect();
    let mut padded = parts[1].to_string();
    while padded.len() % 4 != 0 {
        padded.push('=');
    }
    let std_alphabet = padded.replace('-', "+").replace('_', "/");
    assert_eq!(
        claims(&format!("{}.{std_alphabet}.{}", parts[0], parts[2])).unwrap(),
        c
    );
    assert_eq!(
        claims(&jwt(&json!({"exp": "1700000001"}))).unwrap().expires,
        Some(1_700_000_001)
    );
    assert_eq!(claims(&jwt(&json!({"exp": -5}))).unwrap().expires, None);
}

#[test]
fn errors_never_contain_the_token() {
    let secret = "eyJTESTTOKENabc123";
    let huge = format!("{secret}.{}.sig", "A".repeat(MAX_TOKEN_BYTES));
    let not_json = format!("{secret}.{}.sig", base64url(b"not json"));
    let array = format!("{secret}.{}.sig", base64url(b"[1,2]"));
    let cases = [
        ("", "token-empty"),
        ("Bearer  ", "token-empty"),
        (secret, "token-not-jwt"),
        ("eyJTESTTOKENabc123.a.b.c.d", "token-not-jwt"),
        ("eyJTESTTOKENabc123.not*base64.sig", "token-bad-base64"),
        ("eyJTESTTOKENabc123.A.sig", "token-bad-base64"),
        (not_json.as_str(), "token-bad-json"),
        (array.as_str(), "token-bad-json"),
        (huge.as_str(), "token-too-large"),
    ];
    for (token, code) in cases {
        let e = claims(token).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains("TESTTOKEN") && !text.contains("AAAA"),
            "{text}"
        );
    }
}

#[test]
fn expiry_with_skew() {
    let c = TokenClaims {
        expires: Some(1000),
        ..TokenClaims::default()
    };
    assert!(!is_expired(&c, 999, 0));
    assert!(is_expired(&c, 1000, 0));
    assert!(
        !is_expired(&c, 1200, 300),
        "within the tolerated clock skew"
    );
    assert!(is_expired(&c, 1300, 300));
    assert!(
        !is_expired(&TokenClaims::default(), u64::MAX, 0),
        "unknown expiry"
    );
    let max = TokenClaims {
        expires: Some(u64::MAX),
        ..TokenClaims::default()
    };
    assert!(!is_expired(&max, u64::MAX - 1, 10));
}

#[test]
fn unix_times_read_as_utc() {
    use super::token::utc_text;
    assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
    assert_eq!(utc_text(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(utc_text(1_795_464_000), "2026-11-23T20:00:00Z");
    assert_eq!(utc_text(4_102_444_799), "2099-12-31T23:59:59Z");
}

/// Claims shaped like the tokens Entra ID issues to each kind of principal (ARM
/// audience; v1 app tokens carry `appid` and no `scp`, managed identities add
/// `xms_mirid`).
#[test]
fn the_kind_of_principal_comes_from_the_claims_that_tell_them_apart() {
    let mi = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
    let cases = [
        (
            json!({"upn": "ada@contoso.com", "scp": "user_impersonation"}),
            Identity::User,
        ),
        (
            json!({"unique_name": "live.com#ada@outlook.com"}),
            Identity::User,
        ),
        (json!({"idtyp": "user", "oid": "o"}), Identity::User),
        (
            json!({"appid": "a", "idtyp": "app", "oid": "o"}),
            Identity::ServicePrincipal,
        ),
        (
            json!({"appid": "a", "oid": "o", "roles": []}),
            Identity::ServicePrincipal,
        ),
        (
            json!({"appid": "a", "idtyp": "app", "xms_mirid": mi}),
            Identity::ManagedIdentity,
        ),
        (json!({"oid": "o"}), Identity::Unknown),
    ];
    for (body, want) in cases {
        assert_eq!(claims(&jwt(&body)).unwrap().identity, want, "{body}");
    }
}
