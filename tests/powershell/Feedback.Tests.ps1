#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The parts of the feedback provider (issue 19) that need no terminal: the command-line
# reader (SshTroubleshoot.FeedbackCommandLine.cs), the error-record text shared with
# Test-AzSshArc -ErrorRecord (SshTroubleshoot.ErrorText.cs), and what the provider shows
# for a real answer of the core. The interactive session is tests/powershell/test_feedback.py.

BeforeDiscovery {
    # Feedback providers exist from PowerShell 7.4 on; before, only the text is shared.
    $script:HasFeedback = $PSVersionTable.PSEdition -eq 'Core' -and $PSVersionTable.PSVersion -ge [version]'7.4'
}

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force

    function Read-Line([string]$Line, [System.Collections.IDictionary]$Bound = $null) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Line, [ref]$tokens, [ref]$errors)
        [SshTroubleshoot.FeedbackCommandLine]::Read($ast, $Bound)
    }

    function New-Record([Exception]$Exception, [string]$Details, $Target, [string]$Id = 'SomeId') {
        $record = New-Object System.Management.Automation.ErrorRecord -ArgumentList $Exception, $Id, 'NotSpecified', $Target
        if ($Details) { $record.ErrorDetails = New-Object System.Management.Automation.ErrorDetails -ArgumentList $Details }
        $record
    }
}

AfterAll {
    Remove-Module SshTroubleshoot -ErrorAction Ignore
}

