function New-SshtsRequest {
    <#
    .SYNOPSIS
    The request document (CONTRACT.md section 3) for Test-AzSshArc's bound parameters.

    .DESCRIPTION
    Only maps parameters to fields: the core validates them (a resource id is parsed
    there, by the same rules as every ARM path it builds). Azure access is added by
    Invoke-SshtsDiagnosis.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory)]
        [string]$ParameterSetName,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Bound,

        [AllowEmptyCollection()]
        [System.Collections.Generic.List[string]]$Texts,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet
    )

    $request = [ordered]@{
        schemaVersion = 1
        command       = 'diagnose'
        client        = 'powershell'
        offline       = [bool]$Bound['Offline']
    }
    # No deadlineMs: the core's default deadline applies (30 s, 15 minutes for a fleet).
    if ($Bound['DisableSsh']) { $request.command = 'disable-ssh' }
    $subscription = @($Bound['SubscriptionId']) | Where-Object { $_ } | Select-Object -First 1
    if ($ParameterSetName -eq 'Fleet') {
        # Every Arc machine of the group, or of the listed subscriptions (fleet mode).
        $target = [ordered]@{}
        if ($Bound['ResourceGroupName']) { $target.resourceGroup = $Bound['ResourceGroupName'] }
        $request.target = $target
        $request.subscriptions = @($Bound['SubscriptionId'] | Where-Object { $_ })
    }
    elseif ($ParameterSetName -ne 'ThisMachine') {
        $target = [ordered]@{}
        if ($Bound['ResourceId']) { $target.resourceId = $Bound['ResourceId'] }
        if ($Bound['ResourceGroupName']) { $target.resourceGroup = $Bound['ResourceGroupName'] }
        if ($Bound['Name']) { $target.name = $Bound['Name'] }
        if ($subscription) { $target.subscription = $subscription }
        if ($Bound['ResourceType']) { $target.resourceType = $Bound['ResourceType'] }
        $request.target = $target
    }
    if (@($Bound.Keys) -contains 'Port') { $request.port = $Bound['Port'] }
    if ($Bound['LocalUser']) { $request.localUser = $Bound['LocalUser'] }
    if ($Bound['SshClientFolder']) { $request.sshClientFolder = $Bound['SshClientFolder'] }
    if ($Texts -and $Texts.Count -gt 0) {
        $request.explain = $Texts -join ([Environment]::NewLine + [Environment]::NewLine)
    }
    if ($Bound['ProbeCredentials']) { $request.probeCredentials = $true }
    if ($Bound['Probe']) { $request.probe = $true }
    if ($Bound['Watch']) {
        $request.watch = $true
        $timeout = if ($Bound.ContainsKey('WatchTimeout')) { $Bound['WatchTimeout'] } else { 300 }
        $request.watchTimeoutMs = $timeout * 1000
    }
    # What Az.Ssh will search, as this session sees it: on Linux and macOS a change to
    # $env: stays inside .NET and never reaches the native core's own environment.
    $environment = [ordered]@{}
    foreach ($name in 'PSModulePath', 'PATH') {
        $value = [Environment]::GetEnvironmentVariable($name)
        if ($value) { $environment[$name] = $value }
    }
    if ($environment.Count -gt 0) { $request.environment = $environment }
    if ($Bound['ReportPath']) {
        # The core resolves relative paths against the process's folder, not $PWD.
        $request.reportPath = $Cmdlet.GetUnresolvedProviderPathFromPSPath($Bound['ReportPath'])
        $request.hostVersions = [ordered]@{ PowerShell = $PSVersionTable.PSVersion.ToString() }
        $accounts = Get-Module -Name Az.Accounts | Select-Object -First 1
        if ($accounts) { $request.hostVersions['Az.Accounts'] = $accounts.Version.ToString() }
    }
    $request
}
