"""`az ssh-troubleshoot arc` in a real Azure CLI, against the ARM stand-in."""

import json
import os
import statistics
import subprocess
import threading
import time

from az_support import CONFIG, ENDPOINT, PERMISSIONS, RG, SUB, TOKEN_MARK, VM, error, without_durations

AZURE_CHECKS = ['azure.sign-in', 'azure.resource-provider', 'azure.machine', 'azure.ssh-service-config',
                'azure.permissions', 'azure.entra-login']
ARC = ['ssh-troubleshoot', 'arc']
TARGET = ['-g', RG, '-n', VM]


def finding(report, check):
    for f in report['findings']:
        if f['check'] == check:
            return f
    raise AssertionError(f'no {check} in {json.dumps(report, indent=1)}')


def no_token(*runs):
    for run in runs:
        assert TOKEN_MARK not in run.output, f'the token leaked: {run}'


def test_the_extension_is_installed_and_listed(az):
    listed = az('extension', 'list', '--query', "[].{name:name, version:version, type:extensionType}", '-o', 'json',
                check=True).json()
    names = {e['name'] for e in listed}
    assert {'ssh-troubleshoot', 'ssh'} <= names, listed
    help_text = az(*ARC, '--help', check=True).stdout
    for example in ('--offline', '--explain', '--fix', '--disable-ssh', '-g MyResourceGroup -n MyArcServer'):
        assert example in help_text, help_text
    alias = az('ssh', 'troubleshoot', '--offline', '-o', 'json')
    assert alias.code == 0 and alias.json()['client'] == 'azure-cli', str(alias)
    for flag in ('--resource-group', '--name', '--subscription', '--port', '--local-user', '--ssh-client-folder',
                 '--ssh-proxy-folder', '--resource-type', '--explain-file', '--yes', '--probe-credentials',
                 '--deadline'):
        assert flag in help_text, flag


def test_the_ssh_extension_version_is_its_own_not_a_dependency(az, world):
    ext = world.az.root / 'cliextensions' / 'ssh'
    infos = sorted(p.name for p in ext.glob('*.dist-info'))
    assert len(infos) == 3, f'pip put the dependencies beside the extension: {infos}'
    report = az(*ARC, '--offline', '-o', 'json', check=True).json()
    f = finding(report, 'client.az-ssh-extension')
    assert f['evidence']['version'] == '2.0.6', f
    assert '2.0.6' in f['summary'], f


def test_a_healthy_machine_as_json_with_az_context(az, world):
    run = az(*ARC, *TARGET, '-o', 'json')
    assert run.code == 0, str(run)
    report = run.json()
    assert report['client'] == 'azure-cli'
    assert report['status'] == 'healthy', json.dumps(report, indent=1)
    # The subscription is az's current one; the endpoint is the stand-in cloud's.
    assert report['target'] == {'subscription': SUB, 'resourceGroup': RG, 'name': VM}
    for check in AZURE_CHECKS:
        assert finding(report, check)['status'] == 'pass', finding(report, check)
    assert 'ada@contoso.com' in finding(report, 'azure.sign-in')['summary']
    requests = world.current.requests()
    arm = [r for r in requests if r['path'] != '/msi/token']
    assert arm and all(r['headers']['authorization'].startswith('Bearer <redacted:') for r in arm), arm
    # The token az gave the core was for the stand-in cloud's ARM audience.
    msi = [r for r in requests if r['path'] == '/msi/token']
    assert msi and msi[-1]['query']['resource'] == world.current.url + '/', msi
    no_token(run)


def test_a_subscription_name_and_a_proxy_come_from_az_context(az):
    run = az(*ARC, *TARGET, '--subscription', 'Stand-in Subscription', '--debug', '-o', 'json',
             env={'HTTPS_PROXY': 'http://proxy.invalid:3128'})
    assert run.code == 0, str(run)
    report = run.json()
    assert report['target']['subscription'] == SUB, 'az resolved the name to the id'
    assert finding(report, 'azure.machine')['status'] == 'pass', 'loopback ARM is never proxied'
    assert '"proxy": "http://proxy.invalid:3128"' in run.stderr, 'HTTPS_PROXY is handed to the core'
    assert f'"caBundle": "{az.env["REQUESTS_CA_BUNDLE"]}"' in run.stderr
    no_token(run)


