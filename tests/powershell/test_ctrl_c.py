"""Ctrl+C in an interactive PowerShell while Test-AzSshArc waits on a held ARM read, in a
real terminal (a pty) with PSReadLine, typed as a user types: each line once the prompt
is back. The stand-in holds the resource group's listing for HOLD_MS; the run is stopped while it
waits.

- With the built library (sshts_run_cancellable): the prompt comes back and the run is
  cancelled in the core, so the stand-in sees no request after the ^C, not even once
  the held read would have been answered.
- With an older library (no sshts_run_cancellable; a forwarding library, see conftest):
  the prompt still comes back and the session goes on; the run cannot be cancelled and
  goes on on its worker to its end (the stand-in sees its later reads), the fallback
  the shim documents.

The stand-in runs outside the terminal's process group, so the ^C reaches the session
only; the tests check that it still serves.

How long the prompt took is recorded (printed, and a property of the test), never
asserted: bench/pwsh_ctrl_c.sh reports it. Needs pwsh (PATH or ../shared/tools/pwsh/pwsh),
else skipped (failed in CI).
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import HERE, ROOT, _missing, arm_standin
from terminal import PROMPT, Terminal, pwsh_binary

# Long enough that the ^C surely comes while the read is held, short enough that the
# test then waits past its answer to see what a run that was not stopped would send.
HOLD_MS = 6000
# The resource group's listing: the machine's own reads wait for it, so a run that goes
# on after it sends more (a run that stops does not).
LISTING = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-arc/resources"


def assemble(library: Path, out: Path) -> Path:
    """The module as powershell/build.sh assembles it, around library."""
    subprocess.run(["bash", str(ROOT / "powershell" / "build.sh"), "--lib", str(library), "--out", str(out)],
                   check=True, capture_output=True)
    return out / "SshTroubleshoot"


def requests(standin: arm_standin.Standin):
    return standin.requests() if Path(standin.request_log).exists() else []


def signed_in_session(term: Terminal, module: Path, tmp_path: Path) -> arm_standin.Standin:
    """Prompt, module, stand-in ARM (the listing held HOLD_MS) and stand-in Az.Accounts
    in the terminal's session; returns the stand-in. It is started here, not from the
    session: a child of pwsh would be in the terminal's foreground process group, and
    the ^C would end it too."""
    term.read_until(b"> ", 120)
    # The marker split so that the echo of this very line does not match it.
    term.type("function prompt { 'PS' + 'READY> ' }")
    term.type("$PSStyle.OutputRendering = 'PlainText'")
    # No suggestions from the history of earlier sessions (drawn inside the line typed).
    term.type("Set-PSReadLineOption -PredictionSource None -HistorySaveStyle SaveNothing")
    term.type(f"Import-Module '{module}'; Import-Module '{HERE / 'SshtsTestSupport.psm1'}'")
    scenario = tmp_path / "scenario.json"
    term.type("$s = New-HealthyScenario; $listing = $s.routes | Where-Object { $_.path -eq '" + LISTING + "' }; "
              f"$listing.delayMs = {HOLD_MS}; "
              f"[IO.File]::WriteAllText('{scenario}', (ConvertTo-Json -InputObject $s -Depth 20))")
    assert scenario.exists(), term.screen()
    binary = arm_standin.binary(build=False)
    standin = arm_standin.Standin(binary, json.loads(scenario.read_text()), tmp_path / "arm")
    term.type(f"$null = New-AzAccountsStandin -Folder '{tmp_path / 'modules'}' "
              f"-ResourceManagerUrl '{standin.url}/' -Token '{arm_standin.token(binary)}'")
    term.type(f"$env:PSModulePath = '{tmp_path / 'modules'}:' + $env:PSModulePath; "
              f"Import-Module Az.Accounts; $env:SSL_CERT_FILE = '{standin.ca_bundle}'")
    return standin


def ctrl_c_while_held(term: Terminal, standin: arm_standin.Standin):
    """Runs Test-AzSshArc, presses ^C while the listing is held, and returns the
    seconds until the prompt was back and the requests the stand-in had seen by then."""
    os.write(term.master, b"Test-AzSshArc -ResourceGroupName rg-arc -Name web01; 'FINI' + 'SHED'\r")
    term.wait_for(lambda: any(r["path"] == LISTING for r in requests(standin)), 120, "GET of the resource group listing")
    # Under way: the shim now waits on the native run and polls for a stop.
    term.pump(0.5)
    assert b"FINISHED" not in term.seen, term.screen()
    seen_at_cancel = requests(standin)
    os.write(term.master, b"\x03")
    seconds = term.read_until(PROMPT, 60)
    assert b"FINISHED" not in term.seen, term.screen()
    print(f"\nprompt back {seconds:.3f} s after ^C")
    return seconds, seen_at_cancel


def after_the_hold(term: Terminal, standin: arm_standin.Standin, seen_at_cancel):
    """The requests logged after the cancel, once the held read would have been
    answered (HOLD_MS after it arrived, which was before the ^C) and a run going on
    would have sent its next reads."""
    term.pump(HOLD_MS / 1000 + 3)
    # Still serving: the ^C reached the session only, not the stand-in.
    assert standin.process.poll() is None, "the stand-in ended"
    return requests(standin)[len(seen_at_cancel):]


def session_goes_on(term: Terminal):
    term.type("(Test-AzSshArc -Explain 'Run Connect-AzAccount to login.').Explained[0].Diagnosis")
    assert b"not-signed-in" in term.seen


@pytest.fixture
def pwsh():
    found = pwsh_binary()
    if not found:
        _missing("PowerShell is not installed (pwsh on PATH or ../shared/tools/pwsh/pwsh)")
    return found


def open_terminal(pwsh, tmp_path):
    # A shim cache of the test's own, so that no other user's state is involved.
    env = dict(os.environ, TERM="xterm", NO_COLOR="1", SSHTS_SHIM_CACHE=str(tmp_path / "shim-cache"))
    return Terminal(pwsh, env)


def test_ctrl_c_gives_the_prompt_back_and_cancels_the_run(pwsh, library, tmp_path, record_property):
    module = assemble(library, tmp_path / "module")
    term = open_terminal(pwsh, tmp_path)
    try:
        standin = signed_in_session(term, module, tmp_path)
        try:
            seconds, seen_at_cancel = ctrl_c_while_held(term, standin)
            record_property("prompt_back_seconds", round(seconds, 3))
            later = after_the_hold(term, standin, seen_at_cancel)
            assert later == [], f"requests after the cancel: {[r['path'] for r in later]}"
            session_goes_on(term)
        finally:
            standin.stop()
    finally:
        term.close()


def test_ctrl_c_with_an_older_library_still_gives_the_prompt_back(pwsh, library_without_cancel, tmp_path,
                                                                  record_property):
    module = assemble(library_without_cancel, tmp_path / "module")
    term = open_terminal(pwsh, tmp_path)
    try:
        standin = signed_in_session(term, module, tmp_path)
        try:
            term.type("[SshTroubleshoot.Native]::HasCancel")
            assert b"False" in term.seen
            seconds, seen_at_cancel = ctrl_c_while_held(term, standin)
            record_property("prompt_back_seconds", round(seconds, 3))
            # Nothing could stop the run: it goes on on its worker, to the machine's reads.
            later = after_the_hold(term, standin, seen_at_cancel)
            assert any("/machines/web01" in r["path"] for r in later), [r["path"] for r in later]
            session_goes_on(term)
        finally:
            standin.stop()
    finally:
        term.close()
