# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The diagnosis shown below a failed ``az ssh arc``.

How it gets to run: az loads an extension only for the top-level word typed, so this
extension also owns ``az ssh troubleshoot`` (commands.py); with it, ``az ssh arc``
loads this extension's loader, which registers two az events here.

- After the command table is built (``CommandInvoker.OnPostCommandTableCreate``) the
  handler of ``ssh arc`` is wrapped. The wrapper remembers the command's arguments and
  any exception the ``ssh`` extension raises. While the handler runs it replaces the
  ``subprocess`` module seen by ``azext_ssh.ssh_utils`` with a tap that forwards
  everything and notes each ``ssh`` process started there, so its exit status is known
  (``az ssh arc`` itself throws it away and exits 0), and keeps the last 256 KiB of
  ssh's standard error: when the extension reads that pipe itself (Entra login without
  ``-v``), by recording the lines it reads; otherwise by piping ssh's stderr through a
  thread that writes every byte on to az's own stderr as it arrives.
- After the command has ended and az has printed its error (``Cli.PostExecute``): if
  the extension raised (other than for a usage mistake) or ssh exited with 255 (its
  status for a failed connection, a failed ProxyCommand included), the error text and
  the stderr tail go to the core's explain engine (offline: client-side checks only,
  no Azure calls, 5 s at most), and the likely causes are printed to stderr with the
  ``az ssh-troubleshoot arc`` line for the full report. When nothing known matches, only
  that line is printed, and nothing at all after an ssh session that lasted over 30 s
  (a dropped session) or after Ctrl+C.

What it cannot see: the remote command's own failures (any ssh status but 255); the
errors of ``az ssh vm``/``config``/``cert`` (only ``ssh arc`` is watched); ssh's
stderr if the ``ssh`` extension stops starting OpenSSH through ``subprocess.Popen`` in
``azext_ssh.ssh_utils`` (then only its exceptions are explained); parse errors of the
``az ssh arc`` command line, which end az before any command runs; and anything when
the ``ssh`` extension is missing (az offers to install it, as before).

A successful ``az ssh arc`` prints nothing more and waits for nothing (the native core
is imported only after a failure). Every error of the hook itself is swallowed and
logged at debug level. ``az config set ssh_troubleshoot.auto_diagnose=false`` turns the
hook off; ``ssh_troubleshoot.capture_ssh_stderr=false`` keeps it but leaves ssh's
stderr alone.
"""

import os
import re
import sys
import threading
import time

from knack.log import get_logger

logger = get_logger(__name__)

WATCHED_COMMAND = 'ssh arc'
CONFIG_SECTION = 'ssh_troubleshoot'
SSH_CONNECTION_FAILED = 255
STDERR_TAIL_BYTES = 256 * 1024
# An ssh that ran this long had a session; a drop at its end is not worth a diagnosis
# unless the error text names a known cause.
LONG_SESSION_SECONDS = 30
DEADLINE_MS = 5000
_PUMP_JOIN_SECONDS = 1.0
_MARK = '_ssh_troubleshoot_hook'
# az ssh arc's placeholder while it discovers the resource type (azext_ssh constants).
_TYPE_PLACEHOLDER = 'arc_resource_type_placeholder'


def register(cli_ctx):
    """Registers the hook's events once per az invocation."""
    try:
        if getattr(cli_ctx, _MARK, None) is not None:
            return
        from knack.events import EVENT_CLI_POST_EXECUTE, EVENT_INVOKER_POST_CMD_TBL_CREATE
        watch = Watch()
        cli_ctx.register_event(EVENT_INVOKER_POST_CMD_TBL_CREATE, watch.on_command_table)
        cli_ctx.register_event(EVENT_CLI_POST_EXECUTE, watch.on_post_execute)
        setattr(cli_ctx, _MARK, watch)
    except Exception as ex:  # pylint: disable=broad-except
        logger.debug('ssh-troubleshoot: hook not registered: %s', ex)


