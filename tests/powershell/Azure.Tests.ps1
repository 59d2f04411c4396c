#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Azure scenarios against the real HTTPS stand-in (arm-standin), signed in through a
# stand-in Az.Accounts module in the shapes of the real one. The stand-in's CA is
# trusted the way PowerShell trusts a CA on Linux: SSL_CERT_FILE.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot 'SshtsTestSupport.psm1') -Force
    $script:Ids = Get-SshtsTestIds
    $script:Token = New-StandinToken
    $script:SavedPSModulePath = $env:PSModulePath
    $script:SavedCertFile = $env:SSL_CERT_FILE

    # Starts the stand-in on Scenario, signs in through a stand-in Az.Accounts of
    # Version (5.0.0: SecureString token) whose cloud's ResourceManagerUrl is the stand-in.
    function Connect-Standin($Scenario, [string]$Version = '5.0.0', [switch]$SignedOut) {
        $work = Join-Path $TestDrive ('arm-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $standin = Start-ArmStandin -Scenario $Scenario -WorkDir $work
        $modules = Join-Path $work 'modules'
        $null = New-AzAccountsStandin -Folder $modules -ResourceManagerUrl ($standin.Url + '/') -Token $script:Token -Version $Version -SignedOut:$SignedOut
        Remove-Module Az.Accounts -ErrorAction Ignore
        $env:PSModulePath = $modules + [System.IO.Path]::PathSeparator + $script:SavedPSModulePath
        Import-Module Az.Accounts -RequiredVersion $Version -Force
        $env:SSL_CERT_FILE = $standin.CaBundle
        $script:Running += @($standin)
        $standin
    }

    function Get-Changes($Standin) { @(Get-StandinRequest $Standin | Where-Object method -ne 'GET') }
    function Get-Finding($Report, [string]$Check) { $Report.Findings | Where-Object Check -eq $Check | Select-Object -First 1 }
    $script:Running = @()
}

AfterAll {
    foreach ($s in $script:Running) { Stop-ArmStandin $s }
    $env:PSModulePath = $script:SavedPSModulePath
    $env:SSL_CERT_FILE = $script:SavedCertFile
    Remove-Module -Name @('SshTroubleshoot', 'SshtsTestSupport', 'Az.Accounts') -ErrorAction Ignore
}

Describe 'Signed in through Az.Accounts' {
    It 'checks a healthy machine with a <Shape> token, on the custom cloud''s Resource Manager' -ForEach @(
        @{ Shape = 'SecureString (Az.Accounts 5)'; Version = '5.0.0' }
        @{ Shape = 'string (Az.Accounts 2)'; Version = '2.19.0' }
    ) {
        $standin = Connect-Standin (New-HealthyScenario) -Version $Version
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Verbose 4>&1 |
            Tee-Object -Variable everything | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        foreach ($check in 'azure.sign-in', 'azure.machine', 'azure.ssh-service-config', 'azure.permissions') {
            (Get-Finding $report $check).Status | Should -Be 'pass'
        }
        $report.SubscriptionId | Should -Be $script:Ids.SubscriptionId
        Get-StandinLastResourceUrl | Should -Be ($standin.Url + '/')
        @(Get-StandinRequest $standin).Count | Should -BeGreaterThan 3
        @(Get-StandinRequest $standin | Where-Object { $_.path -like "$($script:Ids.MachineId)*" }).Count | Should -BeGreaterThan 0
        # The token is never in anything the command shows.
        ((@($everything) + @($report.Findings)) | Out-String -Width 500) | Should -Not -Match ([regex]::Escape($script:Token.Split('.')[2]))
    }

    It 'finds the port mismatch' {
        $null = Connect-Standin (New-HealthyScenario)
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Port 2222
        (Get-Finding $report 'azure.ssh-service-config').Diagnosis | Should -Be 'ssh-traffic-not-allowed'
    }

    It 'reports not-signed-in without a login' {
        $standin = Connect-Standin (New-HealthyScenario) -SignedOut
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name
        $report.Findings.Diagnosis | Should -Contain 'not-signed-in'
        @(Get-StandinRequest $standin).Count | Should -Be 0
    }

    It 'names what PowerShell trusts when the certificate is not trusted' {
        $standin = Connect-Standin (New-HealthyScenario)
        $env:SSL_CERT_FILE = $script:SavedCertFile
        $text = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name |
            ForEach-Object { $_.Findings } | Where-Object Status -eq 'error' | Out-String -Width 500
        $text | Should -Match 'SSL_CERT_FILE'
        $text | Should -Match 'trusted root certificates'
        $text | Should -Not -Match 'REQUESTS_CA_BUNDLE'
        @(Get-StandinRequest $standin).Count | Should -Be 0
    }
}

