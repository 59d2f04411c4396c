function Register-SshtsFeedback {
    <#
    .SYNOPSIS
    Registers the feedback provider (SshTroubleshoot.Feedback.cs) that diagnoses a failed
    Enter-AzVM or Export-AzSshConfig, on PowerShell 7.4 and later; elsewhere does nothing.

    .DESCRIPTION
    Windows PowerShell 5.1 and PowerShell before 7.4 have no feedback providers: the
    module imports as before there. The provider is compiled once per user, PowerShell
    and source through the shim's cache (Import-SshtsCompiled: a cached load costs
    milliseconds, a compile seconds) and reaches the shim through reflection
    (New-SshtsFeedbackProvider). It is registered even when SSH_TROUBLESHOOT_AUTO_DIAGNOSE is
    'false': the provider reads the switch at each failure, so that setting it in a
    session takes effect at once. Nothing here fails the import: without the provider
    the module works as before, and -Verbose says why.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    if ($PSVersionTable.PSEdition -ne 'Core' -or $PSVersionTable.PSVersion -lt [version]'7.4') { return }
    try {
        # A provider left by an earlier import of this module (Import-Module -Force) goes
        # first; in a new session the type is not loaded yet and this costs nothing.
        $null = Unregister-SshtsFeedback
        $sources = foreach ($file in 'SshTroubleshoot.Feedback.cs', 'SshTroubleshoot.FeedbackCommandLine.cs') {
            [System.IO.Path]::Combine($ModuleRoot, $file)
        }
        Import-SshtsCompiled -Path $sources -Name 'SshTroubleshoot.Feedback' -TypeName 'SshTroubleshoot.FeedbackProvider'
        $provider = New-SshtsFeedbackProvider
        $kind = [System.Management.Automation.Subsystem.SubsystemKind]::FeedbackProvider
        [System.Management.Automation.Subsystem.SubsystemManager]::RegisterSubsystem($kind, $provider)
    }
    catch {
        Write-Verbose "SshTroubleshoot: no automatic diagnosis after a failed Enter-AzVM: $($_.Exception.Message)"
    }
}

function New-SshtsFeedbackProvider {
    <#
    .SYNOPSIS
    A feedback provider over the loaded shim (the one registered, or one to call directly).

    .DESCRIPTION
    The shim reaches the provider through reflection, not as a compile-time reference:
    with any -ReferencedAssemblies, Add-Type drops its default references
    (System.Text.Json, System.Management.Automation, ...), and an in-memory shim has no
    file to name.
    #>
    [CmdletBinding()]
    param()

    [SshTroubleshoot.FeedbackProvider]::Over([SshTroubleshoot.Native], [SshTroubleshoot.ErrorText])
}

function Unregister-SshtsFeedback {
    <#
    .SYNOPSIS
    Unregisters the feedback provider when one is registered (the module's OnRemove).
    Returns whether one was.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param()

    if (-not ('SshTroubleshoot.FeedbackProvider' -as [type])) { return $false }
    $id = [SshTroubleshoot.FeedbackProvider]::ProviderId
    $kind = [System.Management.Automation.Subsystem.SubsystemKind]::FeedbackProvider
    $info = [System.Management.Automation.Subsystem.SubsystemManager]::GetSubsystemInfo($kind)
    $registered = @($info.Implementations | Where-Object { $_.Id -eq $id })
    if ($registered.Count -eq 0) { return $false }
    [System.Management.Automation.Subsystem.SubsystemManager]::UnregisterSubsystem($kind, $id)
    $true
}
