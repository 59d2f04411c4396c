"""An interactive pwsh in a pseudo-terminal, typed as a user types: each line only after
the prompt came back (no typeahead). Shared by the pty tests (test_ctrl_c.py,
test_feedback.py)."""

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time

from conftest import ROOT

PROMPT = b"PSREADY> "


def pwsh_binary():
    found = shutil.which("pwsh")
    if found:
        return found
    shared = ROOT.parent / "shared" / "tools" / "pwsh" / "pwsh"
    return str(shared) if shared.exists() else None


def _controlling_terminal():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """pwsh -NoProfile in a pty. Whatever waits also reads what pwsh prints and answers
    PSReadLine's cursor-position queries, as a terminal does: unanswered, PSReadLine
    stops taking keys (the cause of the earlier test's ^C landing in the line editor)."""

    def __init__(self, pwsh, env):
        self.master, slave = pty.openpty()
        # A terminal's size (PSReadLine divides by the width), wide enough that no typed
        # line wraps: on a wrap PSReadLine draws the prompt again, before the line runs.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 1000, 0, 0))
        # A session of its own with the pty as controlling terminal, so that ^C is SIGINT.
        self.process = subprocess.Popen([pwsh, "-NoProfile", "-NoLogo"], stdin=slave, stdout=slave, stderr=slave,
                                        env=env, preexec_fn=_controlling_terminal, close_fds=True)
        os.close(slave)
        self.seen = b""

    def screen(self) -> str:
        return self.seen[-3000:].decode(errors="replace")

    def pump(self, seconds: float):
        """Reads (and answers) for this long."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                self.seen += chunk
                for _ in range(chunk.count(b"\x1b[6n")):
                    os.write(self.master, b"\x1b[1;1R")

    def wait_for(self, done, timeout: float, what: str) -> float:
        """Seconds until done() holds, reading meanwhile; fails after timeout."""
        start = time.monotonic()
        while not done():
            assert time.monotonic() - start < timeout, f"no {what} within {timeout} s; the terminal shows:\n{self.screen()}"
            self.pump(0.02)
        return time.monotonic() - start

    def read_until(self, marker: bytes, timeout: float) -> float:
        """Seconds until marker appears after what was already seen."""
        offset = len(self.seen)
        return self.wait_for(lambda: marker in self.seen[offset:], timeout, repr(marker))

    def type(self, line: str, timeout: float = 120):
        """Types line and Enter, and waits for the prompt after it."""
        os.write(self.master, line.encode() + b"\r")
        self.read_until(PROMPT, timeout)

    def close(self):
        try:
            os.write(self.master, b"exit\r")
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self.master)
