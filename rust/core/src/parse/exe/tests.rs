use super::*;

fn put(buf: &mut Vec<u8>, off: usize, bytes: &[u8]) {
    if buf.len() < off + bytes.len() {
        buf.resize(off + bytes.len(), 0);
    }
    buf[off..off + bytes.len()].copy_from_slice(bytes);
}

fn put16(buf: &mut Vec<u8>, off: usize, v: u16, be: bool) {
    put(
        buf,
        off,
        &if be { v.to_be_bytes() } else { v.to_le_bytes() },
    );
}

fn put32(buf: &mut Vec<u8>, off: usize, v: u32, be: bool) {
    put(
        buf,
        off,
        &if be { v.to_be_bytes() } else { v.to_le_bytes() },
    );
}

fn put64(buf: &mut Vec<u8>, off: usize, v: u64, be: bool) {
    put(
        buf,
        off,
        &if be { v.to_be_bytes() } else { v.to_le_bytes() },
    );
}

/// A 1 KiB ELF64 "file": one PT_LOAD of 0x200 bytes, 4 section headers at 0x300.
fn elf64(machine: u16, be: bool) -> Vec<u8> {
    let mut f = vec![0u8; 0x400];
    put(
        &mut f,
        0,
        &[0x7f, b'E', b'L', b'F', 2, if be { 2 } else { 1 }, 1],
    );
    put16(&mut f, 16, 3, be);
    put16(&mut f, 18, machine, be);
    put32(&mut f, 20, 1, be);
    put64(&mut f, 32, 64, be);
    put64(&mut f, 40, 0x300, be);
    put16(&mut f, 52, 64, be);
    put16(&mut f, 54, 56, be);
    put16(&mut f, 56, 1, be);
    put16(&mut f, 58, 64, be);
    put16(&mut f, 60, 4, be);
    put32(&mut f, 64, 1, be);
    put64(&mut f, 64 + 8, 0, be);
    put64(&mut f, 64 + 32, 0x200, be);
    f
}

/// A 1 KiB ELF32 LE "file": one PT_LOAD of 0x200 bytes, 5 section headers at 0x300.
fn elf32(machine: u16) -> Vec<u8> {
    let mut f = vec![0u8; 0x400];
    put(&mut f, 0, &[0x7f, b'E', b'L', b'F', 1, 1, 1]);
    put16(&mut f, 16, 2, false);
    put16(&mut f, 18, machine, false);
    put32(&mut f, 28, 52, false);
    put32(&mut f, 32, 0x300, false);
    put16(&mut f, 40, 52, false);
    put16(&mut f, 42, 32, false);
    put16(&mut f, 44, 1, false);
    put16(&mut f, 46, 40, false);
    put16(&mut f, 48, 5, false);
    put32(&mut f, 52, 1, false);
    put32(&mut f, 52 + 16, 0x200, false);
    f
}

/// A 4 KiB thin little-endian Mach-O 64 with one LC_SEGMENT_64 covering the file.
fn macho64(cputype: u32) -> Vec<u8> {
    let mut f = vec![0u8; 0x1000];
    put(&mut f, 0, &[0xCF, 0xFA, 0xED, 0xFE]);
    put32(&mut f, 4, cputype, false);
    put32(&mut f, 12, 2, false);
    put32(&mut f, 16, 1, false);
    put32(&mut f, 20, 72, false);
    put32(&mut f, 32, 0x19, false);
    put32(&mut f, 36, 72, false);
    put(&mut f, 40, b"__TEXT");
    put64(&mut f, 32 + 40, 0, false);
    put64(&mut f, 32 + 48, 0x1000, false);
    f
}

const CPU_X86_64: u32 = 0x0100_0007;
const CPU_ARM64: u32 = 0x0100_000c;

/// A universal binary with one 4 KiB slice per cputype, slices at 0x1000, 0x2000, ...
fn fat(cputypes: &[u32]) -> Vec<u8> {
    let mut f = vec![0u8; 0x1000];
    put(&mut f, 0, &[0xCA, 0xFE, 0xBA, 0xBE]);
    put32(&mut f, 4, u32::try_from(cputypes.len()).unwrap(), true);
    for (i, cpu) in cputypes.iter().enumerate() {
        let e = 8 + i * 20;
        let offset = 0x1000 * (i + 1);
        put32(&mut f, e, *cpu, true);
        put32(&mut f, e + 8, u32::try_from(offset).unwrap(), true);
        put32(&mut f, e + 12, 0x1000, true);
        put32(&mut f, e + 16, 12, true);
        let slice = macho64(*cpu);
        put(&mut f, offset, &slice);
    }
    f
}