Describe 'Pipeline input and -ResourceId' {
    It 'takes what Enter-AzVM -ResourceId takes, with the subscription of the id' {
        $null = Connect-Standin (New-HealthyScenario)
        $report = Test-AzSshArc -ResourceId $script:Ids.MachineId
        $report.Name | Should -Be $script:Ids.Name
        $report.ResourceGroupName | Should -Be $script:Ids.ResourceGroupName
        $report.SubscriptionId | Should -Be $script:Ids.SubscriptionId
        $report.ResourceType | Should -Be 'Microsoft.HybridCompute/machines'
        (Get-Finding $report 'azure.machine').Status | Should -Be 'pass'
    }

    It 'gives one report per Get-AzConnectedMachine object, as each arrives' {
        $scenario = New-HealthyScenario
        $second = $script:Ids.MachineId -replace 'web01$', 'web02'
        Set-StandinRoute -Scenario $scenario -Path $second -Status 404 -Body @{ error = @{ code = 'ResourceNotFound'; message = "The Resource 'Microsoft.HybridCompute/machines/web02' under resource group 'rg-arc' was not found." } }
        $null = Connect-Standin $scenario
        $events = New-Object System.Collections.Generic.List[string]
        & {
            $events.Add('listed web01')
            [pscustomobject]@{ Name = 'web01'; ResourceGroupName = 'rg-arc'; Id = $script:Ids.MachineId; Location = 'eastus' }
            $events.Add('listed web02')
            [pscustomobject]@{ Name = 'web02'; ResourceGroupName = 'rg-arc'; Id = $second; Location = 'eastus' }
        } | Test-AzSshArc | ForEach-Object { $events.Add("report $($_.Name) $((Get-Finding $_ 'azure.machine').Status)") }
        $events | Should -Be @('listed web01', 'report web01 pass', 'listed web02', 'report web02 fail')
    }

    It 'binds Name and ResourceGroupName alone, with the context''s subscription' {
        $null = Connect-Standin (New-HealthyScenario)
        $reports = @([pscustomobject]@{ Name = 'web01'; ResourceGroupName = 'rg-arc' } | Test-AzSshArc)
        $reports.Count | Should -Be 1
        $reports[0].SubscriptionId | Should -Be $script:Ids.SubscriptionId
    }
}

