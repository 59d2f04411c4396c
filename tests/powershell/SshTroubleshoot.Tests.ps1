#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# The module as a user gets it: import, manifest, help, the native library and its
# errors. Pester 5 against the module powershell/build.sh assembles (SSHTS_MODULE names
# another assembled folder):
#
#   powershell/build.sh --debug
#   pwsh -NoProfile -Command "Invoke-Pester -Path tests/powershell -Output Detailed"

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:ModulePath = if ($env:SSHTS_MODULE) { $env:SSHTS_MODULE } else { Join-Path $root 'target/powershell/SshTroubleshoot' }
    Import-Module $script:ModulePath -Force
    $script:Shell = (Get-Process -Id $PID).Path

    # Runs Command in a new PowerShell (-NoProfile) and returns its output as text.
    function Invoke-NewSession([string]$Command, [hashtable]$Environment = @{}) {
        $saved = @{}
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        try { (& $script:Shell -NoProfile -NonInteractive -Command $Command 2>&1 | Out-String) }
        finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }
    }

    # A copy of the assembled module whose library is replaced by Library (or removed).
    # -KeepLibrary: the library as it is; -WithoutShippedShim: without
    # bin/SshTroubleshoot.Native.dll, as a module assembled without mcs is.
    function New-ModuleCopy([string]$Library, [switch]$KeepLibrary, [switch]$WithoutShippedShim) {
        $copy = Join-Path $TestDrive ('m' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $copy
        Copy-Item -Path $script:ModulePath -Destination $copy -Recurse
        $module = Join-Path $copy 'SshTroubleshoot'
        if ($WithoutShippedShim) { Remove-Item -LiteralPath (Join-Path $module 'bin/SshTroubleshoot.Native.dll') -ErrorAction Ignore }
        $bin = Get-ChildItem -Path (Join-Path $module 'bin') -Recurse -File -Filter '*ssh_troubleshoot*' | Select-Object -First 1
        if ($Library) { Copy-Item -LiteralPath $Library -Destination $bin.FullName -Force }
        elseif (-not $KeepLibrary) { Remove-Item -LiteralPath $bin.FullName }
        $module
    }
}

AfterAll {
    Remove-Module SshTroubleshoot -ErrorAction Ignore
}

