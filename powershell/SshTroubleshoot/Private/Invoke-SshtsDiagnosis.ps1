function Invoke-SshtsDiagnosis {
    <#
    .SYNOPSIS
    One Test-AzSshArc run: the request, Azure access from the Az.Accounts context, the
    core's report, the fixes the user confirms, and what is written besides the report.

    .DESCRIPTION
    Called once per piped machine, or once for the command line. Changes go through
    the calling cmdlet's ShouldProcess; errors that are not the tool's own (a fleet no
    machine of which could be listed, a shareable report not written) are
    non-terminating, written through the calling cmdlet.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Bound,

        [AllowEmptyCollection()]
        [System.Collections.Generic.List[string]]$Texts
    )

    $set = $Cmdlet.ParameterSetName
    $activity = 'Test-AzSshArc'
    $fleet = $set -eq 'Fleet'
    $hasTarget = $set -ne 'ThisMachine'
    $Offline = [bool]$Bound['Offline']
    $Fix = [bool]$Bound['Fix']
    $Quiet = [bool]$Bound['Quiet']
    $ReportPath = $Bound['ReportPath']
    $machine = if ($fleet) { 'the fleet' }
    elseif ($Bound['Name']) { '{0}/{1}' -f $Bound['ResourceGroupName'], $Bound['Name'] }
    elseif ($Bound['ResourceId']) { $Bound['ResourceId'] }
    else { 'this machine' }

    if ($Bound['DisableSsh'] -and -not $Cmdlet.ShouldProcess($machine,
            'Remove SSH access: delete the SSH service configuration, then the default connectivity endpoint')) {
        return
    }
    $request = New-SshtsRequest -ParameterSetName $set -Bound $Bound -Texts $Texts -Cmdlet $Cmdlet
    $subscription = $request.target.subscription

    if ($hasTarget -and -not $Offline) {
        Write-Progress -Activity $activity -Status 'Reading the Azure PowerShell context' -PercentComplete 10
        $azure = Get-SshtsAzureContext -SubscriptionId $subscription
        if ($azure.Reason) {
            Write-Verbose "$($azure.Reason) The Azure checks will report not-signed-in."
        }
        # A resource id names its own subscription; otherwise the context's.
        if ($azure.SubscriptionId -and -not $request.target.resourceId) { $request.target.subscription = $azure.SubscriptionId }
        $settings = [ordered]@{}
        if ($azure.ArmEndpoint) { $settings.armEndpoint = $azure.ArmEndpoint }
        if ($azure.AccessToken) { $settings.accessToken = $azure.AccessToken }
        # .NET on Linux trusts SSL_CERT_FILE's CAs (as OpenSSL does); so does the core,
        # given the value this session sees (see New-SshtsRequest for why it must be given).
        if ($IsLinux -and $env:SSL_CERT_FILE) { $settings.caBundle = $env:SSL_CERT_FILE }
        $request.azure = $settings
    }

    $onProgress = $null
    if ($fleet) {
        # The core's own count of its Azure reads (provider, permissions, one SSH
        # service configuration per machine), handed to this thread by the shim.
        Write-Progress -Activity $activity -Status 'Listing the machines (Azure Resource Graph)' -PercentComplete 0
        $onProgress = {
            param([long]$Done, [long]$Total)
            $percent = if ($Total -gt 0) { [int][math]::Floor(100 * $Done / $Total) } else { 100 }
            Write-Progress -Activity $activity -Status "Reading Azure: $Done of $Total" -PercentComplete $percent
        }.GetNewClosure()
    } else {
        Write-Progress -Activity $activity -Status "Checking $machine" -PercentComplete 40
    }
    $onRound = $null
    if ($request.watch) {
        # Each round as it ends, in the core's words: as the progress status and on the
        # information stream, shown like Write-Host (PSHOST) and capturable with
        # -InformationVariable or 6>&1. Through $Cmdlet: the shim calls this as a
        # delegate, whose own Write-* records would reach no stream of the command.
        $onRound = {
            param([string]$Json)
            $line = (ConvertFrom-Json -InputObject $Json).line
            $Cmdlet.WriteProgress((New-Object System.Management.Automation.ProgressRecord -ArgumentList 0, $activity, $line))
            $Cmdlet.WriteInformation($line, [string[]]@('SshTroubleshoot.Watch', 'PSHOST'))
        }.GetNewClosure()
    }
    $report = ConvertTo-SshtsReport -Report (Invoke-SshtsCore -Request $request -Cmdlet $Cmdlet -OnProgress $onProgress -OnRound $onRound)
    if ($request.watch -and $report.Watch.summary) {
        Write-Information -InformationAction Continue -MessageData $report.Watch.summary -Tags 'SshTroubleshoot.Watch'
    }

    if ($Fix) {
        $offered = @($report.Findings | Where-Object { $null -ne $_.Fix } | ForEach-Object { $_.Fix } |
                Sort-Object -Property Id -Unique)
        if ($offered.Count -eq 0) {
            Write-Warning 'Nothing to fix: no finding offers a fix.'
        }
        $chosen = @(foreach ($offer in $offered) {
                if ($Cmdlet.ShouldProcess($offer.Description, "Apply fix $($offer.Id) ($($offer.Impact))")) {
                    $offer.Id
                }
            })
        if ($chosen.Count -gt 0) {
            Write-Progress -Activity $activity -Status ('Applying {0} fix(es), then checking again' -f $chosen.Count) -PercentComplete 70
            $request.command = 'apply-fixes'
            $request.fixes = $chosen
            $report = ConvertTo-SshtsReport -Report (Invoke-SshtsCore -Request $request -Cmdlet $Cmdlet)
            foreach ($applied in $report.Applied) {
                if ($applied.Outcome -eq 'failed') { Write-Warning "Fix $($applied.Id) failed: $($applied.Message)" }
            }
        }
    }
    Write-Progress -Activity $activity -Completed

    if ($report.NothingListed) {
        # No machine could be listed (the core's rule): nothing was diagnosed, which is
        # not an empty fleet.
        $unlisted = @(@($report.Findings | Where-Object { $_.Status -eq 'error' }) + @($report.Findings))[0]
        $seen = @($unlisted.Evidence.PSObject.Properties | ForEach-Object { '{0}: {1}' -f $_.Name, $_.Value })
        Write-SshtsError -Cmdlet $Cmdlet -Category ResourceUnavailable -Id 'SshTroubleshootFleetUnlisted' -Target $machine -Message (@($unlisted.Summary) + $seen -join ' ')
    }

    if ($report.SharedReport) {
        if ($report.SharedReport.written) {
            Write-Information -InformationAction Continue -MessageData ('Shareable report (identifiers replaced by placeholders) written to {0} and {1}' -f
                $report.SharedReport.json, $report.SharedReport.markdown)
        } else {
            Write-SshtsError -Cmdlet $Cmdlet -Category WriteError -Id 'SshTroubleshootReportNotWritten' -Target $ReportPath -Message ('The shareable report was not written: {0}' -f $report.SharedReport.error)
        }
    }

    if ($Quiet) {
        return ($report.Status -eq 'healthy' -and -not @($report.Applied | Where-Object { $_.Outcome -eq 'failed' }))
    }
    $report
}

function Write-SshtsError {
    # A non-terminating error of Test-AzSshArc itself (not of this helper), so that its
    # FullyQualifiedErrorId reads '<Id>,Test-AzSshArc'.
    param(
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [System.Management.Automation.ErrorCategory]$Category,
        [string]$Id,
        $Target,
        [string]$Message
    )
    $exception = New-Object System.InvalidOperationException -ArgumentList $Message
    $record = New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, $Id, $Category, $Target
    $Cmdlet.WriteError($record)
}
