#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every example of Test-AzSshArc's help, and of powershell/README.md, run as a user
# would type it (line by line), against the ARM stand-in serving the examples' own
# names (myRG, myServer), on a machine with Az.Ssh and Az.Ssh.ArcProxy 1.x installed.
# Each example has an expectation taken from its text; an example without one fails.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    $script:Readme = Join-Path $root 'powershell/README.md'
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot 'SshtsTestSupport.psm1') -Force

    $script:ExampleSub = '00000000-0000-0000-0000-000000000000'
    $script:Ids = Get-SshtsTestIds -SubscriptionId $script:ExampleSub -ResourceGroupName 'myRG' -Name 'myServer'
    $scenario = New-HealthyScenario -SubscriptionId $script:ExampleSub -ResourceGroupName 'myRG' -Name 'myServer'
    Set-StandinRoute -Scenario $scenario -Method 'POST' -Path "$($script:Ids.Endpoint)/listCredentials" -Body @{ relay = @{
            namespaceName = 'azgnrelay-eastus-l1'; namespaceNameSuffix = 'servicebus.windows.net'
            hybridConnectionName = 'microsoft.hybridcompute/machines/abc/123/v2'
            accessKey = 'SharedAccessSignature sr=x&sig=RELAYKEYMARK&se=1&skn=y'; expiresOn = 1900000000 } }
    $scenario.fleet = @{ count = 6; subscriptions = @($script:ExampleSub); resourceGroups = @('myRG')
        profiles = @(@{ weight = 2 }, @{ status = 'Disconnected' }) }
    $script:Box = Join-Path $TestDrive 'examples'
    $script:Standin = Start-ArmStandin -Scenario $scenario -WorkDir (Join-Path $script:Box 'arm')
    $modules = Join-Path $script:Box 'modules'
    $null = New-PsModuleSandbox -Folder $modules -AzSsh '0.2.3' -ArcProxy '1.0.0'
    $null = New-AzAccountsStandin -Folder $modules -ResourceManagerUrl ($script:Standin.Url + '/') -Token (New-StandinToken) -SubscriptionId $script:ExampleSub
    $script:Env = @{ SSL_CERT_FILE = $script:Standin.CaBundle }

    # What Az.Ssh and Az.ConnectedMachine would do, for the examples that call them.
    function global:Enter-AzVM {
        [CmdletBinding()] param([string]$ResourceGroupName, [string]$Name)
        $message = 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine. You must have the Az.Ssh.Proxy PowerShell module installed in the client machine in order to connect to Azure Arc resources. You can find the module in the PowerShell Gallery (see: https://aka.ms/PowerShellGallery-Az.Ssh.ArcProxy).'
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new([System.InvalidOperationException]::new($message), 'EnterAzVMFailed', 'NotInstalled', $null))
    }
    function global:Get-AzConnectedMachine {
        param([string]$ResourceGroupName)
        [pscustomobject]@{ Name = 'myServer'; ResourceGroupName = $ResourceGroupName; Id = $script:Ids.MachineId; Location = 'eastus'; Status = 'Connected' }
    }

    # Runs Code line by line as typed at a prompt; returns the output and the errors.
    function Invoke-Example([string]$Code) {
        $output = New-Object System.Collections.Generic.List[object]
        $thrown = New-Object System.Collections.Generic.List[object]
        Use-SshtsSandboxEnvironment -Folder $script:Box -Environment $script:Env {
            Import-Module Az.Accounts -Force
            Push-Location $TestDrive
            try {
                foreach ($line in @($Code -split '\r?\n' | Where-Object { $_.Trim() })) {
                    try { foreach ($o in @(Invoke-Expression $line 6>$null)) { $output.Add($o) } } catch { $thrown.Add($_) }
                }
            }
            finally { Pop-Location }
        }
        [pscustomobject]@{ Output = $output.ToArray(); Thrown = $thrown.ToArray() }
    }

    function Get-Finding($Report, [string]$Check) { $Report.Findings | Where-Object Check -eq $Check | Select-Object -First 1 }
    function Get-Changes { @(Get-StandinRequest $script:Standin | Where-Object method -ne 'GET') }

    # The expectation of each example, by a piece of its code.
    $script:Expectations = [ordered]@{
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer -Fix -WhatIf' = {
            param($run) $run.Output[0].Name | Should -Be 'myServer'; Get-Changes | Should -BeNullOrEmpty }
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer -ProbeCredentials' = {
            param($run)
            $relay = Get-Finding $run.Output[0] 'azure.relay-credentials'
            $relay.Status | Should -Be 'pass'
            ($run.Output | Out-String -Width 500) | Should -Not -Match 'RELAYKEYMARK' }
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer -ReportPath' = {
            param($run)
            $run.Output[0].SharedReport.written | Should -BeTrue
            Join-Path $TestDrive 'case-123.json' | Should -Exist
            Join-Path $TestDrive 'case-123.md' | Should -Exist
            Get-Content -Raw (Join-Path $TestDrive 'case-123.md') | Should -Not -Match 'myServer' }
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer -Quiet' = {
            param($run) $run.Thrown | Should -BeNullOrEmpty }
        '-ErrorRecord $Error[0] -ResourceGroupName myRG -Name myServer' = {
            param($run)
            $run.Output[-1].Explained.Diagnosis | Should -Contain 'arcproxy-not-installed'
            (Get-Finding $run.Output[-1] 'azure.machine').Status | Should -Be 'pass' }
        'Get-AzConnectedMachine -ResourceGroupName myRG | Test-AzSshArc' = {
            param($run) @($run.Output).Count | Should -Be 1; $run.Output[0].Name | Should -Be 'myServer' }
        'Test-AzSshArc -ResourceId /subscriptions/' = {
            param($run) $run.Output[0].Name | Should -Be 'myServer'; (Get-Finding $run.Output[0] 'azure.machine').Status | Should -Be 'pass' }
        "Test-AzSshArc -Explain 'Failed to create ssh connection: 404 Endpoint does not exist'" = {
            param($run) $run.Output[0].Explained.Diagnosis | Should -Contain 'service-config-propagating' }
        "(Test-AzSshArc -ResourceGroupName myRG).Machines | Where-Object WorstStatus -eq 'fail'" = {
            param($run)
            @($run.Output).Count | Should -BeGreaterThan 0
            $run.Output | ForEach-Object { $_.WorstStatus | Should -Be 'fail'; $_.PSObject.TypeNames[0] | Should -Be 'SshTroubleshoot.FleetMachine' } }
        "(Test-AzSshArc -Offline).Findings | Where-Object Status -ne 'pass' | Format-List" = {
            param($run) $run.Thrown | Should -BeNullOrEmpty }
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer' = {
            param($run) foreach ($c in 'azure.sign-in', 'azure.machine', 'azure.ssh-service-config') { (Get-Finding $run.Output[0] $c).Status | Should -Be 'pass' } }
        '$Error[0] | Test-AzSshArc' = {
            param($run) $run.Output[0].Explained.Diagnosis | Should -Contain 'arcproxy-not-installed' }
        'Get-Help Test-AzSshArc -Examples' = {
            param($run) ($run.Output | Out-String) | Should -Match 'EXAMPLE' }
        'Test-AzSshArc -ResourceGroupName myRG' = {
            param($run) $run.Output[0].Machines.Count | Should -Be 6; $run.Output[0].Counts | Should -Not -BeNullOrEmpty }
        'Test-AzSshArc' = {
            param($run)
            $run.Output[0].Status | Should -Be 'healthy'
            (Get-Finding $run.Output[0] 'client.ps-modules').Status | Should -Be 'pass' }
    }
    # Examples not typed here, and why.
    $script:NotRun = [ordered]@{
        'Test-AzSshArc -ResourceGroupName myRG -Name myServer -DisableSsh' = 'it asks first: tested in a host that cannot ask (below)'
        'Import-Module ./target/powershell/SshTroubleshoot'                = 'this suite imports the assembled module itself'
        'Connect-AzAccount'                                                = 'signed in through the stand-in Az.Accounts'
    }
    function Find-Expectation([string]$Code) {
        # The longest key the code contains: 'Test-AzSshArc' alone only for the bare example.
        $keys = @($script:Expectations.Keys | Where-Object { $Code.Contains($_) } | Sort-Object Length -Descending)
        if ($keys.Count -eq 0) { return $null }
        if ($keys[0] -eq 'Test-AzSshArc' -and $Code.Trim() -ne 'Test-AzSshArc') { return $null }
        $script:Expectations[$keys[0]]
    }
}