def test_probe_credentials_asks_for_relay_credentials_and_never_shows_the_key(world):
    relay = {'relay': {'namespaceName': 'azgnrelay-eastus-l1', 'namespaceNameSuffix': 'servicebus.windows.net',
                       'hybridConnectionName': 'microsoft.hybridcompute/machines/abc/123/v2',
                       'accessKey': 'SharedAccessSignature sr=x&sig=RELAYKEYMARK&se=1&skn=y',
                       'expiresOn': 1900000000, 'serviceConfigurationToken': 'SERVICETOKENMARK'}}
    standin = world.standin(world.scenario().answer('POST', f'{ENDPOINT}/listCredentials', 200, relay))
    run = world.az(*ARC, *TARGET, '--probe-credentials', '--debug', '-o', 'json')
    assert finding(run.json(), 'azure.relay-credentials')['status'] == 'pass', str(run)
    assert 'RELAYKEYMARK' not in run.output and 'SERVICETOKENMARK' not in run.output
    posts = [r for r in standin.requests() if r['method'] == 'POST']
    assert len(posts) == 1 and posts[0]['body'] == {'serviceName': 'SSH'}, posts
    no_token(run)


def test_table_output_has_one_row_per_check_and_query_works(az):
    table = az(*ARC, *TARGET, '-o', 'table')
    assert table.code == 0, str(table)
    lines = table.stdout.splitlines()
    assert lines[0].split() == ['Status', 'Check', 'Summary'], table.stdout
    rows = [line.split(None, 2) for line in lines[2:] if line.strip()]
    assert ['pass', 'azure.machine'] in [r[:2] for r in rows], table.stdout
    assert len(rows) == len(az(*ARC, *TARGET, '-o', 'json').json()['findings'])

    status = az(*ARC, *TARGET, '--query', 'status', '-o', 'tsv')
    assert status.stdout.strip() == 'healthy', str(status)
    failing = az(*ARC, *TARGET, '--query', "findings[?status=='fail'].check", '-o', 'json').json()
    assert failing == []
    yaml = az(*ARC, *TARGET, '-o', 'yaml')
    assert 'schemaVersion: 1' in yaml.stdout, str(yaml)
    no_token(table, status, yaml)


def test_an_azure_problem_is_a_finding_and_the_command_still_succeeds(world):
    scenario = world.scenario().answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found'))
    world.standin(scenario)
    run = world.az(*ARC, *TARGET, '-o', 'json')
    # Findings are the result: az exits 0 whenever the doctor could run.
    assert run.code == 0, str(run)
    report = run.json()
    assert report['status'] == 'problems'
    f = finding(report, 'azure.ssh-service-config')
    assert (f['status'], f['diagnosis']) == ('fail', 'ssh-traffic-not-allowed'), f
    assert f['remedy']['docs'].startswith('https://')
    assert f['fix']['impact'] == 'azure-resource', f
    no_token(run)


def test_explain_names_the_cause_without_calling_azure(az, world):
    text = ("Client is not authorized to create a default connectivity endpoint for 'web01' in Resource Group "
            "'rg-arc'. This is a one-time operation that must be performed by an account with Owner or "
            "Contributor role to allow connections to the target resource.")
    world.current.clear_log()
    run = az(*ARC, '--explain', text, '-o', 'json')
    assert run.code == 0, str(run)
    report = run.json()
    assert report['explained'][0]['diagnosis'] == 'endpoint-creation-forbidden', report['explained']
    assert report['explained'][0]['extracted'] == {'machine': 'web01', 'resourceGroup': 'rg-arc'}
    assert world.current.requests() == [], 'no target: nothing is asked of Azure'

    piped = az(*ARC, '--explain-file', '-', '--offline', '-o', 'json',
               stdin='ERROR: SSH connection is not enabled in the target port 2222.\n')
    assert piped.json()['explained'][0]['diagnosis'] == 'ssh-traffic-not-allowed', str(piped)
    assert piped.json()['explained'][0]['extracted'] == {'port': '2222'}

    table = az(*ARC, '--explain', text, '-o', 'table')
    assert 'explained  endpoint-creation-forbidden' in table.stdout, str(table)