Describe 'Changes go through ShouldProcess' {
    BeforeAll {
        # No SSH service configuration yet: the report offers to create it.
        $script:NoConfig = {
            $scenario = New-HealthyScenario
            Set-StandinRoute -Scenario $scenario -Path $script:Ids.Config -Status 404 -Body @{ error = @{ code = 'ResourceNotFound'; message = 'not found' } }
            Set-StandinRoute -Scenario $scenario -Method 'PUT' -Path $script:Ids.Config -Body @{ id = $script:Ids.Config; name = 'SSH'; properties = @{ serviceName = 'SSH'; port = '22'; provisioningState = 'Succeeded' } }
            Set-StandinRoute -Scenario $scenario -Method 'DELETE' -Path $script:Ids.Config -Body @{}
            Set-StandinRoute -Scenario $scenario -Method 'DELETE' -Path $script:Ids.Endpoint -Body @{}
            $scenario
        }
    }

    It 'sends nothing with -Fix -WhatIf' {
        $standin = Connect-Standin (& $script:NoConfig)
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Fix -WhatIf
        @($report.Findings.Fix | Where-Object { $_ }).Count | Should -BeGreaterThan 0
        Get-Changes $standin | Should -BeNullOrEmpty
    }

    It 'sends exactly the offered fixes with -Fix -Confirm:$false' {
        $standin = Connect-Standin (& $script:NoConfig)
        $offered = @((Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name).Findings.Fix | Where-Object { $_ })
        Clear-StandinRequest $standin
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Fix -Confirm:$false
        $changes = Get-Changes $standin
        $changes.Count | Should -Be $offered.Count
        ($changes | ForEach-Object { "$($_.method) $($_.path)" }) | Should -Contain "PUT $($script:Ids.Config)"
        @($report.Applied.Id) | Should -Be @($offered.Id)
    }

    It 'sends nothing with -DisableSsh -WhatIf, and with -Confirm:$false deletes the configuration, then the endpoint' {
        $standin = Connect-Standin (New-HealthyScenario)
        Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -DisableSsh -WhatIf | Should -BeNullOrEmpty
        Get-Changes $standin | Should -BeNullOrEmpty
        $standin = Connect-Standin (& $script:NoConfig)
        $null = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -DisableSsh -Confirm:$false
        (Get-Changes $standin | ForEach-Object { "$($_.method) $($_.path)" }) | Should -Be @("DELETE $($script:Ids.Config)", "DELETE $($script:Ids.Endpoint)")
    }
}

Describe 'Quiet, ReportPath, fleet' {
    It 'returns $true for a healthy machine with -Quiet when the modules are there, $false otherwise' {
        $null = Connect-Standin (New-HealthyScenario)
        $result = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Quiet
        $result | Should -BeOfType [bool]
        $result | Should -BeFalse   # this machine has no Az.Ssh.ArcProxy
    }

    It 'writes the shareable report without identifiers or the token' {
        $null = Connect-Standin (New-HealthyScenario)
        $path = Join-Path $TestDrive 'case-123.json'
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -ReportPath $path 6>$null
        $report.SharedReport.written | Should -BeTrue
        foreach ($file in $path, ($path -replace '\.json$', '.md')) {
            $text = Get-Content -LiteralPath $file -Raw
            $text | Should -Not -Match $script:Ids.SubscriptionId
            $text | Should -Not -Match 'web01'
            $text | Should -Not -Match ([regex]::Escape($script:Token.Split('.')[1]))
        }
    }

    It 'diagnoses a fleet with progress records counting the Azure reads' {
        $scenario = @{ routes = @(); fleet = @{ count = 40; subscriptions = @($script:Ids.SubscriptionId); resourceGroups = @('rg-fleet'); delayMs = 20 } }
        $null = Connect-Standin $scenario
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($module, $paths, $cert)
                $env:PSModulePath = $paths; $env:SSL_CERT_FILE = $cert
                Import-Module Az.Accounts; Import-Module $module
                Test-AzSshArc -ResourceGroupName 'rg-fleet'
            }).AddArgument($script:ModulePath).AddArgument($env:PSModulePath).AddArgument($env:SSL_CERT_FILE)
        $report = @($ps.Invoke())[0]
        $progress = @($ps.Streams.Progress)
        $ps.Dispose()
        $report.Machines.Count | Should -Be 40
        $report.Machines[0].PSObject.TypeNames[0] | Should -Be 'SshTroubleshoot.FleetMachine'
        $reads = @($progress | Where-Object StatusDescription -match '^Reading Azure: (\d+) of (\d+)$')
        $reads.Count | Should -BeGreaterThan 0
        $reads[-1].StatusDescription | Should -Match '^Reading Azure: (\d+) of \1$'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'writes a ResourceUnavailable error when no machine could be listed' {
        $scenario = New-HealthyScenario
        Set-StandinRoute -Scenario $scenario -Method 'POST' -Path '/providers/Microsoft.ResourceGraph/resources' -Status 400 -Body @{ error = @{ code = 'BadRequest'; message = 'Query is invalid' } }
        $null = Connect-Standin $scenario
        $report = Test-AzSshArc -ResourceGroupName 'rg-fleet' -ErrorVariable failed -ErrorAction SilentlyContinue
        $report.Machines.Count | Should -Be 0
        $failed.Count | Should -Be 1
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failed[0].FullyQualifiedErrorId | Should -Be 'SshTroubleshootFleetUnlisted,Test-AzSshArc'
    }
}