class Watch:
    """What one ``az ssh arc`` did: its arguments, its exception, its ssh process."""

    def __init__(self):
        self.args = None
        self.error = None
        self.interrupted = False
        self.capture = True
        self.times = {}  # 'ssh': when the last ssh started; 'end': when the handler returned
        self.processes = []  # (process, the thread pumping its stderr or None)
        self.tail = _Tail(STDERR_TAIL_BYTES)

    # -- events ------------------------------------------------------------------------
    def on_command_table(self, cli_ctx, **kwargs):
        try:
            loader = kwargs.get('commands_loader')
            command = loader.command_table.get(WATCHED_COMMAND) if loader is not None else None
            if command is None or getattr(command.handler, _MARK, False):
                return
            config = cli_ctx.config
            if not config.getboolean(CONFIG_SECTION, 'auto_diagnose', fallback=True):
                logger.debug('ssh-troubleshoot: %s.auto_diagnose is off', CONFIG_SECTION)
                return
            self.capture = config.getboolean(CONFIG_SECTION, 'capture_ssh_stderr', fallback=True)
            command.handler = self.wrap(command.handler)
        except Exception as ex:  # pylint: disable=broad-except
            logger.debug('ssh-troubleshoot: cannot watch %s: %s', WATCHED_COMMAND, ex)

    def on_post_execute(self, _cli_ctx, **_kwargs):
        if self.args is None:
            return
        try:
            self._finish_pumps()
            text = self.failure_text()
            if text is None:
                return
            shown = self.explain(text)
            if shown:
                sys.stderr.write(shown)
                sys.stderr.flush()
        except Exception as ex:  # pylint: disable=broad-except
            logger.debug('ssh-troubleshoot: no diagnosis: %s', ex)

    # -- around the handler ------------------------------------------------------------
    def wrap(self, handler):
        def watched(*args, **kwargs):
            self._begin(args, kwargs)
            tapped = self._tap()
            try:
                return handler(*args, **kwargs)
            except KeyboardInterrupt:
                self.interrupted = True
                raise
            except Exception as ex:
                self.error = ex
                raise
            finally:
                self.times['end'] = time.monotonic()
                _untap(tapped)
        setattr(watched, _MARK, True)
        return watched

    def _begin(self, args, kwargs):
        try:
            params = args[0] if args and isinstance(args[0], dict) else kwargs
            self.args = dict(params)
        except Exception:  # pylint: disable=broad-except
            self.args = {}

    def _tap(self):
        try:
            import importlib
            module = importlib.import_module('azext_ssh.ssh_utils')
            real = getattr(module, 'subprocess', None)
            if real is None or isinstance(real, _SubprocessTap):
                return None
            module.subprocess = _SubprocessTap(real, self)
            return module, real
        except Exception as ex:  # pylint: disable=broad-except
            logger.debug('ssh-troubleshoot: cannot watch the ssh process: %s', ex)
            return None

    def track(self, process, pump):
        """Notes an ssh process; `pump` (a started _Pump, or None) gets its stderr pipe."""
        self.times['ssh'] = time.monotonic()
        if pump is not None:
            pump.feed(process.stderr)
        elif process.stderr is not None:
            try:
                process.stderr = _RecordingReader(process.stderr, self.tail)
            except Exception as ex:  # pylint: disable=broad-except
                logger.debug('ssh-troubleshoot: cannot read ssh stderr: %s', ex)
        self.processes.append((process, pump))

    def _finish_pumps(self):
        for _, pump in self.processes:
            if pump is not None:
                pump.join(_PUMP_JOIN_SECONDS)

    # -- after the command -------------------------------------------------------------
    def failure_text(self):
        """The text to explain if ``az ssh arc`` failed, else None."""
        if self.interrupted:
            return None
        parts = []
        status = self.ssh_status()
        if status == SSH_CONNECTION_FAILED:
            parts.append(self.tail.text())
        if self.error is not None:
            if _is_usage_error(self.error):
                return None
            parts.append(_error_text(self.error))
        if not parts:
            return None
        logger.debug('ssh-troubleshoot: az ssh arc failed (ssh status %s, exception %s)', status,
                     type(self.error).__name__ if self.error is not None else None)
        return '\n'.join(parts)

    def ssh_status(self):
        if not self.processes:
            return None
        process = self.processes[-1][0]
        try:
            return process.poll()
        except Exception:  # pylint: disable=broad-except
            return None

    def explain(self, text):
        from azext_ssh_troubleshoot import _core
        request = self.request(text)
        report = _core.run(request)
        for finding in report.get('findings') or []:
            logger.debug('ssh-troubleshoot check %s: %s in %s ms', finding.get('check'), finding.get('status'),
                         finding.get('durationMs'))
        quiet_if_unknown = self.error is None and self._long_session()
        return render(report, self.full_report_command(), quiet_if_unknown)

    def _long_session(self):
        if 'ssh' not in self.times or 'end' not in self.times:
            return False
        return self.times['end'] - self.times['ssh'] > LONG_SESSION_SECONDS

    def request(self, text):
        args = self.args or {}
        request = {'schemaVersion': 1, 'command': 'diagnose', 'client': 'azure-cli', 'offline': True,
                   'deadlineMs': DEADLINE_MS, 'explain': text}
        target = {k: v for k, v in (('subscription', self._subscription(current=True)),
                                    ('resourceGroup', args.get('resource_group_name')),
                                    ('name', args.get('vm_name')),
                                    ('resourceType', self._resource_type())) if v}
        if target:
            request['target'] = target
        port = _port(args.get('port'))
        if port:
            request['port'] = port
        for key, field in (('local_user', 'localUser'), ('ssh_client_folder', 'sshClientFolder'),
                           ('ssh_proxy_folder', 'sshProxyFolder')):
            if args.get(key):
                request[field] = str(args[key])
        return request

    def full_report_command(self):
        args = self.args or {}
        words = ['az', 'ssh-troubleshoot', 'arc']
        for flag, value in (('-g', args.get('resource_group_name')), ('-n', args.get('vm_name')),
                            ('--subscription', self._subscription()),
                            ('--resource-type', self._resource_type()), ('--port', _port(args.get('port'))),
                            ('--local-user', args.get('local_user')),
                            ('--ssh-client-folder', args.get('ssh_client_folder')),
                            ('--ssh-proxy-folder', args.get('ssh_proxy_folder'))):
            if value:
                words += [flag, _quote(str(value))]
        return ' '.join(words)

    def _subscription(self, current=False):
        """--subscription as given; with `current`, else az's current one (read from its
        profile file, no network), for the remedies' commands."""
        cmd = (self.args or {}).get('cmd')
        if cmd is None:
            return None
        try:
            chosen = cmd.cli_ctx.data.get('subscription_id')
            if chosen or not current:
                return chosen
            from azure.cli.core._profile import Profile
            return Profile(cli_ctx=cmd.cli_ctx).get_subscription_id()
        except Exception:  # pylint: disable=broad-except
            return None

    def _resource_type(self):
        value = (self.args or {}).get('resource_type')
        return value if value and value != _TYPE_PLACEHOLDER else None


