//! `/proc/self/mountinfo`, read to tell whether a proxy file sits on a `noexec` mount
//! (a cause of "Permission denied" that mode bits do not show).
//!
//! Line format (proc(5)):
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
//! = mount id, parent id, major:minor, root, mount point, mount options, optional
//! fields ended by `-`, file-system type, source, super-block options.

/// One mounted file system as this process sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    pub mount_id: u32,
    /// Where it is mounted, with the kernel's octal escapes decoded.
    pub mount_point: String,
    /// Per-mount options (`rw`, `noexec`, `nosuid`, ...): these decide exec permission.
    pub mount_options: Vec<String>,
    pub fs_type: String,
    pub source: String,
    /// Options of the file system itself (e.g. drvfs's `metadata`, `fmask=`).
    pub super_options: Vec<String>,
}

impl Mount {
    /// Whether nothing on this mount may be executed, whatever the file's mode bits.
    pub fn is_noexec(&self) -> bool {
        self.has_option("noexec")
    }

    /// Whether a per-mount option is set (e.g. `nosuid`, `ro`).
    pub fn has_option(&self, name: &str) -> bool {
        self.mount_options.iter().any(|o| o == name)
    }

    /// The value of a super-block option: `Some("")` for a bare flag such as
    /// `metadata`, `Some("0022")` for `fmask=0022`, `None` when absent.
    pub fn super_option(&self, key: &str) -> Option<&str> {
        self.super_options
            .iter()
            .find_map(|o| match o.split_once('=') {
                Some((k, v)) if k == key => Some(v),
                None if o == key => Some(""),
                _ => None,
            })
    }
}

/// Decodes the kernel's `\ooo` escapes (space, tab, newline, backslash, and any other
/// byte a file system chose to escape); a backslash not followed by three octal
/// digits is kept as is.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = if b == b'\\' {
            bytes
                .get(i + 1..i + 4)
                .filter(|digits| digits.iter().all(|d| (b'0'..=b'7').contains(d)))
                .and_then(|digits| {
                    let value = digits
                        .iter()
                        .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                    u8::try_from(value).ok()
                })
        } else {
            None
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn options(field: &str) -> Vec<String> {
    field
        .split(',')
        .filter(|o| !o.is_empty())
        .map(unescape)
        .collect()
}

fn parse_line(line: &str) -> Option<Mount> {
    // The kernel separates fields with one space and octal-escapes space, tab, newline
    // and backslash inside them, but nothing else: a carriage return or form feed in a
    // mount point is written as is, so only spaces separate.
    let fields: Vec<&str> = line.split(' ').filter(|f| !f.is_empty()).collect();
    let mount_id: u32 = fields.first()?.parse().ok()?;
    let _parent_id: u32 = fields.get(1)?.parse().ok()?;
    let dev = fields.get(2)?;
    let (major, minor) = dev.split_once(':')?;
    major.parse::<u32>().ok()?;
    minor.parse::<u32>().ok()?;
    let mount_point = unescape(fields.get(4)?);
    if !mount_point.starts_with('/') {
        return None;
    }
    let mount_options = options(fields.get(5)?);
    let dash = fields.iter().skip(6).position(|f| *f == "-")? + 6;
    let fs_type = unescape(fields.get(dash + 1)?);
    let source = unescape(fields.get(dash + 2)?);
    let super_options = fields.get(dash + 3).map(|f| options(f)).unwrap_or_default();
    Some(Mount {
        mount_id,
        mount_point,
        mount_options,
        fs_type,
        source,
        super_options,
    })
}

/// Parses mountinfo text in file order, skipping lines that do not have the format
/// (so one odd line never hides the rest).
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

/// The mount a (canonical, absolute) path lives on: the longest mount point that is a
/// whole-component prefix of the path (`/home` does not contain `/homework`). When
/// several mounts share that mount point the last one listed wins, since later
/// mounts are stacked on top of earlier ones.
pub fn mount_for<'a>(mounts: &'a [Mount], path: &str) -> Option<&'a Mount> {
    if !path.starts_with('/') {
        return None;
    }
    let mut best: Option<&Mount> = None;
    for m in mounts {
        if !contains(&m.mount_point, path) {
            continue;
        }
        let better = best.is_none_or(|b| m.mount_point.len() >= b.mount_point.len());
        if better {
            best = Some(m);
        }
    }
    best
}

