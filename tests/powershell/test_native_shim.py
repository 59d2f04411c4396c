"""The module's P/Invoke shim (powershell/SshTroubleshoot/SshTroubleshoot.Native.cs),
compiled as C# 5 by Mono's mcs and run under mono against the built C library: the
same load-by-path, marshalling and error messages that PowerShell gets from Add-Type.
"""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import LIBRARY_NAME, ROOT, SHIM, TARGET, arm_standin

PLATFORM_FOLDER = {"linux": "linux-x64", "darwin": "osx-x64"}.get(sys.platform, "linux-x64")


def run(mono, library, request, *loader):
    body = request if isinstance(request, bytes) else json.dumps(request, ensure_ascii=False).encode()
    done = mono("run", str(library), *loader, stdin=body)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace") + done.stderr.decode()
    return json.loads(done.stdout.decode("utf-8"))


def test_loads_by_absolute_path_and_checks_abi_version(mono, library):
    done = mono("load", str(library))
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    assert "abi=1" in out
    assert f"path={library.resolve()}" in out
    # Mono has no System.Runtime.InteropServices.NativeLibrary: the 5.1-style fallback.
    assert re.search(r"loader=(dlopen|NativeLibrary)", out)


def test_dlopen_loader_explicitly(mono, library):
    done = mono("load", str(library), "dlopen")
    assert done.returncode == 0, done.stdout.decode()
    assert "loader=dlopen abi=1" in done.stdout.decode()


@pytest.mark.parametrize("loader", [(), ("dlopen",)])
def test_diagnose_offline_round_trip(mono, library, loader):
    report = run(
        mono, library, {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True}, *loader
    )
    assert report["schemaVersion"] == 1
    assert report["client"] == "powershell"
    assert report["status"] in ("healthy", "problems", "incomplete")
    assert report["findings"], "client-side checks ran"
    for finding in report["findings"]:
        assert finding["status"] in ("pass", "fail", "warn", "skip", "error")
        assert finding["check"] and finding["summary"]


def test_target_with_non_ascii_names_round_trips(mono, library):
    target = {"resourceGroup": "rg-café", "name": "日本-é"}
    report = run(
        mono,
        library,
        {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True, "target": target},
    )
    assert report["target"] == target


def test_explain_round_trip_with_non_ascii_text(mono, library):
    text = (
        "Enter-AzVM: Client is not authorized to create a default connectivity endpoint for "
        "'srv-日本-é' in Resource Group 'rg-café'. This is a one-time operation"
    )
    report = run(
        mono,
        library,
        {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True, "explain": text},
    )
    assert report["status"] == "problems"
    first = report["explained"][0]
    assert first["diagnosis"] == "endpoint-creation-forbidden"
    assert "srv-日本-é" in first["excerpt"]
    assert first["extracted"]["machine"] == "srv-日本-é"
    assert first["extracted"]["resourceGroup"] == "rg-café"


def test_checks_catalogue_matches_the_standalone_binary(mono, library):
    report = run(mono, library, {"schemaVersion": 1, "command": "checks", "client": "powershell"})
    assert report["checks"] and report["diagnoses"]
    binary = TARGET / "debug" / "ssh-troubleshoot"
    if not binary.exists():
        pytest.skip(f"{binary} not built (cargo build -p ssh-troubleshoot-cli)")
    standalone = json.loads(
        subprocess.run([str(binary), "checks", "-o", "json"], capture_output=True, check=True).stdout
    )
    assert report["checks"] == standalone["checks"]
    assert report["diagnoses"] == standalone["diagnoses"]


def test_invalid_json_gives_an_error_object(mono, library):
    answer = run(mono, library, b"{not json")
    assert answer["error"]["code"] == "invalid-request"
    assert answer["error"]["message"]


def test_unknown_command_gives_an_error_object(mono, library):
    answer = run(mono, library, {"schemaVersion": 1, "command": "make-coffee"})
    assert set(answer) == {"error"}
    assert answer["error"]["code"]


