# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""``az ssh-troubleshoot arc``: builds the request document (CONTRACT.md section 3) from
az's own context, runs the core, and returns the report document as the result.

The command succeeds (exit status 0) whenever the doctor could run, whatever it found:
the findings are the result (``--query status`` tells healthy, problems or incomplete).
Only a tool failure raises.
"""

import json
import os
import sys

from azure.cli.core import azclierror
from knack.log import get_logger

logger = get_logger(__name__)

CLIENT = 'azure-cli'
SCHEMA_VERSION = 1
# The core refuses requests over 16 MiB of JSON; an explained text keeps its end (where
# the error is) and stays well below that even when every character needs escaping.
MAX_EXPLAIN_CHARS = 2 * 1024 * 1024


# pylint: disable=too-many-arguments,too-many-locals,unused-argument
def ssh_troubleshoot_arc(cmd, resource_group_name=None, vm_name=None, port=None, local_user=None,
                         ssh_client_folder=None, ssh_proxy_folder=None, resource_type=None,
                         explain=None, explain_file=None, offline=False, fix=False, yes=False,
                         disable_ssh=False, probe_credentials=False, deadline=None, report_path=None,
                         subscriptions=None, probe=False, watch=False, watch_timeout=None):
    _check_usage(resource_group_name, vm_name, explain, explain_file, offline, disable_ssh, deadline, port)
    if _is_fleet(cmd, resource_group_name, vm_name, subscriptions, offline, explain, explain_file):
        if fix or disable_ssh or probe_credentials or probe or watch:
            raise azclierror.MutuallyExclusiveArgumentError(
                '--fix, --disable-ssh, --probe-credentials, --probe and --watch work on one server, not on a fleet.',
                'Add --name to act on one server; each fleet row gives its command.')
        return _fleet(cmd, resource_group_name, subscriptions, port, local_user, resource_type, deadline,
                      report_path)
    request = _single_request(cmd, resource_group_name, vm_name, resource_type, offline, deadline, report_path,
                              {'port': port, 'localUser': local_user, 'sshClientFolder': ssh_client_folder,
                               'sshProxyFolder': ssh_proxy_folder, 'explain': _read_explain(explain, explain_file)},
                              probe_credentials, probe, watch, watch_timeout)

    if disable_ssh:
        if not yes:
            _require_terminal('--disable-ssh', 'Add --yes to remove SSH access without being asked.')
            question = (f'Remove SSH access to {resource_group_name}/{vm_name}: delete its SSH service '
                        'configuration, then its default connectivity endpoint?')
            if not _ask(question):
                logger.warning('Nothing changed.')
                return None
        request['command'] = 'disable-ssh'
        return run(request)

    report = _watch(cmd, request) if watch else run(request)
    if fix:
        report = _apply_fixes(request, report, yes)
    return report


# pylint: disable=too-many-arguments
def _single_request(cmd, resource_group_name, vm_name, resource_type, offline, deadline, report_path,
                    optional, probe_credentials, probe, watch, watch_timeout):
    """The request document for one server (or none: local checks and explain only)."""
    wants_azure = bool(resource_group_name and vm_name) and not offline
    request = {
        'schemaVersion': SCHEMA_VERSION,
        'command': 'diagnose',
        'client': CLIENT,
        'offline': bool(offline),
    }
    # Without --deadline (or --watch-timeout) the core's own default applies.
    if deadline:
        request['deadlineMs'] = deadline * 1000
    request.update({k: v for k, v in optional.items() if v is not None})
    if probe_credentials:
        request['probeCredentials'] = True
    if probe:
        request['probe'] = True
    if watch:
        request['watch'] = True
        if watch_timeout:
            request['watchTimeoutMs'] = watch_timeout * 1000
    _add_report_path(request, report_path)

    subscription = _subscription(cmd, wants_azure)
    target = {k: v for k, v in (('subscription', subscription), ('resourceGroup', resource_group_name),
                                ('name', vm_name), ('resourceType', resource_type)) if v}
    if target:
        request['target'] = target
    if wants_azure:
        request['azure'] = azure_settings(cmd, subscription)
    return request


def _watch(cmd, request):
    """--watch: the core reruns what failed; each round is shown on stderr as it ends, in
    the core's words, and a round that a new token may cure gets one from az's profile
    (the round then says a new token was asked for)."""
    subscription = (request.get('target') or {}).get('subscription')
    watch_seconds = request['watchTimeoutMs'] // 1000
    logger.warning('Watching: checks that fail are run again every 5 s for up to %s s.', watch_seconds)
    report = run(request, on_round=lambda event: logger.warning('%s', event['line']),
                 refresh_token=lambda: _access_token(cmd, subscription))
    summary = (report.get('watch') or {}).get('summary')
    if summary:
        logger.warning('%s', summary)
    return report


def _is_fleet(cmd, resource_group_name, vm_name, subscriptions, offline, explain, explain_file):
    """No --name, but --resource-group, --subscriptions or an explicit --subscription."""
    if vm_name or offline or explain is not None or explain_file is not None:
        return False
    return bool(resource_group_name or subscriptions or cmd.cli_ctx.data.get('subscription_id'))


def _fleet(cmd, resource_group_name, subscriptions, port, local_user, resource_type, deadline,  # pylint: disable=too-many-arguments
           report_path=None):
    """Every Arc machine of a resource group or of whole subscriptions: one row each
    (report member ``fleet``), from Azure Resource Graph and paced per-machine reads."""
    first = _subscription(cmd, True)
    listed = [_subscription_id(cmd, s) for s in subscriptions or []]
    chosen = []
    for sub in ([first] if first and (resource_group_name or not listed) else []) + listed:
        if sub and sub.lower() not in (c.lower() for c in chosen):
            chosen.append(sub)
    target = {k: v for k, v in (('subscription', chosen[0] if chosen else None),
                                ('resourceGroup', resource_group_name), ('resourceType', resource_type)) if v}
    request = {
        'schemaVersion': SCHEMA_VERSION,
        'command': 'diagnose',
        'client': CLIENT,
        'target': target,
        'subscriptions': chosen,
        'azure': azure_settings(cmd, chosen[0] if chosen else None),
    }
    request.update({k: v for k, v in (('port', port), ('localUser', local_user),
                                      ('deadlineMs', deadline and deadline * 1000)) if v is not None})
    _add_report_path(request, report_path)
    report = run(request, progress=_FleetProgress.on_terminal(cmd.cli_ctx))
    _raise_if_nothing_listed(report)
    return report


def _raise_if_nothing_listed(report):
    """No machine listed (the core's `nothingListed`: no subscription, Resource Graph
    failed or timed out, and no finding names a cause) means nothing was diagnosed: a tool
    failure, not an empty fleet."""
    if not report.get('nothingListed'):
        return
    findings = report.get('findings') or []
    finding = findings[0] if findings else {}
    evidence = '; '.join(f'{k}: {v}' for k, v in (finding.get('evidence') or {}).items())
    message = ' '.join(part for part in (finding.get('summary'), evidence) if part)
    raise azclierror.AzureResponseError(message or 'No machine was listed.',
                                        'Run again with --debug to see the request and answer.')


class _FleetProgress:
    """az's own determinate progress bar on stderr while a fleet reads Azure
    ("Reading Azure: 1234/5000 [####  ]  24.68%"). The core calls it from its worker
    threads, one call at a time, about ten times a second at most."""

    @classmethod
    def on_terminal(cls, cli_ctx):
        """A bar, or None: not when stderr is no terminal, nor with --only-show-errors or
        core.disable_progress_bar (az's own rule for its progress bars)."""
        if getattr(cli_ctx, 'only_show_errors', False) or \
                cli_ctx.config.getboolean('core', 'disable_progress_bar', False):
            return None
        try:
            if not sys.stderr.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        return cls(cli_ctx)

    def __init__(self, cli_ctx):
        self._cli_ctx = cli_ctx
        self._hook = None
        self._message = None
        self._failed = False

    def __call__(self, done, total):
        # az's determinate view draws nothing at 0 %: the bar begins with the first read.
        if self._failed or not done:
            return
        self._message = f'Reading Azure: {done}/{total} '
        try:
            if self._hook is None:
                self._hook = self._cli_ctx.get_progress_controller(det=True)
                self._hook.begin(message=self._message, value=done, total_val=total)
            else:
                self._hook.add(message=self._message, value=done, total_val=total)
        except Exception as ex:  # pylint: disable=broad-except
            # A bar that cannot be drawn is no reason to stop the run.
            self._failed = True
            logger.debug('Progress bar not shown: %s', ex)

    def close(self):
        """Ends the bar (az's view then starts a new line), before anything else is written."""
        hook, self._hook = self._hook, None
        if hook is None:
            return
        try:
            hook.end(message=self._message)
        except Exception as ex:  # pylint: disable=broad-except
            logger.debug('Progress bar not ended: %s', ex)


def _add_report_path(request, report_path):
    if report_path:
        # The core writes the files; it resolves a relative path against the process's
        # working folder, which for az is the user's.
        request['reportPath'] = os.path.abspath(os.path.expanduser(report_path))
        request['hostVersions'] = _host_versions()


def _subscription_id(cmd, name_or_id):
    """A subscription name resolved to its id by az's profile (ids pass through)."""
    from azure.cli.core._profile import Profile
    try:
        return Profile(cli_ctx=cmd.cli_ctx).get_subscription(name_or_id)['id']
    except Exception as ex:  # pylint: disable=broad-except
        logger.debug('Subscription %s not resolved: %s', name_or_id, ex)
        return name_or_id


def run(request, progress=None, **watch_hooks):
    """Runs one request through the core; a tool failure becomes an ``azclierror``.
    ``progress`` (a :class:`_FleetProgress`) follows a fleet's reads and is closed as
    soon as the core returns; ``watch_hooks`` (``on_round``, ``refresh_token``) go to
    the core as they are."""
    from azext_ssh_troubleshoot import _core
    from azext_ssh_troubleshoot._errors import to_cli_error
    logger.debug('ssh-troubleshoot request: %s', json.dumps(_redacted(request), sort_keys=True))
    try:
        report = _core.run(request, progress=progress, **watch_hooks)
    except _core.CoreError as error:
        raise to_cli_error(error) from error
    finally:
        if progress is not None:
            progress.close()
    _log_timings(report)
    _tell_shared_report(report)
    return report


def _host_versions():
    from azure.cli.core import __version__ as cli_version
    return {'azure-cli': cli_version, 'python': sys.version.split()[0]}


def _tell_shared_report(report):
    """Where --report wrote the shareable files, or why it could not. The report is
    still returned either way (``--query sharedReport`` says the same)."""
    shared = report.get('sharedReport')
    if not shared:
        return
    if shared.get('written'):
        logger.warning('Shareable report (identifiers replaced by placeholders) written to %s and %s',
                       shared.get('json'), shared.get('markdown'))
    else:
        logger.error('The shareable report was not written: %s', shared.get('error'))


def azure_settings(cmd, subscription):
    """The ARM endpoint of az's active cloud, a token for its audience from az's own
    profile, and the TLS trust and proxy az itself uses."""
    cloud = cmd.cli_ctx.cloud
    settings = {'armEndpoint': cloud.endpoints.resource_manager.rstrip('/')}
    token = _access_token(cmd, subscription)
    if token:
        settings['accessToken'] = token
    # az (through requests) trusts REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE, else certifi.
    ca_bundle = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')
    if ca_bundle:
        settings['caBundle'] = ca_bundle
    proxy = os.environ.get('HTTPS_PROXY') or os.environ.get('https_proxy')
    if proxy:
        settings['proxy'] = proxy
    return settings


def _access_token(cmd, subscription):
    """A token for the active cloud's ARM audience, or None; without one the report says
    not-signed-in (a finding, not a failure)."""
    from azure.cli.core._profile import Profile
    try:
        profile = Profile(cli_ctx=cmd.cli_ctx)
        creds, _, _ = profile.get_raw_token(subscription=subscription,
                                            resource=cmd.cli_ctx.cloud.endpoints.active_directory_resource_id)
        return creds[1]
    except Exception as ex:  # pylint: disable=broad-except
        # az's messages say what to do (az login); they never carry a token.
        logger.warning('No Azure access token from az, so the Azure-side checks cannot run: %s', ex)
        return None


def _subscription(cmd, needed):
    """--subscription (resolved by az to an id), else the current one when Azure is asked."""
    chosen = cmd.cli_ctx.data.get('subscription_id')
    if chosen or not needed:
        return chosen
    from azure.cli.core.commands.client_factory import get_subscription_id
    try:
        return get_subscription_id(cmd.cli_ctx)
    except Exception as ex:  # pylint: disable=broad-except
        logger.debug('No current subscription: %s', ex)
        return None


def _check_usage(resource_group_name, vm_name, explain, explain_file, offline, disable_ssh, deadline, port):
    if vm_name and not resource_group_name:
        raise azclierror.RequiredArgumentMissingError(
            '--name needs --resource-group: --resource-group and --name must be given together.',
            'Give both to check one server, --resource-group alone for every server in it, '
            'or neither to check this machine only.')
    if explain is not None and explain_file is not None:
        raise azclierror.MutuallyExclusiveArgumentError(
            '--explain and --explain-file cannot be used together.', 'Pass the error text one way.')
    if disable_ssh and not resource_group_name:
        raise azclierror.RequiredArgumentMissingError(
            '--disable-ssh needs the server it removes SSH access from.', 'Add --resource-group and --name.')
    if disable_ssh and offline:
        raise azclierror.MutuallyExclusiveArgumentError(
            '--disable-ssh changes Azure resources and cannot run with --offline.', 'Leave out --offline.')
    if deadline is not None and deadline < 1:
        raise azclierror.InvalidArgumentValueError('--deadline must be at least 1 second.')
    if port is not None and not 0 < port < 65536:
        raise azclierror.InvalidArgumentValueError('--port must be between 1 and 65535.')


def _read_explain(explain, explain_file):
    if explain is not None:
        return _tail(explain, 'the --explain text')
    if explain_file is None:
        return None
    if explain_file == '-':
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, 'buffer') else sys.stdin.read().encode()
        shown = 'standard input'
    else:
        path = os.path.expanduser(explain_file)
        try:
            with open(path, 'rb') as f:
                data = f.read()
        except OSError as ex:
            raise azclierror.FileOperationError(f'Cannot read {explain_file}: {ex.strerror or ex}.',
                                                'Check the path given to --explain-file.') from ex
        shown = explain_file
    # Logs mix encodings; the explain engine needs only the ASCII skeleton of each message.
    return _tail(data.decode('utf-8', errors='replace'), shown)