def test_explain_file_reads_a_file_and_a_missing_one_is_a_clear_error(az, world):
    log_file = world.workdir / 'az-debug.log'
    log_file.write_text('DEBUG: cli.azext_ssh: something\n'
                        '{"level":"fatal","msg":"sshproxy: error connecting to the address: 404 Endpoint does not '
                        'exist.","proxyVersion":"1.3.026973"}\n')
    run = az(*ARC, '--explain-file', str(log_file), '-o', 'json')
    assert run.json()['explained'][0]['diagnosis'] == 'service-config-propagating', str(run)
    missing = az(*ARC, '--explain-file', str(world.workdir / 'nope.log'))
    assert missing.code != 0
    assert 'Cannot read' in missing.stderr and 'nope.log' in missing.stderr, str(missing)
    assert 'Traceback' not in missing.stderr


def test_a_default_resource_group_does_not_change_a_check_of_this_machine(az):
    run = az(*ARC, '--offline', '-o', 'json', env={'AZURE_DEFAULTS_GROUP': RG})
    assert run.code == 0, str(run)
    assert run.json()['target'] == {}, run.json()['target']


def test_usage_mistakes_are_az_errors_with_a_recommendation(az):
    half = az(*ARC, '-n', VM)
    assert half.code != 0 and '--resource-group and --name must be given together' in half.stderr, str(half)
    both = az(*ARC, '--explain', 'x', '--explain-file', 'y')
    assert both.code != 0 and 'cannot be used together' in both.stderr, str(both)
    disable = az(*ARC, '--disable-ssh', '--yes')
    assert disable.code != 0 and 'Add --resource-group and --name' in disable.stderr, str(disable)
    for run in (half, both, disable):
        assert 'Traceback' not in run.stderr


def test_fix_asks_and_refuses_without_a_terminal_then_applies_with_yes(world):
    scenario = (world.scenario()
                .answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found'))
                .answer('GET', ENDPOINT, 404, error('ResourceNotFound', 'not found'))
                .answer('PUT', ENDPOINT, 200, {'properties': {'type': 'default'}})
                .answer('PUT', CONFIG, 200, {'properties': {'serviceName': 'SSH', 'port': 2222}})
                .answer('GET', PERMISSIONS, 200, {'value': [{
                    'actions': ['*'], 'notActions': [],
                    'dataActions': ['Microsoft.HybridCompute/machines/login/action'], 'notDataActions': []}]}))
    standin = world.standin(scenario)
    az = world.az

    refused = az(*ARC, *TARGET, '--port', '2222', '--fix', '-o', 'json')
    assert refused.code != 0, str(refused)
    assert '--fix asks before it changes anything' in refused.stderr, str(refused)
    assert 'Add --yes' in refused.stderr
    assert [r for r in standin.requests() if r['method'] != 'GET'] == [], 'nothing changed without asking'

    applied = az(*ARC, *TARGET, '--port', '2222', '--fix', '--yes', '-o', 'json')
    assert applied.code == 0, str(applied)
    outcomes = {a['id']: a['outcome'] for a in applied.json()['applied']}
    assert outcomes.get('azure.ssh-service-config:allow-port-2222') == 'applied', outcomes
    puts = {r['path']: r for r in standin.requests() if r['method'] == 'PUT'}
    assert puts[CONFIG]['body'] == {'properties': {'serviceName': 'SSH', 'port': 2222}}, puts
    assert puts[CONFIG]['query']['api-version'] == '2023-03-15'
    assert puts[ENDPOINT]['body'] == {'properties': {'type': 'default'}}
    no_token(refused, applied)


