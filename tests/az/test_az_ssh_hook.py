"""A failed `az ssh arc` explains itself: the stand-in `ssh` extension (fixtures/) fails
the ways the real one does, with ssh-troubleshoot installed beside it."""

import os
import re
import stat
import statistics
import subprocess

import pytest

from az_support import RG, VM

MARK = 'ssh-troubleshoot:'
FULL_REPORT = f'for the full report run: az ssh-troubleshoot arc -g {RG} -n {VM}'
PROXY = 'sshProxy_linux_amd64_1_3_026973'


def ssh_arc(az, mode, *extra, env=None):
    return az('ssh', 'arc', '-g', RG, '-n', VM, *extra, env=dict(env or {}, FAKE_SSH_ARC=mode))


def below(run, first, then):
    """`then` is printed after `first` on stderr."""
    assert first in run.stderr, str(run)
    assert then in run.stderr, str(run)
    assert run.stderr.index(first) < run.stderr.index(then), str(run)


@pytest.fixture
def proxy_folder(world, request):
    folder = world.workdir / re.sub(r'[^A-Za-z0-9_-]', '_', f'proxy-{request.node.name}')
    folder.mkdir(exist_ok=True)
    return folder


def test_an_unauthorized_endpoint_creation_is_explained_below_the_error(az):
    run = ssh_arc(az, 'endpoint-forbidden')
    assert run.code != 0, str(run)
    below(run, 'Client is not authorized to create a default connectivity endpoint',
          '[endpoint-creation-forbidden] Incorrect role assignments to enable SSH connectivity')
    below(run, '[endpoint-creation-forbidden]', FULL_REPORT)
    assert 'learn.microsoft.com' in run.stderr


def test_a_failed_relay_request_is_explained(az):
    run = ssh_arc(az, 'relay-failed')
    below(run, 'Request for Azure Relay Information Failed', '[connect-permission-missing]')
    assert FULL_REPORT in run.stderr


def test_a_port_that_is_not_enabled_is_explained_with_the_port_in_the_command(az):
    run = ssh_arc(az, 'port-not-enabled', '--port', '2222')
    below(run, 'SSH connection is not enabled in the target port 2222.', '[ssh-traffic-not-allowed]')
    assert f'{FULL_REPORT} --port 2222' in run.stderr, str(run)


@pytest.mark.parametrize('local_user', [True, False], ids=['ssh-stderr-inherited', 'ssh-stderr-read-by-az'])
def test_a_proxy_the_user_may_not_execute_is_explained(az, proxy_folder, local_user):
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\nexit 0\n')
    os.chmod(proxy, 0o644)
    extra = ['--ssh-proxy-folder', str(proxy_folder)] + (['--local-user', 'azureuser'] if local_user else [])
    run = ssh_arc(az, 'proxy', *extra)
    # az ssh arc itself exits 0 when ssh fails; ssh's own messages still reach the user.
    assert run.code == 0, str(run)
    below(run, f'exec: {proxy}: cannot execute: Permission denied', '[proxy-permission-denied]')
    assert f'chmod u+x {proxy}' in run.stderr, str(run)
    assert f'--ssh-proxy-folder {proxy_folder}' in run.stderr
    if local_user:
        assert '--local-user azureuser' in run.stderr


def test_the_proxys_fatal_json_line_is_explained(az, proxy_folder):
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\n'
                     'echo \'{"level":"fatal","msg":"sshproxy: error copying information from the connection: '
                     'read tcp 10.0.0.4:50890->40.83.133.217:443: read: connection reset by peer",'
                     '"proxyVersion":"1.3.026973"}\' >&2\n'
                     'exit 1\n')
    os.chmod(proxy, 0o755)
    run = ssh_arc(az, 'proxy', '--ssh-proxy-folder', str(proxy_folder), '--local-user', 'azureuser')
    below(run, '"level":"fatal"', '[ssh-traffic-not-allowed]')
    assert FULL_REPORT in run.stderr


def test_an_unknown_failure_points_to_the_full_report(az):
    run = ssh_arc(az, 'relay-unknown')
    below(run, 'Unable to retrieve relay information', f'no known cause in this error; {FULL_REPORT}')
    assert '[' not in run.stderr.split('Unable to retrieve relay information')[1].split(MARK)[0]


