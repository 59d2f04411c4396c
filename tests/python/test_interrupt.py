"""Ctrl+C during the native ``run`` as a user at a terminal makes it: the venv's
Python runs ``_core.run`` on a pseudo-terminal that is its controlling terminal,
the ARM stand-in hangs, and ^C is typed on the terminal, so SIGINT comes from the
line discipline. The call stops at once with ``KeyboardInterrupt``, and no thread
of the run is left."""

import fcntl
import json
import os
import pty
import select
import subprocess
import termios
import time

from conftest import PROBE

SUB = "00000000-1111-2222-3333-444444444444"
# Far more than the under-a-second it takes: proves "does not hang".
PROMPTLY = 5.0


def _read_until(fd, marker, seconds):
    seen = b""
    until = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def _terminal_is_controlling():
    """In the child, a session leader already: its stdin becomes its terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_ctrl_c_stops_a_run_waiting_on_arm(venv_python, machine, standin, tmp_path):
    arm = standin({"routes": [{"pathPrefix": "/", "fault": "hang", "requireBearer": False}]})
    request = {"schemaVersion": 1, "command": "diagnose", "client": "azure-cli",
               "target": {"subscription": SUB, "resourceGroup": "rg", "name": "web01"},
               "azure": {"armEndpoint": arm.url, "accessToken": arm.token, "caBundle": arm.ca_bundle}}
    args_file = tmp_path / "interrupt.json"
    args_file.write_text(json.dumps({"env": machine.env, "request": request}), encoding="utf-8")
    controller, terminal = pty.openpty()
    process = subprocess.Popen([str(venv_python), "-I", str(PROBE), "interrupt", str(args_file)],
                               stdin=terminal, stdout=subprocess.PIPE, stderr=terminal,
                               cwd=str(tmp_path), start_new_session=True,
                               preexec_fn=_terminal_is_controlling)  # pylint: disable=subprocess-popen-preexec-fn
    os.close(terminal)
    try:
        assert b"waiting" in _read_until(controller, b"waiting", 60)
        until = time.monotonic() + 30
        while not arm.requests() and time.monotonic() < until:
            time.sleep(0.01)
        assert arm.requests(), "the core never called ARM"
        time.sleep(0.1)
        pressed = time.monotonic()
        os.write(controller, b"\x03")
        out, _ = process.communicate(timeout=30)
        took = time.monotonic() - pressed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    assert process.returncode == 0, out
    got = json.loads(out.strip().splitlines()[-1])
    assert got["ended"] == "KeyboardInterrupt", got
    assert took < PROMPTLY, took
    assert got["pythonThreadsAdded"] == 0, got
    # Counted by the OS: the run's own threads were all joined.
    assert got["tasksAdded"] == 0, got
    assert got["firedHandle"] == {"cancelled": True, "status": "incomplete"}, got
