#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Client-side checks in a sandboxed PSModulePath, -Explain and -ErrorRecord, -Quiet:
# nothing is asked of Azure.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force
    Import-Module (Join-Path $PSScriptRoot 'SshtsTestSupport.psm1') -Force

    function Get-Finding($Report, [string]$Check) { $Report.Findings | Where-Object Check -eq $Check | Select-Object -First 1 }
}

AfterAll {
    Remove-Module -Name @('SshTroubleshoot', 'SshtsTestSupport') -ErrorAction Ignore
}

Describe 'Offline checks of the Az.Ssh modules' {
    It 'passes with Az.Ssh and a 1.x ArcProxy whose proxy file is executable' {
        $box = Join-Path $TestDrive 'good'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.2.3' -ArcProxy '1.0.0'
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        $modules = Get-Finding $report 'client.ps-modules'
        $modules.Status | Should -Be 'pass'
        $modules.Summary | Should -Match 'Az\.Ssh\.ArcProxy 1\.0\.0'
        (Get-Finding $report 'client.ps-proxy-binary').Status | Should -Be 'pass'
    }

    It 'finds the newest 1.x among several versions and names the unsupported 2.x beside it' {
        $box = Join-Path $TestDrive 'several'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.1.0', '0.2.3' -ArcProxy '1.0.0', '1.2.0', '2.0.0'
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        $modules = Get-Finding $report 'client.ps-modules'
        $modules.Status | Should -Be 'pass'
        $modules.Summary | Should -Match '1\.2\.0'
        $modules.Summary | Should -Match '2\.0\.0'
    }

    It 'reports arcproxy-version-mismatch when only ArcProxy 2.x is installed' {
        $box = Join-Path $TestDrive 'wrong-major'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.2.3' -ArcProxy '2.0.0'
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        $modules = Get-Finding $report 'client.ps-modules'
        $modules.Status | Should -Be 'fail'
        $modules.Diagnosis | Should -Be 'arcproxy-version-mismatch'
        $modules.Remedy.Commands.Command -join "`n" | Should -Match 'MaximumVersion 1\.9\.9'
        $report.Status | Should -Be 'problems'
    }

    It 'reports arcproxy-not-installed with Az.Ssh alone' {
        $box = Join-Path $TestDrive 'no-proxy'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.2.3'
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        (Get-Finding $report 'client.ps-modules').Diagnosis | Should -Be 'arcproxy-not-installed'
    }

    It 'tells apart a proxy file without the execute bit, which Enter-AzVM sets itself when you own it' {
        $box = Join-Path $TestDrive 'no-x'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.2.3' -ArcProxy '1.0.0' -ProxyNotExecutable
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        $proxy = Get-Finding $report 'client.ps-proxy-binary'
        $proxy.Status | Should -Be 'pass'
        $proxy.Summary | Should -Match 'not executable yet \(mode 0644\)'
        $proxy.Evidence.mode | Should -Be '0644'

        $box = Join-Path $TestDrive 'x'
        $null = New-PsModuleSandbox -Folder (Join-Path $box 'modules') -AzSsh '0.2.3' -ArcProxy '1.0.0'
        $report = Use-SshtsSandboxEnvironment -Folder $box { Test-AzSshArc -Offline }
        (Get-Finding $report 'client.ps-proxy-binary').Evidence.mode | Should -Match '^0755'
    }
}

Describe 'Explaining error text' {
    It 'explains -Explain text, non-ASCII included' {
        $text = "Client is not authorized to create a default connectivity endpoint for 'srv-日本-é' in Resource Group 'rg-café'. This is a one-time operation"
        $report = Test-AzSshArc -Explain $text
        $report.Explained[0].Diagnosis | Should -Be 'endpoint-creation-forbidden'
        $report.Explained[0].Extracted.machine | Should -Be 'srv-日本-é'
        $report.Status | Should -Be 'problems'
    }

    It 'explains an ErrorRecord through its inner exceptions' {
        $inner = [System.InvalidOperationException]::new('Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.')
        $outer = [System.Exception]::new('Enter-AzVM failed', $inner)
        $record = [System.Management.Automation.ErrorRecord]::new($outer, 'EnterAzVMFailed', 'NotSpecified', $null)
        (Test-AzSshArc -ErrorRecord $record).Explained.Diagnosis | Should -Contain 'arcproxy-not-installed'
        ($record | Test-AzSshArc).Explained.Diagnosis | Should -Contain 'arcproxy-not-installed'
    }

    It 'explains every exception of an AggregateException' {
        $a = [System.Exception]::new('Run Connect-AzAccount to login.')
        $b = [System.Exception]::new("Client is not authorized to create a default connectivity endpoint for 'web01' in Resource Group 'rg-arc'. This is a one-time operation")
        $aggregate = [System.AggregateException]::new('One or more errors occurred.', [System.Exception[]]@($a, $b))
        $record = [System.Management.Automation.ErrorRecord]::new($aggregate, 'Aggregate', 'NotSpecified', $null)
        $diagnoses = @(($record | Test-AzSshArc).Explained.Diagnosis)
        $diagnoses | Should -Contain 'not-signed-in'
        $diagnoses | Should -Contain 'endpoint-creation-forbidden'
    }

    It 'explains the ErrorDetails of a record' {
        $record = [System.Management.Automation.ErrorRecord]::new([System.Exception]::new('failed'), 'X', 'NotSpecified', $null)
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new('Run Connect-AzAccount to login.')
        ($record | Test-AzSshArc).Explained.Diagnosis | Should -Contain 'not-signed-in'
    }

    It 'gives one report for several piped error records' {
        $records = 'Run Connect-AzAccount to login.', 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.' |
            ForEach-Object { [System.Management.Automation.ErrorRecord]::new([System.Exception]::new($_), 'X', 'NotSpecified', $null) }
        $reports = @($records | Test-AzSshArc)
        $reports.Count | Should -Be 1
        @($reports[0].Explained.Diagnosis) | Should -Contain 'arcproxy-not-installed'
    }

    It 'returns a bool with -Quiet' {
        Test-AzSshArc -Offline -Quiet | Should -BeOfType [bool]
        Test-AzSshArc -Explain 'Run Connect-AzAccount to login.' -Quiet | Should -BeFalse
    }
}
