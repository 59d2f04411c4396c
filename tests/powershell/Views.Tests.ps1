#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every view of SshTroubleshoot.Format.ps1xml rendered with Out-String from real
# reports, and the same report as the standalone binary for one request.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot 'SshtsTestSupport.psm1') -Force
    $ids = Get-SshtsTestIds

    # Real objects of every type: a fleet, a machine whose configuration is created by a
    # fix, and an explanation.
    $scenario = New-HealthyScenario
    Set-StandinRoute -Scenario $scenario -Path $ids.Config -Status 404 -Body @{ error = @{ code = 'ResourceNotFound'; message = 'not found' } }
    Set-StandinRoute -Scenario $scenario -Method 'PUT' -Path $ids.Config -Body @{ id = $ids.Config; name = 'SSH'; properties = @{ serviceName = 'SSH'; port = '22'; provisioningState = 'Succeeded' } }
    $scenario.fleet = @{ count = 3; subscriptions = @($ids.SubscriptionId); resourceGroups = @('rg-fleet') }
    $box = Join-Path $TestDrive 'views'
    $script:Standin = Start-ArmStandin -Scenario $scenario -WorkDir (Join-Path $box 'arm')
    $modules = Join-Path $box 'modules'
    $null = New-AzAccountsStandin -Folder $modules -ResourceManagerUrl ($script:Standin.Url + '/') -Token (New-StandinToken)
    $reports = Use-SshtsSandboxEnvironment -Folder $box -Environment @{ SSL_CERT_FILE = $script:Standin.CaBundle } {
        Import-Module Az.Accounts -Force
        Test-AzSshArc -ResourceGroupName $ids.ResourceGroupName -Name $ids.Name -Fix -Confirm:$false -Explain 'Run Connect-AzAccount to login.'
        Test-AzSshArc -ResourceGroupName 'rg-fleet'
    }
    $script:Objects = @{
        'SshTroubleshoot.Report'       = $reports[0]
        'SshTroubleshoot.Finding'      = $reports[0].Findings
        'SshTroubleshoot.Explanation'  = $reports[0].Explained
        'SshTroubleshoot.AppliedFix'   = $reports[0].Applied
        'SshTroubleshoot.FleetMachine' = $reports[1].Machines
    }
}

AfterAll {
    Stop-ArmStandin $script:Standin
    Remove-Module -Name @('SshTroubleshoot', 'SshtsTestSupport', 'Az.Accounts') -ErrorAction Ignore
}

Describe 'Format.ps1xml views' {
    BeforeDiscovery {
        $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
        [xml]$format = Get-Content -Raw (Join-Path $root 'powershell/SshTroubleshoot/SshTroubleshoot.Format.ps1xml')
        $script:Views = @($format.Configuration.ViewDefinitions.View | ForEach-Object {
                $control = @($_.ChildNodes | Where-Object { $_.LocalName -like '*Control' })[0].LocalName
                @{ Name = $_.Name; TypeName = $_.ViewSelectedBy.TypeName; Control = $control }
            })
    }

    It 'renders <TypeName> as <Control>' -ForEach $script:Views {
        $objects = @($script:Objects[$TypeName])
        $objects.Count | Should -BeGreaterThan 0 -Because "a real $TypeName to render"
        $objects[0].PSObject.TypeNames[0] | Should -Be $TypeName
        $text = switch ($Control) {
            'TableControl' { $objects | Format-Table -View $Name | Out-String -Width 200 }
            'ListControl' { $objects | Format-List -View $Name | Out-String -Width 200 }
        }
        $text.Trim() | Should -Not -BeNullOrEmpty
        $text | Should -Not -Match 'SshTroubleshoot\.(Report|Finding|Explanation|AppliedFix|FleetMachine)\b'
        switch ($TypeName) {
            'SshTroubleshoot.Report' { $text | Should -Match 'web01' }
            'SshTroubleshoot.Finding' { $text | Should -Match 'azure\.machine|Azure Arc-enabled server' }
            'SshTroubleshoot.Explanation' { $text | Should -Match 'not-signed-in' }
            'SshTroubleshoot.AppliedFix' { $text | Should -Match 'applied' }
            'SshTroubleshoot.FleetMachine' { $text | Should -Match 'rg-fleet' }
        }
    }
}

Describe 'One core, two hosts' {
    It 'gives the same report as the standalone binary' {
        $text = 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.'
        $cmdlet = Test-AzSshArc -Offline -Explain $text -Port 2222 -LocalUser admin
        $binary = Get-SshtsTestBinary 'ssh-troubleshoot'
        $json = & $binary arc --client powershell --offline --port 2222 --local-user admin --explain $text -o json | Out-String
        $fromBinary = ConvertFrom-Json -InputObject $json
        $cmdlet.Status | Should -Be $fromBinary.status
        $cmdlet.Client | Should -Be $fromBinary.client
        $shape = { param($f) '{0}|{1}|{2}|{3}' -f $f.check, $f.status, $f.diagnosis, $f.summary }
        @($cmdlet.Findings | ForEach-Object { & $shape ([pscustomobject]@{ check = $_.Check; status = $_.Status; diagnosis = $_.Diagnosis; summary = $_.Summary }) }) |
            Should -Be @($fromBinary.findings | ForEach-Object { & $shape $_ })
        @($cmdlet.Explained.Diagnosis) | Should -Be @($fromBinary.explained.diagnosis)
    }
}
