//! The `.psd1` reader: byte decoding (BOM, UTF-16 detection) then the tokenizer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::psd1;

fuzz_target!(|data: &[u8]| {
    let text = psd1::decode_text(data);
    if let Ok(v) = psd1::module_version(&text) {
        assert!(
            psd1::parse_version(&v).is_some(),
            "an accepted version parses: {v:?}"
        );
    }
    if let Ok(raw) = std::str::from_utf8(data) {
        let _ = psd1::module_version(raw);
        let _ = psd1::parse_version(raw);
    }
});
