function Get-SshtsPlatform {
    <#
    .SYNOPSIS
    The platform folder (bin/<os>-<arch>) and library file name for this PowerShell.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        # Windows PowerShell 5.1 runs on Windows only. PROCESSOR_ARCHITECTURE is the
        # architecture of this process (x86 inside WOW64), which is what must match.
        $os = 'win'
        $arch = switch ($env:PROCESSOR_ARCHITECTURE) {
            'AMD64' { 'x64' }
            'ARM64' { 'arm64' }
            'x86' { 'x86' }
            default { "$env:PROCESSOR_ARCHITECTURE".ToLowerInvariant() }
        }
    }
    else {
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    }
    $file = switch ($os) {
        'win' { 'ssh_troubleshoot.dll' }
        'osx' { 'libssh_troubleshoot.dylib' }
        default { 'libssh_troubleshoot.so' }
    }
    [pscustomobject]@{
        Os       = $os
        Arch     = $arch
        Folder   = "$os-$arch"
        FileName = $file
    }
}

function Import-SshtsNative {
    <#
    .SYNOPSIS
    Compiles the P/Invoke shim (SshTroubleshoot.Native.cs) and loads the native library
    of this platform from <ModuleRoot>/bin/<os>-<arch>/, checking its ABI version.
    Throws with a message that says what to do when the library is missing or wrong.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    if (-not ('SshTroubleshoot.Native' -as [type])) {
        $source = Get-Content -LiteralPath (Join-Path $ModuleRoot 'SshTroubleshoot.Native.cs') -Raw
        Add-Type -TypeDefinition $source -Language CSharp
    }
    $platform = Get-SshtsPlatform
    $library = Join-Path (Join-Path (Join-Path $ModuleRoot 'bin') $platform.Folder) $platform.FileName
    try {
        [SshTroubleshoot.Native]::Load($library)
    }
    catch {
        # The shim's own message already names the file and the build step.
        $inner = $_.Exception
        while ($inner -is [System.Management.Automation.MethodInvocationException] -and $inner.InnerException) {
            $inner = $inner.InnerException
        }
        throw $inner
    }
    Write-Verbose ("SshTroubleshoot: loaded {0} (C ABI {1}, via {2})" -f
        [SshTroubleshoot.Native]::LibraryPath, [SshTroubleshoot.Native]::AbiVersion(), [SshTroubleshoot.Native]::Loader)
}
