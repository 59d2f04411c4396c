//! Executable header sniffing: is the proxy (or ssh) file an executable for this OS
//! and CPU, and is it complete? A truncated download, an HTML error page saved as the
//! proxy, or an amd64 build on the wrong OS all fail with opaque errors at connect
//! time; the first few KiB of the file tell them apart.
//!
//! Only the header buffer (normally the first 4096 bytes) and the file length are
//! used. All offsets are computed in `u64` with checked arithmetic: an overflow means
//! a malformed file and is reported as truncated, never as a panic.

use crate::platform::{Arch, Os};
use serde::{Deserialize, Serialize};

/// The container format, which decides which OS can load the file at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExeFormat {
    Elf,
    MachO,
    /// A universal (fat) Mach-O with one slice per architecture.
    MachOFat,
    Pe,
    /// `#!` script, run through its interpreter.
    Script,
    /// A zero-length file (e.g. an interrupted download).
    Empty,
    Unknown,
}

/// The CPU a binary targets; `Other` keeps the raw machine / CPU-type number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExeArch {
    #[serde(rename = "x86_64")]
    X86_64,
    X86,
    Aarch64,
    Arm,
    Other(u32),
}

impl ExeArch {
    /// The platform family this CPU type belongs to, for comparing with the host.
    pub fn platform_arch(self) -> Option<Arch> {
        match self {
            ExeArch::X86_64 => Some(Arch::X86_64),
            ExeArch::X86 => Some(Arch::X86),
            ExeArch::Aarch64 => Some(Arch::Aarch64),
            ExeArch::Arm => Some(Arch::Arm),
            ExeArch::Other(_) => None,
        }
    }

    fn label(self) -> String {
        match self {
            ExeArch::X86_64 => "x86-64".to_string(),
            ExeArch::X86 => "x86".to_string(),
            ExeArch::Aarch64 => "arm64".to_string(),
            ExeArch::Arm => "arm".to_string(),
            ExeArch::Other(n) => format!("machine {n:#x}"),
        }
    }
}

/// What the header says, in a form a finding can quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExeInfo {
    pub format: ExeFormat,
    /// The single architecture of a thin binary; `None` for a fat Mach-O (see
    /// `arches`), a script, or when it cannot be read.
    pub arch: Option<ExeArch>,
    /// Every architecture in the file: one for a thin binary, one per slice for a
    /// fat Mach-O, none when unknown.
    pub arches: Vec<ExeArch>,
    /// The file ends before data its headers point to (or the headers are malformed).
    pub truncated: bool,
    /// Human-readable summary, including why it is considered truncated.
    pub detail: String,
}

/// Whether a binary can run on a given platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compat {
    Native,
    /// Runs through a translation or compatibility layer: Rosetta 2 (x86-64 Mach-O on
    /// Apple silicon), WOW64 / Windows on Arm emulation, 32-bit x86 on x86-64 Linux.
    Emulated,
    WrongOs,
    WrongArch,
    Unknown,
}

fn bytes_at<const N: usize>(buf: &[u8], off: u64) -> Option<[u8; N]> {
    let start = usize::try_from(off).ok()?;
    let end = start.checked_add(N)?;
    buf.get(start..end)?.try_into().ok()
}

fn u16_at(buf: &[u8], off: u64, be: bool) -> Option<u16> {
    let b = bytes_at::<2>(buf, off)?;
    Some(if be {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    })
}

