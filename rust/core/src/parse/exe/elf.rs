//! ELF (Linux and other Unix) headers.

use super::{Builder, ExeArch, ExeFormat, ExeInfo, len_u64, table_end, u16_at, u32_at, u64_at};

fn elf_arch(machine: u16) -> ExeArch {
    match machine {
        3 => ExeArch::X86,
        62 => ExeArch::X86_64,
        40 => ExeArch::Arm,
        183 => ExeArch::Aarch64,
        n => ExeArch::Other(u32::from(n)),
    }
}

pub(super) fn sniff_elf(h: &[u8], file_len: u64) -> ExeInfo {
    let (is64, be) = match ident(h, file_len) {
        Ok(class_and_order) => class_and_order,
        Err(info) => return info,
    };
    let bits = if is64 { "64-bit" } else { "32-bit" };
    let order = if be { "MSB" } else { "LSB" };
    let mut b = Builder::new(ExeFormat::Elf, format!("ELF {bits} {order}"));
    if let Some(machine) = u16_at(h, 18, be) {
        let arch = elf_arch(machine);
        b.arch = Some(arch);
        b.arches.push(arch);
        b.summary.push(' ');
        b.summary.push_str(&arch.label());
    }
    let ehsize: u64 = if is64 { 64 } else { 52 };
    b.need(Some(ehsize), "ELF header", file_len);
    if b.truncated {
        return b.finish();
    }
    if len_u64(h) < ehsize {
        b.note(format!(
            "only {} header bytes read; cannot tell more",
            h.len()
        ));
        return b.finish();
    }
    let Some(t) = tables(h, is64, be) else {
        return b.finish();
    };
    need_tables(&mut b, &t, file_len);
    elf_segments(
        &mut b,
        h,
        file_len,
        is64,
        be,
        (t.phoff, t.phentsize, t.phcount),
    );
    b.finish()
}

/// The class (64-bit?) and byte order (big-endian?) from `e_ident`; the whole answer
/// when they are unknown or not there to read.
fn ident(h: &[u8], file_len: u64) -> Result<(bool, bool), ExeInfo> {
    let is64 = match h.get(4) {
        Some(1) => false,
        Some(2) => true,
        Some(c) => {
            return Err(
                Builder::new(ExeFormat::Elf, format!("ELF with unknown class {c}")).finish(),
            );
        }
        None => {
            let mut b = Builder::new(ExeFormat::Elf, "ELF");
            b.need(Some(52), "ELF header", file_len);
            if !b.truncated {
                b.note("header not fully read; cannot tell more");
            }
            return Err(b.finish());
        }
    };
    let be = match h.get(5) {
        Some(1) => false,
        Some(2) => true,
        Some(d) => {
            return Err(
                Builder::new(ExeFormat::Elf, format!("ELF with unknown byte order {d}")).finish(),
            );
        }
        None => false,
    };
    Ok((is64, be))
}

/// Where the program and section header tables are, their entry sizes and counts.
struct Tables {
    phoff: u64,
    phentsize: u64,
    phcount: u64,
    shoff: u64,
    shentsize: u64,
    shnum: u16,
}

fn tables(h: &[u8], is64: bool, be: bool) -> Option<Tables> {
    // (phoff, phentsize, phnum, shoff, shentsize, shnum)
    let fields = if is64 {
        (
            u64_at(h, 32, be),
            u16_at(h, 54, be),
            u16_at(h, 56, be),
            u64_at(h, 40, be),
            u16_at(h, 58, be),
            u16_at(h, 60, be),
        )
    } else {
        (
            u32_at(h, 28, be).map(u64::from),
            u16_at(h, 42, be),
            u16_at(h, 44, be),
            u32_at(h, 32, be).map(u64::from),
            u16_at(h, 46, be),
            u16_at(h, 48, be),
        )
    };
    let (Some(phoff), Some(phentsize), Some(phnum), Some(shoff), Some(shentsize), Some(shnum)) =
        fields
    else {
        return None;
    };
    Some(Tables {
        phoff,
        phentsize: u64::from(phentsize),
        // 0xffff (PN_XNUM) means the real count lives in section 0; check one entry.
        phcount: if phnum == 0xffff { 1 } else { u64::from(phnum) },
        shoff,
        shentsize: u64::from(shentsize),
        shnum,
    })
}

/// Checks that both header tables lie inside the file.
fn need_tables(b: &mut Builder, t: &Tables, file_len: u64) {
    if t.phcount > 0 {
        b.need(
            table_end(t.phoff, t.phcount, t.phentsize),
            "program header table",
            file_len,
        );
    }
    if t.shoff != 0 {
        // shnum 0 with a table means the count lives in section 0; check one entry.
        let shcount = if t.shnum == 0 { 1 } else { u64::from(t.shnum) };
        b.need(
            table_end(t.shoff, shcount, t.shentsize),
            "section header table",
            file_len,
        );
    }
}

/// Checks that each loadable segment's file data is present, for the program
/// headers that lie inside the header buffer.
fn elf_segments(
    b: &mut Builder,
    h: &[u8],
    file_len: u64,
    is64: bool,
    be: bool,
    (phoff, phentsize, phcount): (u64, u64, u64),
) {
    let min_entry: u64 = if is64 { 56 } else { 32 };
    if phentsize < min_entry {
        return;
    }
    let mut max_end: Option<u64> = Some(0);
    for i in 0..phcount.min(1024) {
        let Some(entry) = table_end(phoff, i, phentsize) else {
            break;
        };
        let Some(p_type) = u32_at(h, entry, be) else {
            break;
        };
        const PT_LOAD: u32 = 1;
        if p_type != PT_LOAD {
            continue;
        }
        let (off, size) = if is64 {
            (
                entry.checked_add(8).and_then(|o| u64_at(h, o, be)),
                entry.checked_add(32).and_then(|o| u64_at(h, o, be)),
            )
        } else {
            (
                entry
                    .checked_add(4)
                    .and_then(|o| u32_at(h, o, be))
                    .map(u64::from),
                entry
                    .checked_add(16)
                    .and_then(|o| u32_at(h, o, be))
                    .map(u64::from),
            )
        };
        let (Some(off), Some(size)) = (off, size) else {
            break;
        };
        max_end = max_end.zip(off.checked_add(size)).map(|(m, e)| m.max(e));
    }
    if !b.truncated {
        b.need(max_end, "loadable segment data", file_len);
    }
}
