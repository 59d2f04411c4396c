//! `Retry-After` / `retry-after-ms` / `x-ms-retry-after-ms` values and HTTP dates. Input:
//! up to three header values separated by `\n` (missing ones are absent headers).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::arm::retry;
use std::time::{Duration, UNIX_EPOCH};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    let _ = retry::parse_http_date(&text);
    for now in [UNIX_EPOCH, UNIX_EPOCH + Duration::from_secs(1_750_000_000)] {
        let header = |name: &str| match name {
            "retry-after" => a,
            "retry-after-ms" => b,
            "x-ms-retry-after-ms" => c,
            _ => None,
        };
        let _ = retry::requested_wait_from(header, now);
    }
});
