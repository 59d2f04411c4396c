# Helpers of the Pester suites: the ARM stand-in (rust/armstandin) started on a
# scenario, its request log; a healthy Arc machine's scenario (the one of
# tests/az/az_support.py and rust/cli/tests/support/arm.rs); stand-in Az.Accounts modules
# in the shapes of the real one; sandboxes of Az.Ssh / Az.Ssh.ArcProxy installs; a
# stand-in Az.Ssh whose Enter-AzVM fails with the real module's messages.

Set-StrictMode -Version Latest

$script:Root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
$script:Target = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $script:Root 'target' }

$script:Sub = '00000000-1111-2222-3333-444444444444'
$script:Tenant = '72f988bf-0000-0000-0000-000000000000'
$script:Rg = 'rg-arc'
$script:Vm = 'web01'
$script:Machine = "/subscriptions/$script:Sub/resourceGroups/$script:Rg/providers/Microsoft.HybridCompute/machines/$script:Vm"

function Get-SshtsTestIds {
    param([string]$SubscriptionId = $script:Sub, [string]$ResourceGroupName = $script:Rg, [string]$Name = $script:Vm)
    $machine = "/subscriptions/$SubscriptionId/resourceGroups/$ResourceGroupName/providers/Microsoft.HybridCompute/machines/$Name"
    [pscustomobject]@{
        SubscriptionId    = $SubscriptionId
        TenantId          = $script:Tenant
        ResourceGroupName = $ResourceGroupName
        Name              = $Name
        MachineId         = $machine
        Endpoint          = "$machine/providers/Microsoft.HybridConnectivity/endpoints/default"
        Config            = "$machine/providers/Microsoft.HybridConnectivity/endpoints/default/serviceConfigurations/SSH"
    }
}

function Get-SshtsTestBinary {
    param([Parameter(Mandatory)][string]$Name)
    foreach ($build in 'debug', 'release') {
        $path = [System.IO.Path]::Combine($script:Target, $build, $Name)
        if (Test-Path -LiteralPath $path -PathType Leaf) { return $path }
    }
    throw "$Name not found under $script:Target: cargo build -p arm-standin -p ssh-troubleshoot-cli"
}

function New-StandinToken {
    $standin = Get-SshtsTestBinary 'arm-standin'
    (& $standin jwt --tid $script:Tenant --oid '11111111-2222-3333-4444-555555555555' --upn 'ada@contoso.com').Trim()
}

function New-StandinRoute {
    param([string]$Method = 'GET', [string]$Path, [int]$Status = 200, $Body, [int]$DelayMs = 0)
    $route = [ordered]@{ method = $Method; path = $Path; status = $Status; headers = @{ 'x-ms-correlation-request-id' = 'corr-0001' } }
    if ($null -ne $Body) { $route.body = $Body }
    if ($DelayMs) { $route.delayMs = $DelayMs }
    $route
}

