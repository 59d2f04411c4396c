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
    """pwsh -NoProfile in a pty; read() collects what it printed."""

    def __init__(self, pwsh, env):
        self.master, slave = pty.openpty()
        # A terminal's size: PSReadLine divides by the width.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        # A session of its own with the pty as controlling terminal, so that ^C is SIGINT.
        self.process = subprocess.Popen([pwsh, "-NoProfile", "-NoLogo"], stdin=slave, stdout=slave, stderr=slave,
                                        env=env, preexec_fn=_controlling_terminal, close_fds=True)
        os.close(slave)
        self.seen = b""

    def read_until(self, marker: bytes, timeout: float) -> float:
        """Seconds until marker appears after what was already seen; fails after timeout."""
        start = time.monotonic()
        offset = len(self.seen)
        while marker not in self.seen[offset:]:
            left = timeout - (time.monotonic() - start)
            assert left > 0, f"no {marker!r} within {timeout} s; the terminal shows:\n{self.seen[-3000:].decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                self.seen += chunk
                # PSReadLine asks where the cursor is and waits: answer as a terminal does.
                for _ in range(chunk.count(b"\x1b[6n")):
                    os.write(self.master, b"\x1b[1;1R")
        return time.monotonic() - start

    def type(self, line: str, timeout: float = 120):
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