fn u32_at(buf: &[u8], off: u64, be: bool) -> Option<u32> {
    let b = bytes_at::<4>(buf, off)?;
    Some(if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

fn u64_at(buf: &[u8], off: u64, be: bool) -> Option<u64> {
    let b = bytes_at::<8>(buf, off)?;
    Some(if be {
        u64::from_be_bytes(b)
    } else {
        u64::from_le_bytes(b)
    })
}

/// `base + count * size`, `None` on overflow.
fn table_end(base: u64, count: u64, size: u64) -> Option<u64> {
    count.checked_mul(size)?.checked_add(base)
}

fn len_u64(buf: &[u8]) -> u64 {
    u64::try_from(buf.len()).unwrap_or(u64::MAX)
}

/// Collects the verdict while a format is being read.
struct Builder {
    format: ExeFormat,
    arch: Option<ExeArch>,
    arches: Vec<ExeArch>,
    truncated: bool,
    summary: String,
    notes: Vec<String>,
}

impl Builder {
    fn new(format: ExeFormat, summary: impl Into<String>) -> Builder {
        Builder {
            format,
            arch: None,
            arches: Vec::new(),
            truncated: false,
            summary: summary.into(),
            notes: Vec::new(),
        }
    }

    fn truncate(&mut self, why: String) {
        self.truncated = true;
        self.notes.push(format!("truncated: {why}"));
    }

    /// Checks that `[.., end)` lies inside the file; `None` (overflow) is malformed.
    fn need(&mut self, end: Option<u64>, what: &str, file_len: u64) {
        match end {
            None => self.truncate(format!("{what} offsets overflow (malformed header)")),
            Some(end) if end > file_len => self.truncate(format!(
                "{what} ends at byte {end}, the file has {file_len}"
            )),
            Some(_) => {}
        }
    }

    fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    fn finish(self) -> ExeInfo {
        let mut detail = self.summary;
        for n in self.notes {
            detail.push_str("; ");
            detail.push_str(&n);
        }
        ExeInfo {
            format: self.format,
            arch: self.arch,
            arches: self.arches,
            truncated: self.truncated,
            detail,
        }
    }
}

/// Identifies an executable from its first bytes (`header`, up to 4096 of them) and
/// its full length, because the OS loader's own errors ("cannot execute binary file",
/// "Exec format error", "%1 is not a valid Win32 application") rarely say why.
pub fn sniff(header: &[u8], file_len: u64) -> ExeInfo {
    if file_len == 0 {
        return Builder::new(ExeFormat::Empty, "empty file").finish();
    }
    match header {
        [] => Builder::new(ExeFormat::Unknown, "no bytes could be read").finish(),
        [0x7f, b'E', b'L', b'F', ..] => sniff_elf(header, file_len),
        [0xFE, 0xED, 0xFA, 0xCE | 0xCF, ..] | [0xCE | 0xCF, 0xFA, 0xED, 0xFE, ..] => {
            sniff_macho(header, file_len)
        }
        [0xCA, 0xFE, 0xBA, 0xBE | 0xBF, ..] => sniff_fat(header, file_len),
        [b'M', b'Z', ..] => sniff_pe(header, file_len),
        [b'#', b'!', ..] => sniff_script(header),
        _ => sniff_unknown(header),
    }
}

fn elf_arch(machine: u16) -> ExeArch {
    match machine {
        3 => ExeArch::X86,
        62 => ExeArch::X86_64,
        40 => ExeArch::Arm,
        183 => ExeArch::Aarch64,
        n => ExeArch::Other(u32::from(n)),
    }
}

fn sniff_elf(h: &[u8], file_len: u64) -> ExeInfo {
    let is64 = match h.get(4) {
        Some(1) => false,
        Some(2) => true,
        Some(c) => {
            return Builder::new(ExeFormat::Elf, format!("ELF with unknown class {c}")).finish();
        }
        None => {
            let mut b = Builder::new(ExeFormat::Elf, "ELF");
            b.need(Some(52), "ELF header", file_len);
            if !b.truncated {
                b.note("header not fully read; cannot tell more");
            }
            return b.finish();
        }
    };
    let be = match h.get(5) {
        Some(1) => false,
        Some(2) => true,
        Some(d) => {
            return Builder::new(ExeFormat::Elf, format!("ELF with unknown byte order {d}"))
                .finish();
        }
        None => false,
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
        return b.finish();
    };
    let (phentsize, shentsize) = (u64::from(phentsize), u64::from(shentsize));
    // 0xffff (PN_XNUM) means the real count lives in section 0; check one entry.
    let phcount = if phnum == 0xffff { 1 } else { u64::from(phnum) };
    if phcount > 0 {
        b.need(
            table_end(phoff, phcount, phentsize),
            "program header table",
            file_len,
        );
    }
    if shoff != 0 {
        // shnum 0 with a table means the count lives in section 0; check one entry.
        let shcount = if shnum == 0 { 1 } else { u64::from(shnum) };
        b.need(
            table_end(shoff, shcount, shentsize),
            "section header table",
            file_len,
        );
    }
    elf_segments(&mut b, h, file_len, is64, be, (phoff, phentsize, phcount));
    b.finish()
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

fn macho_arch(cputype: u32) -> ExeArch {
    match cputype {
        7 => ExeArch::X86,
        0x0100_0007 => ExeArch::X86_64,
        12 => ExeArch::Arm,
        0x0100_000c => ExeArch::Aarch64,
        n => ExeArch::Other(n),
    }
}

fn sniff_macho(h: &[u8], file_len: u64) -> ExeInfo {
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

fn sniff_fat(h: &[u8], file_len: u64) -> ExeInfo {
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

fn pe_arch(machine: u16) -> ExeArch {
    match machine {
        0x014c => ExeArch::X86,
        0x8664 => ExeArch::X86_64,
        0xaa64 => ExeArch::Aarch64,
        0x01c4 => ExeArch::Arm,
        n => ExeArch::Other(u32::from(n)),
    }
}

fn sniff_pe(h: &[u8], file_len: u64) -> ExeInfo {
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

fn first_line(h: &[u8], max_chars: usize) -> String {
    let end = h
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .unwrap_or(h.len());
    let line = String::from_utf8_lossy(h.get(..end).unwrap_or(h));
    line.chars()
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_string()
}

fn sniff_script(h: &[u8]) -> ExeInfo {
    Builder::new(ExeFormat::Script, first_line(h, 256)).finish()
}

fn sniff_unknown(h: &[u8]) -> ExeInfo {
    let what = match h {
        [0x1f, 0x8b, ..] => "gzip data (an archive that was not extracted?)".to_string(),
        [b'P', b'K', 3, 4, ..] => "zip archive".to_string(),
        _ if h.get(257..262) == Some(b"ustar") => "tar archive".to_string(),
        _ => {
            let sample = h.get(..h.len().min(512)).unwrap_or(h);
            let text = std::str::from_utf8(sample).is_ok_and(|s| {
                s.chars()
                    .all(|c| !c.is_control() || c.is_ascii_whitespace())
            });
            if text {
                format!("text, not an executable: {}", first_line(h, 80))
            } else {
                let hex: Vec<String> = h.iter().take(8).map(|b| format!("{b:02x}")).collect();
                format!("unrecognised header {}", hex.join(" "))
            }
        }
    };
    Builder::new(ExeFormat::Unknown, what).finish()
}

fn arch_compat(format: ExeFormat, exe: ExeArch, host: Arch) -> Compat {
    let Some(exe) = exe.platform_arch() else {
        return if host == Arch::Other {
            Compat::Unknown
        } else {
            Compat::WrongArch
        };
    };
    if host == Arch::Other {
        return Compat::Unknown;
    }
    if exe == host {
        return Compat::Native;
    }
    match (format, exe, host) {
        // IA-32 compatibility mode; ARMv7 on AArch32-capable arm64 kernels.
        (ExeFormat::Elf, Arch::X86, Arch::X86_64) | (ExeFormat::Elf, Arch::Arm, Arch::Aarch64) => {
            Compat::Emulated
        }
        // Rosetta 2; macOS runs no 32-bit code since 10.15.
        (ExeFormat::MachO | ExeFormat::MachOFat, Arch::X86_64, Arch::Aarch64) => Compat::Emulated,
        // WOW64 and the x86/x64 emulation of Windows on Arm.
        (ExeFormat::Pe, Arch::X86, Arch::X86_64 | Arch::Aarch64)
        | (ExeFormat::Pe, Arch::X86_64, Arch::Aarch64) => Compat::Emulated,
        // 32-bit Arm apps ran on Windows 10 on Arm but not on Windows 11 24H2.
        (ExeFormat::Pe, Arch::Arm, Arch::Aarch64) => Compat::Unknown,
        _ => Compat::WrongArch,
    }
}

/// Whether the sniffed binary can run on `os`/`arch`, so a wrong proxy build is named
/// as such instead of surfacing as "Exec format error".
///
/// A fat Mach-O is judged by its best slice. Scripts depend on their interpreter
/// (`Unknown`) except on Windows, which cannot run them (`WrongOs`).
pub fn runs_on(info: &ExeInfo, os: Os, arch: Arch) -> Compat {
    let wanted_os = match info.format {
        ExeFormat::Elf => Os::Linux,
        ExeFormat::MachO | ExeFormat::MachOFat => Os::Macos,
        ExeFormat::Pe => Os::Windows,
        ExeFormat::Script => {
            return if os == Os::Windows {
                Compat::WrongOs
            } else {
                Compat::Unknown
            };
        }
        ExeFormat::Empty | ExeFormat::Unknown => return Compat::Unknown,
    };
    if os != wanted_os {
        return Compat::WrongOs;
    }
    let verdicts: Vec<Compat> = info
        .arches
        .iter()
        .map(|a| arch_compat(info.format, *a, arch))
        .collect();
    for best in [Compat::Native, Compat::Emulated, Compat::Unknown] {
        if verdicts.contains(&best) {
            return best;
        }
    }
    if verdicts.is_empty() {
        Compat::Unknown
    } else {
        Compat::WrongArch
    }
}

#[cfg(test)]
#[path = "exe_tests.rs"]
mod tests;
