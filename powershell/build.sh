#!/usr/bin/env bash
# Builds the ssh_troubleshoot C library (rust/ffi) and assembles a ready-to-import
# PowerShell module folder with this platform's library in bin/<os>-<arch>/.
#
#   powershell/build.sh                 release build -> target/powershell/SshTroubleshoot
#   powershell/build.sh --debug         debug build (what the tests use)
#   powershell/build.sh --out DIR       assemble into DIR/SshTroubleshoot instead
#   powershell/build.sh --no-build      assemble from an already built library
#   powershell/build.sh --lib FILE      assemble around FILE (no build; dist/build.sh)
#
# Then: pwsh -c 'Import-Module ./target/powershell/SshTroubleshoot; Test-AzSshArc'
# build.ps1 beside this file does the same from PowerShell (Windows, macOS, Linux).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
profile=release
out_dir=""
build=1
given_lib=""
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --release) profile=release ;;
    --out) out_dir="${2:?--out needs a folder}"; shift ;;
    --no-build) build=0 ;;
    --lib) given_lib="${2:?--lib needs a file}"; build=0; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
echo "Assembled $module ($os-$arch, ${given_lib:+from $given_lib, }$profile)."
echo "Import it with: Import-Module '$module'"
