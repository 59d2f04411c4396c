"""Every example the user is shown (az help, README.md, python/README.md, bench/README.md, docs/*.md) runs against the
ARM stand-in and does what its text says (issue 18, item 5, for the az host and the
READMEs). Each example is either run (RUN, with the check of what its summary promises)
or listed in NOT_RUN with the reason; a new example that is neither fails the first test.
The examples' names are mapped onto the stand-in's (examples_support.NAMES).
"""

import json
import re

import pytest

from az_support import CONFIG, ENDPOINT, RG, SUB, TOKEN_MARK, VM, error
from examples_support import FLEET_RG, SUB2, all_examples
from examples_runner import Runner

INSTALL = 'installation, not a diagnosis: tests/dist/test_install.py installs the release artifacts this way'
NOT_RUN = {
    'cargo run --release -p ssh-troubleshoot-cli -- arc':
        'a release build (minutes on 2 cores); the same `ssh-troubleshoot arc` runs here from the debug build',
    'ssh-troubleshoot arc -g RG -n NAME --probe':
        'needs the SSH proxy and a relay: rust/cli/tests/live_probe.rs runs it against proxy-standin and sshd',
    'tar -xzf ssh-troubleshoot-0.1.0-linux-x64.tar.gz': INSTALL,
    'sudo install -m 755 ssh-troubleshoot-0.1.0-linux-x64/ssh-troubleshoot /usr/local/bin/': INSTALL,
    'az extension add --source ./ssh_troubleshoot-0.1.0-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl -y':
        INSTALL + ' (tests/az/conftest.py adds the wheel under test with the same command)',
    'python/build_wheel.sh && az extension add --source target/wheels/ssh_troubleshoot-*.whl -y':
        'installation: tests/az/conftest.py builds the wheel with python/build_wheel.sh and adds it the same way',
    'python/build_wheel.sh': 'a build step: tests/az/conftest.py and tests/python/conftest.py run it',
    'az extension add --source target/wheels/ssh_troubleshoot-*.whl -y':
        'installation: tests/az/conftest.py adds the wheel under test with the same command',
    "Test-AzSshArc -Explain 'Unable to find OpenSSH Client. Make sure to update the PATH environment variable to "
    "make OpenSSH client discoverable.'": 'the PowerShell host: run by the Pester suite (tests/powershell)',
    'Test-AzSshArc -ResourceGroupName RG': 'the PowerShell host: fleet mode runs in the Pester suite (tests/powershell)',
}
RUN = {}


def example(*commands):
    """Registers the check of what these examples (the same promise) must do."""
    def register(check):
        for command in commands:
            assert command not in RUN, command
            RUN[command] = check
        return check
    return register


def both(command):
    """The example and its `az ssh troubleshoot` alias (the same help, renamed)."""
    return command, command.replace('az ssh-troubleshoot arc', 'az ssh troubleshoot')


def finding(report, check):
    found = [f for f in report['findings'] if f['check'] == check]
    assert found, f'no {check} in {json.dumps(report, indent=1)}'
    return found[0]


AZURE_CHECKS = ['azure.sign-in', 'azure.resource-provider', 'azure.machine', 'azure.ssh-service-config',
                'azure.permissions', 'azure.entra-login']
# The client checks' titles in the binary's text report: three for az, two for PowerShell.
CLIENT_TITLES = ['OpenSSH client (ssh, ssh-keygen)', 'Azure CLI ssh extension', 'SSH proxy (Azure CLI)',
                 'Az.Ssh and Az.Ssh.ArcProxy modules', 'SSH proxy (Az.Ssh.ArcProxy)']
FORBIDDEN = ("Client is not authorized to create a default connectivity endpoint for 'MyArcServer' in Resource "
             "Group 'MyResourceGroup'.")


# ---- this machine only ----------------------------------------------------------------------
@example(*both('az ssh-troubleshoot arc --offline'))
def offline(r, command):
    run = r.run(command)
    report = run.report()
    checks = [f['check'] for f in report['findings']]
    assert checks and all(c.startswith('client.') for c in checks), checks
    # "OpenSSH, the ssh extension, the proxy" (python/README.md).
    for check in ('client.openssh', 'client.az-ssh-extension', 'client.proxy-binary'):
        assert check in checks, checks
    assert r.arm_requests() == [], 'nothing is asked of Azure'


