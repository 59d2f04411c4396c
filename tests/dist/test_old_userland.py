"""The portable binary in a real older userland: a Debian bullseye root (glibc
2.31, OpenSSH 8.4) made with debootstrap, entered with chroot in a private mount
namespace (its own /proc, gone when the process ends). Each report is compared
with the same request on this host (see normalise() for what differs by machine).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import TARGET, head_commit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "az"))
import arm_standin  # noqa: E402
from az_support import RG, SUB, VM, Scenario  # noqa: E402

INSIDE = "/opt/ssh-troubleshoot"
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}
OPENSSH_DENIED = "bash: line 1: exec: /root/.clientsshproxy/sshProxy_linux_amd64_1_3_026973: cannot execute: Permission denied"


def in_root(root, argv, env, **kw):
    """argv inside ``root``: a private mount namespace mounts /proc there, then
    chroot; env -i gives it exactly ``env``."""
    script = 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"'
    pairs = ["{}={}".format(k, v) for k, v in env.items()]
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
               str(root), "/usr/bin/env", "-i"] + pairs + list(argv)
    return command, kw


def run_in_root(root, argv, env, timeout=120):
    command, _ = in_root(root, argv, env)
    return subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


def run_on_host(binary, argv, env, timeout=120):
    return subprocess.run([str(binary)] + list(argv), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def report(run):
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def root(bullseye, unpacked_binary):
    """The bullseye root with the tarball's binary in /opt/ssh-troubleshoot."""
    if os.geteuid() != 0:
        pytest.skip("chroot needs root")
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is missing")
    folder = bullseye / INSIDE.lstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(str(unpacked_binary), str(folder / "ssh-troubleshoot"))
    return bullseye


@pytest.fixture
def homes(root, tmp_path):
    """(HOME inside the root as the root sees it, the same on the host): both empty."""
    name = "home-" + uuid.uuid4().hex[:8]
    inside = root / "tmp" / name
    inside.mkdir()
    host = tmp_path / "home"
    host.mkdir()
    yield "/tmp/" + name, host
    shutil.rmtree(str(inside), ignore_errors=True)


def host_env(home, **extra):
    return dict(BASE_ENV, HOME=str(home), **extra)


# What a Debian release decides, not the tool: OpenSSH's banner (it comes with its
# OpenSSL's version and date) and /etc/os-release.
OPENSSH_BANNER = re.compile(r"OpenSSH_[0-9A-Za-z.]+( [^,\"]+)?, OpenSSL [0-9A-Za-z.]+(\s+\d+ \w+ \d{4})?")


def normalise(doc, paths=()):
    """The whole report minus what may differ between two machines for the same
    request: timings, the OpenSSH banner, the OS release, and ``paths`` (pairs of
    this run's own path and its placeholder: the throwaway home folder, the root's
    location as seen from the host). Everything else (status, every finding with its
    evidence, summary and fix, every explanation, the tool's version and commit) must
    be the same."""
    doc = without_durations(doc)
    versions = doc.get("versions", {})
    if "os release" in versions:
        versions["os release"] = "<os release>"
    text = OPENSSH_BANNER.sub("<openssh>", json.dumps(doc))
    for path, placeholder in sorted(paths, key=lambda p: -len(p[0])):
        text = text.replace(path, placeholder)
    return json.loads(text)


def differences(there, here, path=""):
    """Where two documents differ, as "path: there | here" lines."""
    if isinstance(there, dict) and isinstance(here, dict):
        return [d for k in sorted(set(there) | set(here), key=str)
                for d in differences(there.get(k), here.get(k), "{}/{}".format(path, k))]
    if isinstance(there, list) and isinstance(here, list) and len(there) == len(here):
        return [d for i, (a, b) in enumerate(zip(there, here))
                for d in differences(a, b, "{}/{}".format(path, i))]
    return [] if there == here else ["{}: {!r} | {!r}".format(path, there, here)]


def assert_same_report(there, here, there_paths=(), here_paths=()):
    found = differences(normalise(there, there_paths), normalise(here, here_paths))
    assert not found, "in the root | on the host:\n" + "\n".join(found)


def without_durations(value):
    if isinstance(value, dict):
        return {k: without_durations(v) for k, v in value.items() if k != "durationMs"}
    if isinstance(value, list):
        return [without_durations(v) for v in value]
    return value


def test_the_root_is_an_older_userland(root):
    ldd = run_in_root(root, ["/usr/bin/ldd", "--version"], BASE_ENV)
    assert ldd.returncode == 0, ldd.stderr
    assert re.search(r"GLIBC 2\.31", ldd.stdout), ldd.stdout.splitlines()[0]


def test_version_in_the_root(root, artifacts):
    run = run_in_root(root, [INSIDE + "/ssh-troubleshoot", "--version"], BASE_ENV)
    assert run.returncode == 0, run.stderr
    commit = head_commit() or r"[0-9a-f]+|unknown"
    assert re.fullmatch(r"ssh-troubleshoot {} \(commit ({})\)".format(
        re.escape(artifacts.version), commit), run.stdout.strip()), run.stdout


@pytest.mark.parametrize("client", ["standalone", "azure-cli", "powershell"])
def test_offline_report_matches_the_host(root, homes, unpacked_binary, client):
    inside_home, host_home = homes
    args = ["arc", "--offline", "--client", client, "--output", "json"]
    there = report(run_in_root(root, [INSIDE + "/ssh-troubleshoot"] + args,
                               dict(BASE_ENV, HOME=inside_home)))
    here = report(run_on_host(unpacked_binary, args, host_env(host_home)))
    assert_same_report(there, here, [(inside_home, "<home>")], [(str(host_home), "<home>")])
    # The root's own OpenSSH was found and asked for its version.
    openssh = [f for f in there["findings"] if f["check"] == "client.openssh"]
    assert openssh and openssh[0]["status"] == "pass", openssh
    assert "OpenSSH_8.4" in json.dumps(openssh[0]["evidence"]), openssh[0]["evidence"]


