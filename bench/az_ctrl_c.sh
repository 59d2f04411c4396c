#!/usr/bin/env bash
# Ctrl+C in a terminal while `az ssh-troubleshoot arc -g .. -n ..` waits on a hanging ARM
# read: seconds from ^C to az's exit, the median of N runs of the real test
# (tests/az/test_az_interrupt.py, which appends each run's figure to
# target/bench/az-ctrl-c.json). Needs what tests/az needs (azure-cli in target/az-venv
# or SSH_TROUBLESHOOT_AZ_VENV; the wheel, or SSH_TROUBLESHOOT_WHEEL).
#
#   bench/az_ctrl_c.sh [N]     # default 5
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
figure=target/bench/az-ctrl-c.json
mkdir -p target/bench
rm -f "$figure"
for _ in $(seq "$runs"); do
    python3 -m pytest -q -p no:cacheprovider tests/az/test_az_interrupt.py >/dev/null
done
python3 - "$figure" <<'PY'
import json, statistics, sys
runs = json.load(open(sys.argv[1]))
seconds = [r['secondsFromCtrlCToExit'] for r in runs]
print(f'az ssh-troubleshoot arc, Ctrl+C while ARM hangs: median {statistics.median(seconds):.2f} s to exit '
      f'over {len(seconds)} runs (min {min(seconds):.2f}, max {max(seconds):.2f}; '
      f'{runs[-1]["cores"]} cores, load {runs[-1]["load1"]:.1f})')
PY