/// A 2 KiB PE: e_lfanew 0x80, two sections of 0x200 raw bytes at 0x400 and 0x600.
fn pe(machine: u16) -> Vec<u8> {
    let mut f = vec![0u8; 0x800];
    put(&mut f, 0, b"MZ");
    put32(&mut f, 0x3c, 0x80, false);
    put(&mut f, 0x80, b"PE\0\0");
    put16(&mut f, 0x84, machine, false);
    put16(&mut f, 0x86, 2, false);
    put16(&mut f, 0x94, 0xf0, false);
    let sections = 0x80 + 24 + 0xf0;
    put(&mut f, sections, b".text\0\0\0");
    put32(&mut f, sections + 16, 0x200, false);
    put32(&mut f, sections + 20, 0x400, false);
    put(&mut f, sections + 40, b".rdata\0\0");
    put32(&mut f, sections + 40 + 16, 0x200, false);
    put32(&mut f, sections + 40 + 20, 0x600, false);
    f
}

fn sniff_file(f: &[u8]) -> ExeInfo {
    sniff(&f[..f.len().min(4096)], f.len() as u64)
}

#[test]
fn elf64_x86_64_and_aarch64() {
    let info = sniff_file(&elf64(62, false));
    assert_eq!(info.format, ExeFormat::Elf);
    assert_eq!(info.arch, Some(ExeArch::X86_64));
    assert_eq!(info.arches, [ExeArch::X86_64]);
    assert!(!info.truncated, "{}", info.detail);
    assert_eq!(info.detail, "ELF 64-bit LSB x86-64");
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Linux, Arch::Aarch64), Compat::WrongArch);
    assert_eq!(runs_on(&info, Os::Macos, Arch::X86_64), Compat::WrongOs);
    assert_eq!(runs_on(&info, Os::Windows, Arch::X86_64), Compat::WrongOs);
    assert_eq!(runs_on(&info, Os::Linux, Arch::Other), Compat::Unknown);

    let info = sniff_file(&elf64(183, false));
    assert_eq!(info.arch, Some(ExeArch::Aarch64));
    assert!(!info.truncated);
    assert_eq!(runs_on(&info, Os::Linux, Arch::Aarch64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::WrongArch);

    let info = sniff_file(&elf64(183, true));
    assert_eq!(info.arch, Some(ExeArch::Aarch64));
    assert!(info.detail.contains("MSB"));
    assert!(!info.truncated, "{}", info.detail);

    let info = sniff_file(&elf64(243, false));
    assert_eq!(info.arch, Some(ExeArch::Other(243)));
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::WrongArch);
}

#[test]
fn elf32_i386_and_arm() {
    let info = sniff_file(&elf32(3));
    assert_eq!(info.format, ExeFormat::Elf);
    assert_eq!(info.arch, Some(ExeArch::X86));
    assert!(!info.truncated, "{}", info.detail);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86), Compat::Native);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::Emulated);
    assert_eq!(runs_on(&info, Os::Linux, Arch::Aarch64), Compat::WrongArch);
    let arm = sniff_file(&elf32(40));
    assert_eq!(arm.arch, Some(ExeArch::Arm));
    assert_eq!(runs_on(&arm, Os::Linux, Arch::Aarch64), Compat::Emulated);
    assert_eq!(runs_on(&arm, Os::Linux, Arch::X86_64), Compat::WrongArch);
}