def render(report, command_line, quiet_if_unknown=False):
    """The lines printed below the failure ('' for none)."""
    causes = []
    seen = set()
    for cause in report.get('explained') or []:
        seen.add(cause.get('diagnosis'))
        causes.append((cause.get('diagnosis'), cause.get('title'), cause.get('remedy') or {}))
    for finding in report.get('findings') or []:
        if finding.get('status') == 'fail' and finding.get('diagnosis') not in seen:
            seen.add(finding.get('diagnosis'))
            causes.append((finding.get('diagnosis'), finding.get('summary'), finding.get('remedy') or {}))
    if not causes and quiet_if_unknown:
        return ''
    lines = ['']
    if causes:
        lines.append(f"ssh-troubleshoot: the likely cause{'s' if len(causes) > 1 else ''} of this failure:")
        for diagnosis, title, remedy in causes:
            lines.append(f'  [{diagnosis}] {title}')
            if remedy.get('text'):
                lines.append(f"      {remedy['text']}")
            for command in remedy.get('commands') or []:
                if command.get('shell') in _shells():
                    lines.append(f"        {command.get('command')}")
            if remedy.get('docs'):
                lines.append(f"      {remedy['docs']}")
        lines.append(f'ssh-troubleshoot: for the full report run: {command_line}')
    else:
        lines.append(f'ssh-troubleshoot: no known cause in this error; for the full report run: {command_line}')
    return '\n'.join(lines) + '\n'


# -- the ssh process ---------------------------------------------------------------------
class _SubprocessTap:
    """Stands in for ``subprocess`` inside ``azext_ssh.ssh_utils`` while ``az ssh arc``
    runs: everything is the real module's, except that ``Popen`` of ssh is watched."""

    def __init__(self, real, watch):
        self._real = real
        self._watch = watch

    def __getattr__(self, name):
        return getattr(self._real, name)

    def Popen(self, args, *more, **kwargs):  # pylint: disable=invalid-name
        if not _is_ssh(args):
            return self._real.Popen(args, *more, **kwargs)
        pump = None
        if not more and kwargs.get('stderr') is None and self._watch.capture:
            # The thread runs before ssh gets a pipe for stderr, so that a pipe always has
            # a reader and ssh can never block on it.
            pump = _Pump.start(self._watch.tail)
            if pump is not None:
                kwargs['stderr'] = self._real.PIPE
        try:
            process = self._real.Popen(args, *more, **kwargs)
        except BaseException:
            if pump is not None:
                pump.feed(None)
            raise
        self._watch.track(process, pump)
        return process


