"""Issue 16's table (tests/probe_rows.json) for the Python suites: the rows, the
secrets no output may hold, the stand-in's answers a row needs, the proxy stand-in in
place, and the check of a report against a row. The binary's Rust test reads the same
JSON (rust/cli/tests/support/probe.rs)."""

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = json.loads((ROOT / 'tests' / 'probe_rows.json').read_text(encoding='utf-8'))
ROWS = TABLE['rows']
SECRETS = TABLE['secrets']
# Where az's ssh extension (2.x, CLIENT_PROXY_VERSION 1.3.026973) keeps its proxy on Linux.
AZ_PROXY = 'sshProxy_linux_amd64_1_3_026973'


def row_ids():
    return [r['name'] for r in ROWS]


@functools.lru_cache(maxsize=None)
def proxy_standin():
    """target/debug/proxy-standin, built once per session (cargo makes a current one a
    no-op); first called before a test changes HOME, which rustup needs."""
    subprocess.run(['cargo', 'build', '-q', '-p', 'arm-standin', '--bin', 'proxy-standin'], check=True, cwd=ROOT)
    return Path(os.environ.get('CARGO_TARGET_DIR') or ROOT / 'target') / 'debug' / 'proxy-standin'


def place_proxy(folder, row, name=AZ_PROXY):
    """The proxy stand-in as `folder/name`, with the row's file mode."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    shutil.copyfile(proxy_standin(), path)
    path.chmod(int(row['proxyFileMode'], 8))
    return path


def config_body(config_path, port):
    return {'id': config_path, 'name': 'SSH',
            'properties': {'serviceName': 'SSH', 'port': str(port), 'provisioningState': 'Succeeded'}}


def credentials_answer(row):
    """(status, body) of listCredentials for the row: the table's credentials or refusal."""
    if row['credentials']:
        return 200, TABLE['credentials']
    return TABLE['refusal']['status'], TABLE['refusal']['body']


def leaked(text):
    """The secrets found in `text` (none, when all is well)."""
    return [s for s in SECRETS if s in text]


def mismatches(row, report, code=None):
    """What in `report` (and the exit `code`, when given) differs from the row."""
    found = {f['check']: f for f in report.get('findings', [])}
    wrong = []
    for want in row['findings']:
        f = found.get(want['check'])
        if f is None:
            wrong.append(f"no {want['check']}")
            continue
        for key in ('status', 'diagnosis', 'blockedBy'):
            if key in want and f.get(key) != want[key]:
                wrong.append(f"{want['check']}.{key} is {f.get(key)!r}, not {want[key]!r}")
        hop = (f.get('evidence') or {}).get('hop')
        if 'hop' in want and hop != want['hop']:
            wrong.append(f"{want['check']} hop is {hop!r}, not {want['hop']!r}")
        banner = (f.get('evidence') or {}).get('server SSH version', '')
        if 'bannerPrefix' in want and not banner.startswith(want['bannerPrefix']):
            wrong.append(f"{want['check']} banner is {banner!r}")
    if code is not None and code != row['exitCode']:
        wrong.append(f"exit status {code}, not {row['exitCode']}")
    return wrong


class Sshd:
    """A real sshd (/usr/sbin/sshd) on a loopback port with its own host key in `folder`,
    for the row whose proxy relays to it; stopped on exit."""

    BINARY = '/usr/sbin/sshd'

    def __init__(self, folder):
        import socket
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            self.port = s.getsockname()[1]
        self.process = None

    def __enter__(self):
        import socket
        import time
        Path('/run/sshd').mkdir(parents=True, exist_ok=True)
        key = self.folder / 'host_ed25519'
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)
        config = self.folder / 'sshd_config'
        config.write_text('ListenAddress 127.0.0.1\nPidFile none\nUsePAM no\nStrictModes no\n')
        self.log = self.folder / 'sshd.log'
        with open(self.log, 'wb') as log:
            self.process = subprocess.Popen([self.BINARY, '-D', '-e', '-f', str(config), '-p', str(self.port),
                                             '-h', str(key)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=log)
        until = time.monotonic() + 15
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise RuntimeError(f'sshd exited: {self.log.read_text()}')
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=2) as s:
                    if s.recv(4) == b'SSH-':
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f'sshd did not answer within 15 s: {self.log.read_text()}')

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