def fix_scenario(world):
    return (world.scenario()
            .answer('GET', CONFIG, 404, error('ResourceNotFound', 'not found'))
            .answer('PUT', CONFIG, 200, {'properties': {'serviceName': 'SSH', 'port': 22}}))


def on_a_terminal(az, args, typed):
    """Runs az with a terminal as its standard input, on which `typed` was typed ahead."""
    master, slave = os.openpty()
    try:
        with subprocess.Popen([az.bin, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=az.env, text=True) as process:
            os.close(slave)
            slave = None
            os.write(master, typed.encode())
            out, err = process.communicate(timeout=120)
            return process.returncode, out, err
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)


def test_fix_asks_before_each_fix_on_a_terminal(world):
    standin = world.standin(fix_scenario(world))
    code, out, err = on_a_terminal(world.az, [*ARC, *TARGET, '--fix', '-o', 'json'], 'n\n' * 10)
    assert code == 0, err
    assert 'Apply fix azure.ssh-service-config:allow-port-22' in out, out
    assert [r for r in standin.requests() if r['method'] == 'PUT'] == [], 'answered no: nothing changed'
    assert 'No fix applied.' in err

    code, out, err = on_a_terminal(world.az, [*ARC, *TARGET, '--fix', '-o', 'json'], 'y\n' * 10)
    assert code == 0, err
    report = json.loads(out[out.index('{'):])
    outcomes = {a['id']: a['outcome'] for a in report['applied']}
    assert outcomes.get('azure.ssh-service-config:allow-port-22') == 'applied', outcomes
    assert [r['path'] for r in standin.requests() if r['method'] == 'PUT'][-1] == CONFIG


def test_disable_ssh_refuses_without_a_terminal_and_deletes_with_yes(world):
    scenario = (world.scenario().answer('DELETE', CONFIG, 200, None).answer('DELETE', ENDPOINT, 200, None))
    standin = world.standin(scenario)
    refused = world.az(*ARC, *TARGET, '--disable-ssh')
    assert refused.code != 0 and '--disable-ssh asks before' in refused.stderr, str(refused)
    assert [r for r in standin.requests() if r['method'] == 'DELETE'] == []

    done = world.az(*ARC, *TARGET, '--disable-ssh', '--yes', '-o', 'json')
    assert done.code == 0, str(done)
    deletes = [r['path'] for r in standin.requests() if r['method'] == 'DELETE']
    assert deletes == [CONFIG, ENDPOINT], deletes
    assert all(a['outcome'] == 'applied' for a in done.json()['applied']), done.json()['applied']


def test_offline_checks_only_this_machine(az, world):
    world.current.clear_log()
    run = az(*ARC, *TARGET, '--offline', '-o', 'json')
    assert run.code == 0, str(run)
    checks = [f['check'] for f in run.json()['findings']]
    assert checks and all(c.startswith('client.') for c in checks), checks
    assert [r for r in world.current.requests() if r['path'] != '/msi/token'] == [], 'offline calls no ARM'


def test_the_report_matches_the_standalone_binary(world):
    scenario = world.scenario().answer('GET', CONFIG, 200, {'properties': {'serviceName': 'SSH', 'port': 2222}})
    standin = world.standin(scenario)
    from_az = world.az(*ARC, *TARGET, '-o', 'json')
    assert from_az.code == 0, str(from_az)
    env = dict(world.az.env, SSH_TROUBLESHOOT_ACCESS_TOKEN=world.token, REQUESTS_CA_BUNDLE=standin.ca_bundle)
    standalone = subprocess.run([str(world.standalone), 'arc', *TARGET, '--subscription', SUB,
                                 '--arm-endpoint', standin.url, '--client', 'azure-cli', '--output', 'json'],
                                env=env, capture_output=True, text=True, timeout=120, check=False)
    assert TOKEN_MARK not in standalone.stdout + standalone.stderr

    def comparable(report):
        report = without_durations(report)
        report.pop('client')
        return report

    mine = comparable(from_az.json())
    theirs = comparable(json.loads(standalone.stdout))
    assert mine['status'] == 'problems'
    assert mine == theirs, '\n'.join(['az:', json.dumps(mine, indent=1), 'standalone:',
                                      json.dumps(theirs, indent=1)])


