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

    With -OnProgress the request goes through RunWithProgress: for a fleet request the
    scriptblock is called with (done, total) Azure reads as they finish, always on this
    thread (the shim polls the native run, which goes on on a worker thread).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Request,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [scriptblock]$OnProgress
    )

    $code = $null
    $message = $null
    $exception = $null
    $answer = $null
    try {
        $json = ConvertTo-Json -InputObject $Request -Depth 8 -Compress
        $text = if ($OnProgress) {
            [SshTroubleshoot.Native]::RunWithProgress($json, [System.Action[long, long]]$OnProgress)
        }
        else {
            [SshTroubleshoot.Native]::Run($json)
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
