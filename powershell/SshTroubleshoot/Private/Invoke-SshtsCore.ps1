function Invoke-SshtsCore {
    <#
    .SYNOPSIS
    Sends one request document to the native core and returns the parsed report.

    .DESCRIPTION
    The one place where tool failures become PowerShell errors: an error object from
    the core ({"error": {"code", "message"}}), an unusable native library, or an answer
    that is not JSON all end in $Cmdlet.ThrowTerminatingError with the
    FullyQualifiedErrorId 'SshTroubleshoot<Code>,Test-AzSshArc' (code in PascalCase,
    e.g. invalid-request -> SshTroubleshootInvalidRequest).

    The request goes through the shim's RunCancellable: the native run goes on on a
    worker thread while this thread waits, so that Ctrl+C cancels it (sshts_cancel) and
    the prompt comes back at once. With -OnProgress, for a fleet request, the
    scriptblock is called with (done, total) Azure reads as they finish, always on this
    thread. With -OnRound, for a watch request, the scriptblock is called with each
    round's JSON as the round ends (the shim's RunWatching, sshts_run_watching), also on
    this thread.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Request,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [scriptblock]$OnProgress,

        [scriptblock]$OnRound
    )

    $code = $null
    $message = $null
    $exception = $null
    $answer = $null
    try {
        $json = ConvertTo-Json -InputObject $Request -Depth 8 -Compress
        # The native run goes on on a worker thread; this thread polls a scriptblock,
        # which is where a stopped pipeline (Ctrl+C) surfaces as a
        # PipelineStoppedException: the shim then cancels the run (sshts_cancel).
        $progress = if ($OnProgress) { [System.Action[long, long]]$OnProgress } else { $null }
        $poll = {
            # Ctrl+C marks the command as stopping; the engine only stops it between
            # statements, never inside the shim's wait, so the poll says so itself.
            if ($Cmdlet.Stopping) { throw (New-Object System.Management.Automation.PipelineStoppedException) }
        }.GetNewClosure()
        $text = if ($OnRound) {
            [SshTroubleshoot.Native]::RunWatching($json, [System.Action[string]]$OnRound, [System.Action]$poll)
        }
        else {
            [SshTroubleshoot.Native]::RunCancellable($json, $progress, [System.Action]$poll)
        }
        try {
            $answer = ConvertFrom-Json -InputObject $text
        }
        catch {
            $code = 'invalid-answer'
            $message = "The native library answered with something that is not JSON: $($_.Exception.Message)"
        }
    }
    catch {
        $exception = $_.Exception
        while ($exception -is [System.Management.Automation.MethodInvocationException] -and $exception.InnerException) {
            $exception = $exception.InnerException
        }
        # A stop (Ctrl+C) seen by -OnProgress is the user's, not a tool failure.
        if ($exception -is [System.Management.Automation.PipelineStoppedException]) { throw }
        $code = if ($exception -is [SshTroubleshoot.NativeLibraryException]) {
            'native-library-' + $exception.Reason
        }
        else {
            'native-call-failed'
        }
        $message = $exception.Message
    }
    if ($null -eq $code -and $null -ne $answer -and $answer.PSObject.Properties['error']) {
        $code = [string]$answer.error.code
        $message = [string]$answer.error.message
    }
    if ($null -eq $code) {
        return $answer
    }

    $id = 'SshTroubleshoot' + ((@($code -split '[-_.\s]+') | Where-Object { $_ } | ForEach-Object {
                $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1)
            }) -join '')
    $category = switch -Wildcard ($code) {
        'invalid-*' { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'request-too-large' { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'unsupported-*' { [System.Management.Automation.ErrorCategory]::NotImplemented }
        'native-*' { [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        default { [System.Management.Automation.ErrorCategory]::NotSpecified }
    }
    if ($null -eq $exception) {
        $exception = New-Object System.InvalidOperationException -ArgumentList "ssh-troubleshoot could not run: $message"
    }
    $record = New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, $id, $category, $null
    $record.ErrorDetails = New-Object System.Management.Automation.ErrorDetails -ArgumentList "ssh-troubleshoot could not run ($code): $message"
    $Cmdlet.ThrowTerminatingError($record)
}
