//! Mach-O headers, thin and universal (fat).

use super::{Builder, ExeArch, ExeFormat, ExeInfo, table_end, u16_at, u32_at, u64_at};

fn macho_arch(cputype: u32) -> ExeArch {
    match cputype {
        7 => ExeArch::X86,
        0x0100_0007 => ExeArch::X86_64,
        12 => ExeArch::Arm,
        0x0100_000c => ExeArch::Aarch64,
        n => ExeArch::Other(n),
    }
}

pub(super) fn sniff_macho(h: &[u8], file_len: u64) -> ExeInfo {
    let (is64, be) = match h {
        [0xFE, 0xED, 0xFA, 0xCE, ..] => (false, true),
        [0xFE, 0xED, 0xFA, 0xCF, ..] => (true, true),
        [0xCE, 0xFA, 0xED, 0xFE, ..] => (false, false),
        _ => (true, false),
    };
    let bits = if is64 { "64-bit" } else { "32-bit" };
    let mut b = Builder::new(ExeFormat::MachO, format!("Mach-O {bits}"));
    if let Some(cputype) = u32_at(h, 4, be) {
        let arch = macho_arch(cputype);
        b.arch = Some(arch);
        b.arches.push(arch);
        b.summary.push(' ');
        b.summary.push_str(&arch.label());
    }
    let hdr: u64 = if is64 { 32 } else { 28 };
    b.need(Some(hdr), "Mach-O header", file_len);
    if b.truncated {
        return b.finish();
    }
    let (Some(ncmds), Some(sizeofcmds)) = (u32_at(h, 16, be), u32_at(h, 20, be)) else {
        b.note("header not fully read; cannot tell more");
        return b.finish();
    };
    b.need(
        hdr.checked_add(u64::from(sizeofcmds)),
        "load commands",
        file_len,
    );
    if b.truncated {
        return b.finish();
    }
    // Walk the load commands inside the buffer for segment extents.
    const LC_SEGMENT: u32 = 0x1;
    const LC_SEGMENT_64: u32 = 0x19;
    let mut off = hdr;
    let mut max_end: Option<u64> = Some(0);
    for _ in 0..ncmds.min(4096) {
        let (Some(cmd), Some(cmdsize)) = (
            u32_at(h, off, be),
            off.checked_add(4).and_then(|o| u32_at(h, o, be)),
        ) else {
            break;
        };
        let seg = match cmd {
            LC_SEGMENT_64 => Some((
                off.checked_add(40).and_then(|o| u64_at(h, o, be)),
                off.checked_add(48).and_then(|o| u64_at(h, o, be)),
            )),
            LC_SEGMENT => Some((
                off.checked_add(32)
                    .and_then(|o| u32_at(h, o, be))
                    .map(u64::from),
                off.checked_add(36)
                    .and_then(|o| u32_at(h, o, be))
                    .map(u64::from),
            )),
            _ => None,
        };
        if let Some((Some(fileoff), Some(filesize))) = seg {
            max_end = max_end
                .zip(fileoff.checked_add(filesize))
                .map(|(m, e)| m.max(e));
        }
        if cmdsize < 8 {
            b.note("malformed load command size");
            break;
        }
        match off.checked_add(u64::from(cmdsize)) {
            Some(next) => off = next,
            None => break,
        }
    }
    b.need(max_end, "segment data", file_len);
    b.finish()
}

/// Java class files share the `cafebabe` magic; their next field is a version
/// (45 and up), far more than the architectures a universal binary holds.
const MAX_FAT_ARCHES: u32 = 30;

pub(super) fn sniff_fat(h: &[u8], file_len: u64) -> ExeInfo {
    let is64 = h.get(3) == Some(&0xBF);
    let Some(nfat) = u32_at(h, 4, true) else {
        let mut b = Builder::new(ExeFormat::MachOFat, "universal Mach-O");
        b.need(Some(8), "fat header", file_len);
        if !b.truncated {
            b.note("header not fully read; cannot tell more");
        }
        return b.finish();
    };
    if nfat == 0 || nfat > MAX_FAT_ARCHES {
        let what = if !is64 && u16_at(h, 6, true).is_some_and(|major| major >= 45) {
            "Java class file, not a native executable"
        } else {
            "cafebabe magic but not a universal Mach-O"
        };
        return Builder::new(ExeFormat::Unknown, what).finish();
    }
    let entry_size: u64 = if is64 { 32 } else { 20 };
    let mut b = Builder::new(ExeFormat::MachOFat, "universal Mach-O");
    b.need(
        table_end(8, u64::from(nfat), entry_size),
        "fat architecture table",
        file_len,
    );
    for i in 0..u64::from(nfat) {
        let Some(entry) = table_end(8, i, entry_size) else {
            break;
        };
        let cputype = u32_at(h, entry, true);
        let (off, size) = if is64 {
            (
                entry.checked_add(8).and_then(|o| u64_at(h, o, true)),
                entry.checked_add(16).and_then(|o| u64_at(h, o, true)),
            )
        } else {
            (
                entry
                    .checked_add(8)
                    .and_then(|o| u32_at(h, o, true))
                    .map(u64::from),
                entry
                    .checked_add(12)
                    .and_then(|o| u32_at(h, o, true))
                    .map(u64::from),
            )
        };
        let (Some(cputype), Some(off), Some(size)) = (cputype, off, size) else {
            if !b.truncated {
                b.note("architecture table not fully read; cannot tell more");
            }
            break;
        };
        let arch = macho_arch(cputype);
        b.arches.push(arch);
        if !b.truncated {
            b.need(
                off.checked_add(size),
                &format!("{} slice", arch.label()),
                file_len,
            );
        }
    }
    let labels: Vec<String> = b.arches.iter().map(|a| a.label()).collect();
    if !labels.is_empty() {
        b.summary = format!("universal Mach-O ({})", labels.join(", "));
    }
    b.finish()
}
