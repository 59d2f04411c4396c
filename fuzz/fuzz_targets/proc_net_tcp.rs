//! `/proc/net/tcp{,6}` tables.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::proc_net_tcp;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let found = proc_net_tcp::listeners(&text);
    assert!(found.len() <= text.lines().count());
    for l in &found {
        let _ = l.to_string();
    }
});
