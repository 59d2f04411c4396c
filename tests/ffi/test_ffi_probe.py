"""`--probe` and `--watch` through the C ABI: one test per row of issue 16's table
(tests/probe_rows.json, the table the binary's and the az extension's tests read), with
the proxy stand-in where az keeps its proxy and the ARM stand-in issuing relay
credentials; then `sshts_run_watching`, whose rounds reach the caller while the watch
runs, against a stand-in whose answer changes after N requests.

Needs the built library and stand-ins: `cargo build -p ssh-troubleshoot-ffi -p
arm-standin`, then `python3 -m pytest tests/ffi`.
"""

from __future__ import annotations

import ctypes
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_c_abi import library_path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "az"))
import arm_standin  # noqa: E402
import probe_rows  # noqa: E402
from az_support import CONFIG, ENDPOINT, PROVIDER, RG, SUB, TOKEN_MARK, VM, Scenario  # noqa: E402
from az_support import token as marked_token  # noqa: E402

# typedef void (*SshtsRoundFn)(const char *round_json, void *context);
ROUND = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)


@pytest.fixture(scope="module")
def lib():
    path = library_path()
    if not path.is_file():
        pytest.fail(f"{path} not found: build it with `cargo build -p ssh-troubleshoot-ffi`")
    lib = ctypes.CDLL(str(path))
    lib.sshts_run.argtypes = [ctypes.c_char_p]
    lib.sshts_run.restype = ctypes.c_void_p
    lib.sshts_run_watching.argtypes = [ctypes.c_char_p, ROUND, ctypes.c_void_p, ctypes.c_void_p]
    lib.sshts_run_watching.restype = ctypes.c_void_p
    lib.sshts_cancel_new.restype = ctypes.c_void_p
    lib.sshts_cancel.argtypes = [ctypes.c_void_p]
    lib.sshts_cancel_free.argtypes = [ctypes.c_void_p]
    lib.sshts_free.argtypes = [ctypes.c_void_p]
    lib.sshts_free.restype = None
    return lib


@pytest.fixture(scope="module")
def standin_binary():
    probe_rows.proxy_standin()
    return arm_standin.binary(build=False)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A HOME with az's ssh extension 2.0.6 (its metadata and constants) as the core reads it."""
    home = tmp_path / "home"
    ext = home / ".azure" / "cliextensions" / "ssh"
    (ext / "ssh-2.0.6.dist-info").mkdir(parents=True)
    (ext / "ssh-2.0.6.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: ssh\nVersion: 2.0.6\n")
    (ext / "azext_ssh").mkdir()
    (ext / "azext_ssh" / "constants.py").write_text('CLIENT_PROXY_VERSION = "1.3.026973"\n')
    # The proxy the probe starts inherits the process's environment, as under az.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("AZURE_EXTENSION_DIR", raising=False)
    monkeypatch.delenv("AZURE_CONFIG_DIR", raising=False)
    return home


def request(standin, token, home, port, **extra):
    document = {"schemaVersion": 1, "command": "diagnose", "client": "azure-cli",
                "target": {"subscription": SUB, "resourceGroup": RG, "name": VM}, "port": port,
                "azure": {"armEndpoint": standin.url, "accessToken": token, "caBundle": standin.ca_bundle},
                # The proxy-download check (az's proxy is not there yet) dials the stand-in,
                # trusted as az would trust it, never the internet.
                "environment": {"HOME": str(home), "REQUESTS_CA_BUNDLE": standin.ca_bundle,
                                "SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET": urlsplit(standin.url).netloc}}
    document.update(extra)
    return json.dumps(document).encode()


def answer_of(lib, pointer) -> str:
    assert pointer, "the library returned NULL"
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.sshts_free(pointer)


def probe_scenario(token, row, port):
    status, body = probe_rows.credentials_answer(row)
    return (Scenario(token).answer("GET", CONFIG, 200, probe_rows.config_body(CONFIG, port))
            .answer("POST", f"{ENDPOINT}/listCredentials", status, body))


