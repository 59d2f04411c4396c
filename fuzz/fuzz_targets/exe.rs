//! Executable-header sniffing: the header bytes and a file length that may disagree
//! with them (first byte odd: the next 8 bytes are the length, little-endian).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::exe;
use ssh_troubleshoot_core::platform::{Arch, Os};

fuzz_target!(|data: &[u8]| {
    let (header, file_len) = match data {
        [flag, rest @ ..] if flag & 1 == 1 && rest.len() >= 8 => {
            let (len, header) = rest.split_at(8);
            let mut b = [0u8; 8];
            b.copy_from_slice(len);
            (header, u64::from_le_bytes(b))
        }
        _ => (data, data.len() as u64),
    };
    let header = &header[..header.len().min(4096)];
    let info = exe::sniff(header, file_len);
    if let Some(a) = info.arch {
        assert!(info.arches.contains(&a), "{info:?}");
    }
    for os in [Os::Linux, Os::Macos, Os::Windows] {
        for arch in [
            Arch::X86_64,
            Arch::X86,
            Arch::Aarch64,
            Arch::Arm,
            Arch::Other,
        ] {
            let _ = exe::runs_on(&info, os, arch);
        }
    }
});
