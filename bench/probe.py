"""Live-probe figures (issue 16), run by bench/run.sh after the release build:

- time to the SSH banner after the proxy started (the probe's own evidence, a real
  sshd behind the proxy stand-in on loopback);
- `arc --probe` end to end (the release binary against the ARM stand-in);
- a `--watch` whose check passes on the first rerun (1 s interval): its total time.

    python3 bench/probe.py OUT      # writes OUT/probe.json and prints the figures

Needs /usr/sbin/sshd and the release builds of ssh-troubleshoot, arm-standin and
proxy-standin (bench/run.sh makes them). Medians of RUNS runs.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / 'tests'))
sys.path.insert(0, str(REPO / 'tests' / 'az'))
import arm_standin  # noqa: E402
import probe_rows  # noqa: E402
from az_support import CONFIG, ENDPOINT, PROVIDER, RG, SUB, VM, Scenario  # noqa: E402

RUNS = 7
RELEASE = REPO / 'target' / 'release'


def machine(root, row):
    """A HOME with az's ssh extension and the release proxy stand-in as its proxy."""
    home = Path(root) / 'home'
    ext = home / '.azure' / 'cliextensions' / 'ssh'
    (ext / 'ssh-2.0.6.dist-info').mkdir(parents=True)
    (ext / 'ssh-2.0.6.dist-info' / 'METADATA').write_text('Metadata-Version: 2.1\nName: ssh\nVersion: 2.0.6\n')
    (ext / 'azext_ssh').mkdir()
    (ext / 'azext_ssh' / 'constants.py').write_text('CLIENT_PROXY_VERSION = "1.3.026973"\n')
    proxy = home / '.clientsshproxy' / probe_rows.AZ_PROXY
    proxy.parent.mkdir()
    proxy.write_bytes((RELEASE / 'proxy-standin').read_bytes())
    proxy.chmod(int(row['proxyFileMode'], 8))
    return home


def arc(standin, token, home, *extra):
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(home), 'SSH_TROUBLESHOOT_ACCESS_TOKEN': token,
           'REQUESTS_CA_BUNDLE': standin.ca_bundle, 'PROXY_STANDIN_MODE': 'relay'}
    args = [str(RELEASE / 'ssh-troubleshoot'), 'arc', '-g', RG, '-n', VM, '--subscription', SUB,
            '--arm-endpoint', standin.url, '--client', 'azure-cli', '--output', 'json', *extra]
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    return json.loads(done.stdout), took


def probe_figures(root, standin_binary, token):
    row = next(r for r in probe_rows.ROWS if r['name'] == 'banner')
    home = machine(root, row)
    banner, total = [], []
    with probe_rows.Sshd(Path(root) / 'sshd') as sshd:
        status, body = probe_rows.credentials_answer(row)
        scenario = (Scenario(token).answer('GET', CONFIG, 200, probe_rows.config_body(CONFIG, sshd.port))
                    .answer('POST', f'{ENDPOINT}/listCredentials', status, body))
        with arm_standin.Standin(standin_binary, scenario.json(), Path(root) / 'standin') as standin:
            for _ in range(RUNS):
                report, took = arc(standin, token, home, '--probe', '--port', str(sshd.port))
                live = next(f for f in report['findings'] if f['check'] == 'azure.live-probe')
                if live['status'] != 'pass':
                    raise SystemExit(f'the probe did not pass: {json.dumps(live, indent=1)}')
                ms = live['evidence']['time: relay → agent → sshd (to the SSH banner)']
                banner.append(float(ms.removesuffix(' ms')))
                total.append(took * 1000)
    return statistics.median(banner), statistics.median(total)


def watch_figure(root, standin_binary, token):
    row = next(r for r in probe_rows.ROWS if r['name'] == 'banner')
    home = machine(Path(root) / 'watch', row)
    seconds = []
    for i in range(3):
        scenario = Scenario(token).first({'method': 'GET', 'path': PROVIDER, 'status': 200, 'times': 1,
                                          'body': {'namespace': 'Microsoft.HybridConnectivity',
                                                   'registrationState': 'NotRegistered'}})
        with arm_standin.Standin(standin_binary, scenario.json(), Path(root) / f'watch-standin-{i}') as standin:
            report, took = arc(standin, token, home, '--watch', '--watch-interval', '1', '--watch-timeout', '60')
        if report['watch']['outcome'] != 'passed' or len(report['watch']['rounds']) != 1:
            raise SystemExit(f'the watch did not pass in one round: {json.dumps(report["watch"], indent=1)}')
        seconds.append(took)
    return statistics.median(seconds)


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    standin_binary = RELEASE / 'arm-standin'
    token = arm_standin.token(standin_binary)
    with tempfile.TemporaryDirectory(prefix='bench-probe-') as root:
        banner_ms, probe_ms = probe_figures(root, standin_binary, token)
        watch_s = watch_figure(root, standin_binary, token)
    figures = {'bannerAfterProxyStartMs': round(banner_ms, 1), 'arcProbeMs': round(probe_ms, 1),
               'watchOneRoundSeconds': round(watch_s, 2), 'runs': RUNS}
    (out / 'probe.json').write_text(json.dumps(figures, indent=1))
    print(f'probe: banner {banner_ms:.1f} ms after proxy start; arc --probe {probe_ms:.0f} ms; '
          f'watch, 1 round at a 1 s interval: {watch_s:.2f} s (medians of {RUNS}, {RUNS}, 3 runs)')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else REPO / 'target' / 'bench')
