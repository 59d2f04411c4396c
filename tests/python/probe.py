"""Runs inside the test venv (``python -I probe.py PROBE ARGS_FILE``) against
the installed wheel, and prints one JSON document on stdout.

The tests never import the package into pytest's own interpreter: what they
test is the wheel as a user's Python sees it after ``pip install``. The
package's ``__init__`` is az's command loader and needs azure-cli-core, which
this venv does not have; the probes load ``_core`` and ``_native`` from the
installed package without running it (tests/az runs the whole extension inside
a real az).
"""

import json
import os
import sys
import threading
import time


def _package_without_az():
    """Makes ``azext_ssh_troubleshoot`` importable as a plain folder of
    modules: the installed package, minus its ``__init__`` (the az command
    loader)."""
    import importlib.util

    name = "azext_ssh_troubleshoot"
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise SystemExit("{} is not installed in {}".format(name, sys.prefix))
    sys.modules[name] = importlib.util.module_from_spec(spec)


def _set_environ(env):
    """The core reads the process environment: replace it before the call."""
    if env is None:
        return
    os.environ.clear()
    os.environ.update(env)


def _call(run, request):
    from azext_ssh_troubleshoot._core import CoreError

    try:
        return {"report": run(request)}
    except CoreError as e:
        return {
            "coreError": {"code": e.code, "message": e.message, "str": str(e)},
            "isException": isinstance(e, Exception),
        }


def probe_identity(args):
    """Where the package came from and what it says about itself."""
    import azext_ssh_troubleshoot
    from azext_ssh_troubleshoot import _core, _native

    return {
        "package": azext_ssh_troubleshoot.__file__,
        "native": _native.__file__,
        "nativeVersion": _native.__version__,
        "nativeAbi": _native.abi_version(),
        "coreAbi": _core.abi_version(),
        "coreNativeVersion": _core.native_version(),
        "prefix": sys.prefix,
    }


def probe_run(args):
    """One request through ``_core.run`` with the given environment."""
    from azext_ssh_troubleshoot import _core

    _set_environ(args.get("env"))
    return _call(_core.run, args["request"])


def probe_native_raw(args):
    """Strings straight into the native module: the answer is a JSON string."""
    from azext_ssh_troubleshoot import _native

    answers = []
    for text in args["texts"]:
        answer = _native.run(text)
        answers.append(
            {"type": type(answer).__name__, "answer": json.loads(answer)}
        )
    wrong_type = None
    try:
        _native.run(b'{"schemaVersion": 1, "command": "checks"}')
    except TypeError as e:
        wrong_type = "TypeError: {}".format(e)
    return {"answers": answers, "bytesArgument": wrong_type}


_counter = 0


def _progress_during(fn):
    """Runs ``fn`` on a thread while this thread counts; returns how far the
    count got during the call and how long the call took."""
    global _counter
    seen = {}

    def worker():
        seen["before"] = _counter
        started = time.perf_counter()
        try:
            seen["result"] = fn()
        finally:
            seen["seconds"] = time.perf_counter() - started
            seen["after"] = _counter

    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        _counter += 1
    thread.join()
    return seen["after"] - seen["before"], seen["seconds"], seen.get("result")


def probe_gil(args):
    """Counts on the main thread while ``_core.run`` works on another one,
    next to two controls: ``time.sleep`` (releases the GIL) and a C-level
    sort (holds it)."""
    import random

    from azext_ssh_troubleshoot import _core

    _set_environ(args["env"])
    request = args["request"]
    _core.run({"schemaVersion": 1, "command": "checks"})  # import and warm up

    count, seconds, _ = _progress_during(lambda: time.sleep(0.5))
    released_rate = count / seconds
    data = [random.random() for _ in range(2000000)]
    count, seconds, _ = _progress_during(lambda: sorted(data))
    held_rate = count / seconds
    count, seconds, report = _progress_during(lambda: _core.run(request))
    return {
        "sleepRate": released_rate,
        "sortRate": held_rate,
        "runRate": count / seconds,
        "runSeconds": seconds,
        "runCount": count,
        "explained": [e["diagnosis"] for e in report["explained"]],
        "findings": {f["check"]: f["status"] for f in report["findings"]},
    }


