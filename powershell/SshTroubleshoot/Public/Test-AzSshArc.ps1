function Test-AzSshArc {
    <#
    .SYNOPSIS
    Finds out why SSH to an Azure Arc-enabled server (Enter-AzVM, az ssh arc) fails, and
    explains its error messages.

    .DESCRIPTION
    Test-AzSshArc checks everything that must be right for Enter-AzVM to reach an Azure
    Arc-enabled server: the OpenSSH client on this machine, the Az.Ssh.ArcProxy module and
    its proxy file, your Azure login and role assignments, the
    Microsoft.HybridConnectivity provider, the machine's agent and connection status, its
    connectivity endpoint and SSH service configuration. Every check reports a finding
    (pass, fail, warn, skip, error) with the evidence it looked at and a remedy.

    It also explains error text: give it the message Enter-AzVM printed (-Explain) or the
    error record itself (-ErrorRecord $Error[0]), and it names the known cause with the
    matching remedy.

    Without a target (-ResourceGroupName and -Name) it checks this machine only. With
    -Offline it runs the client-side checks only. Azure access comes from the current
    Azure PowerShell context (Connect-AzAccount, Set-AzContext): the subscription, the
    cloud's Resource Manager endpoint and a token from Get-AzAccessToken. Without
    Az.Accounts or a login the client-side checks still run, and the Azure checks report
    not-signed-in.

    The command is read-only unless you ask for a change. -Fix applies the fixes the
    report offers and -DisableSsh removes SSH access to the machine; both go through
    ShouldProcess. The command's ConfirmImpact is High, so with the default
    $ConfirmPreference every fix and the removal ask first, the way az's --fix asks per
    fix; -Confirm:$false applies without asking (az's --yes) and -WhatIf shows what
    would change. Plain diagnosis never asks.

    .PARAMETER ResourceGroupName
    Resource group of the Arc-enabled server, as for Enter-AzVM. Without -Name: every
    Arc-enabled server in the group (fleet mode). Takes the ResourceGroupName of piped
    objects.

    .PARAMETER Name
    Name of the Arc-enabled server, as for Enter-AzVM. Takes the Name of piped objects
    (Get-AzConnectedMachine), one report per machine.

    .PARAMETER ResourceId
    Resource id of the Arc-enabled server, as for Enter-AzVM -ResourceId:
    /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.HybridCompute/machines/<name>
    (or one of the other Arc types: Microsoft.ConnectedVMwarevSphere/virtualMachines,
    Microsoft.ScVmm/virtualMachines, Microsoft.AzureStackHCI/virtualMachines). Takes the
    Id of piped objects: with Get-AzConnectedMachine's output it gives the machine's
    own subscription.

    .PARAMETER SubscriptionId
    Subscription of the server. Default: the subscription of the current Azure PowerShell
    context. Without -Name, one or more subscriptions whose every Arc-enabled server is
    diagnosed (fleet mode).

    .PARAMETER Port
    SSH port to reach on the server. Default 22.

    .PARAMETER LocalUser
    Local user to log in as (a local account instead of a Microsoft Entra login).

    .PARAMETER SshClientFolder
    Folder holding ssh and ssh-keygen, as given to Enter-AzVM -SshClientFolder.

    .PARAMETER ResourceType
    Resource type of the server, e.g. Microsoft.HybridCompute/machines. Default:
    discovered.

    .PARAMETER Explain
    Error text to explain, e.g. what Enter-AzVM printed.

    .PARAMETER ErrorRecord
    An error record to explain, e.g. $Error[0] after a failed Enter-AzVM: its message,
    its exception and every inner exception are explained. Accepts pipeline input.

    .PARAMETER Offline
    Client-side checks only: nothing is asked of Azure.

    .PARAMETER Fix
    Apply the fixes the report offers, each after ShouldProcess (-WhatIf, -Confirm).

    .PARAMETER DisableSsh
    Remove SSH access to the server: delete its SSH service configuration, then its
    default connectivity endpoint. High impact: asks first unless -Confirm:$false.

    .PARAMETER Quiet
    Return only $true (healthy: no check failed and no error text matched a known cause)
    or $false.

    .PARAMETER ProbeCredentials
    Ask Azure for relay credentials for real, to prove access end to end. The key is
    never shown or kept.

    .PARAMETER Probe
    Connect through Az.Ssh.ArcProxy's proxy, as Enter-AzVM does, up to the server's SSH
    identification, without logging in; names the hop that breaks. Implies asking for
    relay credentials (as -ProbeCredentials).

    .PARAMETER Watch
    Rerun the checks that fail every few seconds until they pass or -WatchTimeout
    seconds pass.

    .PARAMETER WatchTimeout
    How long -Watch keeps trying, in seconds (default 300).

    .PARAMETER ReportPath
    Also write a shareable report: JSON to this path and Markdown beside it (same name
    with .md; a path ending in .md names the Markdown and the JSON goes beside it).
    Subscription, tenant and object ids, user, machine, group and host names, IP
    addresses and anything token-like are replaced by stable placeholders such as
    <machine-1>. The returned report's SharedReport says where the files went, or why
    they could not be written.

    .EXAMPLE
    Test-AzSshArc

    Checks this machine: the OpenSSH client, Az.Ssh.ArcProxy and its proxy file.

    .EXAMPLE
    Test-AzSshArc -ResourceGroupName myRG -Name myServer

    Checks everything between this machine and the Arc-enabled server myServer, with
    the current Azure PowerShell login.

    .EXAMPLE
    Test-AzSshArc -Explain 'Failed to create ssh connection: 404 Endpoint does not exist'

    Explains an error message and runs the client-side checks that bear on it.

    .EXAMPLE
    Enter-AzVM -ResourceGroupName myRG -Name myServer
    Test-AzSshArc -ErrorRecord $Error[0] -ResourceGroupName myRG -Name myServer

    Explains the error of a failed Enter-AzVM (its message and inner exceptions), and
    checks the machine it tried to reach. `$Error[0] | Test-AzSshArc` works too.

    .EXAMPLE
    Get-AzConnectedMachine -ResourceGroupName myRG | Test-AzSshArc

    Checks every Arc-enabled server that Get-AzConnectedMachine lists, one report per
    machine as each arrives (by its Name, ResourceGroupName and Id).

    .EXAMPLE
    Test-AzSshArc -ResourceId /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myRG/providers/Microsoft.HybridCompute/machines/myServer

    Checks the Arc-enabled server with this resource id, as Enter-AzVM -ResourceId
    names it.

    .EXAMPLE
    Test-AzSshArc -ResourceGroupName myRG -Name myServer -Fix -WhatIf

    Shows which offered fixes would be applied, without changing anything. Without
    -WhatIf each fix asks first; add -Confirm:$false to apply them all.

    .EXAMPLE
    Test-AzSshArc -ResourceGroupName myRG -Name myServer -DisableSsh

    Removes SSH access to myServer (its SSH service configuration, then its default
    connectivity endpoint) after asking.

    .EXAMPLE
    (Test-AzSshArc -ResourceGroupName myRG).Machines | Where-Object WorstStatus -eq 'fail'

    Fleet mode: diagnoses every Arc-enabled server in myRG at once (Azure Resource
    Graph, then paced reads of each SSH service configuration) and lists the failing
    ones with their worst diagnosis, summary and the command for their full report.
    The progress bar counts the Azure reads as they finish. -SubscriptionId sub1, sub2
    without -ResourceGroupName covers whole subscriptions.

    .EXAMPLE
    if (-not (Test-AzSshArc -ResourceGroupName myRG -Name myServer -Quiet)) { throw 'SSH to myServer is broken' }

    Uses the answer in a script: $true when healthy.

    .EXAMPLE
    (Test-AzSshArc -Offline).Findings | Where-Object Status -ne 'pass' | Format-List

    Client-side checks only, showing every finding that did not pass with its evidence
    and remedy.

    .EXAMPLE
    Test-AzSshArc -ResourceGroupName myRG -Name myServer -ProbeCredentials -Port 2222 -LocalUser admin

    Proves end to end that you may connect to port 2222 as the local user admin, by
    asking Azure for relay credentials (never shown or kept).

    .EXAMPLE
    Test-AzSshArc -ResourceGroupName myRG -Name myServer -ReportPath ./case-123.json

    Checks myServer and writes case-123.json and case-123.md to attach to a support
    case, with every identifier and secret replaced by a placeholder.

    .INPUTS
    System.Management.Automation.ErrorRecord (explained), or any object with Name and
    ResourceGroupName or Id properties, such as Get-AzConnectedMachine's (diagnosed, one
    report each).

    .OUTPUTS
    SshTroubleshoot.Report (in fleet mode its Machines are SshTroubleshoot.FleetMachine
    rows), or System.Boolean with -Quiet.

    .NOTES
    Tool failures (an invalid request, a missing native library) are terminating errors
    with the FullyQualifiedErrorId 'SshTroubleshoot<Code>,Test-AzSshArc'. Problems found
    on your machine or in Azure are findings, not errors.

    Automatic diagnosis: in PowerShell 7.4 and later, importing the module registers a
    feedback provider. After a failed Enter-AzVM or Export-AzSshConfig, PowerShell prints
    under [SshTroubleshoot] the likely causes of the error (the same offline explanation as
    Test-AzSshArc -ErrorRecord $Error[0]), the first command of each remedy, and the
    Test-AzSshArc command with your own -ResourceGroupName, -Name, -LocalUser and -Port.
    Other failures get nothing unless their text is a known SSH-to-Arc error. Switch it
    off with $env:SSH_TROUBLESHOOT_AUTO_DIAGNOSE = 'false' (for az ssh arc:
    az config set ssh_troubleshoot.auto_diagnose=false). Windows PowerShell 5.1 and
    PowerShell before 7.4 have no feedback providers: there the module works without it.
    Remove-Module SshTroubleshoot unregisters the provider.

    .LINK
    https://learn.microsoft.com/azure/azure-arc/servers/ssh-arc-troubleshoot
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High', DefaultParameterSetName = 'ThisMachine')]
    [OutputType('SshTroubleshoot.Report')]
    [OutputType([bool])]
    param(
        [Parameter(ParameterSetName = 'Machine', Mandatory, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'DisableSsh', Mandatory)]
        [Parameter(ParameterSetName = 'Fleet')]
        [ValidateNotNullOrEmpty()]
        [string]$ResourceGroupName,

        [Parameter(ParameterSetName = 'Machine', Mandatory, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'DisableSsh', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]$Name,

        # In the Machine set too, so that a piped object's Id (which holds the
        # subscription) binds along with its Name and ResourceGroupName.
        [Parameter(ParameterSetName = 'ResourceId', Mandatory, ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'Machine', ValueFromPipelineByPropertyName)]
        [Alias('Id')]
        [ValidateNotNullOrEmpty()]
        [string]$ResourceId,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'DisableSsh')]
        [Parameter(ParameterSetName = 'Fleet')]
        [ValidateNotNullOrEmpty()]
        [string[]]$SubscriptionId,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [Parameter(ParameterSetName = 'Fleet')]
        [ValidateRange(1, 65535)]
        [int]$Port,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [Parameter(ParameterSetName = 'Fleet')]
        [ValidateNotNullOrEmpty()]
        [string]$LocalUser,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [ValidateNotNullOrEmpty()]
        [string]$SshClientFolder,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'DisableSsh')]
        [ValidateNotNullOrEmpty()]
        [string]$ResourceType,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [ValidateNotNullOrEmpty()]
        [string]$Explain,

        [Parameter(ParameterSetName = 'ThisMachine', ValueFromPipeline)]
        [Parameter(ParameterSetName = 'Machine', ValueFromPipeline)]
        [Parameter(ParameterSetName = 'ResourceId', ValueFromPipeline)]
        [System.Management.Automation.ErrorRecord]$ErrorRecord,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [switch]$Offline,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [switch]$Fix,

        [Parameter(ParameterSetName = 'DisableSsh', Mandatory)]
        [switch]$DisableSsh,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [Parameter(ParameterSetName = 'Fleet')]
        [switch]$Quiet,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [switch]$ProbeCredentials,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [switch]$Probe,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [switch]$Watch,

        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [ValidateRange(1, 86400)]
        [int]$WatchTimeout = 300,

        [Parameter(ParameterSetName = 'ThisMachine')]
        [Parameter(ParameterSetName = 'Machine')]
        [Parameter(ParameterSetName = 'ResourceId')]
        [Parameter(ParameterSetName = 'DisableSsh')]
        [Parameter(ParameterSetName = 'Fleet')]
        [ValidateNotNullOrEmpty()]
        [string]$ReportPath
    )

    begin {
        Register-SshtsFormat -ModuleRoot $script:SshtsModuleRoot
        # What the command line gave; in process, PSBoundParameters adds what the
        # current pipeline object bound.
        $fromCommandLine = @($PSBoundParameters.Keys)
        $texts = New-Object System.Collections.Generic.List[string]
        if ($Explain) { $texts.Add($Explain) }
        $diagnosedPerInput = $false
    }

    process {
        $pipedTarget = @('ResourceGroupName', 'Name', 'ResourceId') |
            Where-Object { $PSBoundParameters.ContainsKey($_) -and $fromCommandLine -notcontains $_ }
        if ($pipedTarget) {
            # A machine from the pipeline (Get-AzConnectedMachine): its report now, so
            # that reports flow on while later machines are still being listed.
            $diagnosedPerInput = $true
            Invoke-SshtsDiagnosis -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Texts $texts
        }
        elseif ($ErrorRecord) {
            $texts.Add((Get-SshtsErrorText -ErrorRecord $ErrorRecord))
        }
    }

    end {
        if (-not $diagnosedPerInput) {
            # Error records and the command line's target: one report for them all.
            Invoke-SshtsDiagnosis -Cmdlet $PSCmdlet -Bound $PSBoundParameters -Texts $texts
        }
    }
}
