#!/usr/bin/env bash
# Builds the az extension's wheel (Python package + native module, abi3) into
# target/wheels/ and prints its path as the last line of output.
# Needs only the Rust toolchain and python3 with pip; installs maturin if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -m maturin --version >/dev/null 2>&1; then
  echo "==> installing maturin" >&2
  # Debian's python3 refuses pip outside a venv (PEP 668): fall back to the user site.
  "$PYTHON" -m pip install -q maturin \
    || "$PYTHON" -m pip install -q --user --break-system-packages maturin
fi

out=target/wheels
mkdir -p "$out"
stamp="$(mktemp "${TMPDIR:-/tmp}/build_wheel.XXXXXX")"
trap 'rm -f "$stamp"' EXIT
"$PYTHON" -m maturin build --release --interpreter "$PYTHON" -o "$out" >&2

# The wheel just written: the newest ssh_troubleshoot wheel not older than the stamp.
wheel="$(find "$out" -maxdepth 1 -name 'ssh_troubleshoot-*.whl' -newer "$stamp" -print \
  | xargs -r ls -t | head -n 1)"
if [ -z "$wheel" ]; then
  wheel="$(ls -t "$out"/ssh_troubleshoot-*.whl 2>/dev/null | head -n 1)"
fi
[ -n "$wheel" ] || { echo "build_wheel.sh: no wheel found in $out" >&2; exit 1; }
echo "$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")"