def _untap(tapped):
    if tapped is not None:
        module, real = tapped
        module.subprocess = real


def _is_ssh(args):
    try:
        program = args[0] if isinstance(args, (list, tuple)) else str(args).split()[0]
        name = os.path.basename(str(program)).lower()
        return name in ('ssh', 'ssh.exe')
    except Exception:  # pylint: disable=broad-except
        return False


class _Pump:
    """A thread that copies one ssh's stderr pipe to az's stderr."""

    def __init__(self, tail):
        import queue
        self._streams = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(tail,), name='ssh-troubleshoot-stderr',
                                        daemon=True)

    @classmethod
    def start(cls, tail):
        """A running pump, or None when no thread can be started."""
        try:
            pump = cls(tail)
            pump._thread.start()  # pylint: disable=protected-access
            return pump
        except Exception as ex:  # pylint: disable=broad-except
            logger.debug('ssh-troubleshoot: no stderr pump: %s', ex)
            return None

    def feed(self, stream):
        """Hands over the pipe (None: ssh did not start)."""
        self._streams.put(stream)

    def join(self, seconds):
        self._thread.join(seconds)

    def _run(self, tail):
        stream = self._streams.get()
        if stream is not None:
            _pump(stream, tail)


def _pump(stream, tail):
    """Copies ssh's stderr to az's stderr byte for byte, as it comes, keeping the tail."""
    fd_in = stream.fileno()
    try:
        fd_out = sys.__stderr__.fileno()
    except Exception:  # pylint: disable=broad-except
        fd_out = 2
    writing = True
    try:
        while True:
            chunk = os.read(fd_in, 65536)
            if not chunk:
                break
            tail.add(chunk)
            while writing and chunk:
                try:
                    chunk = chunk[os.write(fd_out, chunk):]
                except OSError:
                    writing = False  # keep draining so ssh never blocks on a full pipe
    except Exception as ex:  # pylint: disable=broad-except
        logger.debug('ssh-troubleshoot: stderr pump stopped: %s', ex)
    finally:
        try:
            stream.close()
        except Exception:  # pylint: disable=broad-except
            pass


class _RecordingReader:
    """ssh's stderr pipe as the ``ssh`` extension reads it, noting what it reads."""

    def __init__(self, stream, tail):
        self._stream = stream
        self._tail = tail

    def readline(self, *args):
        line = self._stream.readline(*args)
        self._tail.add(line)
        return line

    def read(self, *args):
        data = self._stream.read(*args)
        self._tail.add(data)
        return data

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Tail:
    """The last ``limit`` bytes added."""

    def __init__(self, limit):
        self._limit = limit
        self._data = bytearray()
        self._lock = threading.Lock()

    def add(self, data):
        if not data:
            return
        if isinstance(data, str):
            data = data.encode('utf-8', errors='replace')
        with self._lock:
            self._data += data
            if len(self._data) > self._limit:
                del self._data[:len(self._data) - self._limit]

    def text(self):
        with self._lock:
            return bytes(self._data).decode('utf-8', errors='replace')


# -- small helpers -------------------------------------------------------------------------
def _is_usage_error(error):
    from azure.cli.core import azclierror
    return isinstance(error, (azclierror.RequiredArgumentMissingError, azclierror.MutuallyExclusiveArgumentError,
                              azclierror.InvalidArgumentValueError, azclierror.ArgumentUsageError,
                              azclierror.UnrecognizedArgumentError))


def _error_text(error):
    lines = [str(error)]
    lines += [str(r) for r in getattr(error, 'recommendations', None) or []]
    return '\n'.join(lines)


def _port(value):
    try:
        port = int(value)
        return port if 0 < port < 65536 else None
    except (TypeError, ValueError):
        return None


def _shells():
    return ('az', 'powershell') if sys.platform == 'win32' else ('az', 'sh')


def _quote(value):
    if re.fullmatch(r'[A-Za-z0-9_./:@%+=,\\-]+', value):
        return value
    if sys.platform == 'win32':
        escaped = value.replace('"', '\\"')
        return f'"{escaped}"'
    escaped = value.replace("'", "'\"'\"'")
    return f"'{escaped}'"