@example('ssh-troubleshoot arc')
def binary_both_clients(r, command):
    run = r.run(command)
    assert run.code in (0, 1), run
    # Every client-side check, for both clients: az's and Azure PowerShell's.
    assert 'clients: Azure CLI and Azure PowerShell' in run.stdout, run
    for title in CLIENT_TITLES:
        assert title in run.stdout, run
    assert r.arm_requests() == []


@example('ssh-troubleshoot arc --client azure-cli')
def binary_as_az(r, command):
    run = r.run(command)
    assert 'client: Azure CLI ·' in run.stdout, run
    assert all(title in run.stdout for title in CLIENT_TITLES[:3]), run
    assert not any(title in run.stdout for title in CLIENT_TITLES[3:]), run


@example('ssh-troubleshoot arc --output json')
def binary_json(r, command):
    report = r.run(command).report()
    assert report['schemaVersion'] == 1 and report['findings'], report


@example('ssh-troubleshoot checks')
def binary_checks(r, command):
    run = r.run(command)
    assert run.code == 0, run
    for word in ('azure.ssh-service-config', 'endpoint-creation-forbidden', 'ssh-traffic-not-allowed',
                 'https://learn.microsoft.com/'):
        assert word in run.stdout, run


@example('ssh-troubleshoot --version')
def binary_version(r, command):
    run = r.run(command)
    assert re.fullmatch(r'ssh-troubleshoot \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown)\)\n', run.stdout), run


# ---- one server, in Azure -------------------------------------------------------------------
@example(*both('az ssh-troubleshoot arc --resource-group MyResourceGroup --name MyArcServer'),
         'az ssh-troubleshoot arc -g RG -n NAME')
def one_server(r, command):
    report = r.run(command).report()
    assert report['target'] == {'subscription': SUB, 'resourceGroup': RG, 'name': VM}, report['target']
    assert any(f['check'].startswith('client.') for f in report['findings'])
    for check in AZURE_CHECKS:
        assert finding(report, check)['status'] == 'pass', finding(report, check)


@example('ssh-troubleshoot arc -g RG -n NAME [--port 2222]')
def binary_one_server(r, command):
    # "[--port 2222]" is optional: both forms, the port one against a server on port 22.
    plain = r.run(command.replace(' [--port 2222]', '') + ' -o json').report()
    assert all(finding(plain, c)['status'] == 'pass' for c in AZURE_CHECKS), plain
    other = r.run(command.replace('[--port 2222]', '--port 2222') + ' -o json').report()
    f = finding(other, 'azure.ssh-service-config')
    assert (f['status'], f['diagnosis']) == ('fail', 'ssh-traffic-not-allowed') and '2222' in f['summary'], f


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --port 2222 --local-user azureuser '
               '--subscription MySubscription'))
def another_port(r, command):
    report = r.run(command).report()
    # The subscription's name was resolved by az; the server listens on 22, not 2222.
    assert report['target']['subscription'] == SUB, report['target']
    f = finding(report, 'azure.ssh-service-config')
    assert (f['status'], f['diagnosis']) == ('fail', 'ssh-traffic-not-allowed') and '2222' in f['summary'], f
    assert '2222' in json.dumps(f['remedy']), f


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --query "findings[?status!=\'pass\']" '
               '--output table'))
def only_problems(r, command):
    r.scenario.answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found'))
    run = r.run(command)
    rows = run.table_rows()
    assert rows and all(row.split()[0] != 'pass' for row in rows), run
    assert any('azure.ssh-service-config' in row for row in rows), run


@example('az ssh-troubleshoot arc -g RG -n NAME -o table')
def table(r, command):
    run = r.run(command)
    assert run.stdout.split()[:3] == ['Status', 'Check', 'Summary'], run
    report = r.run(command.replace('-o table', '-o json')).report()
    assert len(run.table_rows()) == len(report['findings']), run


