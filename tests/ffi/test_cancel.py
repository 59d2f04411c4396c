"""Cancelling through the C ABI (sshts_cancel_new, sshts_cancel, sshts_cancel_free,
sshts_run_cancellable) while the ARM stand-in hangs: from another thread, as a Ctrl+C
handler or a stopped PowerShell pipeline would.

Needs the built library and stand-in: `cargo build -p ssh-troubleshoot-ffi -p
arm-standin`, then `python3 -m pytest tests/ffi`.
"""

from __future__ import annotations

import ctypes
import json
import sys
import threading
import time
from pathlib import Path

import pytest

from test_c_abi import PROGRESS, library_path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import arm_standin  # noqa: E402

SUB = "00000000-1111-2222-3333-444444444444"
# Far more than the 0.2 s a cancel takes: proves "does not hang", not a timing.
PROMPTLY = 2.0


@pytest.fixture(scope="module")
def lib():
    path = library_path()
    if not path.is_file():
        pytest.fail(f"{path} not found: build it with `cargo build -p ssh-troubleshoot-ffi`")
    lib = ctypes.CDLL(str(path))
    lib.sshts_cancel_new.argtypes = []
    lib.sshts_cancel_new.restype = ctypes.c_void_p
    lib.sshts_cancel.argtypes = [ctypes.c_void_p]
    lib.sshts_cancel.restype = None
    lib.sshts_cancel_free.argtypes = [ctypes.c_void_p]
    lib.sshts_cancel_free.restype = None
    lib.sshts_run_cancellable.argtypes = [ctypes.c_char_p, PROGRESS, ctypes.c_void_p, ctypes.c_void_p]
    lib.sshts_run_cancellable.restype = ctypes.c_void_p
    lib.sshts_free.argtypes = [ctypes.c_void_p]
    lib.sshts_free.restype = None
    return lib


@pytest.fixture(scope="module")
def hanging(tmp_path_factory):
    """A stand-in that never answers, and a request for one machine and for a fleet."""
    binary = arm_standin.binary(build=False)
    scenario = {"routes": [{"pathPrefix": "/", "fault": "hang", "requireBearer": False}]}
    with arm_standin.Standin(binary, scenario, tmp_path_factory.mktemp("standin")) as standin:
        azure = {"armEndpoint": standin.url, "accessToken": arm_standin.token(binary),
                 "caBundle": standin.ca_bundle}
        base = {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "azure": azure}
        yield standin, {
            "machine": dict(base, target={"subscription": SUB, "resourceGroup": "rg", "name": "web01"}),
            "fleet": dict(base, target={"subscription": SUB, "resourceGroup": "rg"}),
        }


def run_cancellable(lib, request, cancel, progress=None) -> dict:
    pointer = lib.sshts_run_cancellable(json.dumps(request).encode() if request is not None else None,
                                        progress or PROGRESS(), None, cancel)
    assert pointer, "the library returned NULL"
    try:
        return json.loads(ctypes.string_at(pointer).decode("utf-8"))
    finally:
        lib.sshts_free(pointer)


def cancel_when_sent(lib, standin, cancel, fired: list):
    """Fires `cancel` from this thread once the stand-in holds a new request."""
    seen = len(standin.requests())
    until = time.monotonic() + 20
    while len(standin.requests()) == seen and time.monotonic() < until:
        time.sleep(0.005)
    time.sleep(0.1)
    fired.append(time.monotonic())
    lib.sshts_cancel(cancel)


@pytest.mark.parametrize("kind", ["machine", "fleet"])
def test_a_cancel_from_another_thread_stops_a_hanging_run(lib, hanging, kind):
    standin, requests = hanging
    cancel = lib.sshts_cancel_new()
    assert cancel
    fired: list[float] = []
    canceller = threading.Thread(target=cancel_when_sent, args=(lib, standin, cancel, fired))
    canceller.start()
    try:
        report = run_cancellable(lib, requests[kind], cancel)
        returned = time.monotonic()
    finally:
        canceller.join()
        lib.sshts_cancel_free(cancel)
    assert returned - fired[0] < PROMPTLY
    assert report["cancelled"] is True
    assert report["status"] == "incomplete"
    unfinished = [f for f in report["findings"] if f["summary"].startswith("Cancelled")]
    assert unfinished and all(f["status"] == "error" for f in unfinished)


def test_null_handles_and_a_handle_fired_before_the_run(lib, hanging):
    standin, requests = hanging
    lib.sshts_cancel(None)
    lib.sshts_cancel_free(None)
    offline = {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True}
    plain = run_cancellable(lib, offline, None)
    assert "cancelled" not in plain and plain["status"] in ("healthy", "problems", "incomplete")
    assert run_cancellable(lib, None, None)["error"]["code"] == "invalid-request"

    cancel = lib.sshts_cancel_new()
    for _ in range(3):
        lib.sshts_cancel(cancel)  # any number of times
    standin.clear_log()
    report = run_cancellable(lib, requests["machine"], cancel)
    assert report["cancelled"] is True
    assert standin.requests() == [], "nothing is sent once cancelled"
    # The same fired handle serves another run (and several threads) until freed.
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(run_cancellable(lib, requests["fleet"], cancel)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lib.sshts_cancel_free(cancel)
    assert [a["cancelled"] for a in answers] == [True] * 4
