"""What the az extension tests need: a real Azure CLI in a cached virtual environment,
the extension's wheel, the ARM stand-in (rust/armstandin) and its scenarios, and a
wheel builder for the stand-in `ssh` extension under fixtures/."""

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests'))
import arm_standin  # noqa: E402  (tests/arm_standin.py, shared by the Python suites)
FIXTURES = Path(__file__).resolve().parent / 'fixtures'

SUB = '00000000-1111-2222-3333-444444444444'
TENANT = '72f988bf-0000-0000-0000-000000000000'
RG = 'rg-arc'
VM = 'web01'
# Recognisable in any output it must never reach.
TOKEN_MARK = 'SECRETTOKENMARK'

MACHINE = f'/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.HybridCompute/machines/{VM}'
ENDPOINT = f'{MACHINE}/providers/Microsoft.HybridConnectivity/endpoints/default'
CONFIG = f'{ENDPOINT}/serviceConfigurations/SSH'
PROVIDER = f'/subscriptions/{SUB}/providers/Microsoft.HybridConnectivity'
PERMISSIONS = f'{MACHINE}/providers/Microsoft.Authorization/permissions'


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- the Azure CLI -------------------------------------------------------------------------
def az_venv():
    """A virtual environment with azure-cli from PyPI, created on first use."""
    venv = Path(os.environ.get('SSH_TROUBLESHOOT_AZ_VENV') or REPO / 'target' / 'az-venv')
    az = venv / 'bin' / 'az'
    if not az.exists():
        log(f'==> creating {venv} with azure-cli from PyPI (about a minute)')
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '-q', 'azure-cli'], check=True)
    return venv


def extension_wheel():
    """The extension's wheel in target/wheels, built when missing or older than its sources."""
    given = os.environ.get('SSH_TROUBLESHOOT_WHEEL')
    if given:
        return Path(given)
    wheels = sorted((REPO / 'target' / 'wheels').glob('ssh_troubleshoot-*.whl'), key=lambda p: p.stat().st_mtime)
    newest_source = max([p.stat().st_mtime for p in _sources()] + [_head_commit_time()])
    if wheels and wheels[-1].stat().st_mtime >= newest_source:
        return wheels[-1]
    log('==> building the wheel (python/build_wheel.sh)')
    out = subprocess.run(['bash', str(REPO / 'python' / 'build_wheel.sh')], check=True, text=True,
                         stdout=subprocess.PIPE, cwd=REPO)
    return Path(out.stdout.strip().splitlines()[-1])


def _head_commit_time():
    """When the checked-out commit was made (0 outside git): a wheel built before it
    names another commit in its report's versions."""
    out = subprocess.run(['git', 'log', '-1', '--format=%ct', 'HEAD'], cwd=REPO, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=False)
    return float(out.stdout.strip() or 0) if out.returncode == 0 else 0.0


def _sources():
    roots = [REPO / 'python' / 'azext_ssh_troubleshoot', REPO / 'rust']
    for root in roots:
        for path in root.rglob('*'):
            if path.is_file() and path.suffix in ('.py', '.rs', '.json', '.toml') and 'target' not in path.parts:
                yield path
    yield REPO / 'pyproject.toml'


def rust_binaries():
    """target/debug/arm-standin and target/debug/ssh-troubleshoot, built from the same
    sources as the wheel (cargo makes this a no-op when they are current)."""
    subprocess.run(['cargo', 'build', '-q', '-p', 'arm-standin', '-p', 'ssh-troubleshoot-cli'], check=True, cwd=REPO)
    debug = Path(os.environ.get('CARGO_TARGET_DIR') or REPO / 'target') / 'debug'
    return debug / 'arm-standin', debug / 'ssh-troubleshoot'


