"""Session set-up for the az extension tests, done the way a user would:

1. a real Azure CLI from PyPI in a cached virtual environment;
2. the extension's wheel (python/build_wheel.sh) added with `az extension add --source`,
   and the stand-in `ssh` extension from fixtures/ beside it, in a temporary
   AZURE_EXTENSION_DIR / AZURE_CONFIG_DIR;
3. az signed in to the ARM stand-in: a custom cloud whose Resource Manager is the
   stand-in (over HTTPS, its CA in REQUESTS_CA_BUNDLE), and `az login --identity`
   against the stand-in's App Service managed-identity route.
"""

import pytest

from az_support import (FIXTURES, SUB, Az, Scenario, az_venv, build_fixture_wheel, extension_wheel,
                        free_port, log, rust_binaries, token)
from arm_standin import Standin


class World:
    """Everything a test needs; `standin(scenario)` (re)starts the stand-in on the port
    the custom cloud points at."""

    def __init__(self, az, standin_binary, standalone, port, workdir, access_token):
        self.az = az
        self.standin_binary = standin_binary
        self.standalone = standalone
        self.port = port
        self.workdir = workdir
        self.token = access_token
        self.current = None

    def scenario(self):
        return Scenario(self.token)

    def standin(self, scenario=None):
        self.stop()
        self.current = Standin(self.standin_binary, (scenario or self.scenario()).json(),
                               self.workdir / 'standin', port=self.port)
        self.az.set_standin(self.current)
        return self.current

    def stop(self):
        if self.current is not None:
            self.current.stop()
            self.current = None


@pytest.fixture(scope='session')
def world(tmp_path_factory):
    venv = az_venv()
    wheel = extension_wheel()
    standin_binary, standalone = rust_binaries()
    workdir = tmp_path_factory.mktemp('az')
    az = Az(venv, workdir)
    w = World(az, standin_binary, standalone, free_port(), workdir, token(standin_binary))

    log(f'==> az extension add --source {wheel.name}')
    az('extension', 'add', '--source', str(wheel), '-y', check=True)
    # The stand-in ssh extension depends, like the real one, on packages pip puts beside
    # it with their own metadata (at versions that must not be taken for the extension's).
    wheels = workdir / 'wheels'
    wheels.mkdir()
    for dep, version in (('oschmod', '0.3.12'), ('certifi', '2025.9.1')):
        package = workdir / 'deps' / dep
        (package / dep).mkdir(parents=True)
        (package / dep / '__init__.py').write_text('')
        build_fixture_wheel(package, dep, version, wheels)
    ssh_wheel = build_fixture_wheel(FIXTURES / 'ssh_extension', 'ssh', '2.0.6', wheels,
                                    requires=('oschmod==0.3.12', 'certifi'))
    az('extension', 'add', '--source', str(ssh_wheel), '-y', check=True,
       env={'PIP_NO_INDEX': '1', 'PIP_FIND_LINKS': str(wheels)})

    standin = w.standin()
    url = standin.url
    az('cloud', 'register', '--name', 'StandinCloud', '--skip-endpoint-discovery',
       '--endpoint-resource-manager', url + '/',
       '--endpoint-active-directory', 'https://login.standin.invalid',
       '--endpoint-active-directory-resource-id', url + '/', check=True)
    az('cloud', 'set', '--name', 'StandinCloud', check=True)
    login = az('login', '--identity', check=True)
    assert SUB in login.stdout, str(login)
    yield w
    w.stop()


@pytest.fixture
def az(world):
    """`az`, with the stand-in serving the healthy machine."""
    world.standin()
    yield world.az
    world.stop()
