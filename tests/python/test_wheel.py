"""The az extension's wheel, installed into a venv with pip, as a user's Python
sees it: the native module, its error contract, the GIL, threads, and the same
report as the standalone binary for the same request."""

import re
import zipfile

import pytest

from conftest import ROOT, run_cli, without_durations, workspace_version


def contract_diagnoses():
    """The diagnosis ids of docs/CONTRACT.md section 5: the one list the tests read."""
    section = (ROOT / "docs" / "CONTRACT.md").read_text(encoding="utf-8").split("## 5.")[1].split("\n## ")[0]
    return {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}


OPENSSH_NOT_FOUND = (
    "Unable to find OpenSSH Client. Make sure to update the PATH environment "
    "variable to make OpenSSH client discoverable."
)
DEBUG_LINE = (
    "DEBUG: cli.azure.cli.core.sdk.policies: Request URL: 'https://management."
    "azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/"
    "Microsoft.HybridCompute?api-version=2024-07-10'\n"
)


def request(**fields):
    doc = {"schemaVersion": 1, "command": "diagnose"}
    doc.update(fields)
    return doc


def report_of(answer):
    assert "report" in answer, answer
    return answer["report"]


def finding(report, check):
    for f in report["findings"]:
        if f["check"] == check:
            return f
    raise AssertionError(
        "no finding {} in {}".format(check, report["findings"])
    )


# --- the wheel ---------------------------------------------------------------


def test_one_abi3_wheel_named_for_the_extension(wheel):
    version = workspace_version()
    assert re.fullmatch(
        r"ssh_troubleshoot-{}-cp310-abi3-[a-z0-9_.]+\.whl".format(
            re.escape(version)
        ),
        wheel.name,
    ), wheel.name
    with zipfile.ZipFile(str(wheel)) as z:
        names = set(z.namelist())
        metadata = z.read(
            "ssh_troubleshoot-{}.dist-info/METADATA".format(version)
        )
    metadata = metadata.decode()
    assert "\nName: ssh-troubleshoot\n" in metadata
    assert "\nRequires-Python: >=3.10\n" in metadata
    assert "azext_ssh_troubleshoot/_native.abi3.so" in names, names
    package = ROOT / "python" / "azext_ssh_troubleshoot"
    for source in package.rglob("*"):
        if source.is_file() and "__pycache__" not in source.parts:
            inside = (
                "azext_ssh_troubleshoot/"
                + source.relative_to(package).as_posix()
            )
            assert inside in names, "{} is not in the wheel".format(inside)


def test_installed_package_is_the_wheel_in_the_venv(venv, venv_python):
    got = venv("identity")
    prefix = str(venv_python.parent.parent)
    assert got["prefix"] == prefix
    assert got["package"].startswith(prefix), got
    assert got["native"].endswith(
        "azext_ssh_troubleshoot/_native.abi3.so"
    ), got
    assert got["nativeVersion"] == workspace_version()
    assert got["coreNativeVersion"] == workspace_version()
    assert got["nativeAbi"] == 1
    assert got["coreAbi"] == 1


# --- requests and reports ----------------------------------------------------


def test_checks_request_answers_the_catalogue(venv):
    report = report_of(
        venv("run", {"request": {"schemaVersion": 1, "command": "checks"}})
    )
    assert report["schemaVersion"] == 1
    assert report["tool"] == {
        "name": "ssh-troubleshoot",
        "version": workspace_version(),
    }
    checks = {c["id"] for c in report["checks"]}
    assert {
        "client.openssh",
        "client.proxy-binary",
        "azure.machine",
    } <= checks, checks
    diagnoses = {d["id"] for d in report["diagnoses"]}
    assert contract_diagnoses() <= diagnoses, diagnoses
    for d in report["diagnoses"]:
        assert d["docs"].startswith("https://"), d


def test_offline_diagnose_answers_a_report_about_this_machine(venv, machine):
    machine.link_openssh()
    machine.az_extension("2.0.6")
    proxy = machine.az_proxy(0o644)
    report = report_of(
        venv(
            "run",
            {
                "env": machine.env,
                "request": request(client="azure-cli", offline=True),
            },
        )
    )
    assert report["client"] == "azure-cli"
    assert report["status"] == "problems"
    f = finding(report, "client.proxy-binary")
    assert f["status"] == "fail"
    assert f["diagnosis"] == "proxy-permission-denied"
    assert str(proxy) in f["summary"], f
    assert f["fix"]["id"] == "client.proxy-binary:chmod-u+x"
    assert all(isinstance(f["durationMs"], int) for f in report["findings"])


