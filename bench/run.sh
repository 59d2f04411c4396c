#!/usr/bin/env bash
# Builds release, runs every benchmark of issue 7 and prints one table:
# benchmark | measured | target | verdict, with the machine it ran on.
#
#   bench/run.sh      # everything: a few minutes on 2 idle cores, plus the release build
#
# The az row needs a Python virtual environment with azure-cli (SSH_TROUBLESHOOT_AZ_VENV,
# else target/az-venv, as tests/run makes it) and the extension's wheel
# (SSH_TROUBLESHOOT_WHEEL, else target/wheels/ssh_troubleshoot-*.whl from
# python/build_wheel.sh); without either it is skipped with a message. Nothing is
# written outside target/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out="$repo/target/bench"
mkdir -p "$out"

say() { printf '==> %s\n' "$*" >&2; }

command -v python3 >/dev/null || { echo "bench/run.sh needs python3" >&2; exit 2; }
if [[ ! -x /usr/bin/time ]]; then
    echo "bench/run.sh needs /usr/bin/time for peak RSS (Debian: apt-get install -y time)" >&2
    exit 2
fi

say "building release (ssh-troubleshoot, arm-standin)"
cargo build --release --quiet -p ssh-troubleshoot-cli -p arm-standin

rm -rf "$repo/target/criterion"
cat /proc/loadavg >"$out/load-start"
say "cargo bench: explain, azure, ps_modules (core); process (cli) — log in target/bench/cargo-bench.log"
# One cargo invocation for both packages: built apart, their shared dependencies would
# be built twice with different features.
cargo bench -p ssh-troubleshoot-core -p ssh-troubleshoot-cli \
    --bench explain --bench azure --bench ps_modules --bench process \
    >"$out/cargo-bench.log" 2>&1 || { tail -40 "$out/cargo-bench.log" >&2; exit 1; }

doctor="$repo/target/release/ssh-troubleshoot"
big="$repo/target/tmp/big.log"   # written by the explain bench
[[ -s "$big" ]] || { echo "the explain bench did not leave $big" >&2; exit 1; }

# Peak RSS (KiB) of one run, from the kernel's accounting of the child (wait4).
peak_rss() { /usr/bin/time -f %M -o "$out/rss" "$@" >/dev/null 2>&1 || true; tail -n 1 "$out/rss"; }

say "peak RSS: arc --offline, arc --offline --explain-file (50 MiB)"
: >"$out/rss-offline"
: >"$out/rss-explain"
for _ in 1 2 3 4 5; do peak_rss "$doctor" arc --offline >>"$out/rss-offline"; done
for _ in 1 2 3; do peak_rss "$doctor" arc --offline --explain-file "$big" >>"$out/rss-explain"; done

say "az: az version against az ssh-troubleshoot arc --offline"
python3 bench/table.py az "$out" || true

if [[ -x /usr/sbin/sshd ]]; then
    say "live probe: banner after proxy start, arc --probe, one watch round (real sshd)"
    python3 bench/probe.py "$out"
else
    say "live probe figures skipped: no /usr/sbin/sshd (apt-get install -y openssh-server)"
fi

python3 bench/table.py table "$out" "$big"
