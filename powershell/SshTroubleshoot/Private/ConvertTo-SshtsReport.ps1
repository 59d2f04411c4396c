function Get-SshtsProperty {
    # The value of an optional JSON field, or $null when the core left it out.
    param($Object, [string]$Name)
    if ($null -ne $Object -and $Object.PSObject.Properties[$Name]) { $Object.$Name } else { $null }
}

function ConvertTo-SshtsRemedy {
    param($Remedy)
    if ($null -eq $Remedy) { return $null }
    $commands = @(Get-SshtsProperty $Remedy 'commands' | Where-Object { $null -ne $_ } | ForEach-Object {
            [pscustomobject]@{ Shell = [string]$_.shell; Command = [string]$_.command }
        })
    $remedy = [pscustomobject]@{
        Text     = [string](Get-SshtsProperty $Remedy 'text')
        Commands = $commands
        Docs     = [string](Get-SshtsProperty $Remedy 'docs')
    }
    $remedy.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.Remedy')
    # Shown as one block of text in list views (Format-List, the Finding list view).
    $remedy | Add-Member -MemberType ScriptMethod -Name ToString -Force -Value {
        $lines = @($this.Text)
        foreach ($c in $this.Commands) { $lines += ('  [{0}] {1}' -f $c.Shell, $c.Command) }
        if ($this.Docs) { $lines += ('  Docs: {0}' -f $this.Docs) }
        ($lines | Where-Object { $_ }) -join [Environment]::NewLine
    }
    $remedy
}

function ConvertTo-SshtsReport {
    <#
    .SYNOPSIS
    Turns the core's report document (parsed JSON, camelCase) into typed PowerShell
    objects: SshTroubleshoot.Report holding SshTroubleshoot.Finding,
    SshTroubleshoot.Explanation and SshTroubleshoot.AppliedFix objects.
    #>
    [CmdletBinding()]
    [OutputType('SshTroubleshoot.Report')]
    param(
        [Parameter(Mandatory)]
        $Report
    )

    $findings = @(Get-SshtsProperty $Report 'findings' | Where-Object { $null -ne $_ } | ForEach-Object {
            $evidence = [ordered]@{}
            $seen = Get-SshtsProperty $_ 'evidence'
            if ($null -ne $seen) {
                foreach ($p in $seen.PSObject.Properties) { $evidence[$p.Name] = [string]$p.Value }
            }
            $fix = Get-SshtsProperty $_ 'fix'
            $offer = $null
            if ($null -ne $fix) {
                $offer = [pscustomobject]@{ Id = [string]$fix.id; Description = [string]$fix.description; Impact = [string]$fix.impact }
            }
            $finding = [pscustomobject]@{
                Check      = [string]$_.check
                Title      = [string]$_.title
                Status     = [string]$_.status
                Diagnosis  = Get-SshtsProperty $_ 'diagnosis'
                Summary    = [string]$_.summary
                Evidence   = [pscustomobject]$evidence
                Remedy     = ConvertTo-SshtsRemedy (Get-SshtsProperty $_ 'remedy')
                Fix        = $offer
                BlockedBy  = Get-SshtsProperty $_ 'blockedBy'
                DurationMs = [long](Get-SshtsProperty $_ 'durationMs')
            }
            $finding.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.Finding')
            $finding
        })

    $explained = @(Get-SshtsProperty $Report 'explained' | Where-Object { $null -ne $_ } | ForEach-Object {
            $extracted = [ordered]@{}
            $found = Get-SshtsProperty $_ 'extracted'
            if ($null -ne $found) {
                foreach ($p in $found.PSObject.Properties) { $extracted[$p.Name] = [string]$p.Value }
            }
            $explanation = [pscustomobject]@{
                Diagnosis  = [string]$_.diagnosis
                Title      = [string]$_.title
                Confidence = [double]$_.confidence
                Excerpt    = [string]$_.excerpt
                Extracted  = [pscustomobject]$extracted
                Remedy     = ConvertTo-SshtsRemedy (Get-SshtsProperty $_ 'remedy')
            }
            $explanation.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.Explanation')
            $explanation
        })

    $applied = @(Get-SshtsProperty $Report 'applied' | Where-Object { $null -ne $_ } | ForEach-Object {
            $fix = [pscustomobject]@{ Id = [string]$_.id; Outcome = [string]$_.outcome; Message = [string]$_.message }
            $fix.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.AppliedFix')
            $fix
        })

    # Fleet mode: one typed row per machine.
    $fleet = Get-SshtsProperty $Report 'fleet'
    $machines = @(Get-SshtsProperty $fleet 'machines' | Where-Object { $null -ne $_ } | ForEach-Object {
            $row = [pscustomobject]@{
                WorstStatus       = [string]$_.worstStatus
                Name              = [string]$_.name
                ResourceGroupName = [string]$_.resourceGroup
                SubscriptionId    = [string]$_.subscription
                WorstDiagnosis    = Get-SshtsProperty $_ 'worstDiagnosis'
                Summary           = [string]$_.summary
                Diagnoses         = @($_.diagnoses)
                Status            = [string]$_.status
                AgentVersion      = [string]$_.agentVersion
                OS                = [string]$_.os
                Command           = [string]$_.command
            }
            $row.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.FleetMachine')
            $row
        })
    $counts = [ordered]@{}
    $seenCounts = Get-SshtsProperty $fleet 'counts'
    if ($null -ne $seenCounts) {
        foreach ($p in $seenCounts.PSObject.Properties) { $counts[$p.Name] = [int]$p.Value }
    }

    $target = Get-SshtsProperty $Report 'target'
    $tool = Get-SshtsProperty $Report 'tool'
    $result = [pscustomobject]@{
        Status         = [string]$Report.status
        SubscriptionId = Get-SshtsProperty $target 'subscription'
        ResourceGroupName = Get-SshtsProperty $target 'resourceGroup'
        Name           = Get-SshtsProperty $target 'name'
        ResourceType   = Get-SshtsProperty $target 'resourceType'
        Client         = [string]$Report.client
        Findings       = $findings
        Explained      = $explained
        Applied        = $applied
        Machines       = $machines
        Counts         = [pscustomobject]$counts
        # Resource Graph cut its answer short: TotalRecords machines match, Machines holds fewer.
        Truncated      = [bool](Get-SshtsProperty $fleet 'truncated')
        TotalRecords   = Get-SshtsProperty $fleet 'totalRecords'
        # A fleet with no machine listed and no cause found: nothing was diagnosed.
        NothingListed  = [bool](Get-SshtsProperty $Report 'nothingListed')
        DurationMs     = [long](Get-SshtsProperty $Report 'durationMs')
        ToolVersion    = [string](Get-SshtsProperty $tool 'version')
        SchemaVersion  = [int](Get-SshtsProperty $Report 'schemaVersion')
        Versions       = Get-SshtsProperty $Report 'versions'
        SharedReport   = Get-SshtsProperty $Report 'sharedReport'
        # -Watch: the rounds, how the watch ended and its summary, as the core wrote them.
        Watch          = Get-SshtsProperty $Report 'watch'
    }
    $result.PSObject.TypeNames.Insert(0, 'SshTroubleshoot.Report')
    $result
}
