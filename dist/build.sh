#!/usr/bin/env bash
# Makes every release artifact this machine can make, into target/dist/:
#
#   ssh-troubleshoot-<version>-<os>-<arch>.tar.gz   the standalone binary (.zip on Windows)
#   ssh_troubleshoot-<version>-cp310-abi3-<platform>.whl   the az extension (abi3 wheel)
#   SshTroubleshoot-<version>-<os>-<arch>/            the PowerShell module folder, this
#   SshTroubleshoot-<version>-<os>-<arch>.zip         platform's library in bin/<os>-<arch>/
#   SHA256SUMS                                         sha256sum -c format
#
#   dist/build.sh                  build and package (release profile)
#   dist/build.sh --no-wheel       skip the wheel
#   dist/build.sh combine DIR      (release workflow) merge the per-platform module zips
#                                  found in DIR into SshTroubleshoot-<version>.zip holding
#                                  every bin/<os>-<arch>/, and write DIR/SHA256SUMS
#
# On Linux the binary and the C library are linked against glibc 2.17 (cargo zigbuild)
# and the wheel is manylinux2014 (maturin --zig): `pip install ziglang cargo-zigbuild`.
# DIST_GLIBC=native builds for this machine's glibc instead. The release workflow
# (.github/workflows/release.yml) runs this same script on every platform.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python
pack() { "$PYTHON" "$root/dist/pack.py" "$@"; }
say() { printf '==> %s\n' "$*" >&2; }

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml)"
[ -n "$version" ] || { echo "dist/build.sh: no version in Cargo.toml" >&2; exit 3; }
out="$root/target/dist"

if [ "${1:-}" = combine ]; then
  pack combine-modules "${2:?combine needs the folder of artifacts}" "$version"
  pack sums "$2"
  exit 0
fi
wheel=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-wheel) wheel=0 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dist/build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# The names the PowerShell module uses for bin/<os>-<arch>/.
case "$(uname -s)" in
  Linux) os=linux; lib=libssh_troubleshoot.so; exe=ssh-troubleshoot ;;
  Darwin) os=osx; lib=libssh_troubleshoot.dylib; exe=ssh-troubleshoot ;;
  MINGW*|MSYS*|CYGWIN*) os=win; lib=ssh_troubleshoot.dll; exe=ssh-troubleshoot.exe ;;
  *) echo "dist/build.sh: unsupported operating system $(uname -s)" >&2; exit 3 ;;
esac
host="$(rustc -vV | sed -n 's/^host: //p')"
case "$host" in
  x86_64-*) arch=x64 ;;
  aarch64-*) arch=arm64 ;;
  *) echo "dist/build.sh: unsupported host $host" >&2; exit 3 ;;
esac
platform="$os-$arch"
packages=(-p ssh-troubleshoot-cli -p ssh-troubleshoot-ffi)

# Build the binary and the C library.
if [ "$os" = linux ] && [ "${DIST_GLIBC:-2.17}" != native ]; then
  glibc="${DIST_GLIBC:-2.17}"
  say "cargo zigbuild --release --target $host.$glibc"
  cargo zigbuild --release --locked --target "$host.$glibc" "${packages[@]}"
  built="$root/target/$host/release"
  maturin_flags=(--zig --compatibility manylinux2014 --target "$host")
else
  say "cargo build --release --target $host"
  cargo build --release --locked --target "$host" "${packages[@]}"
  built="$root/target/$host/release"
  maturin_flags=(--target "$host")
fi

rm -rf "$out"
mkdir -p "$out"

# The binary, with what a user reads first.
name="ssh-troubleshoot-$version-$platform"
stage="$root/target/dist-stage/$name"
rm -rf "$stage"
mkdir -p "$stage"
cp "$built/$exe" README.md LICENSE CHANGELOG.md "$stage/"
if [ "$os" = win ]; then
  pack zip "$out/$name.zip" "$stage"
else
  pack tar "$out/$name.tar.gz" "$stage"
fi

# The PowerShell module around the C library just built.
module="SshTroubleshoot-$version-$platform"
# The compiled C# shim (bin/SshTroubleshoot.Native.dll, one file for every platform) is
# made by the linux-x64 build, whose module the release combines with the others'; mcs
# output differs from build to build, so exactly one build makes it.
shim_flag=()
[ "$platform" = linux-x64 ] && shim_flag=(--require-shim)
bash powershell/build.sh "${shim_flag[@]}" --lib "$built/$lib" --out "$out/$module" >&2
cp LICENSE "$out/$module/SshTroubleshoot/"
pack zip "$out/$module.zip" "$out/$module/SshTroubleshoot"

# The az extension's wheel (abi3: one per platform).
if [ "$wheel" = 1 ]; then
  if ! "$PYTHON" -m maturin --version >/dev/null 2>&1; then
    echo "dist/build.sh: maturin is missing: $PYTHON -m pip install 'maturin>=1.9,<2'" >&2
    exit 3
  fi
  say "maturin build --release ${maturin_flags[*]}"
  # Its own target folder: maturin's zig wrapper differs from cargo-zigbuild's, and in
  # one folder each build would invalidate the other's (measured: a full rebuild each).
  "$PYTHON" -m maturin build --release --locked "${maturin_flags[@]}" \
    --target-dir "$root/target/dist-wheel" --interpreter "$PYTHON" -o "$out" >&2
fi

pack sums "$out"
say "artifacts in $out:"
cat "$out/SHA256SUMS"
