"""bench/run.sh's helper: times az (`az OUT`) and prints the one table (`table OUT BIG`).

Criterion's results are read from target/criterion/<group>/<bench>/new/estimates.json
(the median of the samples, in nanoseconds).
"""

import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CRITERION = REPO / 'target' / 'criterion'
AZ_RUNS = 7


def median_ns(group, bench):
    path = CRITERION / group / bench / 'new' / 'estimates.json'
    try:
        return json.loads(path.read_text())['median']['point_estimate']
    except (OSError, ValueError, KeyError):
        return None


# ---- az ---------------------------------------------------------------------------

def az_skip(out, why):
    print(f'bench: az row skipped: {why}', file=sys.stderr)
    (out / 'az.json').write_text(json.dumps({'skip': why}))


def az(out):
    venv = Path(os.environ.get('SSH_TROUBLESHOOT_AZ_VENV') or REPO / 'target' / 'az-venv')
    az_bin = venv / 'bin' / 'az'
    if not az_bin.exists():
        return az_skip(out, f'no azure-cli at {venv} (tests/run makes it; or set SSH_TROUBLESHOOT_AZ_VENV)')
    wheels = ([os.environ['SSH_TROUBLESHOOT_WHEEL']] if os.environ.get('SSH_TROUBLESHOOT_WHEEL')
              else sorted(glob.glob(str(REPO / 'target' / 'wheels' / 'ssh_troubleshoot-*.whl'))))
    if not wheels or not Path(wheels[-1]).exists():
        return az_skip(out, 'no extension wheel (python/build_wheel.sh, or set SSH_TROUBLESHOOT_WHEEL)')
    root = out / 'az'
    shutil.rmtree(root, ignore_errors=True)
    (root / 'home').mkdir(parents=True)
    env = {
        'PATH': f'{venv / "bin"}:/usr/bin:/bin',
        'HOME': str(root / 'home'),
        'AZURE_CONFIG_DIR': str(root / 'azure'),
        'AZURE_EXTENSION_DIR': str(root / 'cliextensions'),
        'AZURE_CORE_COLLECT_TELEMETRY': 'false',
        'AZURE_CORE_SURVEY_MESSAGE': 'false',
        'AZURE_CORE_NO_COLOR': 'true',
        'AZURE_EXTENSION_USE_DYNAMIC_INSTALL': 'no',
        'AZURE_CORE_CHECK_FOR_UPGRADE': 'false',
        # Byte code goes here, not into the (maybe shared) virtual environment; both
        # commands read it from here alike once the warm-up runs wrote it.
        'PYTHONPYCACHEPREFIX': str(root / 'pycache'),
        'SHELL': '/bin/bash',
    }
    add = subprocess.run([str(az_bin), 'extension', 'add', '--source', wheels[-1], '-y'], env=env,
                         capture_output=True, text=True)
    if add.returncode != 0:
        return az_skip(out, f'az extension add failed: {add.stderr.strip()[-300:]}')
    commands = {'version': [str(az_bin), 'version'],
                'extension': [str(az_bin), 'ssh-troubleshoot', 'arc', '--offline']}
    times = {k: [] for k in commands}
    for i in range(AZ_RUNS + 1):
        for name, cmd in commands.items():
            started = time.monotonic()
            done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            took = time.monotonic() - started
            if done.returncode != 0:
                return az_skip(out, f'{" ".join(cmd[1:])} exited {done.returncode}: {done.stderr.strip()[-300:]}')
            if i > 0:  # the first round writes byte code
                times[name].append(took)
    (out / 'az.json').write_text(json.dumps({'times': times, 'wheel': Path(wheels[-1]).name}))


# ---- table ------------------------------------------------------------------------

def machine():
    cpus = os.cpu_count()
    model = 'unknown CPU'
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return f'{cpus} cores, {model}, {platform.system()} {platform.release()}'


def load(out):
    start = (out / 'load-start').read_text().split()[:3] if (out / 'load-start').exists() else ['?'] * 3
    end = Path('/proc/loadavg').read_text().split()[:3]
    return f'load average (1/5/15 min) {" ".join(start)} at the start, {" ".join(end)} at the end'


def ms(ns):
    return ns / 1e6


def verdict(ok):
    return 'met' if ok else 'MISSED'


def rss_kib(path):
    try:
        values = [int(v) for v in Path(path).read_text().split() if v.isdigit()]
    except OSError:
        return None
    return statistics.median(values) if values else None


