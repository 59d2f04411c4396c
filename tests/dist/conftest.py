"""Fixtures for the release artifacts (dist/build.sh): the artifacts in target/dist
(built once by the test command; built here when missing), the workspace version
and commit, and a Debian root made with debootstrap to run them in an older userland.

SSH_TROUBLESHOOT_DIST names another folder of artifacts.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import arm_standin  # noqa: E402,F401  (tests/arm_standin.py, shared by the Python suites)

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
ROOTS = ROOT / "target" / "dist-roots"
BUILD_TIMEOUT = 3600
# glibc 2.17: RHEL/CentOS 7, the oldest Linux that Azure Arc supports.
GLIBC_FLOOR = (2, 17)
MODULE = "SshTroubleshoot"


def workspace_version():
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    section = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version\s*=\s*"([^"]+)"', section, re.M).group(1)


def head_commit():
    """The checkout's commit as build.rs names it, or None outside git."""
    out = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return out.stdout.strip() if out.returncode == 0 else None


class Artifacts:
    """The files dist/build.sh wrote for this platform (Linux x64 here)."""

    def __init__(self, folder, version):
        self.folder = folder
        self.version = version
        self.platform = "linux-x64"
        stem = "ssh-troubleshoot-{}-{}".format(version, self.platform)
        self.tarball = folder / (stem + ".tar.gz")
        self.module_zip = folder / "{}-{}-{}.zip".format(MODULE, version, self.platform)
        self.module = folder / "{}-{}-{}".format(MODULE, version, self.platform) / MODULE
        wheels = sorted(folder.glob("ssh_troubleshoot-{}-*.whl".format(version)))
        self.wheel = wheels[0] if len(wheels) == 1 else None
        self.wheels = wheels
        self.sums = folder / "SHA256SUMS"
        self.library = self.module / "bin" / self.platform / "libssh_troubleshoot.so"


def _build_dist():
    out = subprocess.run(
        ["bash", str(ROOT / "dist" / "build.sh")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert out.returncode == 0, "dist/build.sh failed:\n" + out.stdout[-6000:]


@pytest.fixture(scope="session")
def artifacts():
    given = os.environ.get("SSH_TROUBLESHOOT_DIST")
    folder = Path(given) if given else TARGET / "dist"
    if not given and not (folder / "SHA256SUMS").is_file():
        _build_dist()
    if not (folder / "SHA256SUMS").is_file():
        pytest.fail("no artifacts in {}: run dist/build.sh".format(folder))
    return Artifacts(folder, workspace_version())


@pytest.fixture(scope="session")
def unpacked_binary(artifacts, tmp_path_factory):
    """The standalone binary as a user gets it: out of the tarball."""
    folder = tmp_path_factory.mktemp("tarball")
    subprocess.run(
        ["tar", "-xzf", str(artifacts.tarball), "-C", str(folder)], check=True
    )
    stem = artifacts.tarball.name[: -len(".tar.gz")]
    return folder / stem / "ssh-troubleshoot"


def debian_root(suite):
    """target/dist-roots/<suite>, made once per machine with debootstrap (Debian's own
    packages, openssh-server included). Skips, saying why, where it cannot be made."""
    root = ROOTS / suite
    if (root / "usr" / "sbin" / "sshd").is_file():
        return root
    if os.geteuid() != 0:
        pytest.skip("making and entering a {} root needs root (chroot)".format(suite))
    if shutil.which("debootstrap") is None:
        pytest.skip("debootstrap is not installed (apt-get install debootstrap)")
    partial = ROOTS / (suite + ".partial")
    shutil.rmtree(str(partial), ignore_errors=True)
    ROOTS.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            "--include=openssh-server,ca-certificates",
            suite,
            str(partial),
            os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )
    if made.returncode != 0:
        shutil.rmtree(str(partial), ignore_errors=True)
        pytest.fail("debootstrap {} failed:\n{}".format(suite, made.stdout[-3000:]))
    partial.rename(root)
    return root


@pytest.fixture(scope="session")
def bullseye():
    return debian_root("bullseye")
