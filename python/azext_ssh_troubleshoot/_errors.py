# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The one place where the core's tool failures become Azure CLI errors.

Findings (a problem in the user's setup) are never errors: they are the report. Only
a core that could not run the request raises, with the core's stable error code in
the message so that it can be searched for.
"""

from azure.cli.core import azclierror

_REINSTALL = ('Reinstall the extension: az extension remove --name ssh-troubleshoot, then add it again. '
              'If that does not help, report the message above.')

# code -> (error type, recommendation)
_BY_CODE = {
    'invalid-request': (azclierror.CLIInternalError, _REINSTALL),
    'unsupported-schema': (azclierror.CLIInternalError, _REINSTALL),
    'native-unavailable': (azclierror.CLIInternalError, _REINSTALL),
    'native-abi-mismatch': (azclierror.CLIInternalError, _REINSTALL),
    'internal': (azclierror.CLIInternalError,
                 'Run the command again with --debug and report the message and the log.'),
    'unsupported-command': (azclierror.BadRequestError,
                            'Update the extension: az extension update --name ssh-troubleshoot.'),
    'unsupported-platform': (azclierror.BadRequestError,
                             'Run az ssh-troubleshoot on Windows, macOS or Linux.'),
    'request-too-large': (azclierror.InvalidArgumentValueError,
                          'Pass only the part of the output around the error to --explain or --explain-file.'),
}


def to_cli_error(error):
    """An ``azclierror`` for a ``_core.CoreError``."""
    error_type, recommendation = _BY_CODE.get(error.code, (azclierror.CLIInternalError, _REINSTALL))
    message = f'ssh-troubleshoot could not run ({error.code}): {_sentence(error.message)}'
    return error_type(message, recommendation)


def _sentence(text):
    text = (text or '').strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in '.!?':
        text += '.'
    return text
