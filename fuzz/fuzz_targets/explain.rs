//! The explain engine on arbitrary bytes: UTF-8 or not, UTF-16 (BOM or zero-byte
//! pattern) included. Every match must point inside the input and name a catalogue
//! diagnosis.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::{catalogue, explain};

fuzz_target!(|data: &[u8]| {
    let found = explain::explain(data);
    let mut seen = std::collections::BTreeSet::new();
    for m in &found {
        assert!(
            m.offset <= data.len(),
            "offset {} past {}",
            m.offset,
            data.len()
        );
        assert!((0.0..=1.0).contains(&m.confidence));
        assert!(
            catalogue::diagnosis(m.diagnosis).is_some(),
            "{}",
            m.diagnosis
        );
        assert!(seen.insert(m.diagnosis), "one match per diagnosis");
    }
});
