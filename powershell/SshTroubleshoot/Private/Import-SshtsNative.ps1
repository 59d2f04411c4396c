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
    Loads the P/Invoke shim (SshTroubleshoot.Native.cs, see Import-SshtsShim) and the native library
    of this platform from <ModuleRoot>/bin/<os>-<arch>/, checking its ABI version.
    Throws with a message that says what to do when the library is missing or wrong.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    if (-not ('SshTroubleshoot.Native' -as [type])) {
        Import-SshtsShim -ModuleRoot $ModuleRoot
    }
    $platform = Get-SshtsPlatform
    # [IO.Path] rather than Join-Path: provider cmdlets cost a new session time at import.
    $library = [System.IO.Path]::Combine($ModuleRoot, 'bin', $platform.Folder, $platform.FileName)
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
    # Write-Verbose's first call loads Microsoft.PowerShell.Utility: 0.17 s of CPU that
    # an import without -Verbose need not pay.
    if ($VerbosePreference -ne 'SilentlyContinue') {
        Write-Verbose ("SshTroubleshoot: loaded {0} (C ABI {1}, via {2})" -f
            [SshTroubleshoot.Native]::LibraryPath, [SshTroubleshoot.Native]::AbiVersion(), [SshTroubleshoot.Native]::Loader)
    }
}

function Get-SshtsShimCachePath {
    <#
    .SYNOPSIS
    Where the compiled shim for this source, this user and this PowerShell is kept.

    .DESCRIPTION
    One file per PowerShell edition and version and per SHA-256 of the shim's source:
    a new module version or another PowerShell never picks up a stale assembly. The
    folder is per user (LOCALAPPDATA on Windows, XDG_CACHE_HOME or ~/.cache elsewhere),
    or SSHTS_SHIM_CACHE when set.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [byte[]]$SourceBytes
    )

    $folder = $env:SSHTS_SHIM_CACHE
    if (-not $folder) {
        $base = if ($env:LOCALAPPDATA) { $env:LOCALAPPDATA }
        elseif ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME }
        elseif ($HOME) { [System.IO.Path]::Combine($HOME, '.cache') }
        else { [System.IO.Path]::GetTempPath() }
        $folder = [System.IO.Path]::Combine($base, 'SshTroubleshoot', 'shim')
    }
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $digest = $sha.ComputeHash($SourceBytes) } finally { $sha.Dispose() }
    $hash = (-join ($digest[0..7] | ForEach-Object { $_.ToString('x2') }))
    $name = 'SshTroubleshoot.Native-{0}-{1}-{2}.dll' -f $PSVersionTable.PSEdition, $PSVersionTable.PSVersion, $hash
    [System.IO.Path]::Combine($folder, $name)
}

function Import-SshtsShim {
    <#
    .SYNOPSIS
    Loads the P/Invoke shim: the one the module ships compiled (bin/SshTroubleshoot.Native.dll,
    made by powershell/build.sh with mcs as C# 5 against .NET Framework 4, so that it loads in
    Windows PowerShell 5.1 and PowerShell 7 alike), else the source compiled once per user,
    PowerShell and source (Add-Type compiling the C# takes over a second at every import
    otherwise).

    .DESCRIPTION
    A shipped or cached assembly is loaded as it is. Without one, Add-Type compiles the
    source into a file of its own name, which is then renamed into place: sessions
    importing at the same time each compile, and the first rename wins. When the cache
    cannot be written or read, the shim is compiled in memory: slower, never broken.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    $shipped = [System.IO.Path]::Combine($ModuleRoot, 'bin', 'SshTroubleshoot.Native.dll')
    if ([System.IO.File]::Exists($shipped)) {
        try {
            $null = [System.Reflection.Assembly]::LoadFrom($shipped)
            return
        }
        catch {
            Write-Verbose "SshTroubleshoot: the shipped shim $shipped does not load ($($_.Exception.Message)); compiling its source."
        }
    }
    $bytes = [System.IO.File]::ReadAllBytes([System.IO.Path]::Combine($ModuleRoot, 'SshTroubleshoot.Native.cs'))
    $cached = Get-SshtsShimCachePath -SourceBytes $bytes
    if (-not [System.IO.File]::Exists($cached)) {
        $partial = '{0}.{1}.tmp' -f $cached, [guid]::NewGuid().ToString('N')
        try {
            $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($cached))
            Add-Type -TypeDefinition ([System.Text.Encoding]::UTF8.GetString($bytes)) -Language CSharp -OutputAssembly $partial -OutputType Library
            if (-not [System.IO.File]::Exists($cached)) { [System.IO.File]::Move($partial, $cached) }
        }
        catch {
            Write-Verbose "SshTroubleshoot: cannot cache the compiled shim at $cached ($($_.Exception.Message)); compiling it in memory."
        }
        finally {
            if ([System.IO.File]::Exists($partial)) { [System.IO.File]::Delete($partial) }
        }
    }
    if (-not ('SshTroubleshoot.Native' -as [type]) -and [System.IO.File]::Exists($cached)) {
        try {
            $null = [System.Reflection.Assembly]::LoadFrom($cached)
        }
        catch {
            Write-Verbose "SshTroubleshoot: the cached shim $cached does not load ($($_.Exception.Message)); compiling it in memory."
        }
    }
    if (-not ('SshTroubleshoot.Native' -as [type])) {
        Add-Type -TypeDefinition ([System.Text.Encoding]::UTF8.GetString($bytes)) -Language CSharp
    }
}
