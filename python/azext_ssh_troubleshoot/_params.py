# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=line-too-long

from azext_ssh_troubleshoot.commands import ALIAS, COMMAND


def load_arguments(self, _):
    for scope in (COMMAND, ALIAS):
        with self.argument_context(scope) as c:
            # az gives every resource_group_name the configured default group; here it must not
            # turn a check of this machine (no --name) into a usage error.
            c.argument('resource_group_name', options_list=['--resource-group', '-g'], arg_group='Target',
                       configured_default=None, local_context_attribute=None,
                       help='Resource group of the Arc-enabled server. With --name, the Azure-side checks run too; '
                            'without it, every Arc machine in the group is diagnosed (fleet mode).')
            c.argument('vm_name', options_list=['--name', '-n'], arg_group='Target',
                       help='Name of the Arc-enabled server (as in az ssh arc --name).')
            c.argument('subscriptions', options_list=['--subscriptions'], nargs='+', arg_group='Target',
                       help='Fleet mode: every Arc machine in these subscriptions (ids or names, space-separated). '
                            'az\'s global --subscription takes one; alone it also starts fleet mode.')
            c.argument('resource_type', options_list=['--resource-type'], arg_group='Target',
                       help='Resource type of the server, e.g. Microsoft.HybridCompute/machines, '
                            'Microsoft.ConnectedVMwarevSphere/virtualMachines. Default: discover it, as az ssh arc does.')
            c.argument('port', options_list=['--port'], type=int, arg_group='Connection',
                       help='SSH port to reach on the server. Default: 22.')
            c.argument('local_user', options_list=['--local-user'], arg_group='Connection',
                       help='Local user you log in as (no Microsoft Entra login), as in az ssh arc --local-user.')
            c.argument('ssh_client_folder', options_list=['--ssh-client-folder'], arg_group='Connection',
                       help='Folder that holds ssh and ssh-keygen, as given to az ssh arc. Default: where az ssh arc looks.')
            c.argument('ssh_proxy_folder', options_list=['--ssh-proxy-folder'], arg_group='Connection',
                       help='Folder of the SSH proxy az ssh arc downloads. Default: ~/.clientsshproxy.')
            c.argument('explain', options_list=['--explain'], arg_group='Explain',
                       help='Error text to explain, e.g. what az ssh arc printed. Works with or without a target.')
            c.argument('explain_file', options_list=['--explain-file'], arg_group='Explain',
                       help='File with error output to explain, e.g. an az ssh arc --debug log; "-" reads standard input.')
            c.argument('offline', options_list=['--offline'], action='store_true',
                       help='Run only the checks on this machine; make no Azure calls.')
            c.argument('fix', options_list=['--fix'], action='store_true', arg_group='Change',
                       help='Apply the fixes the report offers, asking before each one.')
            c.argument('yes', options_list=['--yes', '-y'], action='store_true', arg_group='Change',
                       help='Do not ask before applying fixes or removing SSH access.')
            c.argument('disable_ssh', options_list=['--disable-ssh'], action='store_true', arg_group='Change',
                       help='Remove SSH access to the server: delete its SSH service configuration, then its '
                            'default connectivity endpoint. Asks first unless --yes.')
            c.argument('probe_credentials', options_list=['--probe-credentials'], action='store_true',
                       help='Also ask Azure for relay credentials for real, to prove access end to end. '
                            'The relay key is never shown or kept.')
            c.argument('probe', options_list=['--probe'], action='store_true',
                       help='Connect through the SSH proxy az ssh arc runs, up to the server\'s SSH banner, '
                            'without logging in, and name the hop that breaks. Asks Azure for relay credentials '
                            'as --probe-credentials does; the key is never shown or kept.')
            c.argument('watch', options_list=['--watch'], action='store_true',
                       help='Rerun the checks that fail every few seconds until they pass or --watch-timeout '
                            'passes (after a role assignment, a provider registration, a new service '
                            'configuration or an agent restart).')
            c.argument('watch_timeout', options_list=['--watch-timeout'], type=int,
                       help='How long --watch keeps trying, in seconds. Default: 300.')
            c.argument('deadline', options_list=['--deadline'], type=int,
                       help='Deadline for the whole run, in seconds. Default: 30 (900 in fleet mode).')
            c.argument('report_path', options_list=['--report'],
                       help='Also write a shareable report: JSON to this file, Markdown beside it (same name, '
                            '.md). Subscription, tenant and object ids, user, machine, group and host names, '
                            'IP addresses and anything token-like are replaced by stable placeholders.')