def build_fixture_wheel(source, name, version, out_dir, requires=()):
    """A py3-none-any wheel of the package folders in `source` (no build tools needed),
    declaring `requires` as its dependencies (`Requires-Dist`)."""
    dist = f'{name}-{version}.dist-info'
    files = {}
    for path in sorted(Path(source).rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            files[path.relative_to(source).as_posix()] = path.read_bytes()
    files[f'{dist}/METADATA'] = (f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
                                 f'Summary: test stand-in for the {name} extension\n'
                                 + ''.join(f'Requires-Dist: {r}\n' for r in requires)).encode()
    files[f'{dist}/WHEEL'] = (b'Wheel-Version: 1.0\nGenerator: ssh-troubleshoot-tests\n'
                              b'Root-Is-Purelib: true\nTag: py3-none-any\n')
    record = []
    for file_name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        record.append(f'{file_name},sha256={digest},{len(data)}')
    record.append(f'{dist}/RECORD,,')
    files[f'{dist}/RECORD'] = ('\n'.join(record) + '\n').encode()
    wheel = Path(out_dir) / f'{name}-{version}-py3-none-any.whl'
    with zipfile.ZipFile(wheel, 'w', zipfile.ZIP_DEFLATED) as z:
        for file_name, data in files.items():
            z.writestr(file_name, data)
    return wheel


class Run:
    def __init__(self, args, completed, seconds):
        self.args = args
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.seconds = seconds

    @property
    def output(self):
        return self.stdout + self.stderr

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError as ex:
            raise AssertionError(f'not JSON ({ex}): {self}') from ex

    def __str__(self):
        return f'az {" ".join(self.args)} -> {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}'


class Az:
    """The real `az`, with its configuration, extensions and home in a temporary folder,
    signed in to the ARM stand-in."""

    def __init__(self, venv, root):
        self.bin = str(Path(venv) / 'bin' / 'az')
        self.root = Path(root)
        self.home = self.root / 'home'
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = {
            'PATH': f'{Path(venv) / "bin"}:/usr/local/bin:/usr/bin:/bin',
            'HOME': str(self.home),
            'LANG': 'C.UTF-8',
            'AZURE_CONFIG_DIR': str(self.root / 'azure'),
            'AZURE_EXTENSION_DIR': str(self.root / 'cliextensions'),
            # Nothing leaves this machine: no telemetry upload, no extension index, no survey.
            'AZURE_CORE_COLLECT_TELEMETRY': 'false',
            'AZURE_CORE_SURVEY_MESSAGE': 'false',
            'AZURE_CORE_NO_COLOR': 'true',
            'AZURE_EXTENSION_USE_DYNAMIC_INSTALL': 'no',
            'AZURE_CORE_CHECK_FOR_UPGRADE': 'false',
            'NO_PROXY': '127.0.0.1,localhost',
            'SHELL': '/bin/bash',
        }

    def set_standin(self, standin):
        """Trust the stand-in and take managed-identity tokens from it."""
        self.env['REQUESTS_CA_BUNDLE'] = standin.ca_bundle
        self.env['IDENTITY_ENDPOINT'] = f'{standin.url}/msi/token'
        self.env['IDENTITY_HEADER'] = 'stand-in'
        # client.proxy-download shakes hands with the stand-in (a real TLS server this
        # az trusts) instead of mcr.microsoft.com: the tests never reach the internet.
        self.env['SSH_TROUBLESHOOT_PROXY_DOWNLOAD_TARGET'] = urlsplit(standin.url).netloc

    def __call__(self, *args, env=None, stdin=None, timeout=120, check=None):
        full_env = dict(self.env, **(env or {}))
        started = time.monotonic()
        completed = subprocess.run([self.bin, *args], env=full_env, text=True, capture_output=True,
                                   input=stdin if stdin is not None else '', timeout=timeout, check=False)
        run = Run(args, completed, time.monotonic() - started)
        if check is True:
            assert run.code == 0, str(run)
        return run


# -- the ARM stand-in ------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def token(standin_binary):
    """A JWT-shaped token for a user, with the marker inside its signature part."""
    jwt = arm_standin.token(standin_binary, tid=TENANT)
    head, payload, signature = jwt.split('.')
    signature += TOKEN_MARK
    # Still valid base64url, so that az can read the token's claims as it does a real one.
    signature += 'A' * (-len(signature) % 4)
    return f'{head}.{payload}.{signature}'


def route(method, path, status=200, body=None, **extra):
    answer = {'method': method, 'path': path, 'status': status,
              'headers': {'x-ms-correlation-request-id': 'corr-0001'}}
    if body is not None:
        answer['body'] = body
    answer.update(extra)
    return answer


def error(code, message):
    return {'error': {'code': code, 'message': message}}


class Scenario:
    """Every read of a healthy, connected Linux machine with SSH on port 22 (the same
    machine as rust/cli/tests/support/arm.rs), plus what `az login --identity` reads."""

    def __init__(self, access_token):
        self.token = access_token
        self.routes = [
            # az login: the subscriptions the identity can see.
            route('GET', '/subscriptions', body={'value': [{
                'id': f'/subscriptions/{SUB}', 'subscriptionId': SUB, 'tenantId': TENANT,
                'displayName': 'Stand-in Subscription', 'state': 'Enabled',
                'authorizationSource': 'RoleBased', 'managedByTenants': []}]}),
            route('GET', f'/subscriptions/{SUB}/resourceGroups/{RG}/resources', body={'value': [
                {'id': MACHINE, 'name': VM, 'type': 'Microsoft.HybridCompute/machines', 'location': 'eastus'}]}),
            route('GET', PROVIDER, body={'namespace': 'Microsoft.HybridConnectivity',
                                         'registrationState': 'Registered'}),
            route('GET', MACHINE, body={
                'id': MACHINE, 'name': VM, 'type': 'Microsoft.HybridCompute/machines', 'location': 'eastus',
                'properties': {'status': 'Connected', 'agentVersion': '1.45.02800.1234',
                               'lastStatusChange': '2026-11-23T20:00:00Z', 'osType': 'linux', 'osName': 'ubuntu',
                               'provisioningState': 'Succeeded',
                               'agentConfiguration': {'incomingConnectionsPorts': []}}}),
            route('GET', ENDPOINT, body={'id': ENDPOINT, 'name': 'default',
                                         'type': 'Microsoft.HybridConnectivity/endpoints',
                                         'properties': {'type': 'default', 'provisioningState': 'Succeeded'}}),
            route('GET', CONFIG, body={'id': CONFIG, 'name': 'SSH',
                                       'properties': {'serviceName': 'SSH', 'port': '22',
                                                      'provisioningState': 'Succeeded'}}),
            route('GET', PERMISSIONS, body={'value': [{
                'actions': ['Microsoft.HybridCompute/machines/*/read',
                            'Microsoft.HybridConnectivity/endpoints/listCredentials/action'],
                'notActions': [], 'dataActions': ['Microsoft.HybridCompute/machines/login/action'],
                'notDataActions': []}]}),
            route('GET', f'{MACHINE}/extensions', body={'value': [{
                'name': 'AADSSHLogin', 'properties': {'publisher': 'Microsoft.Azure.ActiveDirectory',
                                                      'type': 'AADSSHLoginForLinux'}}]}),
        ]

    def answer(self, method, path, status, body):
        """Replaces (or adds) the answer for `method path`."""
        new = route(method, path, status, body)
        for i, r in enumerate(self.routes):
            if r['method'] == method and r['path'].lower() == path.lower():
                self.routes[i] = new
                return self
        self.routes.append(new)
        return self

    def first(self, extra_route):
        self.routes.insert(0, extra_route)
        return self

    def json(self):
        return {'routes': self.routes, 'token': {'accessToken': self.token, 'expiresInSeconds': 3600}}


def without_durations(value):
    """The report with every durationMs removed (they differ from run to run)."""
    if isinstance(value, dict):
        return {k: without_durations(v) for k, v in value.items() if k != 'durationMs'}
    if isinstance(value, list):
        return [without_durations(v) for v in value]
    return value


def copy_tree(source, destination):
    shutil.copytree(source, destination, dirs_exist_ok=True)