Describe 'The SshTroubleshoot module' {
    It 'exports exactly Test-AzSshArc' {
        (Get-Module SshTroubleshoot).ExportedCommands.Keys | Should -Be @('Test-AzSshArc')
    }

    It 'passes Test-ModuleManifest, and its FileList is every file it loads' {
        $manifest = Test-ModuleManifest -Path (Join-Path $script:ModulePath 'SshTroubleshoot.psd1')
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $listed = @($manifest.FileList | ForEach-Object { [System.IO.Path]::GetFullPath($_) } | Sort-Object)
        $shipped = @(Get-ChildItem -Path $script:ModulePath -Recurse -File |
                Where-Object { $_.FullName -notmatch '[\\/]bin[\\/]' } | ForEach-Object FullName | Sort-Object)
        $listed | Should -Be $shipped
    }

    It 'holds every function of the source''s Private and Public scripts' {
        # build.sh inlines the scripts the source .psm1 lists into the assembled one: a
        # script missing from that list would be missing here.
        $source = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'powershell/SshTroubleshoot'
        $files = @(Get-ChildItem -Path (Join-Path $source 'Private'), (Join-Path $source 'Public') -Filter '*.ps1')
        $files.Count | Should -BeGreaterThan 1
        $module = Get-Module SshTroubleshoot
        foreach ($file in $files) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            $names = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false).Name)
            $names.Count | Should -BeGreaterThan 0
            foreach ($name in $names) {
                & $module { param($n) Get-Command -Name $n -CommandType Function -ErrorAction Ignore } $name |
                    Should -Not -BeNullOrEmpty -Because "$($file.Name) defines $name"
            }
        }
    }

    It 'has help for every parameter and an example for each use' {
        $help = Get-Help Test-AzSshArc -Full
        $help.Synopsis | Should -Match 'Enter-AzVM'
        $documented = @($help.parameters.parameter.name)
        $declared = (Get-Command Test-AzSshArc).Parameters.Keys |
            Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters -and $_ -notin [System.Management.Automation.PSCmdlet]::OptionalCommonParameters }
        foreach ($p in $declared) { $documented | Should -Contain $p }
        $examples = ($help.Examples.Example | ForEach-Object { $_.Code }) -join "`n"
        foreach ($use in '-Explain', '-ErrorRecord', '-ResourceId', 'Get-AzConnectedMachine', '-Fix', '-DisableSsh', '-Quiet', '-Offline', '-ReportPath', '-ProbeCredentials') {
            $examples | Should -Match ([regex]::Escape($use))
        }
    }

    It 'has the parameter sets of its uses, ThisMachine by default' {
        $command = Get-Command Test-AzSshArc
        @($command.ParameterSets.Name | Sort-Object) | Should -Be @('DisableSsh', 'Fleet', 'Machine', 'ResourceId', 'ThisMachine')
        $command.DefaultParameterSet | Should -Be 'ThisMachine'
        $command.Parameters['ResourceId'].Aliases | Should -Contain 'Id'
    }

    It 'loads the shim it ships compiled (bin/SshTroubleshoot.Native.dll), and the formats at the first command' {
        $shipped = Join-Path $script:ModulePath 'bin/SshTroubleshoot.Native.dll'
        if (-not (Test-Path -LiteralPath $shipped)) {
            Set-ItResult -Skipped -Because 'powershell/build.sh found no mcs to compile the shim (apt-get install mono-mcs)'
            return
        }
        $cache = Join-Path $TestDrive 'shim-cache-unused'
        $out = Invoke-NewSession -Environment @{ SSHTS_SHIM_CACHE = $cache } -Command @"
Import-Module '$script:ModulePath'
[SshTroubleshoot.Native].Assembly.Location
[SshTroubleshoot.Native]::HasCancel
(Get-FormatData -TypeName SshTroubleshoot.Report) -eq `$null
`$null = Test-AzSshArc -Explain 'Run Connect-AzAccount to login.'
(Get-FormatData -TypeName SshTroubleshoot.Report).TypeNames
"@
        $lines = @($out.Trim() -split '\r?\n')
        $lines[0] | Should -Be (Get-Item -LiteralPath $shipped).FullName
        $lines[1] | Should -Be 'True'
        $lines[2] | Should -Be 'True'
        $lines[3] | Should -Be 'SshTroubleshoot.Report'
        # The shim is not compiled into the cache (the feedback provider, 7.4+, may be).
        @(Get-ChildItem -Path $cache -Filter 'SshTroubleshoot.Native-*' -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'without the compiled shim, compiles the source once into the per-user cache' {
        $module = New-ModuleCopy -KeepLibrary -WithoutShippedShim
        $cache = Join-Path $TestDrive 'shim-cache'
        $first = Invoke-NewSession -Environment @{ SSHTS_SHIM_CACHE = $cache } -Command @"
Import-Module '$module'
[SshTroubleshoot.Native].Assembly.Location
"@
        $dll = @(Get-ChildItem -Path $cache -Filter 'SshTroubleshoot.Native-Core-*.dll')
        $dll.Count | Should -Be 1
        $first.Trim() | Should -Be $dll[0].FullName
        $second = Invoke-NewSession -Environment @{ SSHTS_SHIM_CACHE = $cache } -Command @"
Import-Module '$module'
[SshTroubleshoot.Native].Assembly.Location
(Test-AzSshArc -Explain 'Run Connect-AzAccount to login.').Explained[0].Diagnosis
"@
        $lines = @($second.Trim() -split '\r?\n')
        $lines[0] | Should -Be $dll[0].FullName
        $lines[1] | Should -Be 'not-signed-in'
    }

    It 'still imports when the shim cache cannot be written' {
        $module = New-ModuleCopy -KeepLibrary -WithoutShippedShim
        $blocked = Join-Path $TestDrive 'not-a-folder'
        Set-Content -LiteralPath $blocked -Value 'a file where the cache folder should be'
        $out = Invoke-NewSession -Environment @{ SSHTS_SHIM_CACHE = (Join-Path $blocked 'cache') } -Command @"
Import-Module '$module'
(Test-AzSshArc -Explain 'Run Connect-AzAccount to login.').Explained[0].Diagnosis
"@
        $out.Trim() | Should -Be 'not-signed-in'
    }

    It 'compiles the source when the shipped shim does not load' {
        $module = New-ModuleCopy -KeepLibrary -WithoutShippedShim
        Set-Content -LiteralPath (Join-Path $module 'bin/SshTroubleshoot.Native.dll') -Value 'not an assembly'
        $cache = Join-Path $TestDrive 'shim-cache-broken'
        $out = Invoke-NewSession -Environment @{ SSHTS_SHIM_CACHE = $cache } -Command @"
Import-Module '$module'
[SshTroubleshoot.Native].Assembly.Location
"@
        $out.Trim() | Should -Be (Get-ChildItem -Path $cache -Filter 'SshTroubleshoot.Native-Core-*.dll').FullName
    }
}

Describe 'Native library errors' {
    It 'fails the import with what to do when the native library is missing' {
        $module = New-ModuleCopy
        $out = Invoke-NewSession "try { Import-Module '$module' -ErrorAction Stop } catch { `$_.Exception.GetType().FullName; `$_.Exception.Reason; `$_.Exception.Message }"
        $out | Should -Match 'SshTroubleshoot\.NativeLibraryException'
        $out | Should -Match 'NotFound'
        $out | Should -Match 'cannot find its native library'
        $out | Should -Match 'build\.sh'
    }

    It 'fails the import when the library is not a library' {
        $junk = Join-Path $TestDrive 'junk.so'
        Set-Content -LiteralPath $junk -Value 'not an ELF file'
        $module = New-ModuleCopy -Library $junk
        $out = Invoke-NewSession "try { Import-Module '$module' -ErrorAction Stop } catch { `$_.Exception.Reason; `$_.Exception.Message }"
        $out | Should -Match 'LoadFailed'
        $out | Should -Match 'cannot be loaded'
    }

    It 'fails the import when the library is another library (no sshts_run)' {
        $libc = @('/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libz.so.1') | Where-Object { Test-Path $_ } | Select-Object -First 1
        $module = New-ModuleCopy -Library $libc
        $out = Invoke-NewSession "try { Import-Module '$module' -ErrorAction Stop } catch { `$_.Exception.Reason; `$_.Exception.Message }"
        $out | Should -Match 'MissingExport'
        $out | Should -Match 'sshts_abi_version'
    }

    It 'fails the import on an ABI mismatch' {
        # A library exporting the three functions, speaking ABI 99.
        $src = Join-Path $TestDrive 'abi99.c'
        Set-Content -LiteralPath $src -Value @'
#include <stdint.h>
#include <stdlib.h>
uint32_t sshts_abi_version(void) { return 99; }
char *sshts_run(const char *r) { (void)r; return NULL; }
void sshts_free(char *p) { free(p); }
'@
        $lib = Join-Path $TestDrive 'libabi99.so'
        & cc -shared -fPIC -o $lib $src
        $LASTEXITCODE | Should -Be 0
        $module = New-ModuleCopy -Library $lib
        $out = Invoke-NewSession "try { Import-Module '$module' -ErrorAction Stop } catch { `$_.Exception.Reason; `$_.Exception.Message }"
        $out | Should -Match 'AbiMismatch'
        $out | Should -Match 'version 99'
    }

    It 'maps the core''s error objects to terminating errors with their documented ids' {
        # The request is the module's; only the schema version is made one the core refuses.
        Mock -ModuleName SshTroubleshoot ConvertTo-Json { '{"schemaVersion": 99}' }
        { Test-AzSshArc -Offline } | Should -Throw -ErrorId 'SshTroubleshootUnsupportedSchema,Test-AzSshArc'
    }

    It 'maps an invalid request (a resource id that is not an Arc server) to SshTroubleshootInvalidRequest' {
        $id = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm'
        $caught = $null
        try { Test-AzSshArc -ResourceId $id -Offline } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'SshTroubleshootInvalidRequest,Test-AzSshArc'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$caught" | Should -Match 'not an Arc-enabled server type'
    }
}