#[test]
fn elf_truncations() {
    let f = elf64(62, false);
    // Section header table cut off.
    let info = sniff(&f, 0x3ff);
    assert!(info.truncated);
    assert!(
        info.detail.contains("section header table"),
        "{}",
        info.detail
    );
    // Cut inside the segment data.
    let info = sniff(&f, 0x100);
    assert!(info.truncated);
    // Shorter than the ELF header.
    let info = sniff(&f[..40], 40);
    assert!(info.truncated);
    assert_eq!(info.arch, Some(ExeArch::X86_64));
    assert!(info.detail.contains("ELF header"), "{}", info.detail);
    // Only the buffer is short, not the file: cannot tell, not truncated.
    let info = sniff(&f[..40], 0x400);
    assert!(!info.truncated);
    assert!(info.detail.contains("cannot tell"));
    let info = sniff(&f[..4], 0x400);
    assert!(!info.truncated);
    assert_eq!(info.format, ExeFormat::Elf);
    assert!(sniff(&f[..4], 4).truncated);
    // Without section headers, the loadable segment still reveals a cut.
    let mut g = f.clone();
    put64(&mut g, 40, 0, false);
    assert!(!sniff(&g, 0x200).truncated);
    let info = sniff(&g, 0x1ff);
    assert!(info.truncated);
    assert!(info.detail.contains("loadable segment"), "{}", info.detail);
    // ELF32 too.
    assert!(sniff(&elf32(3), 0x3c7).truncated);
    assert!(!sniff(&elf32(3), 0x3c8).truncated);
}

#[test]
fn elf_malformed_offsets_do_not_panic() {
    let mut f = elf64(62, false);
    put64(&mut f, 32, u64::MAX, false);
    put16(&mut f, 56, 0xfffe, false);
    let info = sniff(&f, 0x400);
    assert!(info.truncated);
    assert!(info.detail.contains("overflow") || info.detail.contains("ends at"));
    let mut f = elf64(62, false);
    put64(&mut f, 40, u64::MAX - 10, false);
    assert!(sniff(&f, 0x400).truncated);
    let mut f = elf64(62, false);
    put64(&mut f, 64 + 8, u64::MAX, false);
    let info = sniff(&f, 0x400);
    assert!(info.truncated, "{}", info.detail);
    let mut f = elf64(62, false);
    f[4] = 9;
    let info = sniff(&f, 0x400);
    assert_eq!(info.format, ExeFormat::Elf);
    assert_eq!(info.arch, None);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::Unknown);
    let mut f = elf64(62, false);
    f[5] = 7;
    assert!(sniff(&f, 0x400).detail.contains("byte order"));
}

#[test]
fn macho_thin() {
    let info = sniff_file(&macho64(CPU_ARM64));
    assert_eq!(info.format, ExeFormat::MachO);
    assert_eq!(info.arch, Some(ExeArch::Aarch64));
    assert!(!info.truncated, "{}", info.detail);
    assert_eq!(runs_on(&info, Os::Macos, Arch::Aarch64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Macos, Arch::X86_64), Compat::WrongArch);
    assert_eq!(runs_on(&info, Os::Linux, Arch::Aarch64), Compat::WrongOs);

    let intel = sniff_file(&macho64(CPU_X86_64));
    assert_eq!(intel.arch, Some(ExeArch::X86_64));
    assert_eq!(runs_on(&intel, Os::Macos, Arch::Aarch64), Compat::Emulated);
    assert_eq!(runs_on(&intel, Os::Macos, Arch::X86_64), Compat::Native);

    let mut m32 = macho64(7);
    put(&mut m32, 0, &[0xFE, 0xED, 0xFA, 0xCE]);
    put32(&mut m32, 4, 7, true);
    put32(&mut m32, 16, 0, true);
    put32(&mut m32, 20, 0, true);
    let info = sniff_file(&m32);
    assert_eq!(info.arch, Some(ExeArch::X86));
    assert!(info.detail.starts_with("Mach-O 32-bit"));
    assert_eq!(runs_on(&info, Os::Macos, Arch::X86_64), Compat::WrongArch);
    let mut ppc = m32.clone();
    put32(&mut ppc, 4, 18, true);
    assert_eq!(sniff_file(&ppc).arch, Some(ExeArch::Other(18)));
}

