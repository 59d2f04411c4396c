"""Runs the Pester tests (SshTroubleshoot.Tests.ps1) where PowerShell is installed.

PowerShell cannot be installed on this project's Debian machines, so here they are
skipped with a message; on a machine with pwsh 7 (or Windows PowerShell 5.1) and
Pester 5: `powershell/build.sh --debug`, then
`pwsh -NoProfile -Command "Invoke-Pester -Path tests/powershell -Output Detailed"`.
"""

import shutil
import subprocess

import pytest

from conftest import HERE, ROOT


def test_pester_suite(library):
    pwsh = shutil.which("pwsh") or shutil.which("powershell")
    if not pwsh:
        pytest.skip(
            "PowerShell is not installed here: the Pester tests run where pwsh is "
            "(powershell/build.sh --debug; pwsh -c 'Invoke-Pester -Path tests/powershell')"
        )
    has_pester = subprocess.run(
        [pwsh, "-NoProfile", "-Command", "if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') { exit 0 } else { exit 1 }"]
    )
    if has_pester.returncode != 0:
        pytest.skip("Pester 5 is not installed: Install-Module Pester -MinimumVersion 5.0")
    subprocess.run(["bash", str(ROOT / "powershell" / "build.sh"), "--debug", "--no-build"], check=True)
    done = subprocess.run(
        [pwsh, "-NoProfile", "-Command", f"$r = Invoke-Pester -Path '{HERE}' -PassThru -Output Detailed; exit $r.FailedCount"]
    )
    assert done.returncode == 0, "Pester tests failed"
