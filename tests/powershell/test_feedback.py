"""Automatic diagnosis after a failed Enter-AzVM (issue 19): the module's feedback
provider in an interactive PowerShell 7.4+ in a real terminal (a pty), typed as a user
types, with a stand-in Az.Ssh (SshtsTestSupport.psm1, New-AzSshStandin) whose Enter-AzVM
fails with the real module's messages. Needs pwsh (PATH or ../shared/tools/pwsh/pwsh),
else skipped (failed in CI)."""

import os
import re
import subprocess

import pytest

from conftest import HERE, ROOT, _missing
from terminal import Terminal, pwsh_binary

ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")

# Each cause the stand-in raises, and the start of its remedy's first PowerShell command
# (the core's catalogue, filled with the user's values).
CAUSES = {
    "arcproxy-not-installed": "Install-Module Az.Ssh.ArcProxy -Scope CurrentUser -MaximumVersion 1.9.9",
    "arcproxy-version-mismatch": "Update-Module Az.Ssh; Install-Module Az.Ssh.ArcProxy",
    "client-binaries-not-found": "$env:PATH = '<folder with ssh>' + [IO.Path]::PathSeparator",
    "endpoint-creation-forbidden": "New-AzRoleAssignment -SignInName '<user>' -RoleDefinitionName Contributor",
    "machine-not-found": "Get-AzResource -ResourceGroupName rg-arc -Name web-01",
    "connect-permission-missing": "New-AzRoleAssignment -SignInName <user>",
}


@pytest.fixture(scope="module")
def session(library, tmp_path_factory):
    pwsh = pwsh_binary()
    if not pwsh:
        _missing("PowerShell is not installed (pwsh on PATH or ../shared/tools/pwsh/pwsh)")
    work = tmp_path_factory.mktemp("feedback")
    built = subprocess.run(["bash", str(ROOT / "powershell" / "build.sh"), "--lib", str(library), "--out", str(work)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    module = work / "SshTroubleshoot"
    modules = work / "modules"
    env = dict(os.environ, TERM="xterm", NO_COLOR="1", SSHTS_SHIM_CACHE=str(work / "cache"))
    env.pop("SSH_TROUBLESHOOT_AUTO_DIAGNOSE", None)
    term = Terminal(pwsh, env)
    try:
        term.read_until(b"> ", 120)
        term.type("function prompt { 'PS' + 'READY> ' }")
        term.type("$PSStyle.OutputRendering = 'PlainText'")
        # The stand-in Az.Ssh, and a good Az.Ssh.ArcProxy so the client checks find nothing
        # else wrong; only this folder on PSModulePath (plus PowerShell's own modules).
        term.type(f"Import-Module '{HERE / 'SshtsTestSupport.psm1'}'")
        term.type(f"$null = New-AzSshStandin -Folder '{modules}'; "
                  f"$null = New-PsModuleSandbox -Folder '{modules}' -ArcProxy '1.0.0'")
        term.type(f"$env:PSModulePath = '{modules}' + [IO.Path]::PathSeparator + $env:PSModulePath")
        term.type(f"Import-Module '{module}'")
        yield term
    finally:
        term.close()


def run(term: Terminal, line: str) -> str:
    """What the terminal shows for one typed line, up to the next prompt."""
    start = len(term.seen)
    term.type(line)
    return ANSI.sub(b"", term.seen[start:]).decode(errors="replace")


def feedback(shown: str) -> str:
    """The provider's block ('' when there is none)."""
    at = shown.find("[SshTroubleshoot]")
    return shown[at:] if at >= 0 else ""


@pytest.mark.parametrize("cause", CAUSES)
def test_a_failed_enter_azvm_is_followed_by_its_diagnosis(session, cause):
    shown = run(session, f"$env:AZSSH_STANDIN_CAUSE = '{cause}'; Enter-AzVM -ResourceGroupName rg-arc -Name web-01")
    block = feedback(shown)
    assert f"{cause}:" in block, shown
    actions = [line.strip()[1:].strip() for line in block.splitlines() if line.strip().startswith("\u27a4")]
    assert len(actions) == 2 and actions[0].startswith(CAUSES[cause]), shown
    assert actions[1] == "Test-AzSshArc -ResourceGroupName rg-arc -Name web-01", shown


def test_the_command_carries_the_users_own_values_quoted(session):
    shown = run(session, "$env:AZSSH_STANDIN_CAUSE = 'machine-not-found'; "
                "Enter-AzVM -ResourceGroupName 'rg (prod)' -Name '-web' -LocalUser \"ada\" -Port:2222")
    block = feedback(shown)
    assert "machine-not-found:" in block, shown
    assert "Get-AzResource -ResourceGroupName 'rg (prod)' -Name '-web'" in block, shown
    assert "Test-AzSshArc -ResourceGroupName 'rg (prod)' -Name '-web' -Port 2222 -LocalUser ada" in block, shown


def test_export_azsshconfig_is_diagnosed_too(session):
    shown = run(session, "$env:AZSSH_STANDIN_CAUSE = 'arcproxy-not-installed'; "
                "Export-AzSshConfig -ResourceGroupName rg-arc -Name web-01 -ConfigFilePath ./cfg")
    assert "arcproxy-not-installed:" in feedback(shown), shown


def test_a_working_enter_azvm_and_other_failures_get_nothing(session):
    shown = run(session, "$env:AZSSH_STANDIN_CAUSE = ''; Enter-AzVM -ResourceGroupName rg-arc -Name web-01")
    assert "connected to web-01" in shown
    assert feedback(shown) == "", shown
    shown = run(session, "Get-Item -LiteralPath /no/such/file")
    assert "Cannot find path" in shown
    assert feedback(shown) == "", shown
    # A message the knowledge base knows, but nothing about SSH to Arc around it.
    shown = run(session, "throw 'Run Connect-AzAccount to login.'")
    assert "Connect-AzAccount" in shown
    assert feedback(shown) == "", shown


def test_the_switch_off(session):
    try:
        shown = run(session, "$env:SSH_TROUBLESHOOT_AUTO_DIAGNOSE = 'false'; $env:AZSSH_STANDIN_CAUSE = "
                    "'arcproxy-not-installed'; Enter-AzVM -ResourceGroupName rg-arc -Name web-01")
        assert "Failed to find the PowerShell module Az.Ssh.ArcProxy" in shown
        assert feedback(shown) == "", shown
    finally:
        run(session, "Remove-Item Env:SSH_TROUBLESHOOT_AUTO_DIAGNOSE")
    shown = run(session, "Enter-AzVM -ResourceGroupName rg-arc -Name web-01")
    assert "arcproxy-not-installed:" in feedback(shown), shown


def test_remove_module_unregisters_the_provider(session):
    shown = run(session, "'providers: ' + ((Get-PSSubsystem -Kind FeedbackProvider).Implementations.Name -join ',')")
    assert "SshTroubleshoot" in shown.split("providers: ", 1)[1], shown
    run(session, "Remove-Module SshTroubleshoot")
    shown = run(session, "'providers: ' + ((Get-PSSubsystem -Kind FeedbackProvider).Implementations.Name -join ',')")
    assert "SshTroubleshoot" not in shown.split("providers: ", 1)[1], shown
    shown = run(session, "$env:AZSSH_STANDIN_CAUSE = 'arcproxy-not-installed'; "
                "Enter-AzVM -ResourceGroupName rg-arc -Name web-01")
    assert "Failed to find the PowerShell module Az.Ssh.ArcProxy" in shown
    assert feedback(shown) == "", shown
