"""Ctrl+C in a terminal while `az ssh-troubleshoot arc -g .. -n ..` waits on a hanging
ARM read (issue 18, item 3, the az host): the real az runs on a pseudo-terminal that is
its controlling terminal, so SIGINT comes from the line discipline as it does for a user.

What must hold: az exits the way it exits on any Ctrl+C (its own convention, below), with
no Python traceback, and the core makes no ARM request after the ^C (the run was
cancelled, not left running in a thread). The time from ^C to exit is a figure for
bench/az_ctrl_c.sh (written to target/bench/az-ctrl-c.json), not an assertion.
"""

import fcntl
import json
import os
import pty
import select
import subprocess
import termios
import time

from az_support import REPO, RG, TOKEN_MARK, VM

# azure-cli's own convention for KeyboardInterrupt: azure/cli/__main__.py catches it,
# marks telemetry "Keyboard interrupt is captured." and exits 1.
AZ_CTRL_C_EXIT = 1
# Far beyond the under-a-second the run takes to stop: only proves "does not hang".
GIVE_UP = 60
FIGURE = REPO / 'target' / 'bench' / 'az-ctrl-c.json'


def _terminal_is_controlling():
    """In the child (a session leader already): its stdin becomes its terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _read_for(fd, seconds, until=None):
    """What the terminal shows within `seconds` (or once `until` says enough), to EOF."""
    seen = b''
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until(seen)):
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: every holder of the terminal closed it
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _arm_requests(standin):
    return [r for r in standin.requests() if r['path'] != '/msi/token']


def _wait_for_a_hanging_read(standin, process):
    """Until the core's first ARM read reached the stand-in (which never answers)."""
    deadline = time.monotonic() + GIVE_UP
    while not _arm_requests(standin):
        assert process.poll() is None, 'az ended before it called ARM'
        assert time.monotonic() < deadline, 'the core never called ARM'
        time.sleep(0.02)
    # Reads started together land together: let the log settle before ^C.
    time.sleep(0.3)


def _record(seconds):
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(FIGURE.read_text()) if FIGURE.exists() else []
    runs.append({'secondsFromCtrlCToExit': round(seconds, 3), 'cores': os.cpu_count(),
                 'load1': os.getloadavg()[0], 'at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())})
    FIGURE.write_text(json.dumps(runs[-20:], indent=1))


def test_ctrl_c_ends_az_at_once_while_arm_hangs(world):
    scenario = world.scenario().first({'method': 'GET', 'pathPrefix': '/subscriptions/', 'fault': 'hang'})
    standin = world.standin(scenario)
    controller, terminal = pty.openpty()
    # pylint: disable-next=subprocess-popen-preexec-fn,consider-using-with
    process = subprocess.Popen([world.az.bin, 'ssh-troubleshoot', 'arc', '-g', RG, '-n', VM],
                               stdin=terminal, stdout=terminal, stderr=terminal, env=world.az.env,
                               start_new_session=True, preexec_fn=_terminal_is_controlling)
    os.close(terminal)
    try:
        _wait_for_a_hanging_read(standin, process)
        before = len(standin.requests())
        pressed = time.monotonic()
        os.write(controller, b'\x03')
        shown = _read_for(controller, GIVE_UP).decode('utf-8', 'replace')
        process.wait(timeout=GIVE_UP)
        took = time.monotonic() - pressed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    _record(took)
    print(f'\nTIMING az ssh-troubleshoot arc: ^C to exit {took:.2f} s while ARM hangs')

    assert process.returncode == AZ_CTRL_C_EXIT, (process.returncode, shown)
    assert 'Traceback' not in shown, shown
    assert 'KeyboardInterrupt' not in shown, shown
    assert TOKEN_MARK not in shown
    late = standin.requests()[before:]
    assert late == [], f'ARM was called after the ^C: {late}'
