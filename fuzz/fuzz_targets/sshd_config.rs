//! sshd_config with `Include`s over an in-memory tree: the input is split at NUL bytes
//! into `/etc/ssh/sshd_config` and then `/etc/ssh/sshd_config.d/N.conf` files, so
//! globs, nesting and loops are all reachable. Also the pure helpers on the raw text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssh_troubleshoot_core::parse::sshd_config::{self, ConfigFs};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Tree(BTreeMap<PathBuf, String>);

impl ConfigFs for Tree {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{}: no such file", path.display()))
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>, String> {
        let names: Vec<String> = self
            .0
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        if names.is_empty() {
            Err(format!("{}: not a folder", dir.display()))
        } else {
            Ok(names)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut files = BTreeMap::new();
    for (i, part) in text.split('\0').take(32).enumerate() {
        let path = if i == 0 {
            PathBuf::from("/etc/ssh/sshd_config")
        } else {
            PathBuf::from(format!("/etc/ssh/sshd_config.d/{i}.conf"))
        };
        files.insert(path, part.to_string());
    }
    let tree = Tree(files);
    let cfg = sshd_config::parse(
        &tree,
        Path::new("/etc/ssh/sshd_config"),
        Path::new(sshd_config::SSHDIR),
    )
    .expect("the main file exists");
    assert!(!cfg.port_list().is_empty());
    let _ = cfg.binds();
    for line in text.lines().take(64) {
        if let Some((_, args)) = sshd_config::split_line(line) {
            for a in args.iter().take(4) {
                let _ = sshd_config::split_listen(a);
                let _ = sshd_config::glob_match(a.as_bytes(), b"10-listen.conf");
                let _ = sshd_config::glob_match(b"*.conf", a.as_bytes());
            }
        }
    }
});
