# SshTroubleshoot: the doctor for SSH access to Azure Arc-enabled servers, for Azure
# PowerShell users. This file only wires the module together: it dot-sources the
# functions, loads the native ssh_troubleshoot library for this platform from
# bin/<os>-<arch>/, and fails the import (with what to do) when it cannot; on
# PowerShell 7.4+ it registers the feedback provider (Private/Register-SshtsFeedback.ps1).

$ErrorActionPreference = 'Stop'

# The files by name: a first Get-ChildItem in a new session costs over half a second,
# the whole import budget. A test checks that this list is every file of Private/ and
# Public/. powershell/build.sh replaces the lines from here to the end marker with the
# files themselves, in this order: one file to read and parse, not nine.
# <scripts>
$script:SshtsScripts = @(
    'Private/ConvertTo-SshtsReport.ps1'
    'Private/Get-SshtsAzureContext.ps1'
    'Private/Import-SshtsNative.ps1'
    'Private/Invoke-SshtsCore.ps1'
    'Private/Invoke-SshtsDiagnosis.ps1'
    'Private/New-SshtsRequest.ps1'
    'Private/Register-SshtsFeedback.ps1'
    'Private/Register-SshtsFormat.ps1'
    'Public/Test-AzSshArc.ps1'
)
foreach ($relative in $script:SshtsScripts) {
    # A file that fails to load fails the import: no half-loaded module.
    . ([System.IO.Path]::Combine($PSScriptRoot, $relative))
}
# </scripts>

$script:SshtsModuleRoot = $PSScriptRoot
$script:SshtsFormatRegistered = $false
Import-SshtsNative -ModuleRoot $PSScriptRoot
# PowerShell 7.4+: a failed Enter-AzVM is followed by its diagnosis (feedback provider).
Register-SshtsFeedback -ModuleRoot $PSScriptRoot
# Remove-Module takes the provider away with the module.
$ExecutionContext.SessionState.Module.OnRemove = { $null = Unregister-SshtsFeedback }

Export-ModuleMember -Function 'Test-AzSshArc'
