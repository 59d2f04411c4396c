"""The C ABI through Python ctypes: every request kind, hostile inputs, 16 threads, and
sshts_run_with_progress on a fleet served by the ARM stand-in.

Needs the built library and stand-in: `cargo build -p ssh-troubleshoot-ffi -p
ssh-troubleshoot-cli -p arm-standin`, then `python3 -m pytest tests/ffi`. SSHTS_LIBRARY
names another build of the library (for example target/release/libssh_troubleshoot.so).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import arm_standin  # noqa: E402  (tests/arm_standin.py, shared by the Python suites)

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


# typedef void (*SshtsProgressFn)(uint64_t done, uint64_t total, void *context);
PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_void_p)


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
    lib.sshts_run_with_progress.argtypes = [ctypes.c_char_p, PROGRESS, ctypes.c_void_p]
    lib.sshts_run_with_progress.restype = ctypes.c_void_p
    return lib


def run_raw(lib, request: bytes | None, progress=None) -> dict:
    """sshts_run, or sshts_run_with_progress when `progress` is a PROGRESS (or NULL_PROGRESS)."""
    if progress is None:
        pointer = lib.sshts_run(request)
    else:
        pointer = lib.sshts_run_with_progress(request, progress, None)
    assert pointer, "the library returned NULL"
    try:
        answer = ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.sshts_free(pointer)
    document = json.loads(answer)
    assert isinstance(document, dict)
    return document


def run(lib, request: dict, progress=None) -> dict:
    return run_raw(lib, json.dumps(request).encode(), progress)


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


# ---- sshts_run_with_progress: a fleet against the ARM stand-in -----------------------

S1 = "00000000-1111-2222-3333-444444444444"
S2 = "11111111-2222-3333-4444-555555555555"
# 500 machines in two subscriptions and three groups, each read answered after 50 ms:
# about five rounds of the 100 workers, so the run lasts long enough to be throttled.
FLEET = {"fleet": {"count": 500, "delayMs": 50, "pageSize": 200, "subscriptions": [S1, S2],
                   "resourceGroups": ["rg-a", "rg-b", "rg-c"], "grants": {"rg-b": "reader"},
                   "unregisteredSubscriptions": [S2],
                   "profiles": [{"weight": 3}, {"status": "Disconnected"}, {"sshPort": None}]}}
NULL_PROGRESS = PROGRESS()


@pytest.fixture(scope="module")
def fleet_request(tmp_path_factory):
    """A fleet request (two subscriptions, no machine name) for a running stand-in."""
    binary = arm_standin.binary(build=False)
    with arm_standin.Standin(binary, FLEET, tmp_path_factory.mktemp("standin")) as standin:
        yield {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "subscriptions": [S1, S2],
               "azure": {"armEndpoint": standin.url, "accessToken": arm_standin.token(binary),
                         "caBundle": standin.ca_bundle},
               "deadlineMs": 120000}


class Recorder:
    """A progress callback that records (done, total, thread) and notices overlapping
    calls and calls after the function returned."""

    def __init__(self):
        self.calls: list[tuple[int, int, float, int]] = []
        self.inside = False
        self.overlapped = False
        self.returned = False
        self.after_return = 0
        self.callback = PROGRESS(self._called)  # kept referenced for the whole call

    def _called(self, done, total, _context):
        if self.inside:
            self.overlapped = True
        self.inside = True
        if self.returned:
            self.after_return += 1
        self.calls.append((done, total, time.monotonic(), threading.get_ident()))
        time.sleep(0.002)  # releases the GIL: a concurrent call would find `inside` set
        self.inside = False

    def run(self, lib, request: dict) -> dict:
        try:
            return run(lib, request, self.callback)
        finally:
            self.returned = True


def without_durations(value):
    """The document with every `durationMs` dropped: they are the only run-dependent part."""
    if isinstance(value, dict):
        return {k: without_durations(v) for k, v in value.items() if k != "durationMs"}
    if isinstance(value, list):
        return [without_durations(v) for v in value]
    return value


def test_progress_follows_the_fleet_reads(lib, fleet_request):
    recorder = Recorder()
    report = recorder.run(lib, fleet_request)
    assert error_code(report) is None, report
    requests = report["fleet"]["requests"]
    first = requests["providerReads"] + requests["permissionReads"] + requests["configurationReads"]
    assert first == 2 + 6 + 500, requests
    # rg-b grants only reading: its machines' permissions are read again, on each machine,
    # after the first round, and the total grows by as many.
    second = requests["machinePermissionReads"]
    assert second == len([i for i in range(500) if (i // 2) % 3 == 1]), requests
    total = first + second
    calls = recorder.calls
    assert len(calls) >= 2, calls
    totals = [c[1] for c in calls]
    assert totals[0] == first and totals[-1] == total and set(totals) == {first, total}, totals
    assert totals == sorted(totals), totals
    assert calls[0][0] == 0 and calls[-1][0] == total, "from 0 to every read done"
    dones = [c[0] for c in calls]
    assert dones == sorted(dones) and len(set(dones)) == len(dones), f"done only increases: {dones}"
    assert not recorder.overlapped, "two calls overlapped"
    # Throttled to about one call per 100 ms, but for the last of each round (the
    # timestamps are taken once Python has the GIL, so allow for some skew).
    gaps = [b[2] - a[2] for a, b in zip(calls, calls[1:]) if b[0] < b[1]]
    assert all(gap > 0.05 for gap in gaps), gaps
    # The fleet's workers call back, not only the calling thread.
    assert {c[3] for c in calls} - {threading.get_ident()}, "no call from a worker thread"
    time.sleep(0.3)
    assert recorder.after_return == 0 and len(recorder.calls) == len(calls), "a call after return"


def test_with_progress_the_fleet_report_is_the_plain_one(lib, fleet_request):
    plain = run(lib, fleet_request)
    with_progress = Recorder().run(lib, fleet_request)
    with_null = run(lib, fleet_request, NULL_PROGRESS)
    assert plain["fleet"]["scanned"] == 500
    assert without_durations(with_progress) == without_durations(plain)
    assert without_durations(with_null) == without_durations(plain)


def test_a_fleet_that_stops_before_its_reads_makes_no_call(lib, fleet_request):
    recorder = Recorder()
    report = recorder.run(lib, dict(fleet_request, azure={}))
    assert report["findings"][0]["diagnosis"] == "not-signed-in"
    assert recorder.calls == []


@pytest.mark.parametrize("request_document", [CHECKS, DIAGNOSE], ids=["checks", "diagnose"])
def test_with_progress_other_requests_are_sshts_run(lib, request_document):
    recorder = Recorder()
    with_progress = recorder.run(lib, request_document)
    assert recorder.calls == []
    assert without_durations(with_progress) == without_durations(run(lib, request_document))
    with_null = run(lib, request_document, NULL_PROGRESS)
    assert without_durations(with_null) == without_durations(run(lib, request_document))


def test_with_progress_errors_are_sshts_runs(lib):
    recorder = Recorder()
    assert error_code(run_raw(lib, None, recorder.callback)) == "invalid-request"
    assert error_code(run_raw(lib, b"{not json", recorder.callback)) == "invalid-request"
    assert error_code(run_raw(lib, b"{}", NULL_PROGRESS)) == error_code(run_raw(lib, b"{}"))
    assert error_code(run(lib, {"schemaVersion": 2}, recorder.callback)) == "unsupported-schema"
    assert recorder.calls == []
