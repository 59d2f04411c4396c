//! Benchmark 3: the whole `ssh-troubleshoot arc --offline` process (start, every client
//! check, the text report, exit) beside what spawning `ssh -V` costs on the same
//! machine in the same run — the doctor itself runs `ssh -V` and `ssh-keygen`, so that
//! spawn is the floor. Peak RSS is measured by `bench/run.sh` (`/usr/bin/time -f %M`).
//!
//! `cargo bench -p ssh-troubleshoot-cli --bench process`

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    // 0: healthy, 1: a check failed on this machine; both are a whole run.
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{program} {args:?}: {status}"
    );
}

fn bench(c: &mut Criterion) {
    let doctor = env!("CARGO_BIN_EXE_ssh-troubleshoot");
    let mut g = c.benchmark_group("process");
    g.sample_size(50).measurement_time(Duration::from_secs(5));
    g.bench_function("ssh-V", |b| b.iter(|| run("ssh", &["-V"])));
    g.bench_function("arc-offline", |b| {
        b.iter(|| run(doctor, &["arc", "--offline"]))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