def probe_threads(args):
    """``threads`` calls at once (request ``i % len(requests)`` on thread
    ``i``),
    released together by a barrier; then each distinct request again, alone."""
    from azext_ssh_troubleshoot import _core

    _set_environ(args["env"])
    requests = args["requests"]
    count = args["threads"]
    barrier = threading.Barrier(count)
    together = [None] * count

    def worker(i):
        barrier.wait()
        together[i] = _call(_core.run, requests[i % len(requests)])

    threads = [
        threading.Thread(target=worker, args=(i,)) for i in range(count)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    alone, alone_seconds = [], []
    for request in requests:
        started = time.perf_counter()
        alone.append(_call(_core.run, request))
        alone_seconds.append(time.perf_counter() - started)
    return {
        "together": together,
        "seconds": seconds,
        "alone": alone,
        "aloneSeconds": alone_seconds,
    }


class _Recorder:
    """A progress callable that records each call, (done, total) and when,
    and how many calls were running at once (it sleeps a little, which
    releases the GIL, so overlapping calls would show)."""

    def __init__(self, raise_on_call=None, pause=0.002):
        self.calls = []
        self.running = 0
        self.most_at_once = 0
        self.raise_on_call = raise_on_call
        self.pause = pause
        self.lock = threading.Lock()

    def __call__(self, done, total):
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.calls.append([done, total, time.monotonic()])
        time.sleep(self.pause)
        with self.lock:
            self.running -= 1
        if self.raise_on_call == len(self.calls):
            raise RuntimeError("the progress callable broke")

    def summary(self):
        return {"calls": self.calls, "mostAtOnce": self.most_at_once}


def probe_fleet_progress(args):
    """A fleet request through ``_native.run`` with a progress callable, one
    that raises, and ``_core.run``; then a non-fleet request with progress and
    a progress that is not callable."""
    from azext_ssh_troubleshoot import _core, _native

    _set_environ(args["env"])
    fleet = json.dumps(args["fleet"])
    out = {}

    recorder = _Recorder()
    started = time.monotonic()
    out["report"] = json.loads(_native.run(fleet, progress=recorder))
    out["seconds"] = time.monotonic() - started
    out["progress"] = recorder.summary()

    unraisable = []
    sys.unraisablehook = lambda u: unraisable.append(
        "{}: {}".format(type(u.exc_value).__name__, u.exc_value)
    )
    raising = _Recorder(raise_on_call=1)
    out["raisingReport"] = json.loads(_native.run(fleet, progress=raising))
    out["raising"] = raising.summary()
    out["unraisable"] = unraisable

    through_core = _Recorder(pause=0)
    out["coreReport"] = _core.run(args["fleet"], progress=through_core)
    out["core"] = through_core.summary()

    other = _Recorder()
    out["checksReport"] = json.loads(
        _native.run(
            json.dumps({"schemaVersion": 1, "command": "checks"}),
            progress=other,
        )
    )
    out["offlineReport"] = json.loads(
        _native.run(json.dumps(args["offline"]), progress=other)
    )
    out["nonFleetCalls"] = len(other.calls)
    out["noneReport"] = json.loads(_native.run(fleet, progress=None))

    try:
        _native.run(fleet, progress=42)
        out["notCallable"] = None
    except TypeError as e:
        out["notCallable"] = "TypeError: {}".format(e)
    return out


def probe_interrupt(args):
    """``_core.run`` on a request whose ARM hangs, until Ctrl+C: writes "waiting"
    to stderr first, then reports how the call ended and the threads left."""
    from azext_ssh_troubleshoot import _core, _native

    _set_environ(args.get("env"))

    def tasks():
        # Counted by the OS, so the core's threads (not Python's) are seen too.
        return len(os.listdir("/proc/self/task"))

    before, tasks_before = threading.active_count(), tasks()
    sys.stderr.write("waiting\n")
    sys.stderr.flush()
    try:
        _core.run(args["request"])
        ended = "returned"
    except KeyboardInterrupt:
        ended = "KeyboardInterrupt"
    # A joined thread can still be listed for a moment: the kernel wakes the joiner
    # before it removes the exiting thread, and tokio lets its idle resolver threads go
    # without waiting (arm/io_thread.rs). On a loaded machine that moment shows; a thread
    # really left behind is still there after the bound.
    settle_until = time.monotonic() + 10
    while tasks() > tasks_before and time.monotonic() < settle_until:
        time.sleep(0.01)
    tasks_added = tasks() - tasks_before
    cancel = _native.Cancel()
    cancel.cancel()
    again = json.loads(_native.run(json.dumps(args["request"]), cancel=cancel))
    fired = {"cancelled": again.get("cancelled"), "status": again.get("status")}
    return {"ended": ended, "pythonThreadsAdded": threading.active_count() - before,
            "tasksAdded": tasks_added, "firedHandle": fired}


def main():
    _package_without_az()
    name, args_file = sys.argv[1], sys.argv[2]
    with open(args_file, encoding="utf-8") as f:
        args = json.load(f)
    result = globals()["probe_" + name](args)
    sys.stdout.write(json.dumps(result))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