@pytest.mark.parametrize("row", probe_rows.ROWS, ids=probe_rows.row_ids())
def test_row(lib, standin_binary, home, tmp_path, monkeypatch, row):
    monkeypatch.setenv("PROXY_STANDIN_MODE", row["proxyMode"])
    probe_rows.place_proxy(home / ".clientsshproxy", row)
    token = marked_token(standin_binary)
    sshd = probe_rows.Sshd(tmp_path / "sshd") if row["sshd"] else None
    with sshd or _Nothing():
        port = sshd.port if sshd else 22
        scenario = probe_scenario(token, row, port)
        with arm_standin.Standin(standin_binary, scenario.json(), tmp_path / "standin") as standin:
            text = answer_of(lib, lib.sshts_run(request(standin, token, home, port, probe=True)))
    report = json.loads(text)
    assert probe_rows.mismatches(row, report) == [], json.dumps(report, indent=1)
    assert probe_rows.leaked(text) == [] and TOKEN_MARK not in text


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class Rounds:
    """A round callback that keeps each round and may fire a cancel on the first."""

    def __init__(self, lib, cancel_on_first=None):
        self.events = []
        self.lib = lib
        self.cancel = cancel_on_first
        self.callback = ROUND(self._called)

    def _called(self, round_json, _context):
        self.events.append(json.loads(round_json.decode("utf-8")))
        if self.cancel is not None:
            self.lib.sshts_cancel(self.cancel)


def provider_flips_after(token, requests):
    """Not registered for the first `requests` reads of the provider, then registered."""
    return Scenario(token).first({"method": "GET", "path": PROVIDER, "status": 200, "times": requests,
                                  "body": {"namespace": "Microsoft.HybridConnectivity",
                                           "registrationState": "NotRegistered"}})


def watch(lib, standin_binary, home, tmp_path, scenario_of, timeout_ms, rounds=None, cancel=None):
    token = marked_token(standin_binary)
    with arm_standin.Standin(standin_binary, scenario_of(token).json(), tmp_path / "standin") as standin:
        document = request(standin, token, home, 22, watch=True, watchTimeoutMs=timeout_ms, watchIntervalMs=300)
        callback = rounds.callback if rounds else ROUND()
        text = answer_of(lib, lib.sshts_run_watching(document, callback, None, cancel))
    assert TOKEN_MARK not in text
    return json.loads(text)


def test_each_round_reaches_the_caller_and_the_watch_ends_when_it_passes(lib, standin_binary, home, tmp_path):
    rounds = Rounds(lib)
    report = watch(lib, standin_binary, home, tmp_path, lambda t: provider_flips_after(t, 2), 60000, rounds)
    assert report["watch"]["outcome"] == "passed", json.dumps(report["watch"], indent=1)
    assert [e["round"] for e in rounds.events] == report["watch"]["rounds"]
    assert "azure.resource-provider fail -> pass" in rounds.events[-1]["line"]
    assert rounds.events[-1]["status"] == "healthy"
    assert report["watch"]["summary"].startswith("Watch ended: the checks pass")


def test_a_round_is_delivered_while_the_watch_runs(lib, standin_binary, home, tmp_path):
    # The callback cancels on the first round: were rounds delivered only at the end, the
    # watch would run to its 60 s bound and end timed out instead.
    cancel = lib.sshts_cancel_new()
    try:
        rounds = Rounds(lib, cancel_on_first=cancel)
        report = watch(lib, standin_binary, home, tmp_path, lambda t: provider_flips_after(t, 1000), 60000,
                       rounds, cancel)
    finally:
        lib.sshts_cancel_free(cancel)
    assert report["watch"]["outcome"] == "cancelled", json.dumps(report["watch"], indent=1)
    assert len(rounds.events) == 1 and report["cancelled"] is True


def test_a_bound_that_passes_ends_with_the_failure_and_null_hooks_are_fine(lib, standin_binary, home, tmp_path):
    report = watch(lib, standin_binary, home, tmp_path, lambda t: provider_flips_after(t, 1000), 1500)
    assert report["watch"]["outcome"] == "timed-out"
    failing = [f for f in report["findings"] if f["check"] == "azure.resource-provider"]
    assert failing[0]["diagnosis"] == "provider-not-registered"
    assert report["status"] == "problems"


def test_a_request_that_is_not_a_watch_is_sshts_run(lib):
    for document in (b'{"schemaVersion":1,"command":"checks","client":"standalone"}', b"{not json", None):
        rounds = Rounds(lib)
        watched = json.loads(answer_of(lib, lib.sshts_run_watching(document, rounds.callback, None, None)))
        plain = json.loads(answer_of(lib, lib.sshts_run(document)))
        assert watched.keys() == plain.keys() and rounds.events == []
        assert watched.get("checks") == plain.get("checks") and watched.get("error") == plain.get("error")
