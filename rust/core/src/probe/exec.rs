//! Can this user execute this file? The kernel's answer where there is one, and the
//! reason behind it: missing, broken link, empty or truncated, a format or architecture
//! this machine cannot run, mode bits, a `noexec` mount, an ACL or security module.

use std::io::Read;
use std::path::Path;

use crate::model::Evidence;
use crate::parse::exe::{self, Compat, ExeFormat};
use crate::platform::Platform;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Runs; the note says how when it is not native (e.g. under emulation).
    Runs {
        note: Option<String>,
    },
    Missing,
    BrokenSymlink {
        target: String,
    },
    NotAFile,
    Unreadable(String),
    Empty,
    Truncated(String),
    NotAnExecutable(String),
    WrongPlatform(String),
    ModeDenied {
        mode: u32,
    },
    NoexecMount {
        mount_point: String,
    },
    /// Mode bits and mount allow it, the kernel still refuses: an ACL or a security
    /// module (SELinux, AppArmor).
    KernelDenied,
}

#[derive(Debug, Clone)]
pub struct Examination {
    pub verdict: Verdict,
    pub evidence: Evidence,
    /// The resolved path, when the file exists.
    pub canonical: Option<String>,
    /// Whether the user running the tool owns the file (fixes need that).
    pub owned_by_user: bool,
}

pub fn examine(path: &str, platform: Platform, mountinfo: &Path) -> Examination {
    let mut evidence = Evidence::new();
    evidence.insert("file".into(), path.to_string());
    let (meta, canonical) = match locate(path, &mut evidence) {
        Ok(found) => found,
        Err((verdict, canonical)) => {
            return Examination {
                verdict,
                evidence,
                canonical,
                owned_by_user: false,
            };
        }
    };
    evidence.insert("size".into(), format!("{} bytes", meta.len()));
    let owned_by_user = owned(&meta);
    if meta.len() == 0 {
        return Examination {
            verdict: Verdict::Empty,
            evidence,
            canonical,
            owned_by_user,
        };
    }
    describe_owner(&meta, &mut evidence);

    let verdict = match format_verdict(path, meta.len(), platform, &mut evidence) {
        Some(ruled_out) => ruled_out,
        None => {
            let note = evidence
                .get("runs")
                .map(|_| "runs under emulation".to_string());
            permission_verdict(
                path,
                canonical.as_deref(),
                &meta,
                mountinfo,
                &mut evidence,
                note,
            )
        }
    };
    Examination {
        verdict,
        evidence,
        canonical,
        owned_by_user,
    }
}

/// The file's metadata (through any symlink) and its resolved path; or why there is
/// no regular file there, with the resolved path when it has one.
type Located = Result<(std::fs::Metadata, Option<String>), (Verdict, Option<String>)>;

fn locate(path: &str, evidence: &mut Evidence) -> Located {
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err((Verdict::Missing, None));
        }
        Err(e) => return Err((Verdict::Unreadable(e.to_string()), None)),
    };
    if link.file_type().is_symlink() {
        let target = std::fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        evidence.insert("symlink to".into(), target.clone());
        if std::fs::metadata(path).is_err() {
            return Err((Verdict::BrokenSymlink { target }, None));
        }
    }
    let canonical = std::fs::canonicalize(path)
        .ok()
        .map(|p| p.to_string_lossy().into_owned());
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Err((Verdict::Unreadable(e.to_string()), canonical)),
    };
    if !meta.is_file() {
        return Err((Verdict::NotAFile, canonical));
    }
    Ok((meta, canonical))
}

