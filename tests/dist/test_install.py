"""The README's install instructions, run as a user would: the PowerShell module from
the release zip through a local repository (PSResourceGet: Register-PSResourceRepository,
Publish-PSResource, Install-PSResource) and Import-Module; `cargo install --path
rust/cli`. The az channel (`az extension add --source <wheel>`) is tests/az, which the
test command runs on the same wheel; the tarball's binary is tests/dist's
unpacked_binary."""

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import MODULE, ROOT, TARGET, head_commit

PWSH_CANDIDATES = ("/work/shared/tools/pwsh/pwsh",)
EXPLAIN = (
    "Unable to find OpenSSH Client. Make sure to update the PATH environment variable "
    "to make OpenSSH client discoverable."
)


def find_pwsh():
    given = os.environ.get("SSHTS_PWSH")
    if given:
        return given
    for candidate in PWSH_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("pwsh")


INSTALL = r"""
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Register-PSResourceRepository -Name SshtsLocal -Uri $env:SSHTS_REPO -Trusted
Publish-PSResource -Path $env:SSHTS_UNZIPPED -Repository SshtsLocal
Install-PSResource -Name SshTroubleshoot -Repository SshtsLocal -Scope CurrentUser -TrustRepository
Import-Module SshTroubleshoot
$module = Get-Module SshTroubleshoot
$report = Test-AzSshArc -Explain $env:SSHTS_EXPLAIN
[pscustomobject]@{
    ModuleBase = $module.ModuleBase
    Version = "$($module.Version)"
    Diagnoses = @($report.Explained | ForEach-Object { $_.Diagnosis })
} | ConvertTo-Json -Compress
"""


def test_powershell_module_installs_from_a_local_repository(artifacts, tmp_path):
    pwsh = find_pwsh()
    if pwsh is None:
        pytest.skip("PowerShell 7 is not installed here (SSHTS_PWSH names one)")
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(str(artifacts.module_zip)) as z:
        z.extractall(str(unzipped))
    # zipfile, like Expand-Archive, restores no execute bit: the library loads anyway.
    repo = tmp_path / "repo"
    repo.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(
        os.environ,
        HOME=str(home),
        SSHTS_REPO=str(repo),
        SSHTS_UNZIPPED=str(unzipped / MODULE),
        SSHTS_EXPLAIN=EXPLAIN,
        PSModulePath="",
    )
    env.pop("SSHTS_LIBRARY", None)
    out = subprocess.run(
        [pwsh, "-NoProfile", "-NonInteractive", "-Command", INSTALL],
        # Publish-PSResource leaves NuGet/NuGet.Config in the working folder.
        cwd=str(tmp_path),
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["Version"] == artifacts.version
    # Installed for the user, not imported from the unzipped folder.
    assert Path(got["ModuleBase"]).resolve().is_relative_to(home.resolve()), got
    assert list(repo.glob("SshTroubleshoot.{}.nupkg".format(artifacts.version))), list(repo.iterdir())
    assert got["Diagnoses"] == ["client-binaries-not-found"], got


def test_cargo_install_from_the_source_tree(tmp_path):
    """`cargo install --locked --path rust/cli`, in debug so that it reuses this
    checkout's build (the README's command builds release)."""
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("no cargo")
    root = tmp_path / "cargo-root"
    out = subprocess.run(
        [cargo, "install", "--quiet", "--locked", "--debug", "--path", "rust/cli",
         "--root", str(root), "--target-dir", str(TARGET)],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=1800,
    )
    assert out.returncode == 0, out.stdout[-4000:]
    version = subprocess.run(
        [str(root / "bin" / "ssh-troubleshoot"), "--version"],
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout
    commit = head_commit()
    if commit:
        assert "(commit {})".format(commit) in version, version
