# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------

from azext_ssh_troubleshoot._format import transform_report_table

# The command that runs the doctor, under the extension's own group.
COMMAND = 'ssh-troubleshoot arc'

# The same command beside `az ssh arc`. Besides being easy to find there, it is what
# makes az load this extension when any `az ssh ...` command runs: az's command index
# loads only the extensions that own the top-level word typed (here `ssh`), and the
# failure hook on `az ssh arc` (_hook.py) lives in this extension's loader.
ALIAS = 'ssh troubleshoot'


def load_command_table(self, _):
    with self.command_group('ssh-troubleshoot', is_preview=True) as g:
        g.custom_command('arc', 'ssh_troubleshoot_arc', table_transformer=transform_report_table)

    with self.command_group('ssh') as g:
        g.custom_command('troubleshoot', 'ssh_troubleshoot_arc', table_transformer=transform_report_table,
                         is_preview=True)
