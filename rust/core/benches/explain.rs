//! Benchmark 1: explain throughput on a generated 50 MB `az ssh arc --debug` log with
//! four real error messages buried in it, beside a naive baseline: a loop over the lines
//! that tries one `regex::Regex` per knowledge-base entry (its template's fixed parts,
//! case-insensitive, anything between them) on each line.
//!
//! The log is also written to `$CARGO_TARGET_TMPDIR/big.log` (`target/tmp/big.log`) for
//! the whole-process RSS measurement in `bench/run.sh`.
//!
//! `cargo bench -p ssh-troubleshoot-core --bench explain`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use regex::Regex;
use ssh_troubleshoot_core::explain::{ENTRIES, explain};

/// Real messages from the knowledge base, as the clients print them, and the entries
/// they must be found as.
const NEEDLES: &[(&str, &str)] = &[
    (
        "ERROR: Request for Azure Relay Information Failed: (NoRegisteredProviderFound) Code: NoRegisteredProviderFound\nMessage: No registered resource provider found for location 'eastus' and API version '2023-03-15' for type 'endpoints'.",
        "no-registered-provider-found",
    ),
    (
        "/bin/bash: line 1: exec: /home/alice/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: cannot execute: Permission denied",
        "proxy-exec-permission-denied-bash",
    ),
    (
        "ERROR: SSH connection is not enabled in the target port 2222.",
        "ssh-port-not-enabled",
    ),
    (
        "The OpenSSH client version 7.4 is too old.",
        "openssh-client-too-old",
    ),
];

const LOG_BYTES: usize = 50 << 20;

#[path = "../src/explain/debug_log.rs"]
mod debug_log;
use debug_log::{Rng, debug_log};

/// The 50 MB log with the needles at 10 %, 45 %, 80 % and 99 % of it.
fn big_log() -> String {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut log = String::with_capacity(LOG_BYTES + 4096);
    for (i, (needle, _)) in NEEDLES.iter().enumerate() {
        let at = LOG_BYTES / 100 * [10, 45, 80, 99][i];
        log.push_str(&debug_log(&mut r, at - log.len()));
        log.push_str(needle);
        log.push('\n');
    }
    log.push_str(&debug_log(&mut r, LOG_BYTES - log.len()));
    log
}

/// One case-insensitive regex per entry: the template's fixed parts in order, anything
/// between them (what one would write without the two-stage scanner).
fn naive_regexes() -> Vec<Regex> {
    ENTRIES
        .iter()
        .map(|e| {
            let mut pattern = String::from("(?i)");
            let mut rest = e.template;
            let mut first = true;
            while !rest.is_empty() {
                let (fixed, after) = match rest.find('{') {
                    Some(open) => {
                        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
                        (&rest[..open], &rest[close..])
                    }
                    None => (rest, ""),
                };
                if !fixed.is_empty() {
                    if !first {
                        pattern.push_str(".*?");
                    }
                    pattern.push_str(&regex::escape(fixed));
                    first = false;
                }
                rest = after;
            }
            Regex::new(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
        })
        .collect()
}

/// The baseline: every line against every entry's regex.
fn naive(log: &str, regexes: &[Regex]) -> usize {
    let mut found = vec![false; regexes.len()];
    for line in log.lines() {
        for (i, re) in regexes.iter().enumerate() {
            if re.is_match(line) {
                found[i] = true;
            }
        }
    }
    found.iter().filter(|f| **f).count()
}

fn bench(c: &mut Criterion) {
    let log = big_log();
    if let Some(dir) = option_env!("CARGO_TARGET_TMPDIR") {
        let _ = std::fs::create_dir_all(dir);
        std::fs::write(std::path::Path::new(dir).join("big.log"), &log)
            .unwrap_or_else(|e| panic!("cannot write {dir}/big.log: {e}"));
    }
    // Both find what is there before anything is timed.
    let found: Vec<&str> = explain(log.as_bytes()).iter().map(|m| m.entry).collect();
    for (_, entry) in NEEDLES {
        assert!(found.contains(entry), "{entry} not found: {found:?}");
    }
    assert_eq!(found.len(), NEEDLES.len(), "{found:?}");
    let regexes = naive_regexes();
    let naive_found = naive(&log, &regexes);
    assert!(naive_found >= NEEDLES.len(), "naive found {naive_found}");

    let mut g = c.benchmark_group("explain");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("ours-50MB", |b| {
        b.iter(|| explain(black_box(log.as_bytes())))
    });
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("naive-regex-50MB", |b| {
        b.iter(|| naive(black_box(&log), &regexes))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
