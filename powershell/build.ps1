<#
.SYNOPSIS
Builds the ssh_troubleshoot C library (rust/ffi) and assembles a ready-to-import
SshTroubleshoot module folder with this platform's library in bin/<os>-<arch>/.

.EXAMPLE
./powershell/build.ps1
Import-Module ./target/powershell/SshTroubleshoot

.EXAMPLE
./powershell/build.ps1 -Configuration Debug -OutputPath $env:TEMP/sshts
#>
[CmdletBinding()]
param(
    [ValidateSet('Release', 'Debug')]
    [string]$Configuration = 'Release',

    [string]$OutputPath,

    [switch]$NoBuild
)

$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

if ($PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows) {
    $os = 'win'
    $lib = 'ssh_troubleshoot.dll'
}
elseif ($IsMacOS) {
    $os = 'osx'
    $lib = 'libssh_troubleshoot.dylib'
}
else {
    $os = 'linux'
    $lib = 'libssh_troubleshoot.so'
}
if ($PSVersionTable.PSEdition -eq 'Desktop') {
    $arch = switch ($env:PROCESSOR_ARCHITECTURE) {
        'AMD64' { 'x64' }
        'ARM64' { 'arm64' }
        default { "$env:PROCESSOR_ARCHITECTURE".ToLowerInvariant() }
    }
}
else {
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
}

$targetDir = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $root 'target' }
if (-not $OutputPath) { $OutputPath = Join-Path $targetDir 'powershell' }

if (-not $NoBuild) {
    $cargoArgs = @('build', '-p', 'ssh-troubleshoot-ffi')
    if ($Configuration -eq 'Release') { $cargoArgs += '--release' }
    Push-Location $root
    try {
        & cargo @cargoArgs
        if ($LASTEXITCODE -ne 0) { throw "cargo $($cargoArgs -join ' ') failed with exit code $LASTEXITCODE" }
    }
    finally {
        Pop-Location
    }
}
$built = Join-Path (Join-Path $targetDir $Configuration.ToLowerInvariant()) $lib
if (-not (Test-Path -LiteralPath $built)) {
    throw "$built is missing; run without -NoBuild"
}

$module = Join-Path $OutputPath 'SshTroubleshoot'
if (Test-Path -LiteralPath $module) { Remove-Item -LiteralPath $module -Recurse -Force }
$bin = Join-Path (Join-Path $module 'bin') "$os-$arch"
New-Item -ItemType Directory -Path $bin -Force | Out-Null
Copy-Item -Path (Join-Path (Join-Path $root 'powershell') 'SshTroubleshoot/*') -Destination $module -Recurse
Copy-Item -LiteralPath $built -Destination (Join-Path $bin $lib)
Write-Host "Assembled $module ($os-$arch, $Configuration)."
Write-Host "Import it with: Import-Module '$module'"