def explain_rows(mib):
    rows = []
    ours, naive = median_ns('explain', 'ours-50MB'), median_ns('explain', 'naive-regex-50MB')
    if ours:
        rate = mib / (ours / 1e9)
        rows.append(('explain: 50 MiB --debug log, 4 messages buried (one core)',
                     f'{rate:,.0f} MiB/s ({ms(ours):.0f} ms)', '>= 500 MiB/s', verdict(rate >= 500)))
    if naive:
        rate_n = mib / (naive / 1e9)
        times = f' — ours is {naive / ours:,.0f}x faster' if ours else ''
        rows.append(('explain baseline: per line, one regex per KB entry',
                     f'{rate_n:,.1f} MiB/s ({naive / 1e9:.1f} s){times}', '(baseline)', ''))
    return rows


def azure_rows():
    rows = []
    rtt = median_ns('azure', 'round-trip')
    if rtt:
        rows.append(('azure: one round trip (new client, TLS, 100 ms injected)',
                     f'{ms(rtt):.0f} ms', '(unit)', ''))
        for name, label, target in [
            ('discovery', 'azure: one machine, resource discovery', 2.2),
            ('resource-type', 'azure: one machine, --resource-type', 1.2),
        ]:
            conc, seq = median_ns('azure', f'{name}-concurrent'), median_ns('azure', f'{name}-sequential')
            if conc:
                rows.append((f'{label}, engine', f'{conc / rtt:.2f} round trips ({ms(conc):.0f} ms)',
                             f'<= {target}', verdict(conc / rtt <= target)))
            if seq:
                rows.append((f'{label}, one after another', f'{seq / rtt:.2f} round trips ({ms(seq):.0f} ms)',
                             '(baseline)', ''))
    return rows


def process_rows(out, size, mib):
    rows = []
    ssh, offline = median_ns('process', 'ssh-V'), median_ns('process', 'arc-offline')
    if ssh:
        rows.append(('process: spawn `ssh -V` (median)', f'{ms(ssh):.1f} ms', '(floor)', ''))
    if offline:
        beyond = f', {ms(offline - ssh):+.1f} ms beyond ssh -V' if ssh else ''
        ok = ssh is not None and ms(offline - ssh) < 30
        rows.append(('process: `ssh-troubleshoot arc --offline` (median)', f'{ms(offline):.1f} ms{beyond}',
                     '< ssh -V + 30 ms', verdict(ok)))
    rss = rss_kib(out / 'rss-offline')
    if rss:
        rows.append(('process: `arc --offline` peak RSS', f'{rss / 1024:.1f} MiB', '< 20 MB',
                     verdict(rss * 1024 < 20e6)))
    rss_e = rss_kib(out / 'rss-explain')
    if rss_e:
        rows.append((f'process: `arc --offline --explain-file` ({mib:.0f} MiB) peak RSS',
                     f'{rss_e / 1024:.1f} MiB = {rss_e * 1024 / size:.2f}x the input', '(informational)', ''))
    return rows


def host_rows(out):
    rows = []
    ps = median_ns('ps-modules', 'scan-2000-versions')
    if ps:
        rows.append(('ps-modules: PSModulePath scan, 2,000 module versions', f'{ms(ps):.2f} ms', '< 20 ms',
                     verdict(ms(ps) < 20)))

    try:
        az_result = json.loads((out / 'az.json').read_text())
    except (OSError, ValueError):
        az_result = {'skip': 'not measured'}
    if 'times' in az_result:
        v = statistics.median(az_result['times']['version'])
        e = statistics.median(az_result['times']['extension'])
        rows.append(('az: `az version` (median)', f'{v * 1000:.0f} ms', '(floor)', ''))
        rows.append(('az: `az ssh-troubleshoot arc --offline` (median)',
                     f'{e * 1000:.0f} ms, {(e - v) * 1000:+.0f} ms beyond az version', '< az version + 150 ms',
                     verdict((e - v) * 1000 < 150)))
    else:
        rows.append(('az: `az ssh-troubleshoot arc --offline` vs `az version`',
                     f'skipped: {az_result["skip"]}', '< az version + 150 ms', 'skipped'))
    return rows


def table(out, big):
    size = Path(big).stat().st_size
    mib = size / (1 << 20)
    rows = explain_rows(mib) + azure_rows() + process_rows(out, size, mib) + host_rows(out)
    head = ('benchmark', 'measured', 'target', 'verdict')
    lines = [f'| {" | ".join(head)} |', '| --- | --- | --- | --- |']
    lines += [f'| {" | ".join(r)} |' for r in rows]
    lines += ['', f'Machine: {machine()}; {load(out)}.']
    text = '\n'.join(lines)
    (out / 'table.md').write_text(text + '\n')
    print(text)


if __name__ == '__main__':
    if sys.argv[1] == 'az':
        az(Path(sys.argv[2]))
    else:
        table(Path(sys.argv[2]), sys.argv[3])