/// What the file's header rules out: truncated, not a program, or built for another
/// platform. `None` when it may run (noted in `runs` when only under emulation).
fn format_verdict(
    path: &str,
    len: u64,
    platform: Platform,
    evidence: &mut Evidence,
) -> Option<Verdict> {
    let mut header = Vec::with_capacity(4096);
    match std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut header)) {
        Ok(_) => {}
        // Execute-only files are legal; judge the rest without the header.
        Err(e) => {
            evidence.insert("format".into(), format!("header not readable: {e}"));
            return None;
        }
    }
    let info = exe::sniff(&header, len);
    evidence.insert("format".into(), info.detail.clone());
    if info.truncated {
        return Some(Verdict::Truncated(info.detail));
    }
    match info.format {
        ExeFormat::Unknown | ExeFormat::Empty => Some(Verdict::NotAnExecutable(
            "not a program this tool recognises (ELF, Mach-O, PE or #! script)".into(),
        )),
        ExeFormat::Script => None,
        _ => match exe::runs_on(&info, platform.os, platform.arch) {
            Compat::WrongOs | Compat::WrongArch => {
                let why = format!(
                    "{} cannot run on {:?} {:?}",
                    info.detail, platform.os, platform.arch
                );
                Some(Verdict::WrongPlatform(why))
            }
            Compat::Emulated => {
                evidence.insert("runs".into(), "under emulation".into());
                None
            }
            Compat::Native | Compat::Unknown => None,
        },
    }
}

#[cfg(unix)]
fn owned(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == crate::probe::user::current().uid
}

#[cfg(not(unix))]
fn owned(_meta: &std::fs::Metadata) -> bool {
    true
}

#[cfg(unix)]
fn describe_owner(meta: &std::fs::Metadata, evidence: &mut Evidence) {
    use std::os::unix::fs::MetadataExt;
    let who = crate::probe::user::current();
    evidence.insert(
        "mode".into(),
        format!(
            "{:04o} (owner uid {}, group gid {})",
            meta.mode() & 0o7777,
            meta.uid(),
            meta.gid()
        ),
    );
    evidence.insert(
        "checked as".into(),
        format!("uid {}, gid {}, groups {:?}", who.uid, who.gid, who.groups),
    );
}

#[cfg(not(unix))]
fn describe_owner(_meta: &std::fs::Metadata, _evidence: &mut Evidence) {}

#[cfg(unix)]
fn permission_verdict(
    path: &str,
    canonical: Option<&str>,
    meta: &std::fs::Metadata,
    mountinfo: &Path,
    evidence: &mut Evidence,
    note: Option<String>,
) -> Verdict {
    use std::os::unix::fs::MetadataExt;

    use crate::parse::mountinfo as mi;
    use crate::probe::user;

    if let (Some(canonical), Ok(text)) = (canonical, std::fs::read_to_string(mountinfo)) {
        let mounts = mi::parse(&text);
        if let Some(mount) = mi::mount_for(&mounts, canonical) {
            evidence.insert(
                "mount".into(),
                format!(
                    "{} ({}, {})",
                    mount.mount_point,
                    mount.fs_type,
                    mount.mount_options.join(",")
                ),
            );
            if mount.is_noexec() {
                return Verdict::NoexecMount {
                    mount_point: mount.mount_point.clone(),
                };
            }
        }
    }
    let who = user::current();
    if !user::mode_allows_exec(meta.mode(), meta.uid(), meta.gid(), &who) {
        return Verdict::ModeDenied {
            mode: meta.mode() & 0o7777,
        };
    }
    match user::kernel_allows_exec(Path::new(path)) {
        Some(false) => Verdict::KernelDenied,
        _ => Verdict::Runs { note },
    }
}

