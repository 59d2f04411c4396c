#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Pester 5 tests of the assembled module, for a machine with PowerShell (pwsh 7 or
# Windows PowerShell 5.1). They import what powershell/build.sh (build.ps1) assembles,
# not the source folder:
#
#   powershell/build.sh --debug          # or: ./powershell/build.ps1 -Configuration Debug
#   pwsh -NoProfile -Command "Invoke-Pester -Path tests/powershell -Output Detailed"
#
# SSHTS_MODULE names another assembled module folder.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force
}

AfterAll {
    Remove-Module SshTroubleshoot -ErrorAction Ignore
}

Describe 'SshTroubleshoot module' {
    It 'exports exactly Test-AzSshArc' {
        (Get-Module SshTroubleshoot).ExportedCommands.Keys | Should -Be @('Test-AzSshArc')
    }

    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest -Path (Join-Path $script:ModulePath 'SshTroubleshoot.psd1')
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'has help with examples' {
        (Get-Help Test-AzSshArc).Examples.Example.Count | Should -BeGreaterOrEqual 6
    }

    It 'fails the import with what to do when the native library is missing' {
        $copy = Join-Path $TestDrive 'SshTroubleshoot'
        Copy-Item -Path $script:ModulePath -Destination $copy -Recurse
        Remove-Item -Path (Join-Path $copy 'bin') -Recurse -Force
        $shell = (Get-Process -Id $PID).Path
        $out = & $shell -NoProfile -Command "try { Import-Module '$copy' -ErrorAction Stop } catch { `$_.Exception.Message }" 2>&1
        "$out" | Should -Match 'cannot find its native library'
        "$out" | Should -Match 'build\.sh'
    }
}

Describe 'Test-AzSshArc' {
    It 'checks this machine offline and emits typed objects' {
        $report = Test-AzSshArc -Offline
        $report.PSObject.TypeNames[0] | Should -Be 'SshTroubleshoot.Report'
        $report.Client | Should -Be 'powershell'
        $report.Findings.Count | Should -BeGreaterThan 0
        $report.Findings[0].PSObject.TypeNames[0] | Should -Be 'SshTroubleshoot.Finding'
        $report.Status | Should -BeIn @('healthy', 'problems', 'incomplete')
    }

    It 'explains text, non-ASCII included' {
        $text = "Client is not authorized to create a default connectivity endpoint for 'srv-日本-é' in Resource Group 'rg-café'. This is a one-time operation"
        $report = Test-AzSshArc -Explain $text
        $report.Explained[0].Diagnosis | Should -Be 'endpoint-creation-forbidden'
        $report.Explained[0].Extracted.machine | Should -Be 'srv-日本-é'
        $report.Status | Should -Be 'problems'
    }

    It 'explains an error record through its inner exceptions' {
        $inner = [System.InvalidOperationException]::new('Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.')
        $outer = [System.Exception]::new('Enter-AzVM failed', $inner)
        $record = [System.Management.Automation.ErrorRecord]::new($outer, 'EnterAzVMFailed', 'NotSpecified', $null)
        $report = $record | Test-AzSshArc
        $report.Explained.Diagnosis | Should -Contain 'arcproxy-not-installed'
    }

    It 'returns a bool with -Quiet' {
        Test-AzSshArc -Offline -Quiet | Should -BeOfType [bool]
        Test-AzSshArc -Explain 'Run Connect-AzAccount to login.' -Quiet | Should -BeFalse
    }

    It 'checks a machine without a login and reports not-signed-in' {
        Mock -ModuleName SshTroubleshoot Get-SshtsAzureContext {
            [pscustomobject]@{ SubscriptionId = $null; ArmEndpoint = $null; AccessToken = $null; Reason = 'no login' }
        }
        $report = Test-AzSshArc -ResourceGroupName rg -Name srv
        $report.Name | Should -Be 'srv'
        $report.Findings.Diagnosis | Should -Contain 'not-signed-in'
    }

    It 'changes nothing with -DisableSsh -WhatIf' {
        Test-AzSshArc -ResourceGroupName rg -Name srv -DisableSsh -WhatIf | Should -BeNullOrEmpty
    }

    It 'maps an error object of the core to a terminating error' {
        Mock -ModuleName SshTroubleshoot ConvertTo-Json { '{"schemaVersion": 99}' }
        { Test-AzSshArc -Offline } | Should -Throw -ErrorId 'SshTroubleshootUnsupportedSchema,Test-AzSshArc'
    }

    It 'takes the token as plain string or SecureString' {
        InModuleScope SshTroubleshoot {
            ConvertFrom-SshtsToken -Token 'abc' | Should -Be 'abc'
            ConvertFrom-SshtsToken -Token (ConvertTo-SecureString 'abc' -AsPlainText -Force) | Should -Be 'abc'
        }
    }
}