def test_debug_logs_each_check_and_never_the_token(az):
    run = az(*ARC, *TARGET, '--debug', '-o', 'json')
    assert run.code == 0, str(run)
    for check in ['client.openssh'] + AZURE_CHECKS:
        assert f'ssh-troubleshoot check {check}: pass in' in run.stderr, check
    assert '"accessToken": "<redacted>"' in run.stderr, 'the request is logged, redacted'
    no_token(run)


def test_without_a_sign_in_the_report_says_not_signed_in(world):
    world.standin()
    # Same extensions, fresh configuration: the stand-in cloud, nobody signed in.
    fresh = {'AZURE_CONFIG_DIR': str(world.workdir / 'fresh-azure')}
    url = world.current.url
    world.az('cloud', 'register', '--name', 'StandinCloud', '--skip-endpoint-discovery',
             '--endpoint-resource-manager', url + '/', '--endpoint-active-directory', 'https://login.standin.invalid',
             '--endpoint-active-directory-resource-id', url + '/', env=fresh, check=True)
    world.az('cloud', 'set', '--name', 'StandinCloud', env=fresh, check=True)
    run = world.az(*ARC, *TARGET, '-o', 'json', env=fresh)
    assert run.code == 0, str(run)
    f = finding(run.json(), 'azure.sign-in')
    assert f['diagnosis'] == 'not-signed-in', f
    assert 'az login' in run.stderr, 'the reason az gave is shown'


def test_timing_offline_against_az_version(az):
    """Measures (prints, does not assert) what the extension costs."""
    def median(*args):
        times = []
        for _ in range(5):
            started = time.monotonic()
            run = az(*args)
            times.append(time.monotonic() - started)
            assert run.code == 0, str(run)
        return statistics.median(times)

    version = median('version', '-o', 'json')
    offline = median(*ARC, '--offline', '-o', 'json')
    print(f'\nTIMING az version: {version:.2f} s; az ssh-troubleshoot arc --offline: {offline:.2f} s '
          f'(median of 5, {os.cpu_count()} cores)')


class _FleetScenario:
    """The usual stand-in plus a generated fleet of twelve (or `count`) machines in
    rg-fleet, each read answered after `delay_ms`."""

    def __init__(self, world, count=12, delay_ms=0, page_size=5):
        self.base = world.scenario()
        self.count = count
        self.delay_ms = delay_ms
        self.page_size = page_size

    def json(self):
        scenario = self.base.json()
        scenario['fleet'] = {'count': self.count, 'subscriptions': [SUB], 'resourceGroups': ['rg-fleet'],
                             'pageSize': self.page_size, 'delayMs': self.delay_ms,
                             'profiles': [{'weight': 3}, {'status': 'Disconnected'}]}
        return scenario


def test_fleet_mode_diagnoses_every_machine_of_a_group_and_of_listed_subscriptions(az, world):
    world.standin(_FleetScenario(world))
    run = az(*ARC, '-g', 'rg-fleet', '-o', 'json')
    assert run.code == 0, str(run)
    report = run.json()
    fleet = report['fleet']
    assert fleet['scanned'] == 12 and fleet['counts'] == {'machine-disconnected': 3}, json.dumps(fleet, indent=1)
    assert fleet['requests']['resourceGraphPages'] == 3
    failing = [m for m in fleet['machines'] if m['worstStatus'] == 'fail']
    assert [m['name'] for m in failing] == ['arc-00004', 'arc-00008', 'arc-00012']
    assert failing[0]['command'] == f'az ssh-troubleshoot arc -g rg-fleet -n arc-00004 --subscription {SUB}'
    graph = [r for r in world.current.requests() if r['method'] == 'POST']
    assert graph[0]['body']['subscriptions'] == [SUB]
    assert "resourceGroup =~ 'rg-fleet'" in graph[0]['body']['query']
    no_token(run)

    table = az(*ARC, '-g', 'rg-fleet', '-o', 'table')
    assert table.code == 0, str(table)
    line = next(row for row in table.stdout.splitlines() if 'arc-00004' in row)
    assert line.startswith('fail') and 'machine-disconnected' in line, table.stdout

    listed = az(*ARC, '--subscriptions', 'Stand-in Subscription', '--query', 'fleet.scanned', '-o', 'tsv')
    assert listed.code == 0 and listed.stdout.strip() == '12', str(listed)
    refused = az(*ARC, '-g', 'rg-fleet', '--fix')
    assert refused.code != 0 and 'not on a fleet' in refused.stderr, str(refused)


