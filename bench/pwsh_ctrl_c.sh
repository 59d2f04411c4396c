#!/usr/bin/env bash
# Ctrl+C in an interactive PowerShell (a pty, PSReadLine) while Test-AzSshArc waits on
# a held ARM read: seconds from the ^C until the prompt is back, median of N runs of the
# two pty tests (tests/powershell/test_ctrl_c.py), which print the figure and never
# assert it:
#
#   cancellable   the built library: the shim cancels the native run (sshts_cancel)
#   older library no sshts_run_cancellable: the stop propagates, the run finishes alone
#
#   bench/pwsh_ctrl_c.sh [N]     # default 5; needs pwsh (PATH or ../shared/tools/pwsh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cargo build -q -p ssh-troubleshoot-ffi -p arm-standin
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do
    python3 -m pytest -q -s -p no:cacheprovider tests/powershell/test_ctrl_c.py >>"$out" 2>&1 ||
        { tail -30 "$out" >&2; exit 1; }
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Each run prints the cancellable test's figure first, then the older library's.
figures=$(grep -o 'prompt back [0-9.]* s after' "$out" | awk '{ print $3 }')
cancellable=$(echo "$figures" | awk 'NR % 2 == 1')
older=$(echo "$figures" | awk 'NR % 2 == 0')
printf 'cancellable library: prompt back after median %s s (%s)\n' "$(echo "$cancellable" | median)" "$(echo $cancellable)"
printf 'older library:       prompt back after median %s s (%s)\n' "$(echo "$older" | median)" "$(echo $older)"
awk '{ print "load average: " $1 " " $2 " " $3 }' /proc/loadavg