@pytest.mark.parametrize(
    "doc, code, says",
    [
        ({"command": "checks"}, "invalid-request", "schemaVersion"),
        # json.dumps writes NaN, which is not JSON.
        (
            request(command="checks", port=float("nan")),
            "invalid-request",
            "not valid JSON",
        ),
        (request(command="frobnicate"), "invalid-request", "frobnicate"),
        (
            {"schemaVersion": 2, "command": "checks"},
            "unsupported-schema",
            "schemaVersion 2",
        ),
        (
            request(offline=True, explain="x" * (20 << 20)),
            "request-too-large",
            "limit",
        ),
    ],
    ids=[
        "no-schema",
        "invalid-json",
        "unknown-command",
        "schema-2",
        "20-MB",
    ],
)
def test_tool_failures_raise_core_error_with_the_core_code(
    venv, doc, code, says
):
    answer = venv("run", {"request": doc})
    assert "report" not in answer, answer
    error = answer["coreError"]
    assert answer["isException"]
    assert error["code"] == code, error
    assert says in error["message"], error
    assert error["str"] == "{}: {}".format(code, error["message"])
    assert "Traceback" not in error["message"]


def test_text_that_is_not_utf8_is_explained_not_refused(venv, machine):
    # What reading a log with errors="surrogateescape" gives: lone surrogates.
    text = "garbage \udc80\udcff here\n" + OPENSSH_NOT_FOUND
    doc = request(client="azure-cli", offline=True, explain=text)
    report = report_of(venv("run", {"env": machine.env, "request": doc}))
    explained = [e["diagnosis"] for e in report["explained"]]
    assert explained == ["client-binaries-not-found"], report


def test_native_run_answers_an_error_document_for_any_string(venv):
    texts = [
        "not json",
        "",
        "null",
        "[]",
        '{"schemaVersion": 1, "command": 7}',
        "{" * (17 << 20),
    ]
    got = venv("native_raw", {"texts": texts})
    codes = [a["answer"]["error"]["code"] for a in got["answers"]]
    assert codes == ["invalid-request"] * 5 + ["request-too-large"]
    assert all(a["type"] == "str" for a in got["answers"])
    assert got["bytesArgument"] and got["bytesArgument"].startswith(
        "TypeError"
    ), got


# --- GIL and threads ---------------------------------------------------------


def test_gil_is_released_while_the_core_runs(venv, machine):
    # An ssh that needs a second to answer -V keeps the core busy in
    # client.openssh, which the explained message brings in; the text itself
    # is a long --debug log.
    machine.slow_ssh(1)
    text = DEBUG_LINE * 40000 + OPENSSH_NOT_FOUND + "\n" + DEBUG_LINE * 20000
    doc = request(client="azure-cli", offline=True, explain=text)
    got = venv("gil", {"env": machine.env, "request": doc})
    assert got["explained"] == ["client-binaries-not-found"], got
    assert got["findings"] == {"client.openssh": "pass"}, got
    assert got["runSeconds"] >= 0.9, got
    # The method tells the two apart: a C call holding the GIL stops the
    # counter...
    assert got["sortRate"] < 0.2 * got["sleepRate"], got
    # ...and the core does not: Python ran on while it worked.
    assert got["runRate"] > 0.25 * got["sleepRate"], got


def test_sixteen_threads_at_once_get_the_same_answers_as_one_at_a_time(
    venv, machine
):
    machine.slow_ssh(1)
    machine.az_extension("2.0.6")
    proxy = machine.az_proxy(0o644)
    denied = (
        "bash: line 1: exec: {}: cannot execute: Permission denied".format(
            proxy
        )
    )
    requests = [
        {"schemaVersion": 1, "command": "checks"},
        request(client="azure-cli", offline=True, explain=OPENSSH_NOT_FOUND),
        request(client="standalone", offline=True),
        request(client="azure-cli", offline=True, explain=denied),
        {"schemaVersion": 2, "command": "checks"},
        request(client="powershell", offline=True, explain=OPENSSH_NOT_FOUND),
    ]
    threads = 16
    got = venv(
        "threads",
        {"env": machine.env, "requests": requests, "threads": threads},
    )
    for i, answer in enumerate(got["together"]):
        alone = got["alone"][i % len(requests)]
        assert without_durations(answer) == without_durations(alone), i
    assert got["alone"][4]["coreError"]["code"] == "unsupported-schema"
    assert (
        finding(report_of(got["alone"][3]), "client.proxy-binary")["status"]
        == "fail"
    )
    # One at a time would take the sum of the single runs; together takes
    # far less.
    serial = sum(
        got["aloneSeconds"][i % len(requests)] for i in range(threads)
    )
    assert serial >= 7, got["aloneSeconds"]
    assert got["seconds"] < serial / 2, (got["seconds"], serial)


# --- one core, two hosts -----------------------------------------------------


