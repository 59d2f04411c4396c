function Get-SshtsAzureContext {
    <#
    .SYNOPSIS
    Subscription, ARM endpoint and access token from the current Az.Accounts context.

    .DESCRIPTION
    Never fails: without Az.Accounts, without a login or without a token it returns what
    it has and says why in Reason; the core then reports the Azure checks as
    not-signed-in. The token is only ever put into the request, never written out.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [string]$SubscriptionId
    )

    $result = [pscustomobject]@{
        SubscriptionId = $SubscriptionId
        ArmEndpoint    = $null
        AccessToken    = $null
        Reason         = $null
    }
    if (-not (Get-Command -Name 'Get-AzContext' -ErrorAction Ignore)) {
        $result.Reason = 'Az.Accounts is not installed (Install-Module Az.Accounts), so the Azure checks cannot sign in.'
        return $result
    }
    $context = $null
    try { $context = Get-AzContext -ErrorAction Stop } catch { $context = $null }
    if ($null -eq $context -or $null -eq $context.Account) {
        $result.Reason = 'There is no Azure PowerShell login in this session (Connect-AzAccount).'
        return $result
    }
    if (-not $result.SubscriptionId -and $context.Subscription) {
        $result.SubscriptionId = [string]$context.Subscription.Id
    }
    if ($context.Environment -and $context.Environment.ResourceManagerUrl) {
        $result.ArmEndpoint = [string]$context.Environment.ResourceManagerUrl
    }
    $resource = if ($result.ArmEndpoint) { $result.ArmEndpoint } else { 'https://management.azure.com/' }
    try {
        $token = Get-AzAccessToken -ResourceUrl $resource -ErrorAction Stop -WarningAction SilentlyContinue
        $result.AccessToken = ConvertFrom-SshtsToken -Token $token.Token
    }
    catch {
        $result.Reason = "Get-AzAccessToken failed for $resource ($($_.Exception.Message)); run Connect-AzAccount."
    }
    $result
}

function ConvertFrom-SshtsToken {
    # Az.Accounts before 5.0 returns the token as a string, later ones (and
    # -AsSecureString) as a SecureString; NetworkCredential unwraps it on 5.1 and 7.
    param($Token)
    if ($null -eq $Token) { return $null }
    if ($Token -is [System.Security.SecureString]) {
        return (New-Object System.Net.NetworkCredential -ArgumentList '', $Token).Password
    }
    [string]$Token
}

function Get-SshtsErrorText {
    <#
    .SYNOPSIS
    The text to explain from an ErrorRecord: its details, the messages of its exception
    and every inner exception, and its error id.

    .DESCRIPTION
    The shim's [SshTroubleshoot.ErrorText]::Gather (SshTroubleshoot.ErrorText.cs) reads
    it, the same code as the feedback provider's after a failed Enter-AzVM.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.ErrorRecord]$ErrorRecord
    )

    $details = if ($ErrorRecord.ErrorDetails) { $ErrorRecord.ErrorDetails.Message } else { $null }
    [SshTroubleshoot.ErrorText]::Gather($details, $ErrorRecord.Exception, $ErrorRecord.TargetObject, $ErrorRecord.FullyQualifiedErrorId)
}
