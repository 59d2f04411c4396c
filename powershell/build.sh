#!/usr/bin/env bash
# Builds the ssh_troubleshoot C library (rust/ffi) and assembles a ready-to-import
# PowerShell module folder with this platform's library in bin/<os>-<arch>/.
#
#   powershell/build.sh                 release build -> target/powershell/SshTroubleshoot
#   powershell/build.sh --debug         debug build (what the tests use)
#   powershell/build.sh --out DIR       assemble into DIR/SshTroubleshoot instead
#   powershell/build.sh --no-build      assemble from an already built library
#   powershell/build.sh --lib FILE      assemble around FILE (no build; dist/build.sh)
#   powershell/build.sh --require-shim  fail when the C# shim cannot be compiled (no mcs)
#
# With Mono's mcs on PATH the C# shim is compiled here, as C# 5 against .NET Framework
# 4's mscorlib, into bin/SshTroubleshoot.Native.dll: that one file loads in Windows
# PowerShell 5.1 and in PowerShell 7, and spares every new session the compile (over a
# second) or the per-user cache. Without it the module compiles the shim at its first
# import and caches it per user (Private/Import-SshtsNative.ps1).
#
# Then: pwsh -c 'Import-Module ./target/powershell/SshTroubleshoot; Test-AzSshArc'
# build.ps1 beside this file does the same from PowerShell (Windows, macOS, Linux).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
profile=release
out_dir=""
build=1
given_lib=""
require_shim=0
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --release) profile=release ;;
    --out) out_dir="${2:?--out needs a folder}"; shift ;;
    --no-build) build=0 ;;
    --lib) given_lib="${2:?--lib needs a file}"; build=0; shift ;;
    --require-shim) require_shim=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

case "$(uname -s)" in
  Linux) os=linux; lib=libssh_troubleshoot.so ;;
  Darwin) os=osx; lib=libssh_troubleshoot.dylib ;;
  MINGW*|MSYS*|CYGWIN*) os=win; lib=ssh_troubleshoot.dll ;;
  *) echo "build.sh: unsupported operating system $(uname -s)" >&2; exit 3 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  i?86) arch=x86 ;;
  armv7*|armv6*) arch=arm ;;
  *) echo "build.sh: unsupported architecture $(uname -m)" >&2; exit 3 ;;
esac

target_dir="${CARGO_TARGET_DIR:-$root/target}"
[ -n "$out_dir" ] || out_dir="$target_dir/powershell"

if [ "$build" = 1 ]; then
  flag=()
  [ "$profile" = release ] && flag=(--release)
  (cd "$root" && cargo build "${flag[@]}" -p ssh-troubleshoot-ffi)
fi
built="${given_lib:-$target_dir/$profile/$lib}"
if [ ! -f "$built" ]; then
  echo "build.sh: $built is missing; run without --no-build" >&2
  exit 3
fi

module="$out_dir/SshTroubleshoot"
rm -rf "$module"
mkdir -p "$module/bin/$os-$arch"
cp -R "$root/powershell/SshTroubleshoot/." "$module/"
cp "$built" "$module/bin/$os-$arch/$lib"

# One .psm1: the scripts the source .psm1 lists between its <scripts> markers, inlined
# there in that order (a new session then reads and parses one file, not nine), and
# Private/ and Public/ dropped from the folder and from the manifest's FileList.
psm1="$module/SshTroubleshoot.psm1"
# Without the carriage returns of a Windows checkout, which the markers' $ would not match.
tr -d '\r' <"$psm1" >"$psm1.lf"
mv "$psm1.lf" "$psm1"
scripts=()
while IFS= read -r relative; do scripts+=("$relative"); done < <(
  sed -n '/^# <scripts>$/,/^# <\/scripts>$/s/^ *'"'"'\(P[a-z]*\/[A-Za-z-]*\.ps1\)'"'"'$/\1/p' "$psm1")
if [ ${#scripts[@]} -eq 0 ] || ! grep -q '^# </scripts>$' "$psm1"; then
  echo "build.sh: no <scripts> block in $psm1" >&2
  exit 3
fi
{
  sed '/^# <scripts>$/,$d' "$psm1"
  for relative in "${scripts[@]}"; do
    printf '# ---- %s\n' "$relative"
    cat "$module/$relative"
    printf '\n'
  done
  sed '1,/^# <\/scripts>$/d' "$psm1"
} > "$psm1.tmp"
mv "$psm1.tmp" "$psm1"
rm -rf "$module/Private" "$module/Public"
sed -i.bak -e "/^ *'Private\/[A-Za-z-]*\.ps1'[[:space:]]*$/d" -e "/^ *'Public\/[A-Za-z-]*\.ps1'[[:space:]]*$/d" \
  "$module/SshTroubleshoot.psd1"
rm -f "$module/SshTroubleshoot.psd1.bak"

# The shim's sources: the P/Invoke layer and the error-record text gatherer (C# 5 both).
shim=("$module/SshTroubleshoot.Native.cs" "$module/SshTroubleshoot.ErrorText.cs")
if command -v mcs >/dev/null 2>&1; then
  # -langversion:5: what Windows PowerShell 5.1's compiler takes; warnings are errors.
  mcs -langversion:5 -warnaserror+ -optimize+ -target:library -nologo \
    -out:"$module/bin/SshTroubleshoot.Native.dll" "${shim[@]}" >&2
elif [ "$require_shim" = 1 ]; then
  echo "build.sh: mcs (Mono's C# compiler) is missing: apt-get install mono-mcs" >&2
  exit 3
else
  echo "build.sh: no mcs: the module will compile its C# shim at its first import" >&2
fi
echo "Assembled $module ($os-$arch, ${given_lib:+from $given_lib, }$profile)."
echo "Import it with: Import-Module '$module'"