@example('az ssh-troubleshoot arc -g RG -n NAME --query status -o tsv')
def status_only(r, command):
    assert r.run(command).stdout == 'healthy\n'
    r.restart(r.scenario.answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found')))
    assert r.run(command).stdout == 'problems\n'


@example('ssh-troubleshoot arc -g RG -n NAME --probe-credentials')
def probe_credentials(r, command):
    relay = {'relay': {'namespaceName': 'azgnrelay-eastus-l1', 'namespaceNameSuffix': 'servicebus.windows.net',
                       'hybridConnectionName': 'microsoft.hybridcompute/machines/abc/123/v2',
                       'accessKey': 'SharedAccessSignature sr=x&sig=RELAYKEYMARK&se=1&skn=y',
                       'expiresOn': 1900000000, 'serviceConfigurationToken': 'SERVICETOKENMARK'}}
    r.scenario.answer('POST', f'{ENDPOINT}/listCredentials', 200, relay)
    run = r.run(command)
    assert re.search(r'PASS +Relay credentials \(probe\)', run.stdout), run
    assert 'RELAYKEYMARK' not in run.output and 'SERVICETOKENMARK' not in run.output
    assert [q['method'] for q in r.arm_requests()].count('POST') == 1


@example('ssh-troubleshoot arc -g RG -n NAME --watch')
def watch(r, command):
    # The configuration is missing at first and appears by the next round.
    r.scenario.first({'method': 'GET', 'path': CONFIG, 'status': 404, 'times': 1,
                      'body': error('ResourceNotFound', 'not found')})
    report = r.run(command + ' -o json').report()
    assert report['watch']['outcome'] == 'passed', report['watch']
    changes = [(c['check'], c['from'], c['to']) for rnd in report['watch']['rounds'] for c in rnd['changes']]
    assert ('azure.ssh-service-config', 'fail', 'pass') in changes, report['watch']


# ---- explain --------------------------------------------------------------------------------
@example(*both(f'az ssh-troubleshoot arc --explain "{FORBIDDEN}"'))
def explain_help(r, command):
    report = r.run(command).report()
    explained = report['explained'][0]
    assert explained['diagnosis'] == 'endpoint-creation-forbidden', explained
    assert explained['extracted'] == {'machine': 'MyArcServer', 'resourceGroup': 'MyResourceGroup'}, explained
    assert r.arm_requests() == []


@example('az ssh-troubleshoot arc --explain "…error text…"', 'ssh-troubleshoot arc --explain "…error text…"')
def explain_readme(r, command):
    # "…error text…": the error az ssh arc printed, pasted.
    run = r.run(command.replace('…error text…', 'SSH connection is not enabled in the target port 2222.'))
    # The binary exits 1 when an explained error matched a diagnosis; az exits 0 (findings are the result).
    assert run.code == (1 if command.startswith('ssh-') else 0), run
    assert 'ssh-traffic-not-allowed' in run.stdout, run


@example(*both('az ssh arc -g MyResourceGroup -n MyArcServer --debug 2>&1 | az ssh-troubleshoot arc --explain-file -'))
def explain_a_piped_debug_log(r, command):
    run = r.run(command, env={'FAKE_SSH_ARC': 'relay-failed'}, shell=True)
    report = run.report()
    diagnoses = [e['diagnosis'] for e in report['explained']]
    assert 'connect-permission-missing' in diagnoses, report['explained']


@example('ssh-troubleshoot arc --explain-file az-debug.log')
def explain_a_debug_log_file(r, command):
    logged = r.run('az ssh arc -g rg-arc -n web01 --debug', env={'FAKE_SSH_ARC': 'port-not-enabled'})
    (r.cwd / 'az-debug.log').write_text(logged.stderr, encoding='utf-8')
    run = r.run(command)
    assert run.code == 1 and 'ssh-traffic-not-allowed' in run.stdout, run


@example('az ssh arc -g rg-arc -n web01')
def transcript_of_a_failed_az_ssh_arc(r, command):
    run = r.run(command, env={'FAKE_SSH_ARC': 'endpoint-forbidden'})
    transcript = r.transcript('python/README.md', command)
    shown = [line.split('…')[0].strip() for line in transcript if line.strip()]
    for line in shown:
        assert line in run.stderr, f'{line!r} not shown:\n{run}'


# ---- changes: fix, disable-ssh ----------------------------------------------------------------
def _config_missing(r):
    r.scenario.answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found'))
    r.scenario.answer('PUT', CONFIG, 200, {'properties': {'serviceName': 'SSH', 'port': 22}})


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --fix'),
         'az ssh-troubleshoot arc -g RG -n NAME --fix', 'ssh-troubleshoot arc -g RG -n NAME --fix')
