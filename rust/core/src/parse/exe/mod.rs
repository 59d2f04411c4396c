//! Executable header sniffing: is the proxy (or ssh) file an executable for this OS
//! and CPU, and is it complete? A truncated download, an HTML error page saved as the
//! proxy, or an amd64 build on the wrong OS all fail with opaque errors at connect
//! time; the first few KiB of the file tell them apart.
//!
//! Only the header buffer (normally the first 4096 bytes) and the file length are
//! used. All offsets are computed in `u64` with checked arithmetic: an overflow means
//! a malformed file and is reported as truncated, never as a panic.

mod elf;
mod macho;
mod pe;

use crate::platform::{Arch, Os};
use elf::sniff_elf;
use macho::{sniff_fat, sniff_macho};
use pe::sniff_pe;
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
mod tests;