def test_explain_matches_the_host_exactly(root, homes, unpacked_binary):
    inside_home, host_home = homes
    args = ["arc", "--offline", "--client", "azure-cli", "--explain", OPENSSH_DENIED,
            "--output", "json"]
    there = report(run_in_root(root, [INSIDE + "/ssh-troubleshoot"] + args,
                               dict(BASE_ENV, HOME=inside_home)))
    here = report(run_on_host(unpacked_binary, args, host_env(host_home)))
    assert there["explained"], there
    assert without_durations(there["explained"]) == without_durations(here["explained"])
    assert_same_report(there, here, [(inside_home, "<home>")], [(str(host_home), "<home>")])


@pytest.fixture
def standin(tmp_path):
    binary = arm_standin.binary()
    token = arm_standin.token(binary, tid="72f988bf-0000-0000-0000-000000000000")
    s = arm_standin.Standin(binary, Scenario(token).json(), tmp_path / "standin")
    s.token = token
    yield s
    s.stop()


def test_tls_to_arm_from_the_root_matches_the_host(root, homes, standin, unpacked_binary):
    """rustls with ring, the platform verifier and reqwest in the portable build, in
    the old userland: a validated TLS handshake to the stand-in (trusting its CA
    through REQUESTS_CA_BUNDLE) and every Azure check judged as on the host, by
    both the portable binary and the host's own build."""
    inside_home, host_home = homes
    bundle = root / "tmp" / (Path(inside_home).name + "-ca.pem")
    shutil.copyfile(standin.ca_bundle, str(bundle))
    args = ["arc", "-g", RG, "-n", VM, "--subscription", SUB, "--arm-endpoint",
            standin.url, "--client", "azure-cli", "--output", "json"]
    secret = {"SSH_TROUBLESHOOT_ACCESS_TOKEN": standin.token}
    there_run = run_in_root(root, [INSIDE + "/ssh-troubleshoot"] + args,
                            dict(BASE_ENV, HOME=inside_home,
                                 REQUESTS_CA_BUNDLE="/tmp/" + bundle.name, **secret))
    there = report(there_run)
    assert standin.token not in there_run.stdout + there_run.stderr
    here_env = host_env(host_home, REQUESTS_CA_BUNDLE=standin.ca_bundle, **secret)
    here = report(run_on_host(unpacked_binary, args, here_env))
    host_build = TARGET / "debug" / "ssh-troubleshoot"
    built_here = report(run_on_host(host_build, args, here_env)) if host_build.is_file() else here

    def azure(doc):
        return [without_durations(f) for f in doc["findings"] if f["check"].startswith("azure.")]

    assert azure(there), there
    assert all(f["status"] == "pass" for f in azure(there)), json.dumps(azure(there), indent=1)
    assert azure(there) == azure(here) == azure(built_here)
    # The trusted bundle is named in the evidence of the checks that dial out (the proxy
    # download's): a path of each machine's own.
    assert_same_report(there, here, [("/tmp/" + bundle.name, "<ca-bundle>"), (inside_home, "<home>")],
                       [(standin.ca_bundle, "<ca-bundle>"), (str(host_home), "<home>")])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sshd_in_root(root):
    """The root's own sshd (OpenSSH 8.4) on a free loopback port, in the foreground."""
    (root / "run" / "sshd").mkdir(parents=True, exist_ok=True)
    keys = run_in_root(root, ["/usr/bin/ssh-keygen", "-A"], BASE_ENV)
    assert keys.returncode == 0, keys.stderr
    port = free_port()
    command, _ = in_root(root, ["/usr/sbin/sshd", "-D", "-e", "-p", str(port),
                                "-o", "ListenAddress=127.0.0.1", "-o", "ListenAddress=::1"],
                         BASE_ENV)
    # pylint: disable-next=consider-using-with  # stopped below
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-2.0-OpenSSH_8.4"):
                    break
        except OSError:
            time.sleep(0.1)
        assert process.poll() is None, process.stderr.read().decode()
    else:
        process.kill()
        pytest.fail("sshd in the root did not answer on port {}".format(port))
    yield port
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_server_checks_in_the_root_find_its_sshd(root, sshd_in_root, unpacked_binary, homes):
    inside_home, host_home = homes
    port = str(sshd_in_root)
    args = ["server", "--port", port, "--output", "json"]
    there = report(run_in_root(root, [INSIDE + "/ssh-troubleshoot"] + args,
                               dict(BASE_ENV, HOME=inside_home)))
    # On the host: the same sshd (loopback is shared) and the root's sshd_config,
    # so that both judge the same configuration.
    config = str(root / "etc" / "ssh" / "sshd_config")
    here = report(run_on_host(unpacked_binary, args + ["--sshd-config", config],
                              host_env(host_home)))

    def by_check(doc):
        return {f["check"]: f for f in doc["findings"]}

    answers = by_check(there)["server.sshd-answers"]
    assert answers["status"] == "pass", answers
    assert "OpenSSH_8.4" in json.dumps(answers["evidence"]), answers
    assert without_durations(answers) == without_durations(by_check(here)["server.sshd-answers"])
    assert_same_report(there, here, [(inside_home, "<home>")],
                       [(str(host_home), "<home>"), (str(root), "")])
