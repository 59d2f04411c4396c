"""`az ssh-troubleshoot arc --probe` and `--watch` in a real az against the ARM stand-in:
one test per row of issue 16's table (tests/probe_rows.json, the table the binary's and
the C ABI's tests read), the proxy stand-in in the proxy folder az names; and a watch
whose rounds are shown live and which asks az for a new token after a role assignment.
Secrets (relay key, service configuration token, access token) never reach any output,
including --debug."""

import sys
from pathlib import Path

import pytest

from az_support import CONFIG, ENDPOINT, PERMISSIONS, PROVIDER, RG, TOKEN_MARK, VM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import probe_rows  # noqa: E402  (tests/probe_rows.py, shared with the C ABI's tests)

ARC = ['ssh-troubleshoot', 'arc', '-g', RG, '-n', VM]


def finding(report, check):
    return next(f for f in report['findings'] if f['check'] == check)


def no_secret(run):
    assert probe_rows.leaked(run.output) == [] and TOKEN_MARK not in run.output, str(run)


@pytest.fixture(scope='module')
def proxy_name(world):
    """The proxy file az would run from a --ssh-proxy-folder, as the core names it."""
    world.standin()
    offline = world.az(*ARC, '--offline', '--ssh-proxy-folder', str(world.workdir), '-o', 'json')
    world.stop()
    return finding(offline.json(), 'client.proxy-binary')['evidence']['expected file']


@pytest.mark.parametrize('row', probe_rows.ROWS, ids=probe_rows.row_ids())
def test_row(world, proxy_name, tmp_path, row):
    folder = tmp_path / 'proxy'
    probe_rows.place_proxy(folder, row, proxy_name)
    sshd = probe_rows.Sshd(tmp_path / 'sshd') if row['sshd'] else None
    with sshd or _Nothing():
        port = sshd.port if sshd else 22
        status, body = probe_rows.credentials_answer(row)
        world.standin(world.scenario().answer('GET', CONFIG, 200, probe_rows.config_body(CONFIG, port))
                      .answer('POST', f'{ENDPOINT}/listCredentials', status, body))
        try:
            run = world.az(*ARC, '--probe', '--port', str(port), '--ssh-proxy-folder', str(folder), '--debug',
                           '-o', 'json', env={'PROXY_STANDIN_MODE': row['proxyMode']})
        finally:
            world.stop()
    # az exits 0 whenever the doctor ran: the findings are the result.
    assert run.code == 0, str(run)
    assert probe_rows.mismatches(row, run.json()) == [], str(run)
    no_secret(run)


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _provider_flips_after(world, requests):
    return world.scenario().first({'method': 'GET', 'path': PROVIDER, 'status': 200, 'times': requests,
                                   'body': {'namespace': 'Microsoft.HybridConnectivity',
                                            'registrationState': 'NotRegistered'}})


def test_a_watch_shows_each_round_and_ends_when_the_provider_is_registered(world):
    world.standin(_provider_flips_after(world, 2))
    try:
        run = world.az(*ARC, '--watch', '--watch-timeout', '60', '--debug', '-o', 'json')
    finally:
        world.stop()
    report = run.json()
    assert report['watch']['outcome'] == 'passed', str(run)
    rounds = report['watch']['rounds']
    # Each round on stderr in the core's words, before the end's summary.
    # (--debug puts the logger's name between "WARNING:" and the message.)
    lines = [line for line in run.stderr.splitlines()
             if line.startswith('WARNING') and (': Round ' in line or ': Watch ended' in line)]
    assert len(lines) == len(rounds) + 1, str(run)
    assert 'azure.resource-provider fail -> pass' in lines[-2]
    assert lines[-1].endswith(report['watch']['summary'])
    no_secret(run)


def test_a_watch_whose_bound_passes_ends_with_the_failure(world):
    world.standin(_provider_flips_after(world, 1000))
    try:
        run = world.az(*ARC, '--watch', '--watch-timeout', '3', '-o', 'json')
    finally:
        world.stop()
    report = run.json()
    assert report['watch']['outcome'] == 'timed-out', str(run)
    assert finding(report, 'azure.resource-provider')['diagnosis'] == 'provider-not-registered'
    assert 'still failing after 3 s' in run.stderr


def test_a_watch_after_a_role_assignment_gets_a_new_token_from_az_and_says_so(world):
    standin = world.standin(world.scenario().first({
        'method': 'GET', 'path': PERMISSIONS, 'status': 200, 'times': 1,
        'body': {'value': [{'actions': ['Microsoft.HybridCompute/machines/*/read'], 'notActions': [],
                            'dataActions': [], 'notDataActions': []}]}}))
    try:
        run = world.az(*ARC, '--watch', '--watch-timeout', '60', '--debug', '-o', 'json')
        tokens = [r for r in standin.requests() if r['path'] == '/msi/token']
    finally:
        world.stop()
    report = run.json()
    assert report['watch']['outcome'] == 'passed', str(run)
    assert report['watch']['rounds'][0]['tokenRefreshed'] is True, str(run)
    assert 'asked Azure for a new access token' in run.stderr
    assert tokens, 'az got its token from the stand-in identity endpoint'
    no_secret(run)
