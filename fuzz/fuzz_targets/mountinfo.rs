//! The mountinfo reader, and the mount lookup on what it read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::mountinfo;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mounts = mountinfo::parse(&text);
    assert!(mounts.len() <= text.lines().count());
    for m in &mounts {
        assert!(m.mount_point.starts_with('/'));
        let _ = m.is_noexec();
        let _ = m.super_option("fmask");
        let found = mountinfo::mount_for(&mounts, &m.mount_point);
        assert!(found.is_some(), "a mount point is on some mount");
    }
    let _ = mountinfo::mount_for(
        &mounts,
        "/home/u/.clientsshproxy/sshProxy_linux_amd64_1_3_026973",
    );
    let _ = mountinfo::mount_for(&mounts, "/");
});
