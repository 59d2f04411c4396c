function Register-SshtsFormat {
    <#
    .SYNOPSIS
    Adds SshTroubleshoot.Format.ps1xml to this session's formatting, once, at the first
    Test-AzSshArc rather than at import.

    .DESCRIPTION
    The first format file of a session makes PowerShell load its whole built-in
    formatting data: about 0.7 s, more than the rest of the import together. Loaded at
    the first command instead, it costs almost nothing there, since showing that
    command's output loads the same data anyway. (A manifest's FormatsToProcess would
    load it at import.)
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    if ($script:SshtsFormatRegistered) { return }
    Update-FormatData -AppendPath ([System.IO.Path]::Combine($ModuleRoot, 'SshTroubleshoot.Format.ps1xml'))
    $script:SshtsFormatRegistered = $true
}