function New-HealthyScenario {
    <# Every read of a healthy, connected Linux machine with SSH on port 22. #>
    param([string]$SubscriptionId = $script:Sub, [string]$ResourceGroupName = $script:Rg, [string]$Name = $script:Vm)
    $ids = Get-SshtsTestIds -SubscriptionId $SubscriptionId -ResourceGroupName $ResourceGroupName -Name $Name
    $routes = New-Object System.Collections.Generic.List[object]
    $routes.Add((New-StandinRoute -Path "/subscriptions/$($ids.SubscriptionId)/resourceGroups/$($ids.ResourceGroupName)/resources" -Body @{ value = @(
                    @{ id = $ids.MachineId; name = $ids.Name; type = 'Microsoft.HybridCompute/machines'; location = 'eastus' }) }))
    $routes.Add((New-StandinRoute -Path "/subscriptions/$($ids.SubscriptionId)/providers/Microsoft.HybridConnectivity" -Body @{
                namespace = 'Microsoft.HybridConnectivity'; registrationState = 'Registered' }))
    $routes.Add((New-StandinRoute -Path $ids.MachineId -Body @{
                id = $ids.MachineId; name = $ids.Name; type = 'Microsoft.HybridCompute/machines'; location = 'eastus'
                properties = @{ status = 'Connected'; agentVersion = '1.45.02800.1234'; lastStatusChange = '2026-11-23T20:00:00Z'
                    osType = 'linux'; osName = 'ubuntu'; provisioningState = 'Succeeded'; agentConfiguration = @{ incomingConnectionsPorts = @() } } }))
    $routes.Add((New-StandinRoute -Path $ids.Endpoint -Body @{ id = $ids.Endpoint; name = 'default'; type = 'Microsoft.HybridConnectivity/endpoints'
                properties = @{ type = 'default'; provisioningState = 'Succeeded' } }))
    $routes.Add((New-StandinRoute -Path $ids.Config -Body @{ id = $ids.Config; name = 'SSH'
                properties = @{ serviceName = 'SSH'; port = '22'; provisioningState = 'Succeeded' } }))
    $routes.Add((New-StandinRoute -Path "$($ids.MachineId)/providers/Microsoft.Authorization/permissions" -Body @{ value = @(@{
                        actions = @('Microsoft.HybridCompute/machines/*/read', 'Microsoft.HybridConnectivity/endpoints/listCredentials/action')
                        notActions = @(); dataActions = @('Microsoft.HybridCompute/machines/login/action'); notDataActions = @() }) }))
    $routes.Add((New-StandinRoute -Path "$($ids.MachineId)/extensions" -Body @{ value = @(@{
                        name = 'AADSSHLogin'; properties = @{ publisher = 'Microsoft.Azure.ActiveDirectory'; type = 'AADSSHLoginForLinux' } }) }))
    [ordered]@{ routes = $routes }
}

function Set-StandinRoute {
    <# Replaces (or adds, first) the answer for Method Path in Scenario. #>
    param([Parameter(Mandatory)]$Scenario, [string]$Method = 'GET', [Parameter(Mandatory)][string]$Path, [int]$Status = 200, $Body, [int]$DelayMs = 0)
    $new = New-StandinRoute -Method $Method -Path $Path -Status $Status -Body $Body -DelayMs $DelayMs
    for ($i = 0; $i -lt $Scenario.routes.Count; $i++) {
        if ($Scenario.routes[$i].method -eq $Method -and $Scenario.routes[$i].path -eq $Path) { $Scenario.routes[$i] = $new; return }
    }
    $Scenario.routes.Insert(0, $new)
}