class _BrokenGraphScenario(_FleetScenario):
    """Resource Graph refuses the query: no machine can be listed."""

    def json(self):
        scenario = super().json()
        scenario.setdefault('routes', []).insert(0, {
            'method': 'POST', 'path': '/providers/Microsoft.ResourceGraph/resources', 'status': 400,
            'body': {'error': {'code': 'InvalidQuery', 'message': 'Query is invalid.'}}})
        return scenario


def test_a_fleet_that_cannot_be_listed_is_a_tool_failure(az, world):
    world.standin(_BrokenGraphScenario(world))
    run = az(*ARC, '-g', 'rg-fleet', '-o', 'json')
    assert run.code != 0 and run.stdout.strip() == '', str(run)
    assert 'Azure Resource Graph did not list the machines' in run.stderr, run.stderr
    assert 'InvalidQuery' in run.stderr and '400' in run.stderr, run.stderr
    assert [r['method'] for r in world.current.requests()].count('POST') == 1
    no_token(run)


def stderr_on_a_terminal(az, args):
    """Runs az with a terminal as its standard error (stdout a pipe); answers the exit
    status, stdout and everything written to the terminal."""
    master, slave = os.openpty()
    written = []

    def drain():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every copy of the terminal's other end is closed
                return
            if not chunk:
                return
            written.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        with subprocess.Popen([az.bin, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                              env=az.env, text=True) as process:
            os.close(slave)
            slave = None
            out, _ = process.communicate(timeout=120)
        reader.join(10)
        return process.returncode, out, b''.join(written).decode(errors='replace')
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)


def test_fleet_mode_shows_az_progress_on_a_terminal_and_only_there(world):
    # 300 machines answering after 50 ms each: three rounds of a hundred reads.
    world.standin(_FleetScenario(world, count=300, delay_ms=50, page_size=1000))
    args = [*ARC, '-g', 'rg-fleet', '-o', 'json']
    code, out, terminal = stderr_on_a_terminal(world.az, args)
    assert code == 0, terminal
    report = json.loads(out)
    assert report['fleet']['scanned'] == 300, json.dumps(report['fleet']['requests'])
    total = 1 + 1 + 300  # the provider, the group's permissions, each configuration
    assert report['fleet']['requests']['configurationReads'] == 300
    # az's determinate bar, redrawn in place, last at 100 %, then a new line.
    assert 'Reading Azure: ' in terminal, repr(terminal)
    assert f'Reading Azure: {total}/{total} [' in terminal, repr(terminal)
    assert '100.0000%' in terminal and terminal.rstrip(' \r\n').endswith('100.0000%'), repr(terminal)
    assert '{' not in terminal, 'the report is on stdout only'
    assert TOKEN_MARK not in terminal + out, 'the token leaked'

    quiet_code, quiet_out, quiet_terminal = stderr_on_a_terminal(world.az, [*args, '--only-show-errors'])
    assert quiet_code == 0 and json.loads(quiet_out)['fleet']['scanned'] == 300, quiet_terminal
    assert 'Reading Azure' not in quiet_terminal, repr(quiet_terminal)

    piped = world.az(*args)
    assert piped.code == 0 and piped.json()['fleet']['scanned'] == 300, str(piped)
    assert 'Reading Azure' not in piped.stderr and '%' not in piped.stderr, piped.stderr
    world.stop()