fn contains(mount_point: &str, path: &str) -> bool {
    let mp = mount_point.trim_end_matches('/');
    if mp.is_empty() {
        // The root mount holds every absolute path.
        return mount_point.starts_with('/');
    }
    match path.strip_prefix(mp) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "\
22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
24 28 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=4002636k,nr_inodes=1000659,mode=755,inode64
25 24 0:23 / /dev/pts rw,nosuid,noexec,relatime shared:3 - devpts devpts rw,gid=5,mode=620,ptmxmode=000
26 28 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=804720k,mode=755,inode64
28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw,errors=remount-ro
29 22 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw
30 24 0:25 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64
45 28 8:1 / /boot rw,relatime shared:29 - ext2 /dev/sda1 rw
47 28 254:2 / /home rw,nodev,relatime shared:31 - ext4 /dev/mapper/vg-home rw
49 28 0:40 / /tmp rw,nosuid,nodev,noexec,relatime shared:33 - tmpfs tmpfs rw,size=2097152k,inode64
";

    #[test]
    fn debian_host() {
        let m = parse(DEBIAN);
        assert_eq!(m.len(), 11);
        let root = mount_for(&m, "/usr/bin/ssh").unwrap();
        assert_eq!(root.mount_id, 28);
        assert_eq!(root.fs_type, "ext4");
        assert_eq!(root.source, "/dev/mapper/vg-root");
        assert_eq!(root.super_options, ["rw", "errors=remount-ro"]);
        assert!(!root.is_noexec());
        let home = mount_for(
            &m,
            "/home/ana/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        )
        .unwrap();
        assert_eq!(home.mount_point, "/home");
        assert!(!home.is_noexec());
        assert!(home.has_option("nodev"));
        let tmp = mount_for(&m, "/tmp/x/sshProxy").unwrap();
        assert_eq!(tmp.mount_point, "/tmp");
        assert!(tmp.is_noexec());
        assert!(tmp.has_option("nosuid") && tmp.has_option("nodev"));
        assert_eq!(tmp.super_option("size"), Some("2097152k"));
        assert_eq!(tmp.super_option("inode64"), Some(""));
        assert_eq!(tmp.super_option("mode"), None);
        assert_eq!(mount_for(&m, "/dev/pts/0").unwrap().mount_id, 25);
        assert_eq!(mount_for(&m, "/tmp").unwrap().mount_id, 49);
        assert_eq!(mount_for(&m, "/").unwrap().mount_id, 28);
    }

    #[test]
    fn component_prefix_only() {
        let m = parse(DEBIAN);
        assert_eq!(mount_for(&m, "/homework/x").unwrap().mount_point, "/");
        assert_eq!(mount_for(&m, "/home/").unwrap().mount_point, "/home");
        assert_eq!(mount_for(&m, "/tmpfoo").unwrap().mount_point, "/");
        assert_eq!(mount_for(&m, "relative/path"), None);
        assert_eq!(mount_for(&m, ""), None);
        assert_eq!(mount_for(&[], "/x"), None);
    }

    #[test]
    fn docker_container_overlay() {
        let text = "\
1064 982 0:183 / / rw,relatime master:361 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC:/var/lib/docker/overlay2/l/DEF,upperdir=/var/lib/docker/overlay2/123/diff,workdir=/var/lib/docker/overlay2/123/work,nouserxattr
1065 1064 0:186 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1066 1064 0:187 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64
1070 1064 0:182 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
1074 1064 254:1 /var/lib/docker/volumes/work/_data /work rw,relatime - ext4 /dev/vda1 rw,discard
1075 1064 254:1 /var/lib/docker/containers/abc/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw,discard
1076 1066 0:185 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k,inode64
";
        let m = parse(text);
        assert_eq!(m.len(), 7);
        let root = mount_for(&m, "/root/.clientsshproxy/p").unwrap();
        assert_eq!(root.fs_type, "overlay");
        assert!(
            root.super_option("lowerdir")
                .unwrap()
                .contains("overlay2/l/ABC")
        );
        let work = mount_for(&m, "/work/main").unwrap();
        assert_eq!(work.mount_id, 1074);
        assert_eq!(work.source, "/dev/vda1");
        assert!(mount_for(&m, "/dev/shm/x").unwrap().is_noexec());
        assert_eq!(mount_for(&m, "/etc/resolv.conf").unwrap().mount_id, 1075);
        assert_eq!(mount_for(&m, "/etc/hosts").unwrap().mount_id, 1064);
    }

    #[test]
    fn wsl2_drvfs() {
        let text = r"
71 62 0:49 / /mnt/c rw,noatime - 9p C:\134 rw,dirsync,aname=drvfs;path=C:\134;uid=1000;gid=1000;symlinkroot=/mnt/,mmap,access=client,msize=262144,trans=virtio
72 62 0:50 / /mnt/d rw,nosuid,nodev,noexec,noatime - 9p D:\134 rw,dirsync,aname=drvfs;path=D:\134;uid=1000;gid=1000;metadata;umask=22;fmask=11,mmap,access=client,msize=262144,trans=virtio
73 62 0:51 / /mnt/wsl rw,relatime shared:1 - tmpfs none rw
74 62 0:52 / /mnt/e rw,noexec,noatime - drvfs E: rw,noatime,uid=1000,gid=1000,case=off
";
        let m = parse(text);
        assert_eq!(m.len(), 4);
        let c = mount_for(
            &m,
            "/mnt/c/Users/ana/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
        )
        .unwrap();
        assert_eq!(c.fs_type, "9p");
        assert_eq!(c.source, r"C:\");
        assert!(!c.is_noexec());
        assert_eq!(
            c.super_option("aname"),
            Some(r"drvfs;path=C:\;uid=1000;gid=1000;symlinkroot=/mnt/")
        );
        let d = mount_for(&m, "/mnt/d/tools").unwrap();
        assert!(d.is_noexec());
        assert_eq!(d.source, r"D:\");
        let e = mount_for(&m, "/mnt/e").unwrap();
        assert_eq!(e.fs_type, "drvfs");
        assert!(e.is_noexec());
        assert_eq!(mount_for(&m, "/mnt/cc"), None, "no root mount listed");
    }

    #[test]
    fn snap_squashfs() {
        let text = "\
28 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw
620 28 7:3 / /snap/powershell/289 ro,nodev,relatime shared:331 - squashfs /dev/loop3 ro,errors=continue,threads=single
621 28 7:4 / /snap/core22/1748 ro,nodev,relatime shared:333 - squashfs /dev/loop4 ro,errors=continue,threads=single
";
        let m = parse(text);
        let s = mount_for(&m, "/snap/powershell/289/opt/powershell/Modules").unwrap();
        assert_eq!(s.fs_type, "squashfs");
        assert!(s.has_option("ro"));
        assert!(!s.is_noexec());
        assert_eq!(
            mount_for(&m, "/snap/powershell/2890/x").unwrap().mount_id,
            28
        );
    }

    #[test]
    fn escaped_mount_points() {
        let text = "\
28 1 8:2 / / rw - ext4 /dev/sda2 rw
90 28 0:60 / /media/ana/My\\040Disk rw,nosuid,nodev,noexec,relatime shared:60 - vfat /dev/sdb1 rw,fmask=0022,dmask=0022
91 28 0:61 / /odd\\011tab\\012nl\\134bs rw - tmpfs a\\040b rw
92 28 0:62 / /bad\\09x\\1 rw - tmpfs none rw
93 28 0:63 / /hi\\377 rw - tmpfs none rw
";
        let m = parse(text);
        assert_eq!(m.len(), 5);
        let disk = mount_for(&m, "/media/ana/My Disk/proxy").unwrap();
        assert_eq!(disk.mount_point, "/media/ana/My Disk");
        assert!(disk.is_noexec());
        assert_eq!(disk.super_option("fmask"), Some("0022"));
        assert_eq!(mount_for(&m, "/media/ana/My").unwrap().mount_id, 28);
        let odd = m.iter().find(|x| x.mount_id == 91).unwrap();
        assert_eq!(odd.mount_point, "/odd\ttab\nnl\\bs");
        assert_eq!(odd.source, "a b");
        assert_eq!(
            m.iter().find(|x| x.mount_id == 92).unwrap().mount_point,
            "/bad\\09x\\1"
        );
        // \377 is not UTF-8 on its own: decoded lossily, never a panic.
        assert_eq!(
            m.iter().find(|x| x.mount_id == 93).unwrap().mount_point,
            "/hi\u{fffd}"
        );
    }

    #[test]
    fn stacked_mounts_last_wins() {
        let text = "\
28 1 8:2 / / rw - ext4 /dev/sda2 rw
40 28 0:30 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw
41 28 0:31 / /tmp rw,nosuid,nodev,noexec - tmpfs tmpfs rw
42 28 0:32 / /tmp/a rw - tmpfs tmpfs rw
";
        let m = parse(text);
        let t = mount_for(&m, "/tmp/x").unwrap();
        assert_eq!(t.mount_id, 41);
        assert!(t.is_noexec());
        assert_eq!(mount_for(&m, "/tmp/a/b").unwrap().mount_id, 42);
        // Order of longer mounts does not matter, only ties.
        let reversed: Vec<Mount> = m.iter().rev().cloned().collect();
        assert_eq!(mount_for(&reversed, "/tmp/a/b").unwrap().mount_id, 42);
        assert_eq!(mount_for(&reversed, "/tmp/x").unwrap().mount_id, 40);
    }

    #[test]
    fn optional_fields() {
        let text = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 propagate_from:3 unbindable - ext3 /dev/root rw,errors=continue\n";
        let m = parse(text);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].mount_id, 36);
        assert_eq!(m[0].mount_point, "/mnt2");
        assert_eq!(m[0].mount_options, ["rw", "noatime"]);
        assert_eq!(m[0].fs_type, "ext3");
        assert_eq!(m[0].super_options, ["rw", "errors=continue"]);
        // No super options at all is tolerated.
        let m = parse("36 35 98:0 / /x rw - ext3 /dev/root\n");
        assert_eq!(m.len(), 1);
        assert!(m[0].super_options.is_empty());
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let text = "\
garbage
36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw
x 35 98:0 / /a rw - ext3 /dev/root rw
36 y 98:0 / /a rw - ext3 /dev/root rw
36 35 980 / /a rw - ext3 /dev/root rw
36 35 98:z / /a rw - ext3 /dev/root rw
36 35 98:0 / relative rw - ext3 /dev/root rw
36 35 98:0 / /a rw -
36 35 98:0 / /a rw - ext3
36 35 98:0 / /a - ext3 /dev/root rw
99999999999 35 98:0 / /a rw - ext3 /dev/root rw
-
\\\\\\
\u{0}\u{1}
7 1 1:1 / /ok rw - ext4 /dev/ok rw
";
        let m = parse(text);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].mount_point, "/ok");
    }

    #[test]
    fn empty_and_crlf() {
        assert!(parse("").is_empty());
        assert!(parse("\n\n   \n").is_empty());
        let m = parse("7 1 1:1 / /ok rw,noexec - ext4 /dev/ok rw\r\n");
        assert_eq!(m.len(), 1);
        assert!(m[0].is_noexec());
        assert_eq!(m[0].super_options, ["rw"]);
    }

    #[test]
    fn this_machine_if_linux() {
        if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
            let m = parse(&text);
            assert!(!m.is_empty());
            assert!(mount_for(&m, "/").is_some());
        }
    }

    #[test]
    fn random_input_never_panics() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"0123456789 :/\\-rwnoexc,\n\t=";
        for _ in 0..200 {
            let mut s = String::new();
            for _ in 0..200 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let idx = usize::try_from(seed % alphabet.len() as u64).unwrap_or(0);
                s.push(char::from(alphabet.get(idx).copied().unwrap_or(b' ')));
            }
            let m = parse(&s);
            let _ = mount_for(&m, "/a/b");
        }
    }
}
