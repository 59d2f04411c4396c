#!/usr/bin/env bash
# Import-Module SshTroubleshoot in a new PowerShell session, measured inside the session
# (PowerShell's own start, ~1.9 s wall on 2 idle cores, is not the module's), median of
# N sessions, wall and CPU time (on a loaded machine the wall time mostly measures
# waiting for a core; the CPU time does not):
#
#   shipped, first    the module as powershell/build.sh assembles it with mcs: the C# shim
#                     compiled (bin/SshTroubleshoot.Native.dll), the scripts inlined; an
#                     empty per-user cache, so PowerShell 7.4+ compiles the feedback provider
#   shipped, later    the same, the feedback provider loaded from the per-user cache:
#                     every import after the first on a machine
#   source, first     without that DLL, empty per-user cache: Add-Type compiles the shim
#   source, later     without that DLL, the cached shim loaded
#   empty module      a manifest and a one-function .psm1: PowerShell's own floor for
#                     importing any script module in a new session
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
[ -f "$module/bin/SshTroubleshoot.Native.dll" ] ||
    { echo "bench/pwsh_import.sh: $module has no compiled shim: install mono-mcs, rerun powershell/build.sh" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cache="$work/cache"
# The same module without its compiled shim: what a module assembled without mcs does.
mkdir -p "$work/source"
cp -R "$module" "$work/source/"
rm "$work/source/SshTroubleshoot/bin/SshTroubleshoot.Native.dll"
mkdir -p "$work/empty/Empty"
printf "@{ RootModule = 'Empty.psm1'; ModuleVersion = '1.0'; FunctionsToExport = @('Get-Nothing') }\n" >"$work/empty/Empty/Empty.psd1"
printf 'function Get-Nothing { }\n' >"$work/empty/Empty/Empty.psm1"

one_import() {
    SSHTS_SHIM_CACHE="$cache" "$pwsh_bin" -NoProfile -NonInteractive -Command \
        "\$p = [Diagnostics.Process]::GetCurrentProcess(); \$c = \$p.TotalProcessorTime; \$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$1'; \$w = \$t.Elapsed.TotalMilliseconds; \$p.Refresh(); '{0} {1}' -f [int]\$w, [int](\$p.TotalProcessorTime - \$c).TotalMilliseconds"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A wall cpu
add() { read -r w c < <(one_import "$2"); wall[$1]+="$w "; cpu[$1]+="$c "; }
started=$EPOCHREALTIME
"$pwsh_bin" -NoProfile -NonInteractive -Command 'exit'
bare=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
for _ in $(seq "$runs"); do
    rm -rf "$cache"
    add shipped_first "$module"
    add shipped "$module"
    rm -rf "$cache"
    add first "$work/source/SshTroubleshoot"
    add later "$work/source/SshTroubleshoot"
    add empty "$work/empty/Empty"
done
row() { printf '%-36s median %5s ms wall (%s), %5s ms CPU (%s)\n' "$1" \
    "$(printf '%s\n' ${wall[$2]} | median)" "${wall[$2]% }" "$(printf '%s\n' ${cpu[$2]} | median)" "${cpu[$2]% }"; }
row 'shipped, first (compiles feedback):' shipped_first
row 'shipped, later (the release module):' shipped
row 'source, first (compiles the shim):' first
row 'source, later (cached shim):' later
row 'empty module (PowerShell floor):' empty
printf 'bare pwsh -Command exit: %.2f s wall (one run)\n' "$bare"
awk '{ print "load average: " $1 " " $2 " " $3 }' /proc/loadavg
