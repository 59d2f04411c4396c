"""Runs one example's command line as the user would type it: `az` (the session's real az,
signed in to the stand-in), the standalone binary (`ssh-troubleshoot`, with that same az
on PATH for the cloud and subscription) or a shell pipeline of both, in a folder of its
own, optionally with a terminal on which the user typed ahead."""

import json
import os
import re
import subprocess
from pathlib import Path

from az_support import REPO, SUB
from examples_support import FLEET_RG, NAMES, argv

PROXY = 'sshProxy_linux_amd64_1_3_026973'
TIMEOUT = 180


class Result:
    def __init__(self, command, code, stdout, stderr):
        self.command = command
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def report(self):
        start = self.stdout.find('{')
        try:
            return json.loads(self.stdout[start:])
        except ValueError as ex:
            raise AssertionError(f'not a JSON report ({ex}): {self}') from ex

    def table_rows(self):
        """The rows of az's table output: the lines below its dashes."""
        lines = self.stdout.splitlines()
        below = [i for i, line in enumerate(lines) if line.startswith('---')]
        assert below, f'not a table: {self}'
        return [line for line in lines[below[0] + 1:] if line.strip()]

    def __str__(self):
        return f'{self.command} -> {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}'


class _Fleet:
    """The usual routes plus a generated fleet in rg-fleet (every third machine
    disconnected, so that some rows fail)."""

    def __init__(self, base, subscriptions, count):
        self.base = base
        self.subscriptions = subscriptions
        self.count = count

    def answer(self, *args):
        self.base.answer(*args)
        return self

    def json(self):
        scenario = self.base.json()
        scenario['fleet'] = {'count': self.count, 'subscriptions': self.subscriptions,
                             'resourceGroups': [FLEET_RG], 'pageSize': 5,
                             'profiles': [{'weight': 2}, {'status': 'Disconnected'}]}
        return scenario


class Runner:
    def __init__(self, world, tmp_path):
        self.world = world
        self.cwd = Path(tmp_path) / 'cwd'
        self.cwd.mkdir(parents=True)
        self.scenario = world.scenario()
        self.standin = None
        self.fleet_size = 0
        self.results = []
        self.made = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.world.stop()
        for path in self.made:
            path.unlink(missing_ok=True)

    def restart(self, scenario):
        self.scenario = scenario
        self.standin = self.world.standin(scenario)

    def fleet(self, subscriptions=(SUB,), count=9):
        self.fleet_size = count
        self.scenario = _Fleet(self.scenario, list(subscriptions), count)

    def az_proxy(self, mode):
        """The SSH proxy where az keeps it, a real program with `mode` bits."""
        folder = self.world.az.home / '.clientsshproxy'
        folder.mkdir(exist_ok=True)
        path = folder / PROXY
        path.write_bytes(Path('/bin/true').read_bytes())
        path.chmod(mode)
        self.made.append(path)
        return path

    def env(self, extra):
        env = dict(self.world.az.env, **(extra or {}))
        # The binary where a user puts it, and the token the contract lets it take.
        env['PATH'] = f'{self.world.standalone.parent}:{env["PATH"]}'
        env['SSH_TROUBLESHOOT_ACCESS_TOKEN'] = self.world.token
        return env

    def run(self, command, typed=None, env=None, shell=False, names=None):
        if self.standin is None:
            self.standin = self.world.standin(self.scenario)
        mapping = dict(NAMES, **(names or {}))
        if shell:
            args = ['bash', '-c', re.sub(r'\b(\w+)\b', lambda m: mapping.get(m.group(1), m.group(1)), command)]
        else:
            args = argv(command, names)
        stdin, terminal = subprocess.DEVNULL, None
        if typed is not None:
            controller, terminal = os.openpty()
            os.write(controller, typed.encode())
            stdin = terminal
        try:
            done = subprocess.run(args, cwd=self.cwd, env=self.env(env), stdin=stdin, capture_output=True,
                                  text=True, timeout=TIMEOUT, check=False)
        finally:
            if terminal is not None:
                os.close(terminal)
                os.close(controller)
        result = Result(' '.join(args), done.returncode, done.stdout, done.stderr)
        self.results.append(result)
        return result

    def arm_requests(self):
        return [r for r in self.standin.requests() if r['path'] != '/msi/token']

    def everything_shown(self):
        return ''.join(r.output for r in self.results)

    @staticmethod
    def transcript(doc, command):
        """The lines a README shows below `$ command`, up to the end of its block."""
        lines = (REPO / doc).read_text(encoding='utf-8').splitlines()
        start = lines.index(f'$ {command}') + 1
        end = next(i for i in range(start, len(lines)) if lines[i].startswith('```'))
        return lines[start:end]
