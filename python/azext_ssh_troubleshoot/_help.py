# --------------------------------------------------------------------------------------------
# Copyright (c) ssh-troubleshoot contributors. Licensed under the MIT License.
# --------------------------------------------------------------------------------------------
# pylint: disable=line-too-long

from knack.help_files import helps

_ARC_HELP = """
type: command
short-summary: Find out why SSH to an Azure Arc-enabled server (az ssh arc) fails, and fix it.
long-summary: |
    Checks every cause in Microsoft's troubleshooting guide for SSH to Arc-enabled servers against
    your real setup: on this machine (OpenSSH, the az ssh extension, the SSH proxy and whether you may
    execute it) and, with --resource-group and --name, in Azure (sign-in, the
    Microsoft.HybridConnectivity provider, the machine and its agent, the SSH service configuration,
    your permissions, Entra login). It only reads, unless you pass --fix or --disable-ssh.
    The result is the report: one finding per check, each with a summary in your own names and
    values, and for a problem its diagnosis id, remedy and docs link. The command succeeds
    whenever the checks could run, whatever they found; use --query status (healthy, problems,
    incomplete) in scripts.
    It uses az's own context: the current subscription (or --subscription), the active cloud's
    Resource Manager endpoint, a token from your az login, and REQUESTS_CA_BUNDLE and HTTPS_PROXY.
    When az ssh arc fails with this extension installed, the likely causes are shown below the
    error; turn that off with: az config set ssh_troubleshoot.auto_diagnose=false
examples:
  - name: Check this machine only, without calling Azure.
    text: az ssh-troubleshoot arc --offline
  - name: Check everything for one server, on this machine and in Azure.
    text: az ssh-troubleshoot arc --resource-group MyResourceGroup --name MyArcServer
  - name: Check a server reached on another SSH port, as a local user, in another subscription.
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --port 2222 --local-user azureuser --subscription MySubscription
  - name: Explain an error message that az ssh arc printed.
    text: az ssh-troubleshoot arc --explain "Client is not authorized to create a default connectivity endpoint for 'MyArcServer' in Resource Group 'MyResourceGroup'."
  - name: Explain a whole debug log of a failed connection, read from standard input.
    text: az ssh arc -g MyResourceGroup -n MyArcServer --debug 2>&1 | az ssh-troubleshoot arc --explain-file -
  - name: Apply the fixes the report offers, asking before each one.
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --fix
  - name: Write a report to attach to a support case (case-123.json and case-123.md, identifiers replaced by placeholders).
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --report case-123.json
  - name: Apply the offered fixes without asking (for scripts).
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --fix --yes
  - name: Remove SSH access to a server (its SSH service configuration and connectivity endpoint).
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --disable-ssh
  - name: Diagnose every Arc-enabled server in a resource group (fleet mode), one row per server.
    text: az ssh-troubleshoot arc -g MyResourceGroup --output table
  - name: Diagnose every Arc-enabled server of several subscriptions; list the commands for the full report of each failing one.
    text: az ssh-troubleshoot arc --subscriptions MySubscription OtherSubscription --query "fleet.machines[?worstStatus=='fail'].command" -o tsv
  - name: Show only the checks that did not pass.
    text: az ssh-troubleshoot arc -g MyResourceGroup -n MyArcServer --query "findings[?status!='pass']" --output table
"""

helps['ssh-troubleshoot'] = """
type: group
short-summary: Diagnose and fix SSH access to Azure Arc-enabled servers.
"""

helps['ssh-troubleshoot arc'] = _ARC_HELP

helps['ssh troubleshoot'] = _ARC_HELP.replace('az ssh-troubleshoot arc', 'az ssh troubleshoot').replace(
    'short-summary: Find out why', 'short-summary: (Same as az ssh-troubleshoot arc.) Find out why', 1)