Describe '-Watch' {
    It 'shows each round as it ends (information stream), the provider change in the first' {
        $scenario = New-HealthyScenario
        # Not registered for the first diagnosis, registered from the first rerun on.
        $provider = New-StandinRoute -Path "/subscriptions/$($script:Ids.SubscriptionId)/providers/Microsoft.HybridConnectivity" -Body @{
            namespace = 'Microsoft.HybridConnectivity'; registrationState = 'NotRegistered' }
        $provider.times = 1
        $scenario.routes.Insert(0, $provider)
        $null = Connect-Standin $scenario
        # Client-side checks of this test machine may fail for good (no Az.Ssh.ArcProxy):
        # the bound ends the watch after a round or two; what matters is what each said.
        $report = Test-AzSshArc -ResourceGroupName $script:Ids.ResourceGroupName -Name $script:Ids.Name -Watch -WatchTimeout 7 -InformationVariable said 6>$null
        (Get-Finding $report 'azure.resource-provider').Status | Should -Be 'pass'
        $rounds = @($report.Watch.rounds)
        $rounds.Count | Should -BeGreaterOrEqual 1
        $lines = @($said | Where-Object { $_.Tags -contains 'SshTroubleshoot.Watch' } | ForEach-Object { [string]$_.MessageData })
        $lines.Count | Should -Be ($rounds.Count + 1)
        $lines[0] | Should -Match 'azure\.resource-provider fail -> pass'
        $lines[-1] | Should -Be $report.Watch.summary
    }

    It 'hands each round to the caller while the watch still runs (the shim''s RunWatching)' {
        $scenario = New-HealthyScenario
        $provider = New-StandinRoute -Path "/subscriptions/$($script:Ids.SubscriptionId)/providers/Microsoft.HybridConnectivity" -Body @{
            namespace = 'Microsoft.HybridConnectivity'; registrationState = 'NotRegistered' }
        $provider.times = 1000
        $scenario.routes.Insert(0, $provider)
        $standin = Connect-Standin $scenario
        [SshTroubleshoot.Native]::HasWatching | Should -BeTrue
        $request = @{ schemaVersion = 1; command = 'diagnose'; client = 'powershell'; watch = $true
            watchTimeoutMs = 60000; watchIntervalMs = 200
            target = @{ subscription = $script:Ids.SubscriptionId; resourceGroup = $script:Ids.ResourceGroupName; name = $script:Ids.Name }
            azure = @{ armEndpoint = $standin.Url; accessToken = $script:Token; caBundle = $standin.CaBundle } } | ConvertTo-Json -Depth 5
        $seen = New-Object System.Collections.Generic.List[string]
        # The poll stops the run once a round has been handed over: were rounds only
        # given at the end, the watch would run to its 60 s bound and end timed out.
        $poll = { if ($seen.Count -gt 0) { throw (New-Object System.OperationCanceledException 'seen a round') } }.GetNewClosure()
        $onRound = { param([string]$Json) $seen.Add($Json) }.GetNewClosure()
        { [SshTroubleshoot.Native]::RunWatching($request, [System.Action[string]]$onRound, [System.Action]$poll) } |
            Should -Throw '*seen a round*'
        $seen.Count | Should -BeGreaterOrEqual 1
        ($seen[0] | ConvertFrom-Json).round.failing | Should -Contain 'azure.resource-provider'
    }
}