def _tail(text, shown):
    if len(text) <= MAX_EXPLAIN_CHARS:
        return text
    logger.warning('%s is long; only its last %d characters are explained.', shown, MAX_EXPLAIN_CHARS)
    return text[-MAX_EXPLAIN_CHARS:]


def _apply_fixes(request, report, yes):
    offered = [f['fix'] for f in report.get('findings') or [] if f.get('fix')]
    if not offered:
        logger.warning('Nothing to fix: no finding offers a fix.')
        return report
    if not yes:
        _require_terminal('--fix', 'Add --yes to apply the offered fixes without being asked.')
    chosen = [fix['id'] for fix in offered
              if yes or _ask(f"Apply fix {fix['id']}: {fix.get('description', '')}?")]
    if not chosen:
        logger.warning('No fix applied.')
        return report
    return run(dict(request, command='apply-fixes', fixes=chosen))


def _require_terminal(flag, recommendation):
    from knack.prompting import verify_is_a_tty, NoTTYException
    try:
        verify_is_a_tty()
    except NoTTYException as ex:
        raise azclierror.NoTTYError(f'{flag} asks before it changes anything, and there is no terminal to ask on.',
                                    recommendation) from ex


def _ask(question):
    from knack.prompting import prompt_y_n
    return prompt_y_n(question, default='n')


def _redacted(request):
    """The request as --debug logs it: never the token, and not a whole pasted log."""
    shown = dict(request)
    if shown.get('azure', {}).get('accessToken'):
        shown['azure'] = dict(shown['azure'], accessToken='<redacted>')
    if shown.get('explain') is not None:
        shown['explain'] = f"<{len(shown['explain'])} characters>"
    return shown


def _log_timings(report):
    for finding in report.get('findings') or []:
        logger.debug('ssh-troubleshoot check %s: %s in %s ms', finding.get('check'), finding.get('status'),
                     finding.get('durationMs'))
    logger.debug('ssh-troubleshoot: %s in %s ms', report.get('status'), report.get('durationMs'))