#[test]
fn macho_truncations() {
    let f = macho64(CPU_ARM64);
    let info = sniff(&f, 0xfff);
    assert!(info.truncated);
    assert!(info.detail.contains("segment data"), "{}", info.detail);
    let info = sniff(&f[..64], 64);
    assert!(info.truncated);
    assert!(info.detail.contains("load commands"), "{}", info.detail);
    assert!(sniff(&f[..20], 20).truncated);
    let info = sniff(&f[..20], 0x1000);
    assert!(!info.truncated);
    assert!(info.detail.contains("cannot tell"));
    // Zero-sized load command: stop walking, no hang, no panic.
    let mut g = f.clone();
    put32(&mut g, 20, 8, false);
    put32(&mut g, 16, 1000, false);
    put32(&mut g, 36, 0, false);
    let info = sniff_file(&g);
    assert!(info.detail.contains("malformed"));
    let mut g = f.clone();
    put64(&mut g, 32 + 40, u64::MAX, false);
    assert!(sniff_file(&g).truncated);
}

#[test]
fn fat_binary() {
    let f = fat(&[CPU_X86_64, CPU_ARM64]);
    assert_eq!(f.len(), 0x3000);
    let info = sniff_file(&f);
    assert_eq!(info.format, ExeFormat::MachOFat);
    assert_eq!(info.arch, None);
    assert_eq!(info.arches, [ExeArch::X86_64, ExeArch::Aarch64]);
    assert!(!info.truncated, "{}", info.detail);
    assert_eq!(info.detail, "universal Mach-O (x86-64, arm64)");
    assert_eq!(runs_on(&info, Os::Macos, Arch::Aarch64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Macos, Arch::X86_64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Macos, Arch::X86), Compat::WrongArch);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::WrongOs);
    let info = sniff(&f[..4096], 0x2fff);
    assert!(info.truncated);
    assert!(info.detail.contains("arm64 slice"), "{}", info.detail);

    let intel_only = sniff_file(&fat(&[CPU_X86_64]));
    assert_eq!(
        runs_on(&intel_only, Os::Macos, Arch::Aarch64),
        Compat::Emulated
    );
    let arm_only = sniff_file(&fat(&[CPU_ARM64]));
    assert_eq!(
        runs_on(&arm_only, Os::Macos, Arch::X86_64),
        Compat::WrongArch
    );

    // Table beyond the buffer but inside the file: cannot tell, not truncated.
    let info = sniff(&f[..12], 0x3000);
    assert!(!info.truncated);
    assert!(info.detail.contains("cannot tell"), "{}", info.detail);
    assert!(sniff(&f[..12], 12).truncated);
    assert!(sniff(&f[..6], 6).truncated);

    // fat_arch_64 variant.
    let mut f64 = vec![0u8; 0x3000];
    put(&mut f64, 0, &[0xCA, 0xFE, 0xBA, 0xBF]);
    put32(&mut f64, 4, 1, true);
    put32(&mut f64, 8, CPU_ARM64, true);
    put64(&mut f64, 16, 0x1000, true);
    put64(&mut f64, 24, 0x2000, true);
    let info = sniff_file(&f64);
    assert_eq!(info.arches, [ExeArch::Aarch64]);
    assert!(!info.truncated, "{}", info.detail);
    assert!(sniff(&f64[..4096], 0x2fff).truncated);
}

#[test]
fn java_class_is_not_macho() {
    let mut class = vec![0xCA, 0xFE, 0xBA, 0xBE, 0x00, 0x00, 0x00, 0x34, 0x00, 0x1d];
    class.resize(300, 0);
    let info = sniff_file(&class);
    assert_eq!(info.format, ExeFormat::Unknown);
    assert!(info.detail.contains("Java class"), "{}", info.detail);
    assert_eq!(runs_on(&info, Os::Macos, Arch::Aarch64), Compat::Unknown);
    let mut zero = class.clone();
    put32(&mut zero, 4, 0, true);
    assert_eq!(sniff_file(&zero).format, ExeFormat::Unknown);
}