def fix_asking(r, command):
    _config_missing(r)
    run = r.run(command, typed='y\n' * 10)
    assert 'Apply fix azure.ssh-service-config:allow-port-22' in run.output, run
    assert [q['path'] for q in r.arm_requests() if q['method'] == 'PUT'] == [CONFIG], r.arm_requests()


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --fix --yes'))
def fix_without_asking(r, command):
    _config_missing(r)
    report = r.run(command).report()
    outcomes = {a['id']: a['outcome'] for a in report['applied']}
    assert outcomes.get('azure.ssh-service-config:allow-port-22') == 'applied', outcomes


@example('ssh-troubleshoot arc --fix')
def local_fix_asking(r, command):
    proxy = r.az_proxy(0o644)
    run = r.run(command, typed='y\n' * 10)
    assert '(chmod u+x)' in run.output and str(proxy) in run.output, run
    assert proxy.stat().st_mode & 0o100, f'the proxy is still not executable:\n{run}'


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --disable-ssh'),
         'az ssh-troubleshoot arc -g RG -n NAME --disable-ssh', 'ssh-troubleshoot arc -g RG -n NAME --disable-ssh')
def disable_ssh(r, command):
    r.scenario.answer('DELETE', CONFIG, 200, None).answer('DELETE', ENDPOINT, 200, None)
    run = r.run(command, typed='y\n')
    assert run.code == 0, run
    deleted = [q['path'] for q in r.arm_requests() if q['method'] == 'DELETE']
    assert deleted == [CONFIG, ENDPOINT], deleted


@example(*both('az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --report case-123.json'),
         'ssh-troubleshoot arc -g RG -n NAME --report case.json')
def report_for_support(r, command):
    run = r.run(command)
    name = 'case-123' if 'case-123' in command else 'case'
    for suffix in ('.json', '.md'):
        written = (r.cwd / (name + suffix)).read_text(encoding='utf-8')
        for identifier in (SUB, RG, VM, TOKEN_MARK):
            assert identifier not in written, f'{identifier} in {name}{suffix}:\n{run}'
    assert json.loads((r.cwd / f'{name}.json').read_text())['findings']


# ---- fleet ----------------------------------------------------------------------------------
@example(*both('az ssh-troubleshoot arc -g MyResourceGroup --output table'),
         'az ssh-troubleshoot arc -g RG -o table', 'ssh-troubleshoot arc -g RG')
def fleet_of_a_group(r, command):
    r.fleet()
    run = r.run(command, names={'MyResourceGroup': FLEET_RG, 'RG': FLEET_RG})
    # One row per machine (the binary adds each failing one's command below its row).
    assert len(set(re.findall(r'\barc-\d{5}\b', run.stdout))) == r.fleet_size, run
    # Its worst diagnosis: a third of the stand-in's fleet is disconnected.
    assert 'machine-disconnected' in run.stdout, run


@example(*both('az ssh-troubleshoot arc --subscriptions MySubscription OtherSubscription --query '
               '"fleet.machines[?worstStatus==\'fail\'].command" -o tsv'),
         'ssh-troubleshoot arc --subscription S1 --subscription S2 -o json')
def fleet_of_subscriptions(r, command):
    r.fleet(subscriptions=[SUB, SUB2])
    if '-o json' in command:
        report = r.run(command).report()
        ids = {m['subscription'] for m in report['fleet']['machines']}
        assert ids == {SUB, SUB2}, ids
        return
    commands = r.run(command).stdout.splitlines()
    report = r.run(command.split(' --query ')[0] + ' -o json').report()
    failing = [m for m in report['fleet']['machines'] if m['worstStatus'] == 'fail']
    assert failing and commands == [m['command'] for m in failing], commands


def test_every_example_is_run_or_listed():
    found = {e.command for e in all_examples()}
    neither = sorted(found - set(RUN) - set(NOT_RUN))
    assert not neither, f'examples neither run nor listed in NOT_RUN: {neither}'
    stale = sorted((set(RUN) | set(NOT_RUN)) - found)
    assert not stale, f'no longer an example anywhere: {stale}'
    assert not set(RUN) & set(NOT_RUN)


@pytest.mark.parametrize('command', sorted(RUN))
def test_the_example_does_what_it_says(world, tmp_path, command):
    with Runner(world, tmp_path) as r:
        RUN[command](r, command)
        assert TOKEN_MARK not in r.everything_shown(), 'the token leaked'