AfterAll {
    Stop-ArmStandin $script:Standin
    Remove-Item -Path @('function:global:Enter-AzVM', 'function:global:Get-AzConnectedMachine') -ErrorAction Ignore
    Remove-Module -Name @('SshTroubleshoot', 'SshtsTestSupport', 'Az.Accounts') -ErrorAction Ignore
}

Describe 'The help''s examples' {
    BeforeDiscovery {
        $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
        $module = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
        Import-Module $module -Force
        $script:HelpExamples = @((Get-Help Test-AzSshArc).Examples.Example | ForEach-Object { @{ Code = [string]$_.Code; Title = ([string]$_.Code -split '\r?\n')[-1] } })
    }

    It 'runs <Title>' -ForEach $script:HelpExamples {
        $why = @($script:NotRun.Keys | Where-Object { $Code.Contains($_) })
        if ($why) { Set-ItResult -Skipped -Because $script:NotRun[$why[0]]; return }
        $expect = Find-Expectation $Code
        $expect | Should -Not -BeNullOrEmpty -Because "every example needs an expectation: $Code"
        Clear-StandinRequest $script:Standin
        $run = Invoke-Example $Code
        & $expect $run
    }

    It 'asks before -DisableSsh, and sends nothing when it cannot ask' {
        Clear-StandinRequest $script:Standin
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($module, $paths, $cert)
                $env:PSModulePath = $paths; $env:SSL_CERT_FILE = $cert
                Import-Module Az.Accounts; Import-Module $module
                Test-AzSshArc -ResourceGroupName myRG -Name myServer -DisableSsh
            }).AddArgument($script:ModulePath).AddArgument((Join-Path $script:Box 'modules')).AddArgument($script:Standin.CaBundle)
        { $ps.Invoke() } | Should -Throw '*prompt*'
        $ps.Dispose()
        Get-Changes | Should -BeNullOrEmpty
    }
}

Describe 'The README''s examples' {
    BeforeDiscovery {
        $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
        $text = Get-Content -Raw (Join-Path $root 'powershell/README.md')
        $blocks = [regex]::Matches($text, '(?s)```powershell\r?\n(.*?)```') | ForEach-Object { $_.Groups[1].Value }
        $script:ReadmeLines = @($blocks | ForEach-Object { $_ -split '\r?\n' } | Where-Object { $_ -match 'Test-AzSshArc|Get-Help|Connect-AzAccount|Import-Module' } |
                ForEach-Object { $line = ($_ -replace '\s+#.*$', '').Trim(); @{ Code = $line; Title = $line } })
    }

    It 'runs <Title>' -ForEach $script:ReadmeLines {
        $why = @($script:NotRun.Keys | Where-Object { $Code.Contains($_) })
        if ($why) { Set-ItResult -Skipped -Because $script:NotRun[$why[0]]; return }
        $expect = Find-Expectation $Code
        $expect | Should -Not -BeNullOrEmpty -Because "every example needs an expectation: $Code"
        if ($Code -like '$Error*') {
            $null = Invoke-Example 'Enter-AzVM -ResourceGroupName myRG -Name myServer'
        }
        $run = Invoke-Example $Code
        & $expect $run
    }
}
