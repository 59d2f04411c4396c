# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
"""The Azure CLI extension ``ssh-troubleshoot``: ``az ssh-troubleshoot arc``.

Loading the extension imports this file, ``commands.py``, ``_help.py`` and the
small ``_hook.py``; the command's code (``custom.py``) and the native core load
only when a command of this extension runs, or when ``az ssh arc`` fails.
"""

from azure.cli.core import AzCommandsLoader

from azext_ssh_troubleshoot._help import helps  # noqa: F401 pylint: disable=unused-import


class SshTroubleshootCommandsLoader(AzCommandsLoader):

    def __init__(self, cli_ctx=None):
        from azure.cli.core.commands import CliCommandType
        custom_type = CliCommandType(operations_tmpl='azext_ssh_troubleshoot.custom#{}')
        super().__init__(cli_ctx=cli_ctx, custom_command_type=custom_type)
        if cli_ctx is not None:
            # The diagnosis shown below a failed `az ssh arc` (see _hook.py).
            from azext_ssh_troubleshoot._hook import register
            register(cli_ctx)

    def load_command_table(self, args):
        from azext_ssh_troubleshoot.commands import load_command_table
        load_command_table(self, args)
        return self.command_table

    def load_arguments(self, command):
        from azext_ssh_troubleshoot._params import load_arguments
        load_arguments(self, command)


COMMAND_LOADER_CLS = SshTroubleshootCommandsLoader
