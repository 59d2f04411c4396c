"""Fixtures for the PowerShell module tests (PowerShell itself is not needed).

- `library`: the built C library (`cargo build -p ssh-troubleshoot-ffi`, run here when
  it is missing; SSHTS_LIBRARY names another build).
- `driver`: SshTroubleshoot.Native.cs and SshTroubleshoot.ErrorText.cs, the very shim the
  module compiles with Add-Type, compiled by Mono's mcs in C# 5 mode together with
  NativeDriver.cs. Without mono the
  tests that need it are skipped with a message, except under CI, where they fail:
  install Debian's `mono-mcs` and `mono-runtime`.
- `library_without_cancel`: an older C library as the shim meets it in the field: a
  forwarding library (built with cc) exporting everything of `library` but
  `sshts_run_cancellable`, so the shim's fallback for a run it cannot stop is taken.
- `ps_parser`: tree-sitter with the PowerShell grammar (PyPI `tree-sitter`,
  `tree-sitter-powershell`).
- `fleet_request`: a fleet request document (no machine name) for the ARM stand-in
  (`cargo build -p arm-standin`) serving a generated fleet of 500 machines.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import arm_standin  # noqa: E402  (tests/arm_standin.py, shared by the Python suites)
MODULE = ROOT / "powershell" / "SshTroubleshoot"
SHIM = MODULE / "SshTroubleshoot.Native.cs"
# Every source of the shim (Private/Import-SshtsNative.ps1 compiles them together).
SHIM_SOURCES = [SHIM, MODULE / "SshTroubleshoot.ErrorText.cs"]
HERE = Path(__file__).resolve().parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

LIBRARY_NAME = {
    "darwin": "libssh_troubleshoot.dylib",
    "win32": "ssh_troubleshoot.dll",
}.get(sys.platform, "libssh_troubleshoot.so")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must run these tests)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def library() -> Path:
    if os.environ.get("SSHTS_LIBRARY"):
        path = Path(os.environ["SSHTS_LIBRARY"])
    else:
        path = TARGET / "debug" / LIBRARY_NAME
        if not path.exists():
            subprocess.run(
                ["cargo", "build", "--quiet", "-p", "ssh-troubleshoot-ffi"], cwd=ROOT, check=True
            )
    assert path.exists(), f"{path} was not built"
    return path


# Forwards every entry point but sshts_run_cancellable to the real library (REAL_LIBRARY,
# dlopen'ed at the first call): what a module meets with a library built before
# cancellation existed. The header gives the signatures.
FORWARDER = r"""
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "ssh_troubleshoot.h"

static void *entry(const char *name) {
    static void *real;
    if (!real && !(real = dlopen(REAL_LIBRARY, RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, "forwarder: %s\n", dlerror());
        abort();
    }
    void *found = dlsym(real, name);
    if (!found) {
        fprintf(stderr, "forwarder: %s\n", dlerror());
        abort();
    }
    return found;
}

uint32_t sshts_abi_version(void) {
    return ((uint32_t (*)(void))entry("sshts_abi_version"))();
}
char *sshts_run(const char *request_json) {
    return ((char *(*)(const char *))entry("sshts_run"))(request_json);
}
char *sshts_run_with_progress(const char *request_json, SshtsProgressFn progress, void *context) {
    return ((char *(*)(const char *, SshtsProgressFn, void *))entry("sshts_run_with_progress"))(
        request_json, progress, context);
}
void sshts_free(char *answer) {
    ((void (*)(char *))entry("sshts_free"))(answer);
}
SshtsCancel *sshts_cancel_new(void) {
    return ((SshtsCancel *(*)(void))entry("sshts_cancel_new"))();
}
void sshts_cancel(const SshtsCancel *cancel) {
    ((void (*)(const SshtsCancel *))entry("sshts_cancel"))(cancel);
}
void sshts_cancel_free(SshtsCancel *cancel) {
    ((void (*)(SshtsCancel *))entry("sshts_cancel_free"))(cancel);
}
"""


@pytest.fixture(scope="session")
def library_without_cancel(library, tmp_path_factory) -> Path:
    cc = shutil.which("cc")
    if not cc:
        _missing("no C compiler (apt-get install gcc) to build the forwarding library")
    folder = tmp_path_factory.mktemp("no-cancel")
    source = folder / "forwarder.c"
    source.write_text(FORWARDER)
    out = folder / LIBRARY_NAME
    real = '"' + str(library.resolve()).replace("\\", "\\\\").replace('"', '\\"') + '"'
    subprocess.run([cc, "-shared", "-fPIC", "-Wall", "-Werror", f"-DREAL_LIBRARY={real}",
                    f"-I{ROOT / 'rust' / 'ffi' / 'include'}", "-o", str(out), str(source), "-ldl"], check=True)
    return out


@pytest.fixture(scope="session")
def driver(tmp_path_factory) -> Path:
    mcs, mono = shutil.which("mcs"), shutil.which("mono")
    if not (mcs and mono):
        _missing("Mono is not installed: apt-get install mono-mcs mono-runtime")
    out = tmp_path_factory.mktemp("mono") / "NativeDriver.exe"
    compiled = subprocess.run(
        [mcs, "-langversion:5", "-warnaserror+", f"-out:{out}", *map(str, SHIM_SOURCES), str(HERE / "NativeDriver.cs")],
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    return out


class Driver:
    """Runs NativeDriver.exe under mono; the request goes in and the answer comes out
    as UTF-8 bytes."""

    def __init__(self, exe: Path):
        self.exe = exe

    def __call__(self, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
        return subprocess.run(
            ["mono", str(self.exe), *args], input=stdin, capture_output=True, timeout=120
        )


@pytest.fixture(scope="session")
def mono(driver) -> Driver:
    return Driver(driver)


@pytest.fixture(scope="session")
def ps_parser():
    try:
        import tree_sitter
        import tree_sitter_powershell
    except ImportError:
        _missing("pip install tree-sitter tree-sitter-powershell")
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


FLEET_SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"


@pytest.fixture(scope="session")
def fleet_request(tmp_path_factory):
    binary = arm_standin.binary()
    # Each answer after 50 ms: five rounds of the core's 100 workers, long enough for
    # several progress calls.
    scenario = {"fleet": {"count": 500, "delayMs": 50, "pageSize": 200, "resourceGroups": ["rg-a", "rg-b"]}}
    with arm_standin.Standin(binary, scenario, tmp_path_factory.mktemp("standin")) as standin:
        # What Test-AzSshArc -SubscriptionId S sends in the Fleet set.
        yield {
            "schemaVersion": 1, "command": "diagnose", "client": "powershell", "offline": False,
            "target": {}, "subscriptions": [FLEET_SUBSCRIPTION], "deadlineMs": 900000,
            "azure": {"armEndpoint": standin.url, "accessToken": arm_standin.token(binary),
                      "caBundle": standin.ca_bundle},
        }
