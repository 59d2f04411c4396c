#!/usr/bin/env bash
# Import-Module SshTroubleshoot in a new PowerShell session: the first import on a
# machine (empty shim cache: Add-Type compiles the C# shim into it) and later ones
# (the cached assembly is loaded). Prints the median of each over N sessions; the
# figure is Import-Module alone, measured inside the session (PowerShell's own start
# is not the module's). On a loaded machine the wall time mostly measures waiting for a
# core, so the CPU time the session spent importing is printed too.
#
#   bench/pwsh_import.sh [N]     # default 5; needs pwsh on PATH or ../shared/tools/pwsh
#
# Imports the module that powershell/build.sh --debug assembled (target/powershell).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
pwsh_bin="$(command -v pwsh || true)"
[ -n "$pwsh_bin" ] || pwsh_bin="../shared/tools/pwsh/pwsh"
[ -x "$pwsh_bin" ] || { echo "bench/pwsh_import.sh: no pwsh on PATH nor at ../shared/tools/pwsh" >&2; exit 2; }
module="$(pwd)/target/powershell/SshTroubleshoot"
[ -d "$module" ] || bash powershell/build.sh --debug --no-build >/dev/null
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT

one_import() {
    SSHTS_SHIM_CACHE="$cache" "$pwsh_bin" -NoProfile -NonInteractive -Command \
        "\$p = [Diagnostics.Process]::GetCurrentProcess(); \$c = \$p.TotalProcessorTime; \$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; \$w = \$t.Elapsed.TotalMilliseconds; \$p.Refresh(); '{0} {1}' -f [int]\$w, [int](\$p.TotalProcessorTime - \$c).TotalMilliseconds"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

first=()
first_cpu=()
later=()
later_cpu=()
for _ in $(seq "$runs"); do
    rm -rf "${cache:?}"/*
    read -r wall cpu < <(one_import); first+=("$wall"); first_cpu+=("$cpu")
    read -r wall cpu < <(one_import); later+=("$wall"); later_cpu+=("$cpu")
done
row() { printf '%-34s median %5s ms wall (%s), %5s ms CPU (%s)\n' "$1" \
    "$(printf '%s\n' ${2} | median)" "$2" "$(printf '%s\n' ${3} | median)" "$3"; }
row 'first import (compiles the shim):' "${first[*]}" "${first_cpu[*]}"
row 'later import (cached shim):' "${later[*]}" "${later_cpu[*]}"
cat /proc/loadavg | awk '{ print "load average: " $1 " " $2 " " $3 }'
