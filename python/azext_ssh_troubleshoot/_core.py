"""The one place the extension's Python touches the native core.

Everything else in ``azext_ssh_troubleshoot`` calls :func:`run` with a request
document (CONTRACT.md section 3) as a dict and gets the report document back.
The native module is imported only here and only when a command runs, so that
loading the extension costs az nothing, and so that shipping the native module
as a separate package later (``ssh_troubleshoot_native``) changes packaging
only, not code.

Plain Python on purpose: no az imports, Python 3.9 syntax.
"""

import json
import re

# The native calling convention this module speaks (the native abi_version()).
ABI_VERSION = 1

# Lone surrogates (text decoded with errors="surrogateescape") are not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


class CoreError(Exception):
    """The core could not run the request (a tool failure, not a finding).

    ``code`` is one of the core's stable error codes (``invalid-request``,
    ``unsupported-schema``, ``unsupported-command``, ``unsupported-platform``,
    ``request-too-large``, ``internal``) or ``native-unavailable`` /
    ``native-abi-mismatch`` when the native module itself cannot be used.
    """

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


_native_module = None


def _load():
    """Imports the native module: the one bundled in this wheel, else the
    standalone package."""
    try:
        from azext_ssh_troubleshoot import _native as module
    except ImportError as bundled_error:
        try:
            import ssh_troubleshoot_native as module
        except ImportError:
            raise CoreError(
                "native-unavailable",
                "the ssh-troubleshoot native module is not installed for this "
                f"Python ({bundled_error}); reinstall the extension",
            ) from bundled_error
    return module


def _native():
    """The native module, imported on first use and checked once."""
    global _native_module  # pylint: disable=global-statement
    if _native_module is None:
        module = _load()
        found = module.abi_version()
        if found != ABI_VERSION:
            raise CoreError(
                "native-abi-mismatch",
                f"the ssh-troubleshoot native module speaks ABI {found}, this "
                f"extension needs {ABI_VERSION}; reinstall the extension",
            )
        _native_module = module
    return _native_module


def run(request: dict, progress=None, cancel=None, on_round=None, refresh_token=None) -> dict:
    """Runs one request document (a dict); returns the report (a dict).

    Raises :class:`CoreError` when the core answers an error document. The
    native call releases the GIL, so other Python threads keep running.

    ``progress``, a callable or None, is called as ``progress(done, total)``
    while a fleet request reads Azure (never for other requests): from the
    core's worker threads but one call at a time, ``done`` never decreasing,
    about ten times a second at most, and once with ``done == total`` when
    every read finished. If it raises, the exception goes to
    ``sys.unraisablehook`` and it is not called again; the run goes on. Not a
    callable: :class:`TypeError`.

    ``cancel``, a ``Cancel`` of the native module or None: once it fires the run
    stops and answers a report with ``"cancelled": True``. Ctrl+C while the run
    waits cancels it the same way (within milliseconds) and then raises
    :class:`KeyboardInterrupt`, which az turns into its usual exit.

    For a ``watch`` request: ``on_round``, a callable or None, is called with
    each round (a dict: ``round``, ``line`` the sentence to show, ``status``)
    while the watch goes on; ``refresh_token``, a callable or None, answers a
    fresh access token (or None) when a round may need one. Both are called
    from the core's thread; what they raise goes to ``sys.unraisablehook``.
    """
    native = _native()
    payload = json.dumps(request, ensure_ascii=False)
    # Only when given: a native module without the keyword still runs the rest.
    extra = {} if progress is None else {"progress": progress}
    if cancel is not None:
        extra["cancel"] = cancel
    if on_round is not None:
        extra["on_round"] = lambda event: on_round(json.loads(event))
    if refresh_token is not None:
        extra["refresh_token"] = refresh_token
    try:
        answer = native.run(payload, **extra)
    except UnicodeEncodeError:
        # U+FFFD in their place, as the standalone binary does with bad bytes.
        answer = native.run(_SURROGATE.sub("\ufffd", payload), **extra)
    answer = json.loads(answer)
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        raise CoreError(
            str(error.get("code", "internal")), str(error.get("message", ""))
        )
    return answer


def abi_version() -> int:
    """The native module's calling convention version (unchecked)."""
    return _load().abi_version()


def native_version() -> str:
    """The native module's version (the Rust workspace's version)."""
    return _load().__version__
