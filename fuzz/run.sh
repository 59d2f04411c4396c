#!/usr/bin/env bash
# Runs every fuzz target, one after the other, for SECONDS each (default 60), and prints
# per target: executions, exec/s, final coverage (cov/ft from libFuzzer's last line) and
# crashes (new files in artifacts/<target>/). Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz --locked`). Seeds corpora first with seed.py if empty.
#   fuzz/run.sh [seconds-per-target] [target...]
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
[ -d corpus ] || python3 seed.py >/dev/null

max_len() {
    case "$1" in
        explain) echo 65536 ;;
        request_json) echo 16384 ;;
        exe) echo 4200 ;;
        arm_retry_after) echo 256 ;;
        sshd_service) echo 2048 ;;
        *) echo 8192 ;;
    esac
}

cargo +nightly fuzz build >/dev/null 2>&1 || cargo +nightly fuzz build || exit 3
mkdir -p logs
printf '%-16s %8s %12s %9s %7s %7s %s\n' target seconds executions exec/s cov ft crashes
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    before=$(ls "artifacts/$t" | wc -l)
    log="logs/$t.log"
    start=$(date +%s)
    cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len="$(max_len "$t")" -rss_limit_mb=2048 \
        -timeout=10 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    [ -n "$took" ] || took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    new=$(( $(ls "artifacts/$t" | wc -l) - before ))
    if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
        status=1
        crashes="$new (exit $rc; see fuzz/$log, fuzz/artifacts/$t/)"
    else
        crashes=0
    fi
    printf '%-16s %8s %12s %9s %7s %7s %s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "$crashes"
done
exit $status