#[test]
fn pe_binaries() {
    let info = sniff_file(&pe(0x8664));
    assert_eq!(info.format, ExeFormat::Pe);
    assert_eq!(info.arch, Some(ExeArch::X86_64));
    assert!(!info.truncated, "{}", info.detail);
    assert_eq!(info.detail, "PE x86-64");
    assert_eq!(runs_on(&info, Os::Windows, Arch::X86_64), Compat::Native);
    assert_eq!(runs_on(&info, Os::Windows, Arch::Aarch64), Compat::Emulated);
    assert_eq!(runs_on(&info, Os::Windows, Arch::X86), Compat::WrongArch);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::WrongOs);

    let x86 = sniff_file(&pe(0x14c));
    assert_eq!(x86.arch, Some(ExeArch::X86));
    assert_eq!(runs_on(&x86, Os::Windows, Arch::X86_64), Compat::Emulated);
    assert_eq!(runs_on(&x86, Os::Windows, Arch::X86), Compat::Native);
    let arm64 = sniff_file(&pe(0xaa64));
    assert_eq!(arm64.arch, Some(ExeArch::Aarch64));
    assert_eq!(
        runs_on(&arm64, Os::Windows, Arch::X86_64),
        Compat::WrongArch
    );
    let armnt = sniff_file(&pe(0x1c4));
    assert_eq!(armnt.arch, Some(ExeArch::Arm));
    assert_eq!(runs_on(&armnt, Os::Windows, Arch::Aarch64), Compat::Unknown);
    assert_eq!(sniff_file(&pe(0x200)).arch, Some(ExeArch::Other(0x200)));
}

#[test]
fn pe_truncations() {
    let f = pe(0x8664);
    let info = sniff(&f, 0x7ff);
    assert!(info.truncated);
    assert!(info.detail.contains("section data"), "{}", info.detail);
    // e_lfanew beyond the end of the file.
    let mut g = f.clone();
    put32(&mut g, 0x3c, 0x10_0000, false);
    let info = sniff_file(&g);
    assert!(info.truncated);
    assert!(info.detail.contains("PE header"));
    // e_lfanew beyond the buffer but inside the file: cannot tell.
    let info = sniff(&f[..0x80], 0x800);
    assert!(!info.truncated);
    assert!(info.detail.contains("cannot tell"), "{}", info.detail);
    assert_eq!(info.arch, None);
    // Shorter than the MS-DOS header.
    assert!(sniff(&f[..10], 10).truncated);
    assert!(!sniff(&f[..10], 0x800).truncated);
    // u32::MAX e_lfanew.
    let mut g = f.clone();
    put32(&mut g, 0x3c, u32::MAX, false);
    assert!(sniff_file(&g).truncated);
    // No PE signature.
    let mut dos = f.clone();
    put(&mut dos, 0x80, b"NE\0\0");
    let info = sniff_file(&dos);
    assert_eq!(info.format, ExeFormat::Pe);
    assert_eq!(info.arch, None);
    assert!(info.detail.contains("MS-DOS"));
    assert_eq!(runs_on(&info, Os::Windows, Arch::X86_64), Compat::Unknown);
    // Huge section count: the table runs past the file.
    let mut g = f.clone();
    put16(&mut g, 0x86, 0xffff, false);
    assert!(sniff_file(&g).truncated);
}

#[test]
fn scripts_empty_and_unknown() {
    let info = sniff(b"#!/usr/bin/env python3\r\nprint('x')\n", 40);
    assert_eq!(info.format, ExeFormat::Script);
    assert_eq!(info.detail, "#!/usr/bin/env python3");
    assert_eq!(info.arch, None);
    assert_eq!(runs_on(&info, Os::Linux, Arch::X86_64), Compat::Unknown);
    assert_eq!(runs_on(&info, Os::Windows, Arch::X86_64), Compat::WrongOs);
    assert_eq!(sniff(b"#!", 2).detail, "#!");

    let empty = sniff(b"", 0);
    assert_eq!(empty.format, ExeFormat::Empty);
    assert!(!empty.truncated);
    assert_eq!(runs_on(&empty, Os::Linux, Arch::X86_64), Compat::Unknown);
    assert_eq!(sniff(b"stale", 0).format, ExeFormat::Empty);
    assert_eq!(sniff(b"", 10).format, ExeFormat::Unknown);

    let html = sniff(
        b"<!DOCTYPE html>\n<html><body>403 Forbidden</body></html>",
        60,
    );
    assert_eq!(html.format, ExeFormat::Unknown);
    assert_eq!(html.detail, "text, not an executable: <!DOCTYPE html>");
    let gz = sniff(&[0x1f, 0x8b, 8, 0, 0, 0], 100);
    assert!(gz.detail.contains("gzip"));
    let zip = sniff(b"PK\x03\x04rest", 100);
    assert_eq!(zip.detail, "zip archive");
    let mut tar = vec![0u8; 512];
    put(&mut tar, 0, b"sshproxy_linux_amd64/");
    put(&mut tar, 257, b"ustar");
    assert_eq!(sniff(&tar, 10240).detail, "tar archive");
    let bin = sniff(&[0, 1, 2, 0xff, 0xfe, 9, 8, 7, 6, 5], 10);
    assert_eq!(bin.detail, "unrecognised header 00 01 02 ff fe 09 08 07");
}

