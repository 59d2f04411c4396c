"""The C ABI through Python ctypes: every request kind, hostile inputs, 16 threads.

Needs the built library: `cargo build -p ssh-troubleshoot-ffi`, then
`python3 -m pytest tests/ffi`. SSHTS_LIBRARY names another build of it (for example
target/release/libssh_troubleshoot.so).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECKS = {"schemaVersion": 1, "command": "checks", "client": "standalone"}
DIAGNOSE = {
    "schemaVersion": 1,
    "command": "diagnose",
    "client": "powershell",
    "offline": True,
    "explain": "(MissingSubscriptionRegistration) The subscription is not registered to "
    "use namespace 'Microsoft.HybridConnectivity'.",
}
APPLY_UNKNOWN_FIX = {
    "schemaVersion": 1,
    "command": "apply-fixes",
    "client": "standalone",
    "offline": True,
    "fixes": ["no-such-fix"],
}
DISABLE_SSH = {"schemaVersion": 1, "command": "disable-ssh", "client": "standalone"}
SERVER = {"schemaVersion": 1, "command": "server", "client": "standalone"}


def library_path() -> Path:
    if os.environ.get("SSHTS_LIBRARY"):
        return Path(os.environ["SSHTS_LIBRARY"])
    name = {
        "darwin": "libssh_troubleshoot.dylib",
        "win32": "ssh_troubleshoot.dll",
    }.get(sys.platform, "libssh_troubleshoot.so")
    profile = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    # `cargo build` puts it in the profile folder; `cargo test` alone leaves it in deps/.
    candidates = [profile / name, profile / "deps" / name]
    return next((c for c in candidates if c.is_file()), candidates[0])


@pytest.fixture(scope="module")
def lib():
    path = library_path()
    if not path.is_file():
        pytest.fail(f"{path} not found: build it with `cargo build -p ssh-troubleshoot-ffi`")
    lib = ctypes.CDLL(str(path))
    lib.sshts_abi_version.argtypes = []
    lib.sshts_abi_version.restype = ctypes.c_uint32
    lib.sshts_run.argtypes = [ctypes.c_char_p]
    # c_void_p, not c_char_p: ctypes would copy a c_char_p answer and lose the pointer
    # that sshts_free needs.
    lib.sshts_run.restype = ctypes.c_void_p
    lib.sshts_free.argtypes = [ctypes.c_void_p]
    lib.sshts_free.restype = None
    return lib


def run_raw(lib, request: bytes | None) -> dict:
    pointer = lib.sshts_run(request)
    assert pointer, "sshts_run returned NULL"
    try:
        answer = ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.sshts_free(pointer)
    document = json.loads(answer)
    assert isinstance(document, dict)
    return document


def run(lib, request: dict) -> dict:
    return run_raw(lib, json.dumps(request).encode())


def error_code(document: dict) -> str | None:
    error = document.get("error")
    if error is None:
        return None
    assert set(error) == {"code", "message"} and error["message"]
    return error["code"]


def test_abi_version(lib):
    assert lib.sshts_abi_version() == 1


def test_checks_lists_the_catalogue(lib):
    report = run(lib, CHECKS)
    assert report["schemaVersion"] == 1
    assert report["tool"]["name"] == "ssh-troubleshoot"
    assert "client-binaries-not-found" in json.dumps(report)


def test_diagnose_offline_explains(lib):
    report = run(lib, DIAGNOSE)
    assert report["schemaVersion"] == 1
    assert report["client"] == "powershell"
    assert report["explained"][0]["diagnosis"] == "provider-not-registered"


def test_apply_fixes_with_an_unknown_fix(lib):
    answer = run(lib, APPLY_UNKNOWN_FIX)
    # A report (nothing applied) or an error object, whichever the core answers.
    assert answer.get("schemaVersion") == 1 or error_code(answer) == "invalid-request"
    assert "no-such-fix" in json.dumps(answer)


def test_disable_ssh_without_a_target(lib):
    answer = run(lib, DISABLE_SSH)
    assert answer.get("schemaVersion") == 1 or error_code(answer)


def test_server_answers_a_report(lib):
    assert run(lib, SERVER).get("schemaVersion") == 1


def test_unknown_command(lib):
    assert error_code(run(lib, {"schemaVersion": 1, "command": "reboot"})) == "invalid-request"


def test_null_request(lib):
    assert error_code(run_raw(lib, None)) == "invalid-request"


def test_invalid_utf8(lib):
    answer = run_raw(lib, b'{"command": "\xff\xfe"}')
    assert error_code(answer) == "invalid-request"
    assert "UTF-8" in answer["error"]["message"]


@pytest.mark.parametrize("request_bytes", [b'{"schemaVersion": 1, "command": ', b"[1, 2]", b""])
def test_invalid_json(lib, request_bytes):
    assert error_code(run_raw(lib, request_bytes)) == "invalid-request"


def test_50_mb_request(lib):
    request = b'{"explain": "' + b"x" * (50 * 1000 * 1000) + b'"}'
    assert error_code(run_raw(lib, request)) == "request-too-large"


def test_free_null(lib):
    lib.sshts_free(None)


def test_16_threads_at_once(lib):
    requests = [CHECKS, DIAGNOSE, SERVER, APPLY_UNKNOWN_FIX]

    def worker(index: int) -> list[dict]:
        return [run(lib, requests[(index + i) % len(requests)]) for i in range(4)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = [a for batch in pool.map(worker, range(16)) for a in batch]
    assert len(answers) == 64
    for answer in answers:
        assert answer.get("schemaVersion") == 1 or error_code(answer)


# ---- the shareable report: the core writes it, so every host writes the same bytes ---

SHARED_SUB = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SHARED_EXPLAIN = (
    "(MissingSubscriptionRegistration) The subscription is not registered to use namespace "
    f"'Microsoft.HybridConnectivity'. Subscription {SHARED_SUB}, machine web-prod-42 "
    "(10.20.30.40, web-prod-42.contoso.local) of rg-finance-eu, signed in as ada@contoso.com, "
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
)
SHARED_SEEDS = ("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "web-prod-42", "10.20.30.40", "contoso",
                "rg-finance-eu", "eyJ")


def binary_path() -> Path:
    profile = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
    return profile / ("ssh-troubleshoot.exe" if sys.platform == "win32" else "ssh-troubleshoot")


def test_the_binary_and_the_c_abi_write_byte_identical_shared_reports(lib, tmp_path):
    import subprocess

    binary = binary_path()
    if not binary.is_file():
        pytest.fail(f"{binary} not found: build it with `cargo build -p ssh-troubleshoot-cli`")
    subprocess.run(
        [str(binary), "arc", "--offline", "--client", "powershell", "--explain", SHARED_EXPLAIN,
         "-g", "rg-finance-eu", "-n", "web-prod-42", "--subscription", SHARED_SUB,
         "--report", str(tmp_path / "binary.json"), "--output", "json"],
        check=False, capture_output=True, env=dict(os.environ),
    )
    answer = run(lib, {
        "schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True,
        "explain": SHARED_EXPLAIN, "reportPath": str(tmp_path / "abi.md"),
        "target": {"subscription": SHARED_SUB, "resourceGroup": "rg-finance-eu", "name": "web-prod-42"},
    })
    assert answer["sharedReport"]["written"] is True, answer["sharedReport"]
    assert answer["sharedReport"]["json"] == str(tmp_path / "abi.json")
    for suffix in (".json", ".md"):
        from_binary = (tmp_path / ("binary" + suffix)).read_bytes()
        from_abi = (tmp_path / ("abi" + suffix)).read_bytes()
        assert from_binary == from_abi, suffix
        for seed in SHARED_SEEDS:
            assert seed.encode() not in from_abi.replace(b"\\", b""), (seed, suffix)
    shared = json.loads((tmp_path / "abi.json").read_text())
    assert shared["explained"][0]["diagnosis"] == "provider-not-registered"
    assert "<subscription-1>" in shared["explained"][0]["excerpt"]
    assert "Microsoft.HybridConnectivity" in shared["explained"][0]["remedy"]["commands"][0]["command"]


def test_a_report_path_that_is_a_folder_is_reported_not_fatal(lib, tmp_path):
    answer = run(lib, dict(DIAGNOSE, reportPath=str(tmp_path)))
    assert error_code(answer) is None
    assert answer["sharedReport"]["written"] is False
    assert "folder" in answer["sharedReport"]["error"]
    assert answer["explained"][0]["diagnosis"] == "provider-not-registered"
