#!/usr/bin/env bash
# Import-Module SshTroubleshoot in a new PowerShell session: the first import on a
# machine (empty shim cache: Add-Type compiles the C# shim into it) and later ones
# (the cached assembly is loaded). Prints the median of each over N sessions; the
# figure is Import-Module alone, measured inside the session (PowerShell's own start
# is not the module's).
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
        "\$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; [int]\$t.Elapsed.TotalMilliseconds"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

first=()
later=()
for _ in $(seq "$runs"); do
    rm -rf "${cache:?}"/*
    first+=("$(one_import)")
    later+=("$(one_import)")
done
printf 'first import (compiles the shim): median %s ms of %s\n' "$(printf '%s\n' "${first[@]}" | median)" "${first[*]}"
printf 'later import (cached shim):       median %s ms of %s\n' "$(printf '%s\n' "${later[@]}" | median)" "${later[*]}"
cat /proc/loadavg | awk '{ print "load average: " $1 " " $2 " " $3 }'