#[test]
fn random_bytes_never_panic() {
    let mut seed: u64 = 0xdead_beef_cafe_f00d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let prefixes: [&[u8]; 8] = [
        b"\x7fELF\x02\x01",
        b"\x7fELF\x01\x02",
        b"\xcf\xfa\xed\xfe",
        b"\xfe\xed\xfa\xce",
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02",
        b"\xca\xfe\xba\xbf\x00\x00\x00\x03",
        b"MZ",
        b"",
    ];
    for round in 0..3000 {
        let len = usize::try_from(next() % 600).unwrap_or(0);
        let mut buf: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
        let prefix = prefixes[round % prefixes.len()];
        if buf.len() >= prefix.len() {
            buf[..prefix.len()].copy_from_slice(prefix);
        }
        let file_len = match round % 3 {
            0 => buf.len() as u64,
            1 => next(),
            _ => next() % 1000,
        };
        let info = sniff(&buf, file_len);
        for os in [Os::Linux, Os::Macos, Os::Windows] {
            for arch in [
                Arch::X86_64,
                Arch::X86,
                Arch::Aarch64,
                Arch::Arm,
                Arch::Other,
            ] {
                let _ = runs_on(&info, os, arch);
            }
        }
    }
}

#[test]
fn every_prefix_of_valid_headers() {
    let files = [
        elf64(62, false),
        elf32(3),
        macho64(CPU_ARM64),
        fat(&[CPU_X86_64, CPU_ARM64]),
        pe(0x8664),
    ];
    for f in &files {
        let full = f.len() as u64;
        for cut in 1..f.len().min(700) {
            let short = sniff(&f[..cut], cut as u64);
            let partial = sniff(&f[..cut], full);
            assert_eq!(short.format, partial.format);
            if cut < 24 {
                // Every format needs at least 24 header bytes to be complete.
                assert!(
                    short.truncated || short.format == ExeFormat::Unknown,
                    "{cut}"
                );
            }
        }
    }
}

#[test]
fn serializes_for_reports() {
    let info = sniff_file(&fat(&[CPU_X86_64, CPU_ARM64]));
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["format"], "mach-o-fat");
    assert_eq!(json["arches"][0], "x86_64");
    assert_eq!(json["arches"][1], "aarch64");
    assert_eq!(json["truncated"], false);
    let other = serde_json::to_value(ExeArch::Other(243)).unwrap();
    assert_eq!(other, serde_json::json!({"other": 243}));
    assert_eq!(serde_json::to_value(Compat::WrongOs).unwrap(), "wrong-os");
    assert_eq!(serde_json::to_value(ExeFormat::MachO).unwrap(), "mach-o");
}

#[test]
fn real_bin_ls() {
    use std::io::Read;
    let path = std::path::Path::new("/bin/ls");
    let Ok(file) = std::fs::File::open(path) else {
        return;
    };
    let len = file.metadata().unwrap().len();
    let mut header = Vec::new();
    file.take(4096).read_to_end(&mut header).unwrap();
    let info = sniff(&header, len);
    assert_eq!(info.format, ExeFormat::Elf, "{}", info.detail);
    assert!(!info.truncated, "{}", info.detail);
    let here = crate::platform::Platform::current().unwrap();
    #[cfg(target_arch = "x86_64")]
    assert_eq!(info.arch, Some(ExeArch::X86_64));
    assert_eq!(info.arch.and_then(ExeArch::platform_arch), Some(here.arch));
    assert_eq!(runs_on(&info, here.os, here.arch), Compat::Native);
    // The same file cut in half is caught.
    assert!(sniff(&header, len / 2).truncated);
}