Describe 'The command-line reader' -Skip:(-not $script:HasFeedback) {
    It 'reads the values typed after Enter-AzVM, in any case and either form' {
        $line = Read-Line "enter-azvm -resourcegroupname rg-arc -Name:'web 01' -LocalUser `"ada`" -Port 2222"
        $line.Command | Should -Be 'enter-azvm'
        $line.ResourceGroupName | Should -Be 'rg-arc'
        $line.Name | Should -Be 'web 01'
        $line.LocalUser | Should -Be 'ada'
        $line.Port | Should -Be 2222
        $line.ResourceId | Should -BeNullOrEmpty
    }

    It 'finds the watched command anywhere in the line, module-qualified too' {
        $line = Read-Line "Get-Date; Az.Ssh\Export-AzSshConfig -ResourceId /subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/m -ConfigFilePath ./c"
        $line.Command | Should -Be 'Az.Ssh\Export-AzSshConfig'
        $line.ResourceId | Should -Be '/subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/m'
    }

    It 'takes bound values for what the line does not spell as a constant' {
        $line = Read-Line 'Enter-AzVM -ResourceGroupName $rg -Name "web-$n" -Port $p' @{ ResourceGroupName = 'rg-bound'; Port = 2200 }
        $line.ResourceGroupName | Should -Be 'rg-bound'
        $line.Name | Should -BeNullOrEmpty
        $line.Port | Should -Be 2200
    }

    It 'gives nothing for a line without Enter-AzVM or Export-AzSshConfig, and ignores a port that is none' {
        Read-Line 'Get-Item /nope' | Should -BeNullOrEmpty
        [SshTroubleshoot.FeedbackCommandLine]::Read($null, $null) | Should -BeNullOrEmpty
        (Read-Line 'Enter-AzVM -Name web -Port 70000').Port | Should -BeNullOrEmpty
        (Read-Line 'Enter-AzVM -Name -Port 22').Name | Should -BeNullOrEmpty
    }
}

Describe 'The error-record text' {
    It 'holds the details, every exception (inner and aggregated), a string target and the error id, once each' {
        $inner = New-Object System.IO.IOException -ArgumentList 'inner io'
        $aggregate = New-Object System.AggregateException -ArgumentList 'outer', ([Exception[]]@(
                (New-Object System.InvalidOperationException -ArgumentList 'first', $inner),
                (New-Object System.TimeoutException -ArgumentList 'second')))
        $record = New-Record -Exception $aggregate -Details 'the details' -Target 'web-01' -Id 'Failed,Enter-AzVM'
        $text = & (Get-Module SshTroubleshoot) { param($r) Get-SshtsErrorText -ErrorRecord $r } $record
        $lines = $text -split [Environment]::NewLine
        $lines[0] | Should -Be 'the details'
        $lines | Should -Contain 'System.InvalidOperationException: first'
        $lines | Should -Contain 'System.TimeoutException: second'
        $lines | Should -Contain 'System.IO.IOException: inner io'
        $lines | Should -Contain 'web-01'
        $lines[-1] | Should -Be 'FullyQualifiedErrorId: Failed,Enter-AzVM'
        @($lines | Select-Object -Unique).Count | Should -Be $lines.Count
    }

    It 'ends on a cycle of inner exceptions' {
        $e = New-Object System.Exception -ArgumentList 'loop'
        # An exception that is its own inner exception (set by reflection, as no API allows it).
        [System.Exception].GetField('_innerException', [System.Reflection.BindingFlags]'NonPublic,Instance').SetValue($e, $e)
        $text = [SshTroubleshoot.ErrorText]::Gather($null, $e, $null, $null)
        $text | Should -Be 'System.Exception: loop'
    }

    It 'is what Test-AzSshArc -ErrorRecord explains' {
        $exception = New-Object System.InvalidOperationException -ArgumentList 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.'
        $report = Test-AzSshArc -ErrorRecord (New-Record -Exception $exception -Id 'X,Enter-AzVM')
        $report.Explained[0].Diagnosis | Should -Be 'arcproxy-not-installed'
    }
}

Describe 'What the provider shows for an answer of the core' -Skip:(-not $script:HasFeedback) {
    BeforeAll {
        function Get-Answer([hashtable]$Request) {
            $base = @{ schemaVersion = 1; command = 'diagnose'; client = 'powershell'; offline = $true }
            foreach ($k in $Request.Keys) { $base[$k] = $Request[$k] }
            [SshTroubleshoot.Native]::Run((ConvertTo-Json -InputObject $base -Depth 5 -Compress))
        }
    }

    It 'names the cause, its first PowerShell command, and the full-report command' {
        $answer = Get-Answer @{ explain = 'Enter-AzVM: Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.'
            target = @{ resourceGroup = 'rg-arc'; name = 'web-01' } }
        $item = [SshTroubleshoot.FeedbackRender]::Render($answer, $true)
        $item.Header | Should -Match '^arcproxy-not-installed: '
        $item.RecommendedActions[0] | Should -BeLike 'Install-Module Az.Ssh.ArcProxy *'
        $item.RecommendedActions[-1] | Should -Be 'Test-AzSshArc -ResourceGroupName rg-arc -Name web-01'
    }

    It 'offers the full report for a failed Enter-AzVM with no known cause, and nothing otherwise' {
        $answer = Get-Answer @{ explain = 'something nobody knows' }
        $item = [SshTroubleshoot.FeedbackRender]::Render($answer, $true)
        $item.Header | Should -Match 'No known cause'
        @($item.RecommendedActions) | Should -Be @('Test-AzSshArc -ErrorRecord $Error[0]')
        [SshTroubleshoot.FeedbackRender]::Render($answer, $false) | Should -BeNullOrEmpty
    }

    It 'shows nothing for an error answer, and the provider nothing for no context' {
        [SshTroubleshoot.FeedbackRender]::Render('{"error": {"code": "invalid-request", "message": "x"}}', $true) | Should -BeNullOrEmpty
        $registered = @((Get-PSSubsystem -Kind FeedbackProvider).Implementations | Where-Object { $_.Name -eq 'SshTroubleshoot' })
        $registered.Count | Should -Be 1
        $provider = & (Get-Module SshTroubleshoot) { New-SshtsFeedbackProvider }
        $provider.GetFeedback($null, [System.Threading.CancellationToken]::None) | Should -BeNullOrEmpty
    }
}

Describe 'The provider, called as the host calls it' -Skip:(-not $script:HasFeedback) {
    BeforeAll {
        $script:Provider = & (Get-Module SshTroubleshoot) { New-SshtsFeedbackProvider }
        # What the host hands the provider after Line failed with Message.
        function Get-Feedback([string]$Line, [string]$Message) {
            $tokens = $null; $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Line, [ref]$tokens, [ref]$errors)
            $record = New-Record -Exception (New-Object System.InvalidOperationException -ArgumentList $Message)
            $context = New-Object System.Management.Automation.Subsystem.Feedback.FeedbackContext -ArgumentList (
                [System.Management.Automation.Subsystem.Feedback.FeedbackTrigger]::Error), $ast, $tokens, $PWD, $record
            $script:Provider.GetFeedback($context, [System.Threading.CancellationToken]::None)
        }
    }

    It 'explains another command''s failure when its text is about SSH to Arc' {
        $item = Get-Feedback 'Invoke-MyConnect web-01' 'sshproxy: error copying information from the connection: An existing connection was forcibly closed by the remote host.'
        $item.Header | Should -Match '^ssh-traffic-not-allowed: '
        $item.RecommendedActions[-1] | Should -Be 'Test-AzSshArc -ErrorRecord $Error[0]'
    }

    It 'gives nothing for another command''s known error without that context, nor when switched off' {
        Get-Feedback 'Invoke-MyConnect web-01' 'Run Connect-AzAccount to login.' | Should -BeNullOrEmpty
        $env:SSH_TROUBLESHOOT_AUTO_DIAGNOSE = 'Off'
        try {
            Get-Feedback 'Enter-AzVM -ResourceGroupName rg -Name web' 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.' |
                Should -BeNullOrEmpty
        }
        finally { Remove-Item Env:SSH_TROUBLESHOOT_AUTO_DIAGNOSE }
        (Get-Feedback 'Enter-AzVM -ResourceGroupName rg -Name web' 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine.').Header |
            Should -Match '^arcproxy-not-installed: '
    }
}