function Start-ArmStandin {
    <#
    arm-standin serving Scenario until Stop-ArmStandin (it exits when its stdin closes).
    Returns Url, CaBundle, RequestLog and the process.
    #>
    param([Parameter(Mandatory)]$Scenario, [Parameter(Mandatory)][string]$WorkDir)
    $null = New-Item -ItemType Directory -Path $WorkDir -Force
    $file = Join-Path $WorkDir ('scenario-{0}.json' -f [guid]::NewGuid().ToString('N'))
    [System.IO.File]::WriteAllText($file, (ConvertTo-Json -InputObject $Scenario -Depth 20))
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = Get-SshtsTestBinary 'arm-standin'
    foreach ($a in '--scenario', $file, '--port', '0', '--state-dir', $WorkDir, '--max-seconds', '600') { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if (-not $line) { throw 'arm-standin did not start' }
    $started = ConvertFrom-Json -InputObject $line
    [pscustomobject]@{
        Url        = [string]$started.url
        CaBundle   = [string]$started.caBundle
        RequestLog = [string]$started.requestLog
        Process    = $process
        Seen       = 0
    }
}

function Stop-ArmStandin {
    param([Parameter(Mandatory)]$Standin)
    if (-not $Standin.Process.HasExited) {
        $Standin.Process.StandardInput.Close()
        if (-not $Standin.Process.WaitForExit(10000)) { $Standin.Process.Kill() }
    }
}

function Get-StandinRequest {
    <# The requests the stand-in logged since the last Clear-StandinRequest. #>
    param([Parameter(Mandatory)]$Standin)
    if (-not (Test-Path -LiteralPath $Standin.RequestLog)) { return @() }
    $all = @(Get-Content -LiteralPath $Standin.RequestLog | Where-Object { $_.Trim() } | ForEach-Object { ConvertFrom-Json -InputObject $_ })
    @($all | Select-Object -Skip $Standin.Seen)
}

function Clear-StandinRequest {
    param([Parameter(Mandatory)]$Standin)
    $Standin.Seen += @(Get-StandinRequest -Standin $Standin).Count
}

function New-AzAccountsStandin {
    <#
    A module named Az.Accounts in Folder/Az.Accounts/Version with Get-AzContext and
    Get-AzAccessToken in the shapes of the real ones: a context whose Environment has a
    custom ResourceManagerUrl, and a token object whose Token is a string (before 5.0)
    or a SecureString (5.0 and later). -SignedOut: Get-AzContext returns nothing.
    #>
    param(
        [Parameter(Mandatory)][string]$Folder,
        [Parameter(Mandatory)][string]$ResourceManagerUrl,
        [Parameter(Mandatory)][string]$Token,
        [string]$Version = '5.0.0',
        [string]$SubscriptionId = $script:Sub,
        [switch]$SignedOut
    )
    $module = Join-Path (Join-Path $Folder 'Az.Accounts') $Version
    $null = New-Item -ItemType Directory -Path $module -Force
    $secure = ([version]$Version).Major -ge 5
    $psm1 = @"
function Get-AzContext {
    [CmdletBinding()] param()
    if (`$$([bool]$SignedOut)) { return `$null }
    [pscustomobject]@{
        Name         = 'Stand-in Subscription ($SubscriptionId) - ada@contoso.com'
        Account      = [pscustomobject]@{ Id = 'ada@contoso.com'; Type = 'User' }
        Subscription = [pscustomobject]@{ Id = '$SubscriptionId'; Name = 'Stand-in Subscription'; TenantId = '$script:Tenant' }
        Tenant       = [pscustomobject]@{ Id = '$script:Tenant' }
        Environment  = [pscustomobject]@{ Name = 'StandinCloud'; ResourceManagerUrl = '$ResourceManagerUrl' }
    }
}
function Get-AzAccessToken {
    [CmdletBinding()] param([string]`$ResourceUrl, [switch]`$AsSecureString)
    `$script:LastResourceUrl = `$ResourceUrl
    `$plain = '$Token'
    `$value = if (`$$secure -or `$AsSecureString) { ConvertTo-SecureString -String `$plain -AsPlainText -Force } else { `$plain }
    [pscustomobject]@{ Token = `$value; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1); TenantId = '$script:Tenant'; UserId = 'ada@contoso.com'; Type = 'Bearer' }
}
function Get-StandinLastResourceUrl { `$script:LastResourceUrl }
Export-ModuleMember -Function Get-AzContext, Get-AzAccessToken, Get-StandinLastResourceUrl
"@
    Set-Content -LiteralPath (Join-Path $module 'Az.Accounts.psm1') -Value $psm1
    New-ModuleManifest -Path (Join-Path $module 'Az.Accounts.psd1') -RootModule 'Az.Accounts.psm1' -ModuleVersion $Version `
        -FunctionsToExport 'Get-AzContext', 'Get-AzAccessToken', 'Get-StandinLastResourceUrl'
    $module
}

function New-PsModuleSandbox {
    <#
    A PSModulePath folder with Az.Ssh and Az.Ssh.ArcProxy manifests of the given
    versions; each ArcProxy holds its proxy file for linux amd64, executable or not.
    #>
    param(
        [Parameter(Mandatory)][string]$Folder,
        [string[]]$AzSsh = @(),
        [string[]]$ArcProxy = @(),
        [switch]$ProxyNotExecutable
    )
    foreach ($version in $AzSsh) {
        $dir = Join-Path (Join-Path $Folder 'Az.Ssh') $version
        $null = New-Item -ItemType Directory -Path $dir -Force
        New-ModuleManifest -Path (Join-Path $dir 'Az.Ssh.psd1') -ModuleVersion $version
    }
    foreach ($version in $ArcProxy) {
        $dir = Join-Path (Join-Path $Folder 'Az.Ssh.ArcProxy') $version
        $null = New-Item -ItemType Directory -Path $dir -Force
        New-ModuleManifest -Path (Join-Path $dir 'Az.Ssh.ArcProxy.psd1') -ModuleVersion $version
        $proxy = Join-Path $dir ('sshProxy_linux_amd64_{0}' -f ($version -replace '\.', '_'))
        Set-Content -LiteralPath $proxy -Value "#!/bin/sh`necho proxy"
        $mode = if ($ProxyNotExecutable) { '644' } else { '755' }
        & chmod $mode $proxy
    }
    $Folder
}

function Use-SshtsSandboxEnvironment {
    <#
    Runs Script with PSModulePath, HOME and XDG_DATA_HOME pointing into Folder, so that the
    core sees only the sandbox's modules; everything is restored afterwards.
    #>
    param([Parameter(Mandatory)][string]$Folder, [Parameter(Mandatory)][scriptblock]$Script, [hashtable]$Environment = @{})
    $names = @('PSModulePath', 'HOME', 'XDG_DATA_HOME') + @($Environment.Keys)
    $saved = @{}
    foreach ($n in $names) { $saved[$n] = [Environment]::GetEnvironmentVariable($n) }
    try {
        $sandboxHome = Join-Path $Folder 'home'
        $null = New-Item -ItemType Directory -Path $sandboxHome -Force
        [Environment]::SetEnvironmentVariable('PSModulePath', (Join-Path $Folder 'modules'))
        [Environment]::SetEnvironmentVariable('HOME', $sandboxHome)
        [Environment]::SetEnvironmentVariable('XDG_DATA_HOME', (Join-Path $sandboxHome '.local/share'))
        foreach ($k in $Environment.Keys) { [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        & $Script
    }
    finally {
        foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, $saved[$n]) }
    }
}

# The messages of the real Az.Ssh (Azure/azure-powershell src/Ssh, Resources.resx and
# the Az.Ssh.ArcProxy checks), by the diagnosis each proves; {0} is -Name, {1} -ResourceGroupName.
$script:AzSshMessages = [ordered]@{
    'arcproxy-not-installed'      = 'Failed to find the PowerShell module Az.Ssh.ArcProxy installed in this machine. You must have the Az.Ssh.Proxy PowerShell module installed in the client machine in order to connect to Azure Arc resources. You can find the module in the PowerShell Gallery (see: https://aka.ms/PowerShellGallery-Az.Ssh.ArcProxy).'
    'arcproxy-version-mismatch'   = 'This version of Az.Ssh only supports version 1.x.x of the Az.Ssh.ArcProxy PowerShell Module. The Az.Ssh.ArcProxy module /home/ada/.local/share/powershell/Modules/Az.Ssh.ArcProxy/2.0.0/Az.Ssh.ArcProxy.psd1 version is 2.0.0, and it is not supported by this version of the Az.Ssh module. Check that this version of Az.Ssh is the latest available.'
    'client-binaries-not-found'   = 'Unable to find OpenSSH Client. Make sure to update the PATH environment variable to make OpenSSH client discoverable.'
    'endpoint-creation-forbidden' = 'Failed to create default connectivty endpoint for target resource with an Authorization failure. This is a one time operation that must be performed by someone with Owner or Contributor role before anyone can connect to this resource. Contact the owner of the resource to create the connectivity endpoint. Instructions here: https://aka.ms/ssharc/create-default-endpoint'
    'machine-not-found'           = 'Unable to find Resource "{0}" in the ResourceGroup "{1}". Make sure the resource exists, that you have Read rights, and that the target resource is of one of the Resource Types supported by this cmdlet.'
    'connect-permission-missing'  = "ListCredentials operation failed with error code 'Forbidden'."
}

function Get-AzSshStandinMessage {
    <# The diagnosis => message table of the stand-in Az.Ssh. #>
    $script:AzSshMessages
}

function New-AzSshStandin {
    <#
    A module named Az.Ssh in Folder/Az.Ssh/Version whose Enter-AzVM and Export-AzSshConfig
    take the real parameters and, as the real cmdlets do, end in a terminating error of
    the cmdlet with the message of the cause named by $env:AZSSH_STANDIN_CAUSE (a key of
    Get-AzSshStandinMessage); with none set they succeed (Enter-AzVM prints 'connected to
    <Name>'). Returns the module folder.
    #>
    param([Parameter(Mandatory)][string]$Folder, [string]$Version = '0.2.2')
    $module = Join-Path (Join-Path $Folder 'Az.Ssh') $Version
    $null = New-Item -ItemType Directory -Path $module -Force
    $table = ($script:AzSshMessages.GetEnumerator() | ForEach-Object {
            "    '{0}' = '{1}'" -f $_.Key, ($_.Value -replace "'", "''") }) -join "`n"
    $psm1 = @"
`$script:Messages = @{
$table
}
function Stop-WithCause([System.Management.Automation.PSCmdlet]`$Cmdlet, [string]`$Name, [string]`$ResourceGroupName) {
    `$cause = `$env:AZSSH_STANDIN_CAUSE
    if (-not `$cause) { return `$false }
    `$message = `$script:Messages[`$cause] -f `$Name, `$ResourceGroupName
    `$exception = New-Object System.InvalidOperationException -ArgumentList `$message
    `$record = New-Object System.Management.Automation.ErrorRecord -ArgumentList `$exception, 'Microsoft.Azure.Commands.Ssh.EnterAzVMCommand', 'InvalidOperation', `$null
    `$Cmdlet.ThrowTerminatingError(`$record)
}
function Enter-AzVM {
    [CmdletBinding(DefaultParameterSetName = 'Interactive')]
    param(
        [Parameter(ParameterSetName = 'Interactive', Mandatory)][string]`$ResourceGroupName,
        [Parameter(ParameterSetName = 'Interactive', Mandatory)][string]`$Name,
        [Parameter(ParameterSetName = 'ResourceId', Mandatory)][string]`$ResourceId,
        [string]`$LocalUser, [string]`$Port, [string]`$ResourceType, [string]`$PrivateKeyFile, [string[]]`$SshArgument
    )
    `$null = Stop-WithCause `$PSCmdlet `$Name `$ResourceGroupName
    "connected to `$Name"
}
function Export-AzSshConfig {
    [CmdletBinding()]
    param([string]`$ResourceGroupName, [string]`$Name, [string]`$ResourceId, [string]`$LocalUser, [string]`$Port, [Parameter(Mandatory)][string]`$ConfigFilePath)
    `$null = Stop-WithCause `$PSCmdlet `$Name `$ResourceGroupName
}
Export-ModuleMember -Function Enter-AzVM, Export-AzSshConfig
"@
    Set-Content -LiteralPath (Join-Path $module 'Az.Ssh.psm1') -Value $psm1
    New-ModuleManifest -Path (Join-Path $module 'Az.Ssh.psd1') -RootModule 'Az.Ssh.psm1' -ModuleVersion $Version `
        -FunctionsToExport 'Enter-AzVM', 'Export-AzSshConfig'
    $module
}

Export-ModuleMember -Function *