def test_large_non_ascii_answer_is_decoded_whole(mono, library):
    # A 200 KB explain text of multi-byte characters: the manual UTF-8 decode must read
    # up to the NUL, not stop at a buffer size or split a character.
    filler = "日本é" * 20000
    text = filler + "\nFailed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.\n"
    report = run(
        mono, library, {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True, "explain": text}
    )
    assert any(e["diagnosis"] == "arcproxy-not-installed" for e in report["explained"])


def test_missing_library_gives_the_modules_clear_error(mono, tmp_path):
    missing = tmp_path / "SshTroubleshoot" / "bin" / PLATFORM_FOLDER / LIBRARY_NAME
    done = mono("load", str(missing))
    out = done.stdout.decode()
    assert done.returncode == 2, out
    assert out.startswith("reason=NotFound\n")
    assert str(missing) in out
    assert "powershell/build.sh" in out and "build.ps1" in out
    assert "cargo build --release -p ssh-troubleshoot-ffi" in out
    assert f"bin/{PLATFORM_FOLDER}/" in out
    assert "Import-Module" in out


def build_c_library(tmp_path, name, source):
    cc = shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler (apt-get install gcc) to build a stand-in library")
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    lib = tmp_path / name / LIBRARY_NAME
    lib.parent.mkdir()
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return lib


def test_a_library_without_the_exports_is_refused(mono, tmp_path):
    lib = build_c_library(tmp_path, "other", "int unrelated(void) { return 7; }\n")
    done = mono("fail", str(lib))
    out = done.stdout.decode()
    assert done.returncode == 2, out
    assert out.startswith("reason=MissingExport\n")
    assert "sshts_abi_version()" in out and str(lib) in out


def test_a_file_that_is_not_a_library_fails_to_load(mono, tmp_path):
    fake = tmp_path / "bin" / PLATFORM_FOLDER / LIBRARY_NAME
    fake.parent.mkdir(parents=True)
    fake.write_text("not a shared object")
    done = mono("fail", str(fake))
    out = done.stdout.decode()
    assert done.returncode == 2, out
    assert out.startswith("reason=LoadFailed\n")
    assert str(fake) in out and "build.sh" in out


def test_a_wrong_abi_version_is_refused(mono, tmp_path):
    lib = build_c_library(
        tmp_path,
        "abi2",
        "#include <stdlib.h>\n"
        "unsigned int sshts_abi_version(void) { return 2; }\n"
        "char *sshts_run(const char *r) { (void)r; return NULL; }\n"
        "void sshts_free(char *p) { free(p); }\n",
    )
    done = mono("fail", str(lib))
    out = done.stdout.decode()
    assert done.returncode == 2, out
    assert out.startswith("reason=AbiMismatch\n")
    assert "version 2" in out and "needs version 1" in out


def test_run_before_load_says_to_import_again(mono):
    done = mono("notloaded")
    out = done.stdout.decode()
    assert done.returncode == 2, out
    assert out.startswith("reason=NotLoaded\n")
    assert "Import-Module SshTroubleshoot -Force" in out


def test_every_entry_point_the_shim_binds_is_exported(library):
    bound = set(re.findall(r'"(sshts_\w+)"', SHIM.read_text()))
    assert bound == {"sshts_abi_version", "sshts_run", "sshts_free", "sshts_run_with_progress", "sshts_cancel_new",
                     "sshts_cancel", "sshts_cancel_free", "sshts_run_cancellable", "sshts_run_watching"}
    lib = ctypes.CDLL(str(library))
    for name in bound:
        assert hasattr(lib, name), f"{library} does not export {name}"
    header = (ROOT / "rust" / "ffi" / "include" / "ssh_troubleshoot.h").read_text()
    for name in bound:
        assert name in header


