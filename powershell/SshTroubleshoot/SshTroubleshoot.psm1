# SshTroubleshoot: the doctor for SSH access to Azure Arc-enabled servers, for Azure
# PowerShell users. This file only wires the module together: it dot-sources the
# functions, loads the native ssh_troubleshoot library for this platform from
# bin/<os>-<arch>/, and fails the import (with what to do) when it cannot.

$ErrorActionPreference = 'Stop'

foreach ($folder in @('Private', 'Public')) {
    foreach ($file in @(Get-ChildItem -Path (Join-Path $PSScriptRoot $folder) -Filter '*.ps1' | Sort-Object Name)) {
        # A file that fails to load fails the import: no half-loaded module.
        . $file.FullName
    }
}

Import-SshtsNative -ModuleRoot $PSScriptRoot

Export-ModuleMember -Function 'Test-AzSshArc'