def test_without_stderr_capture_the_checks_still_find_the_proxy(az, proxy_folder):
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\nexit 0\n')
    os.chmod(proxy, 0o644)
    az('config', 'set', 'ssh_troubleshoot.capture_ssh_stderr=false', check=True)
    try:
        run = ssh_arc(az, 'proxy', '--ssh-proxy-folder', str(proxy_folder), '--local-user', 'azureuser')
    finally:
        az('config', 'unset', 'ssh_troubleshoot.capture_ssh_stderr', check=True)
    # The exit status is still seen; the cause comes from the live client-side check.
    below(run, 'cannot execute: Permission denied', '[proxy-permission-denied]')
    assert f'chmod u+x {proxy}' in run.stderr, str(run)


def test_a_successful_connection_shows_nothing_extra(az, proxy_folder):
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\nexit 0\n')
    os.chmod(proxy, stat.S_IRWXU)
    for extra in ([], ['--local-user', 'azureuser']):
        run = ssh_arc(az, 'ok', '--ssh-proxy-folder', str(proxy_folder), *extra)
        assert run.code == 0, str(run)
        assert 'proxycommand' in run.stdout.lower(), str(run)
        assert MARK not in run.stderr, str(run)


def test_a_usage_mistake_is_not_diagnosed(az):
    run = az('ssh', 'arc', '-g', RG, env={'FAKE_SSH_ARC': 'endpoint-forbidden'})
    assert run.code != 0
    assert 'must be provided together' in run.stderr, str(run)
    assert MARK not in run.stderr


def test_auto_diagnose_can_be_switched_off(az):
    az('config', 'set', 'ssh_troubleshoot.auto_diagnose=false', check=True)
    try:
        run = ssh_arc(az, 'endpoint-forbidden')
        assert 'Client is not authorized' in run.stderr, str(run)
        assert MARK not in run.stderr, str(run)
    finally:
        az('config', 'set', 'ssh_troubleshoot.auto_diagnose=true', check=True)
    assert MARK in ssh_arc(az, 'endpoint-forbidden').stderr


def test_the_hook_never_sends_the_token_or_calls_azure(az, world):
    world.current.clear_log()
    run = ssh_arc(az, 'endpoint-forbidden', '--debug')
    assert '[endpoint-creation-forbidden]' in run.stderr
    assert 'ssh-troubleshoot check client.openssh' in run.stderr, 'debug shows the checks the hook ran'
    assert [r for r in world.current.requests() if r['path'] != '/msi/token'] == []


def test_timing_a_successful_az_ssh_arc_with_and_without_the_hook(az, proxy_folder):
    """Measures (prints, does not assert) what the hook adds to a successful az ssh arc."""
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\nexit 0\n')
    os.chmod(proxy, stat.S_IRWXU)

    def median():
        times = []
        for _ in range(5):
            run = ssh_arc(az, 'ok', '--ssh-proxy-folder', str(proxy_folder), '--local-user', 'azureuser')
            assert run.code == 0, str(run)
            times.append(run.seconds)
        return statistics.median(times)

    with_hook = median()
    az('config', 'set', 'ssh_troubleshoot.auto_diagnose=false', check=True)
    try:
        without_hook = median()
    finally:
        az('config', 'set', 'ssh_troubleshoot.auto_diagnose=true', check=True)
    print(f'\nTIMING successful az ssh arc: {with_hook:.2f} s with the hook, {without_hook:.2f} s with '
          'auto_diagnose=false (median of 5)')


def test_a_successful_az_ssh_arc_never_loads_the_native_core(az, proxy_folder):
    proxy = proxy_folder / PROXY
    proxy.write_text('#!/bin/sh\nexit 0\n')
    os.chmod(proxy, stat.S_IRWXU)
    python = os.path.join(os.path.dirname(az.bin), 'python')

    def imported_by(mode):
        run = subprocess.run([python, '-X', 'importtime', '-m', 'azure.cli', 'ssh', 'arc', '-g', RG, '-n', VM,
                              '--ssh-proxy-folder', str(proxy_folder), '--local-user', 'azureuser'],
                             env=dict(az.env, FAKE_SSH_ARC=mode), capture_output=True, text=True, timeout=120,
                             check=False)
        modules = [line.rsplit('|', 1)[-1].strip() for line in run.stderr.splitlines()
                   if line.startswith('import time:')]
        assert 'azext_ssh_troubleshoot._hook' in modules, 'the hook was loaded'
        return [m for m in modules if m.startswith('azext_ssh_troubleshoot')]

    ours = imported_by('ok')
    assert not [m for m in ours if m.endswith(('_native', '_core', 'custom'))], ours
    # The control: a failure does load the core to explain it.
    assert 'azext_ssh_troubleshoot._native' in imported_by('endpoint-forbidden')