def test_build_script_assembles_an_importable_module(mono, library, tmp_path):
    done = subprocess.run(
        ["bash", str(ROOT / "powershell" / "build.sh"), "--require-shim", "--lib", str(library), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    module = tmp_path / "SshTroubleshoot"
    for name in ("SshTroubleshoot.psd1", "SshTroubleshoot.psm1", "SshTroubleshoot.Native.cs",
                 "SshTroubleshoot.Format.ps1xml", "bin/SshTroubleshoot.Native.dll"):
        assert (module / name).is_file(), name
    # The scripts are inlined into the .psm1 (one file for a new session to parse).
    assert not (module / "Private").exists() and not (module / "Public").exists()
    shipped = module / "bin" / PLATFORM_FOLDER / LIBRARY_NAME
    assert shipped.is_file()
    # The shipped folder works: its compiled shim (a driver built against that very
    # assembly, as .NET Framework would load it) against its own library.
    exe = tmp_path / "ShippedDriver.exe"
    dll = module / "bin" / "SshTroubleshoot.Native.dll"
    driver_source = ROOT / "tests" / "powershell" / "NativeDriver.cs"
    compiled = subprocess.run(["mcs", "-langversion:5", "-warnaserror+", f"-out:{exe}", f"-r:{dll}", str(driver_source)],
                              capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    shutil.copy(dll, tmp_path)
    loaded = subprocess.run(["mono", str(exe), "load", str(shipped)], capture_output=True, timeout=120)
    assert loaded.returncode == 0 and b"abi=1" in loaded.stdout, loaded.stdout + loaded.stderr


def test_without_a_token_the_azure_checks_report_not_signed_in(mono, library):
    # What Test-AzSshArc sends without Az.Accounts or a login: the target, no token.
    report = run(
        mono,
        library,
        {
            "schemaVersion": 1,
            "command": "diagnose",
            "client": "powershell",
            "offline": False,
            "target": {"resourceGroup": "rg", "name": "srv"},
            "azure": {},
            "deadlineMs": 30000,
        },
    )
    by_check = {f["check"]: f for f in report["findings"]}
    assert by_check["azure.sign-in"]["status"] == "fail"
    assert by_check["azure.sign-in"]["diagnosis"] == "not-signed-in"
    assert any(f["check"].startswith("client.") for f in report["findings"]), "client checks still ran"


def test_build_script_rejects_unknown_arguments():
    done = subprocess.run(["bash", str(ROOT / "powershell" / "build.sh"), "--bogus"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown argument" in done.stderr


# ---- RunWithProgress: fleet progress, handed on on the calling thread ------------------


def run_with_progress(mono, library, request):
    done = mono("progress", str(library), stdin=json.dumps(request).encode())
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace") + done.stderr.decode()
    return json.loads(done.stdout.decode("utf-8"))


def test_fleet_progress_reaches_the_calling_thread(mono, library, fleet_request):
    out = run_with_progress(mono, library, fleet_request)
    assert out["hasProgress"] is True
    requests = out["answer"]["fleet"]["requests"]
    total = requests["providerReads"] + requests["permissionReads"] + requests["configurationReads"]
    assert total == 1 + 2 + 500, requests
    calls = out["calls"]
    assert calls, "onProgress never ran"
    assert {thread for _, _, thread in calls} == {out["caller"]}, "onProgress ran on another thread"
    dones = [done for done, _, _ in calls]
    assert dones == sorted(dones) and len(set(dones)) == len(dones), dones
    assert all(t == total for _, t, _ in calls)
    assert calls[-1][0] == total, "the last call has every read done"
    assert out["answer"]["fleet"]["scanned"] == 500


def test_run_with_progress_on_other_requests_is_run(mono, library):
    request = {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True}
    out = run_with_progress(mono, library, request)
    assert out["calls"] == []
    assert out["answer"]["client"] == "powershell" and out["answer"]["findings"]
    out = run_with_progress(mono, library, {"schemaVersion": 1, "command": "make-coffee"})
    assert out["calls"] == [] and out["answer"]["error"]["code"]


def test_a_library_without_progress_runs_without_it(mono, tmp_path):
    lib = build_c_library(
        tmp_path,
        "abi1",
        "#include <stdlib.h>\n#include <string.h>\n"
        "unsigned int sshts_abi_version(void) { return 1; }\n"
        "char *sshts_run(const char *r) { (void)r; return strdup(\"{\\\"ran\\\": true}\"); }\n"
        "void sshts_free(char *p) { free(p); }\n",
    )
    out = run_with_progress(mono, lib, {"schemaVersion": 1, "command": "diagnose", "subscriptions": ["s"]})
    assert out["hasProgress"] is False
    assert out["calls"] == [] and out["answer"] == {"ran": True}


# ---- RunCancellable: stopped from outside, as Ctrl+C stops it in PowerShell --------------

HELD_MS = 5000
MACHINE = ("/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/"
           "Microsoft.HybridCompute/machines/srv")
LISTING = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/resources"


@pytest.fixture
def held_arm(tmp_path):
    """The stand-in holding the resource group's listing for HELD_MS, then listing the
    machine: the machine's reads come only after it, from a run that was not stopped."""
    binary = arm_standin.binary()
    listed = {"value": [{"id": MACHINE, "name": "srv", "type": "Microsoft.HybridCompute/machines", "location": "eastus"}]}
    scenario = {"routes": [{"method": "GET", "path": LISTING, "status": 200, "body": listed, "delayMs": HELD_MS}]}
    with arm_standin.Standin(binary, scenario, tmp_path / "arm") as standin:
        yield standin, {
            "schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": False,
            "target": {"subscription": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg", "name": "srv"},
            "deadlineMs": 120000,
            "azure": {"armEndpoint": standin.url, "accessToken": arm_standin.token(binary),
                      "caBundle": standin.ca_bundle},
        }


def cancel_when_held(mono, library, standin, request, trigger):
    """NativeDriver cancel: the poll throws once trigger exists, which is made here as
    soon as the stand-in has the held listing; the driver then lives past the hold.
    Returns its output and the paths the stand-in saw after the listing."""
    env = dict(os.environ, NATIVE_DRIVER_CANCEL_WHEN=str(trigger), NATIVE_DRIVER_LINGER_MS=str(HELD_MS + 3000))
    process = subprocess.Popen(["mono", str(mono.exe), "cancel", str(library)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdin.write(json.dumps(request).encode())
    process.stdin.close()
    deadline = time.monotonic() + 120
    while not any(r["path"] == LISTING for r in standin.requests()):
        assert process.poll() is None, process.stdout.read().decode() + process.stderr.read().decode()
        assert time.monotonic() < deadline, "the listing never came"
        time.sleep(0.05)
    trigger.write_text("stop")
    process.wait(120)
    out, err = process.stdout.read(), process.stderr.read()
    assert process.returncode == 0, out.decode() + err.decode()
    paths = [r["path"] for r in standin.requests()]
    return json.loads(out.decode()), paths[paths.index(LISTING) + 1:]


def test_run_cancellable_stops_the_native_run(mono, library, held_arm, tmp_path):
    standin, request = held_arm
    out, later = cancel_when_held(mono, library, standin, request, tmp_path / "stop")
    print(f"\nRunCancellable returned {out['msAfterCancel']} ms after the poll threw")
    assert out["hasCancel"] is True
    assert out["stopped"] == "System.OperationCanceledException", out
    assert out["answer"] is None
    assert out["polls"] >= 1
    assert MACHINE not in later, f"the cancelled run went on: {later}"


def test_run_cancellable_with_an_older_library_propagates_the_stop(mono, library_without_cancel, held_arm, tmp_path):
    standin, request = held_arm
    out, later = cancel_when_held(mono, library_without_cancel, standin, request, tmp_path / "stop")
    print(f"\nRunCancellable (no sshts_run_cancellable) returned {out['msAfterCancel']} ms after the poll threw")
    assert out["hasCancel"] is False
    assert out["stopped"] == "System.OperationCanceledException", out
    assert out["answer"] is None
    # Nothing could stop it: the run went on on its worker, to the machine's reads.
    assert MACHINE in later, later


def test_run_cancellable_not_stopped_returns_the_report(mono, library, tmp_path):
    # The poll never throws (no trigger file): the run's own answer comes back.
    request = {"schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": True}
    done = subprocess.run(["mono", str(mono.exe), "cancel", str(library)], input=json.dumps(request).encode(),
                          capture_output=True, timeout=120,
                          env=dict(os.environ, NATIVE_DRIVER_CANCEL_WHEN=str(tmp_path / "never")))
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    out = json.loads(done.stdout.decode())
    assert out["stopped"] is None and out["hasCancel"] is True
    assert out["answer"]["client"] == "powershell" and out["answer"]["findings"]
