//! PE (Windows) headers.

use super::{Builder, ExeArch, ExeFormat, ExeInfo, bytes_at, len_u64, table_end, u16_at, u32_at};

fn pe_arch(machine: u16) -> ExeArch {
    match machine {
        0x014c => ExeArch::X86,
        0x8664 => ExeArch::X86_64,
        0xaa64 => ExeArch::Aarch64,
        0x01c4 => ExeArch::Arm,
        n => ExeArch::Other(u32::from(n)),
    }
}

pub(super) fn sniff_pe(h: &[u8], file_len: u64) -> ExeInfo {
    let mut b = Builder::new(ExeFormat::Pe, "PE");
    let Some(lfanew) = u32_at(h, 0x3c, false).map(u64::from) else {
        b.need(Some(0x40), "MS-DOS header", file_len);
        if !b.truncated {
            b.note("header not fully read; cannot tell more");
        }
        return b.finish();
    };
    // Signature (4) + COFF file header (20).
    b.need(lfanew.checked_add(24), "PE header", file_len);
    if b.truncated {
        return b.finish();
    }
    if bytes_at::<4>(h, lfanew).is_none() || lfanew.checked_add(24).is_none_or(|e| e > len_u64(h)) {
        b.note(format!(
            "PE header at offset {lfanew} is beyond the {} bytes read; cannot tell",
            h.len()
        ));
        return b.finish();
    }
    if bytes_at::<4>(h, lfanew) != Some(*b"PE\0\0") {
        b.summary = "MS-DOS (MZ) program without a PE header".to_string();
        return b.finish();
    }
    let coff = lfanew.saturating_add(4);
    if let Some(machine) = u16_at(h, coff, false) {
        let arch = pe_arch(machine);
        b.arch = Some(arch);
        b.arches.push(arch);
        b.summary.push(' ');
        b.summary.push_str(&arch.label());
    }
    let (Some(nsections), Some(size_opt)) = (
        coff.checked_add(2).and_then(|o| u16_at(h, o, false)),
        coff.checked_add(16).and_then(|o| u16_at(h, o, false)),
    ) else {
        return b.finish();
    };
    let sections = lfanew
        .checked_add(24)
        .and_then(|o| o.checked_add(u64::from(size_opt)));
    b.need(sections, "optional header", file_len);
    b.need(
        sections.and_then(|s| table_end(s, u64::from(nsections), 40)),
        "section table",
        file_len,
    );
    if b.truncated {
        return b.finish();
    }
    // Raw data of each section whose table entry was read.
    let mut max_end: Option<u64> = Some(0);
    for i in 0..u64::from(nsections) {
        let Some(entry) = sections.and_then(|s| table_end(s, i, 40)) else {
            break;
        };
        let (Some(raw_size), Some(raw_ptr)) = (
            entry.checked_add(16).and_then(|o| u32_at(h, o, false)),
            entry.checked_add(20).and_then(|o| u32_at(h, o, false)),
        ) else {
            break;
        };
        max_end = max_end
            .zip(u64::from(raw_ptr).checked_add(u64::from(raw_size)))
            .map(|(m, e)| m.max(e));
    }
    b.need(max_end, "section data", file_len);
    b.finish()
}
