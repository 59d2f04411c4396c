//! Who is running the tool: the identity file permissions are judged against.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

#[cfg(unix)]
pub fn current() -> Identity {
    // SAFETY: these libc calls take no pointers (getgroups gets a buffer of the size it
    // reported) and cannot fail in a way that leaves memory undefined.
    unsafe {
        let uid = libc::geteuid();
        let gid = libc::getegid();
        let n = libc::getgroups(0, std::ptr::null_mut());
        let mut groups = vec![0 as libc::gid_t; usize::try_from(n).unwrap_or(0)];
        let got = if groups.is_empty() {
            0
        } else {
            libc::getgroups(n, groups.as_mut_ptr())
        };
        groups.truncate(usize::try_from(got).unwrap_or(0));
        Identity { uid, gid, groups }
    }
}

/// Whether the mode bits let `who` execute a file owned by `owner`/`group`, the way the
/// kernel decides it (root needs any execute bit; otherwise exactly one class applies).
pub fn mode_allows_exec(mode: u32, owner: u32, group: u32, who: &Identity) -> bool {
    if who.uid == 0 {
        return mode & 0o111 != 0;
    }
    if who.uid == owner {
        return mode & 0o100 != 0;
    }
    if who.gid == group || who.groups.contains(&group) {
        return mode & 0o010 != 0;
    }
    mode & 0o001 != 0
}

/// The kernel's own verdict on executing (mode bits, ACLs, noexec mounts, security
/// modules).
#[cfg(unix)]
pub fn kernel_allows_exec(path: &std::path::Path) -> Option<bool> {
    kernel_allows(path, libc::X_OK)
}

/// The kernel's verdict for this user on `mode` (`libc::X_OK`, `W_OK`, …), judged with
/// the effective ids as the client process will have them.
#[cfg(unix)]
pub fn kernel_allows(path: &std::path::Path, mode: libc::c_int) -> Option<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    let rc = unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) };
    Some(rc == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(uid: u32, gid: u32, groups: &[u32]) -> Identity {
        Identity {
            uid,
            gid,
            groups: groups.to_vec(),
        }
    }

    #[test]
    fn exactly_one_permission_class_applies() {
        let alice = who(1000, 1000, &[27]);
        assert!(mode_allows_exec(0o700, 1000, 1000, &alice));
        // The owner class applies even when group or other would allow it.
        assert!(!mode_allows_exec(0o077, 1000, 1000, &alice));
        assert!(mode_allows_exec(0o010, 0, 27, &alice));
        assert!(!mode_allows_exec(0o701, 0, 27, &alice));
        assert!(mode_allows_exec(0o001, 0, 0, &alice));
        assert!(!mode_allows_exec(0o644, 0, 0, &alice));
    }

    #[test]
    fn root_needs_some_execute_bit() {
        let root = who(0, 0, &[]);
        assert!(mode_allows_exec(0o001, 1000, 1000, &root));
        assert!(!mode_allows_exec(0o666, 1000, 1000, &root));
    }
}