#[cfg(not(unix))]
fn permission_verdict(
    _path: &str,
    _canonical: Option<&str>,
    _meta: &std::fs::Metadata,
    _mountinfo: &Path,
    _evidence: &mut Evidence,
    note: Option<String>,
) -> Verdict {
    // Windows grants execute through ACLs that need the Win32 security API; the
    // client reports those failures itself (CreateProcessW error 5).
    Verdict::Runs { note }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn platform() -> Platform {
        Platform::current().unwrap()
    }

    fn copy_true(dir: &Path, name: &str, mode: u32) -> String {
        let path = dir.join(name);
        std::fs::copy("/bin/true", &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.to_string_lossy().into_owned()
    }

    const MOUNTINFO: &str = "/proc/self/mountinfo";

    #[test]
    fn a_real_executable_runs() {
        let dir = tempfile::tempdir().unwrap();
        let p = copy_true(dir.path(), "sshProxy", 0o755);
        let ex = examine(&p, platform(), Path::new(MOUNTINFO));
        assert_eq!(
            ex.verdict,
            Verdict::Runs { note: None },
            "{:?}",
            ex.evidence
        );
        assert!(ex.evidence["format"].contains("ELF"));
    }

    #[test]
    fn no_execute_bit_is_denied_even_for_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = copy_true(dir.path(), "sshProxy", 0o644);
        let ex = examine(&p, platform(), Path::new(MOUNTINFO));
        assert_eq!(ex.verdict, Verdict::ModeDenied { mode: 0o644 });
        assert!(ex.owned_by_user);
    }

    #[test]
    fn missing_broken_empty_truncated_and_garbage_each_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mi = Path::new(MOUNTINFO);
        assert_eq!(
            examine(d.join("none").to_str().unwrap(), platform(), mi).verdict,
            Verdict::Missing
        );

        std::os::unix::fs::symlink(d.join("gone"), d.join("link")).unwrap();
        assert!(matches!(
            examine(d.join("link").to_str().unwrap(), platform(), mi).verdict,
            Verdict::BrokenSymlink { .. }
        ));

        std::fs::write(d.join("empty"), b"").unwrap();
        assert_eq!(
            examine(d.join("empty").to_str().unwrap(), platform(), mi).verdict,
            Verdict::Empty
        );

        let whole = std::fs::read("/bin/true").unwrap();
        std::fs::write(d.join("cut"), &whole[..whole.len() / 3]).unwrap();
        std::fs::set_permissions(d.join("cut"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(
            examine(d.join("cut").to_str().unwrap(), platform(), mi).verdict,
            Verdict::Truncated(_)
        ));

        std::fs::write(d.join("html"), b"<html>404 Not Found</html>").unwrap();
        std::fs::set_permissions(d.join("html"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(
            examine(d.join("html").to_str().unwrap(), platform(), mi).verdict,
            Verdict::NotAnExecutable(_)
        ));

        assert_eq!(
            examine(d.to_str().unwrap(), platform(), mi).verdict,
            Verdict::NotAFile
        );
    }

    #[test]
    fn a_binary_for_another_platform_is_named() {
        let dir = tempfile::tempdir().unwrap();
        // A minimal PE header: MZ, e_lfanew = 0x40, "PE\0\0", machine x86-64.
        let mut pe = vec![0u8; 0x200];
        pe[0] = b'M';
        pe[1] = b'Z';
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        pe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
        let p = dir.path().join("sshProxy_windows_amd64_1_3_026973.exe");
        std::fs::write(&p, &pe).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ex = examine(p.to_str().unwrap(), platform(), Path::new(MOUNTINFO));
        assert!(
            matches!(ex.verdict, Verdict::WrongPlatform(_)),
            "{:?}",
            ex.verdict
        );
    }

    #[test]
    fn a_noexec_mount_is_found_from_the_mount_table() {
        let dir = tempfile::tempdir().unwrap();
        let p = copy_true(dir.path(), "sshProxy", 0o755);
        let canonical = std::fs::canonicalize(dir.path()).unwrap();
        // A mount table that says the temp folder is a noexec tmpfs.
        let table = format!(
            "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n99 22 0:50 / {} rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw\n",
            canonical.display()
        );
        let mi = dir.path().join("mountinfo");
        std::fs::write(&mi, table).unwrap();
        let ex = examine(&p, platform(), &mi);
        assert_eq!(
            ex.verdict,
            Verdict::NoexecMount {
                mount_point: canonical.to_string_lossy().into_owned()
            }
        );
    }
}
