#!/usr/bin/env bash
# The feedback provider of issue 19 (PowerShell 7.4+), two figures:
#
# 1. The time the provider takes per call, as the host calls it after a failed
#    Enter-AzVM: GetFeedback on a real failure of the stand-in Az.Ssh (error record and
#    command line), N calls in one session: the first (cold), the median and the worst.
#    The host gives every provider 1000 ms (PowerShell 7.6) and drops a late answer.
# 2. What registering the provider adds to Import-Module in a new session: the median
#    import of the module as assembled, and of a copy whose .psm1 does not register it,
#    over M sessions each, both with the compiled assemblies cached (as every import
#    after the first on a machine). The first import ever compiles the provider too.
#
#   bench/pwsh_feedback.sh [N] [M]   # defaults 50 and 5; pwsh on PATH or ../shared/tools/pwsh
#
# Uses the module powershell/build.sh --debug assembled (target/powershell); nothing is
# written outside a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-50}"
sessions="${2:-5}"
pwsh_bin="$(command -v pwsh || true)"
[ -n "$pwsh_bin" ] || pwsh_bin="../shared/tools/pwsh/pwsh"
[ -x "$pwsh_bin" ] || { echo "bench/pwsh_feedback.sh: no pwsh on PATH nor at ../shared/tools/pwsh" >&2; exit 2; }
module="$(pwd)/target/powershell/SshTroubleshoot"
[ -d "$module" ] || bash powershell/build.sh --debug --no-build >/dev/null
support="$(pwd)/tests/powershell/SshtsTestSupport.psm1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SSHTS_SHIM_CACHE="$work/cache"

# 1. Per call.
"$pwsh_bin" -NoProfile -NonInteractive -Command "
    \$ErrorActionPreference = 'Stop'
    Import-Module '$support'
    \$null = New-AzSshStandin -Folder '$work/modules'
    \$env:PSModulePath = '$work/modules' + [IO.Path]::PathSeparator + \$env:PSModulePath
    Import-Module '$module'
    \$env:AZSSH_STANDIN_CAUSE = 'arcproxy-not-installed'
    \$line = 'Enter-AzVM -ResourceGroupName rg-arc -Name web-01'
    try { Invoke-Expression \$line } catch { \$record = \$_ }
    \$tokens = \$null; \$errors = \$null
    \$ast = [System.Management.Automation.Language.Parser]::ParseInput(\$line, [ref]\$tokens, [ref]\$errors)
    \$context = New-Object System.Management.Automation.Subsystem.Feedback.FeedbackContext -ArgumentList ([System.Management.Automation.Subsystem.Feedback.FeedbackTrigger]::Error), \$ast, \$tokens, \$PWD, \$record
    # The same provider as the registered one, called as the host calls it.
    \$provider = & (Get-Module SshTroubleshoot) { New-SshtsFeedbackProvider }
    \$times = foreach (\$i in 1..$calls) {
        \$watch = [Diagnostics.Stopwatch]::StartNew()
        \$item = \$provider.GetFeedback(\$context, [Threading.CancellationToken]::None)
        \$watch.Elapsed.TotalMilliseconds
        if (-not \$item) { throw 'the provider gave no feedback' }
    }
    \$sorted = @(\$times[1..(\$times.Count - 1)] | Sort-Object)
    'provider per call ({0} calls): first {1:N1} ms, median {2:N1} ms, worst {3:N1} ms (host limit 1000 ms)' -f \$times.Count, \$times[0], \$sorted[[int]((\$sorted.Count - 1) / 2)], (\$times | Measure-Object -Maximum).Maximum
"

# 2. Import with and without the registration.
cp -R "$module" "$work/without"
sed -i '/^Register-SshtsFeedback /d; /OnRemove = /d' "$work/without/SshTroubleshoot.psm1"
# Wall and CPU milliseconds of Import-Module (on a loaded machine the wall time mostly
# measures waiting for a core; the CPU time is what the import costs).
one_import() {
    "$pwsh_bin" -NoProfile -NonInteractive -Command \
        "\$p = [Diagnostics.Process]::GetCurrentProcess(); \$c = \$p.TotalProcessorTime; \$t = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$1'; \$w = \$t.Elapsed.TotalMilliseconds; \$p.Refresh(); '{0} {1}' -f [int]\$w, [int](\$p.TotalProcessorTime - \$c).TotalMilliseconds"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
rm -rf "$SSHTS_SHIM_CACHE"   # the first import on a machine compiles shim and provider
read -r first first_cpu < <(one_import "$module")
one_import "$work/without/SshTroubleshoot" >/dev/null
with=(); with_cpu=(); without=(); without_cpu=()
for _ in $(seq "$sessions"); do
    read -r wall cpu < <(one_import "$module"); with+=("$wall"); with_cpu+=("$cpu")
    read -r wall cpu < <(one_import "$work/without/SshTroubleshoot"); without+=("$wall"); without_cpu+=("$cpu")
done
m() { printf '%s\n' "$@" | median; }
printf 'import, first on this machine (compiles shim and provider): %s ms wall, %s ms CPU\n' "$first" "$first_cpu"
printf 'import with the provider (cached): median %5s ms wall (%s), %5s ms CPU (%s)\n' \
    "$(m "${with[@]}")" "${with[*]}" "$(m "${with_cpu[@]}")" "${with_cpu[*]}"
printf 'import without it:                 median %5s ms wall (%s), %5s ms CPU (%s)\n' \
    "$(m "${without[@]}")" "${without[*]}" "$(m "${without_cpu[@]}")" "${without_cpu[*]}"
printf 'registration adds: %s ms wall, %s ms CPU (medians)\n' \
    "$(( $(m "${with[@]}") - $(m "${without[@]}") ))" "$(( $(m "${with_cpu[@]}") - $(m "${without_cpu[@]}") ))"
awk '{ print "load average: " $1 " " $2 " " $3 }' /proc/loadavg
