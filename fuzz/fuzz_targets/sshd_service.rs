//! `systemctl show` output and `/etc/os-release` as the sshd service check reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::sshd_service;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let state = sshd_service::parse_show(&text);
    let _ = sshd_service::judge(&state);
    let unit = sshd_service::distro_unit(&text);
    let _ = sshd_service::install_command(unit);
});