def _scenario(name, machine):
    """(arguments of the binary, the same request as a host builds it)."""
    machine.link_openssh()
    machine.az_extension("2.0.6")
    if name == "catalogue":
        return ["checks"], {"schemaVersion": 1, "command": "checks"}
    if name == "explain-proxy-azure-cli":
        proxy = machine.az_proxy(0o644)
        text = (
            "bash: line 1: exec: {}: cannot execute: Permission denied".format(
                proxy
            )
        )
        return (
            ["arc", "--client", "azure-cli", "--offline", "--explain", text],
            request(
                client="azure-cli",
                offline=True,
                explain=text,
                deadlineMs=30000,
            ),
        )
    if name == "offline-standalone":
        machine.az_proxy(0o755)
        return ["arc", "--offline"], request(offline=True, deadlineMs=30000)
    if name == "offline-target-explain":
        machine.az_proxy(0o600)
        text = (
            "ERROR: Client is not authorized to create a Default connectivity "
            "endpoint for arc-vm1 in the Resource Group rg-one. This is a "
            "one-time operation that must be performed by an account with "
            "Owner or Contributor role."
        )
        args = [
            "arc",
            "-g",
            "rg-one",
            "-n",
            "arc-vm1",
            "--offline",
            "--port",
            "2222",
            "--local-user",
            "azureuser",
            "--client",
            "azure-cli",
            "--explain",
            text,
        ]
        doc = request(
            client="azure-cli",
            offline=True,
            target={"resourceGroup": "rg-one", "name": "arc-vm1"},
            port=2222,
            localUser="azureuser",
            explain=text,
            deadlineMs=30000,
        )
        return args, doc
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name",
    [
        "catalogue",
        "explain-proxy-azure-cli",
        "offline-standalone",
        "offline-target-explain",
    ],
)
def test_python_module_and_standalone_binary_give_the_same_report(
    venv, cli, machine, name
):
    args, doc = _scenario(name, machine)
    from_binary = run_cli(cli, machine, args)
    from_python = report_of(venv("run", {"env": machine.env, "request": doc}))
    assert without_durations(from_python) == without_durations(from_binary)
    if name != "catalogue":
        assert from_python["findings"], from_python
    if name.startswith("explain") or name.endswith("explain"):
        assert from_python["explained"], from_python


# --- fleet progress ----------------------------------------------------------

FLEET_SUB = "00000000-1111-2222-3333-444444444444"


def test_fleet_progress_follows_every_read_in_order_to_the_last(
    venv, machine, standin
):
    # A thousand machines answering after 50 ms each: ten rounds of a hundred
    # reads, long enough for the calls to be paced.
    arm = standin(
        {
            "routes": [],
            "fleet": {
                "count": 1000,
                "subscriptions": [FLEET_SUB],
                "resourceGroups": ["rg-fleet"],
                "delayMs": 50,
                "profiles": [{"weight": 3}, {"status": "Disconnected"}],
            },
        }
    )
    fleet = request(
        client="azure-cli",
        target={"subscription": FLEET_SUB, "resourceGroup": "rg-fleet"},
        subscriptions=[FLEET_SUB],
        azure={
            "armEndpoint": arm.url,
            "accessToken": arm.token,
            "caBundle": arm.ca_bundle,
        },
    )
    offline = request(client="azure-cli", offline=True)
    got = venv(
        "fleet_progress",
        {"env": machine.env, "fleet": fleet, "offline": offline},
    )

    report = got["report"]
    assert report["fleet"]["scanned"] == 1000, report["findings"]
    reads = report["fleet"]["requests"]
    total = (
        reads["providerReads"]
        + reads["permissionReads"]
        + reads["configurationReads"]
    )
    assert total == 1 + 1 + 1000, reads
    calls = got["progress"]["calls"]
    assert len(calls) >= 3, calls
    assert {t for _, t, _ in calls} == {total}, calls
    dones = [d for d, _, _ in calls]
    assert dones == sorted(set(dones)), "went back or repeated: {}".format(
        dones
    )
    assert dones[-1] == total, dones
    # One call at a time (from the core's workers), at most one per ~100 ms
    # but for the last.
    assert got["progress"]["mostAtOnce"] == 1, got["progress"]
    times = [t for _, _, t in calls[:-1]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 0.09 for g in gaps), gaps
    assert len(calls) <= got["seconds"] / 0.1 + 2, (len(calls), got["seconds"])

    # A callable that raises is reported once and not called again; the run
    # goes on to the same report.
    assert len(got["raising"]["calls"]) == 1, got["raising"]
    assert got["unraisable"] == ["RuntimeError: the progress callable broke"]
    raising = got["raisingReport"]
    assert raising["fleet"]["scanned"] == 1000, raising["findings"]
    assert raising["fleet"]["counts"] == report["fleet"]["counts"]
    assert report["fleet"]["counts"] == {"machine-disconnected": 250}

    # Through _core.run, and without progress, the same fleet.
    assert got["core"]["calls"][-1][:2] == [total, total], got["core"]
    assert got["coreReport"]["fleet"]["counts"] == report["fleet"]["counts"]
    assert got["noneReport"]["fleet"]["counts"] == report["fleet"]["counts"]

    # Not a fleet: progress is never called and the report is the usual one.
    assert got["nonFleetCalls"] == 0
    assert got["checksReport"]["checks"], got["checksReport"]
    offline_report = got["offlineReport"]
    assert offline_report["client"] == "azure-cli", offline_report
    assert "fleet" not in offline_report and offline_report["findings"]

    assert got["notCallable"] == (
        "TypeError: progress must be a callable taking (done, total) or "
        "None, not int"
    ), got
