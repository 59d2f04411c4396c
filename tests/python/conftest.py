"""Fixtures for the wheel tests: the wheel (SSH_TROUBLESHOOT_WHEEL, as the test
command sets it to dist/build.sh's portable wheel; else built by
python/build_wheel.sh unless a wheel newer than every source and the checked-out
commit is already in target/wheels), a venv
with it installed (cached in target/py-venv), the standalone binary, and
throwaway machines (their own HOME and PATH) to run both against.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import arm_standin  # noqa: E402  (tests/arm_standin.py, shared by the Python suites)

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
WHEELS = TARGET / "wheels"
VENV = TARGET / "py-venv"
PROBE = Path(__file__).resolve().parent / "probe.py"

# Everything the wheel is made of.
SOURCES = (
    "pyproject.toml",
    "Cargo.toml",
    "Cargo.lock",
    "rust/core",
    "rust/python",
    "python/azext_ssh_troubleshoot",
)

AZ_PROXY = "sshProxy_linux_amd64_1_3_026973"
BUILD_TIMEOUT = 3600


def workspace_version():
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version\s*=\s*"([^"]+)"', section, re.M).group(1)


def newest_source_mtime():
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", "target")]
            for f in files:
                if not f.endswith(".pyc"):
                    newest = max(
                        newest, os.stat(os.path.join(folder, f)).st_mtime
                    )
    return newest


def head_commit_time():
    """When the checked-out commit was made (0 outside git): a wheel built before
    it names another commit in its report's versions."""
    out = subprocess.run(
        ["git", "log", "-1", "--format=%ct", "HEAD"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return float(out.stdout.strip() or 0) if out.returncode == 0 else 0.0


def fresh_wheel():
    """The newest wheel of this version, unless a source or the commit changed
    since."""
    pattern = "ssh_troubleshoot-{}-*-abi3-*.whl".format(workspace_version())
    wheels = sorted(
        WHEELS.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True
    )
    newest = max(newest_source_mtime(), head_commit_time())
    if wheels and wheels[0].stat().st_mtime >= newest:
        return wheels[0]
    return None


@pytest.fixture(scope="session")
def wheel():
    given = os.environ.get("SSH_TROUBLESHOOT_WHEEL")
    if given:
        return Path(given)
    found = fresh_wheel()
    if found is not None:
        return found
    env = dict(os.environ, PYTHON=sys.executable)
    out = subprocess.run(
        ["bash", str(ROOT / "python" / "build_wheel.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert out.returncode == 0, "build_wheel.sh failed:\n" + out.stderr[-4000:]
    built = Path(out.stdout.strip().splitlines()[-1])
    assert built.is_file(), out.stdout
    return built


def _venv_ok(python):
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:2])"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return probe.returncode == 0 and probe.stdout.strip() == str(
        sys.version_info[:2]
    )


def _has_pip(python):
    return (
        subprocess.run(
            [str(python), "-m", "pip", "--version"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ).returncode
        == 0
    )


@pytest.fixture(scope="session")
def venv_python(wheel):
    """target/py-venv with the wheel installed; rebuilt when broken, the wheel
    reinstalled whenever it changed."""
    python = VENV / "bin" / "python"
    if not _venv_ok(python):
        shutil.rmtree(VENV, ignore_errors=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(VENV)], capture_output=True
        )
        if made.returncode != 0:
            # Debian without python3-venv has no ensurepip: a bare venv,
            # filled by this interpreter's pip.
            shutil.rmtree(VENV, ignore_errors=True)
            subprocess.run(
                [sys.executable, "-m", "venv", "--without-pip", str(VENV)],
                check=True,
            )
    stamp = VENV / ".installed-wheel"
    st = wheel.stat()
    ident = "{} {} {}".format(wheel.resolve(), st.st_size, st.st_mtime_ns)
    if not stamp.exists() or stamp.read_text() != ident:
        if _has_pip(python):
            pip = [str(python), "-m", "pip"]
        else:
            pip = [sys.executable, "-m", "pip", "--python", str(python)]
        subprocess.run(
            pip
            + [
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-index",
                "--no-deps",
                "--force-reinstall",
                str(wheel),
            ],
            check=True,
        )
        stamp.write_text(ident)
    return python


@pytest.fixture(scope="session")
def venv(venv_python, tmp_path_factory):
    """``venv(probe, args)`` runs a probe of probe.py in the venv."""
    folder = tmp_path_factory.mktemp("probe-args")
    calls = [0]

    def call(name, args=None, timeout=300):
        calls[0] += 1
        args_file = folder / "{}-{}.json".format(name, calls[0])
        args_file.write_text(json.dumps(args or {}), encoding="utf-8")
        out = subprocess.run(
            [str(venv_python), "-I", str(PROBE), name, str(args_file)],
            cwd=str(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
        )
        assert out.returncode == 0, "probe {} failed:\n{}".format(
            name, out.stderr
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    return call


@pytest.fixture(scope="session")
def cli():
    """The standalone binary, built from the same sources."""
    return _cargo_binary("ssh-troubleshoot-cli", "ssh-troubleshoot")


def _cargo_binary(package, name):
    """``name`` from CARGO_TARGET_DIR (else target/), built first when cargo
    is there (a no-op when current)."""
    cargo = shutil.which("cargo")
    if cargo:
        subprocess.run(
            [cargo, "build", "-q", "-p", package],
            cwd=ROOT,
            check=True,
            timeout=BUILD_TIMEOUT,
        )
    cargo_target = Path(os.environ.get("CARGO_TARGET_DIR", TARGET))
    for profile in ("debug", "release"):
        binary = cargo_target / profile / name
        if binary.exists():
            return binary
    pytest.fail("no {} and no cargo to build it".format(name))


@pytest.fixture
def standin(tmp_path):
    """``standin(scenario)`` starts the ARM stand-in, stopped after the
    test."""
    binary = _cargo_binary("arm-standin", "arm-standin")
    started = []

    def start(scenario):
        folder = tmp_path / "standin-{}".format(len(started))
        started.append(arm_standin.Standin(binary, scenario, folder))
        started[-1].token = arm_standin.token(binary)
        return started[-1]

    yield start
    for s in started:
        s.stop()


class Machine:
    """A throwaway HOME and PATH, like rust/cli/tests/support."""

    def __init__(self, root):
        self.root = root
        self.home = root / "home"
        self.bin = root / "bin"
        self.home.mkdir(parents=True)
        self.bin.mkdir()

    @property
    def env(self):
        return {"HOME": str(self.home), "PATH": str(self.bin)}

    def link_openssh(self, tools=("ssh", "ssh-keygen")):
        for tool in tools:
            real = shutil.which(tool, path="/usr/bin:/bin:/usr/local/bin")
            if real:
                os.symlink(real, str(self.bin / tool))

    def slow_ssh(self, seconds):
        """An ssh that takes its time to say its version."""
        script = self.bin / "ssh"
        script.write_text(
            "#!/bin/sh\n/bin/sleep {}\necho '{}' >&2\n".format(
                seconds, "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15"
            )
        )
        script.chmod(0o755)
        self.link_openssh(tools=("ssh-keygen",))

    def az_extension(self, version):
        """What `az extension add -n ssh` leaves in ~/.azure/cliextensions."""
        ext = self.home / ".azure" / "cliextensions" / "ssh"
        info = ext / "ssh-{}.dist-info".format(version)
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            "Metadata-Version: 2.1\nName: ssh\nVersion: {}\n".format(version)
        )
        (ext / "azext_ssh").mkdir()
        (ext / "azext_ssh" / "constants.py").write_text(
            "CLIENT_PROXY_STORAGE_URL = "
            '"https://sshproxysa.blob.core.windows.net"\n'
            'CLIENT_PROXY_VERSION = "1.3.026973"\n'
        )

    def az_proxy(self, mode):
        """A real program (a copy of /bin/true) where az keeps its proxy."""
        folder = self.home / ".clientsshproxy"
        folder.mkdir(exist_ok=True)
        path = folder / AZ_PROXY
        shutil.copyfile("/bin/true", str(path))
        path.chmod(mode)
        return path


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path / "machine")


def without_durations(value):
    """The report minus every durationMs (timings differ from run to run)."""
    if isinstance(value, dict):
        return {
            k: without_durations(v)
            for k, v in value.items()
            if k != "durationMs"
        }
    if isinstance(value, list):
        return [without_durations(v) for v in value]
    return value


def run_cli(cli, machine, args):
    """The standalone binary on ``machine`` (its environment only)."""
    out = subprocess.run(
        [str(cli)] + list(args) + ["--output", "json"],
        env=machine.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)
