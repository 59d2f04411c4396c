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
    Where an assembly the module compiles (the shim, the feedback provider) is kept for
    this source, this user and this PowerShell.

    .DESCRIPTION
    One file per name, PowerShell edition and version and SHA-256 of the sources: a new
    module version or another PowerShell never picks up a stale assembly. The folder
    is per user (LOCALAPPDATA on Windows, XDG_CACHE_HOME or ~/.cache elsewhere), or
    SSHTS_SHIM_CACHE when set.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [byte[]]$SourceBytes,

        [string]$Name = 'SshTroubleshoot.Native'
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
    # BitConverter, not a ForEach-Object pipeline: the first pipeline of a session costs
    # about 0.1 s of the import.
    $hash = [System.BitConverter]::ToString($digest, 0, 8).Replace('-', '').ToLowerInvariant()
    $file = '{0}-{1}-{2}-{3}.dll' -f $Name, $PSVersionTable.PSEdition, $PSVersionTable.PSVersion, $hash
    [System.IO.Path]::Combine($folder, $file)
}

function Import-SshtsShim {
    <#
    .SYNOPSIS
    Loads the P/Invoke shim (SshTroubleshoot.Native.cs and SshTroubleshoot.ErrorText.cs): the
    one the module ships compiled (bin/SshTroubleshoot.Native.dll, made by powershell/build.sh
    with mcs as C# 5 against .NET Framework 4, so that it loads in Windows PowerShell 5.1 and
    PowerShell 7 alike), else the sources compiled once per user, PowerShell and source
    (see Import-SshtsCompiled).
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
    $sources = foreach ($file in 'SshTroubleshoot.Native.cs', 'SshTroubleshoot.ErrorText.cs') {
        [System.IO.Path]::Combine($ModuleRoot, $file)
    }
    Import-SshtsCompiled -Path $sources -Name 'SshTroubleshoot.Native' -TypeName 'SshTroubleshoot.Native'
}

function Import-SshtsCompiled {
    <#
    .SYNOPSIS
    Loads C# sources compiled once per user, PowerShell and source (Add-Type compiling
    the 700 lines of the shim takes over a second at every import otherwise).

    .DESCRIPTION
    A cached assembly is loaded as it is. Without one, Add-Type compiles the sources into
    a file of its own name, which is then renamed into place: sessions importing at the
    same time each compile, and the first rename wins. When the cache cannot be
    written or read, the sources are compiled in memory: slower, never broken.
    Does nothing when TypeName is already loaded.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string[]]$Path,

        [Parameter(Mandatory)]
        [string]$Name,

        [Parameter(Mandatory)]
        [string]$TypeName
    )

    if ($TypeName -as [type]) { return }
    $parts = [System.Collections.Generic.List[byte]]::new()
    foreach ($file in $Path) { $parts.AddRange([System.IO.File]::ReadAllBytes($file)) }
    $cached = Get-SshtsShimCachePath -SourceBytes $parts.ToArray() -Name $Name
    $compile = @{ Path = $Path }
    if (-not [System.IO.File]::Exists($cached)) {
        $partial = '{0}.{1}.tmp' -f $cached, [guid]::NewGuid().ToString('N')
        try {
            $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($cached))
            Add-Type @compile -OutputAssembly $partial -OutputType Library
            if (-not [System.IO.File]::Exists($cached)) { [System.IO.File]::Move($partial, $cached) }
        }
        catch {
            Write-Verbose "SshTroubleshoot: cannot cache the compiled $Name at $cached ($($_.Exception.Message)); compiling it in memory."
        }
        finally {
            if ([System.IO.File]::Exists($partial)) { [System.IO.File]::Delete($partial) }
        }
    }
    if (-not ($TypeName -as [type]) -and [System.IO.File]::Exists($cached)) {
        try {
            $null = [System.Reflection.Assembly]::LoadFrom($cached)
        }
        catch {
            Write-Verbose "SshTroubleshoot: the cached $Name at $cached does not load ($($_.Exception.Message)); compiling it in memory."
        }
    }
    if (-not ($TypeName -as [type])) {
        Add-Type @compile
    }
}
