"""The ARM stand-in (rust/armstandin) for every Python test suite: found where cargo
put it, started on a scenario, its request log read, stopped.

Each suite's conftest puts this folder on ``sys.path``; the suites stay separate
pytest sessions with their own fixtures.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 3600
USER = {'--tid': '72f988bf-0000-0000-0000-000000000000', '--oid': '11111111-2222-3333-4444-555555555555',
        '--upn': 'ada@contoso.com'}


def binary(build=True):
    """The arm-standin executable under CARGO_TARGET_DIR (else target/), built with
    cargo first when ``build`` and cargo is there (a no-op when it is current)."""
    cargo = shutil.which('cargo')
    if build and cargo:
        subprocess.run([cargo, 'build', '-q', '-p', 'arm-standin'], cwd=ROOT, check=True, timeout=BUILD_TIMEOUT)
    target = Path(os.environ.get('CARGO_TARGET_DIR', ROOT / 'target'))
    name = 'arm-standin.exe' if sys.platform == 'win32' else 'arm-standin'
    for profile in ('debug', 'release'):
        if (target / profile / name).is_file():
            return target / profile / name
    raise FileNotFoundError(f'{name} not found under {target}: build it with `cargo build -p arm-standin`')


def token(standin_binary, **claims):
    """A JWT-shaped access token from the stand-in (``tid``, ``oid``, ``upn`` as given,
    else a test user's)."""
    args = dict(USER, **{f'--{k}': v for k, v in claims.items()})
    command = [str(standin_binary), 'jwt', *[part for pair in args.items() for part in pair]]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


class Standin:
    """``arm-standin --scenario FILE --port PORT`` serving ``scenario`` (a dict) until
    ``stop()`` (it exits when its stdin closes). Port 0: one of its own choosing."""

    def __init__(self, standin_binary, scenario, workdir, port=0):
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        scenario_file = workdir / f'scenario-{time.monotonic_ns()}.json'
        scenario_file.write_text(json.dumps(scenario), encoding='utf-8')
        self.process = None
        self._seen = 0
        for attempt in range(20 if port else 1):
            # pylint: disable-next=consider-using-with  # it lives until stop()
            process = subprocess.Popen([str(standin_binary), '--scenario', str(scenario_file), '--port', str(port),
                                        '--state-dir', str(workdir), '--max-seconds', '600'],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
            line = process.stdout.readline()
            if line:
                self.process = process
                break
            # The previous stand-in on a fixed port may still hold it for a moment.
            process.wait()
            time.sleep(0.1 * (attempt + 1))
        if self.process is None:
            raise RuntimeError(f'arm-standin did not start: {process.stderr.read()}')
        info = json.loads(line)
        self.url = info['url']
        self.ca_bundle = info['caBundle']
        self.request_log = info['requestLog']

    def requests(self):
        """The requests logged since the last ``clear_log()``."""
        with open(self.request_log, encoding='utf-8') as f:
            return [json.loads(line) for line in f if line.strip()][self._seen:]

    def clear_log(self):
        self._seen += len(self.requests())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
