//! Reading token claims (never verified) from whatever the access-token variable holds.
//! The error must never contain the token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::arm::token;

const TEMPLATES: [&str; 5] = [
    "the access token is empty",
    "the access token is  bytes long, more than the  KB a token can be",
    "the access token is not a JWT (expected three dot-separated parts, found )",
    "the access token's claims are not valid baseurl", // base64url, digits taken out
    "the access token's claims are not a JSON object",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match token::claims(&text) {
        Ok(c) => {
            let _ = token::is_expired(&c, u64::MAX, u64::MAX);
            let _ = token::is_expired(&c, 0, 60);
        }
        Err(e) => {
            // The message is one of the fixed texts with at most a number in it: with
            // its digits taken out it is exactly the fixed text, so nothing of the
            // token can be in it.
            let shown: String = e
                .to_string()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            assert!(
                TEMPLATES.contains(&shown.as_str()),
                "unexpected error text: {shown}"
            );
            let _ = e.code();
        }
    }
});
