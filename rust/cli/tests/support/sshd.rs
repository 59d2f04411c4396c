//! A real sshd (Debian's openssh-server) on a loopback high port with its own host key
//! and configuration in a temp folder, stopped when dropped.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::text;

pub const SSHD: &str = "/usr/sbin/sshd";

/// A running sshd, stopped when dropped.
pub struct Sshd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Sshd {
    pub fn config(&self) -> String {
        self.dir.path().join("sshd_config").display().to_string()
    }

    /// sshd with `config` (`{port}` and `{dir}` filled in) and `extra` files beside it.
    pub fn start(config: &str, extra: &[(&str, &str)]) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: tests/run installs openssh-server"
        );
        // The privilege separation folder sshd insists on.
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (run the tests as root)");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let fill = |s: &str| {
            s.replace("{port}", &port.to_string())
                .replace("{dir}", &dir.path().display().to_string())
        };
        let key = dir.path().join("host_ed25519");
        let made = Command::new(super::which("ssh-keygen"))
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", text(&made.stderr));
        for (name, body) in extra {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, fill(body)).unwrap();
        }
        let config_path = dir.path().join("sshd_config");
        std::fs::write(&config_path, fill(config)).unwrap();
        let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .args(["-p", &port.to_string(), "-h"])
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sshd");
        let mut sshd = Sshd { child, port, dir };
        sshd.wait_until_it_answers();
        sshd
    }

    fn wait_until_it_answers(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("sshd exited ({status}): {}", self.log());
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 4];
                if s.read_exact(&mut buf).is_ok() && &buf == b"SSH-" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sshd did not answer within 15 s: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub const BASE: &str =
    "ListenAddress 127.0.0.1\nListenAddress ::1\nPidFile none\nUsePAM no\nStrictModes no\n";
