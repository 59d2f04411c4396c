@{
    RootModule           = 'SshTroubleshoot.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '4ddc1ef4-e71e-433e-975e-04edb2e6e02d'
    Author               = 'The ssh-troubleshoot developers'
    CompanyName          = 'ssh-troubleshoot'
    Copyright            = '(c) The ssh-troubleshoot developers. MIT License.'
    Description          = 'The doctor for SSH access to Azure Arc-enabled servers: Test-AzSshArc finds out why Enter-AzVM (or az ssh arc) cannot connect, explains its error messages, and applies the fixes it offers.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    FunctionsToExport    = @('Test-AzSshArc')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    # SshTroubleshoot.Format.ps1xml is added at the first Test-AzSshArc
    # (Register-SshtsFormat): here it would cost every import 0.7 s. powershell/build.sh
    # drops the Private/ and Public/ entries: it inlines those scripts into the .psm1.
    FileList             = @(
        'SshTroubleshoot.psd1'
        'SshTroubleshoot.psm1'
        'SshTroubleshoot.Native.cs'
        'SshTroubleshoot.ErrorText.cs'
        'SshTroubleshoot.Feedback.cs'
        'SshTroubleshoot.FeedbackCommandLine.cs'
        'SshTroubleshoot.Format.ps1xml'
        'Public/Test-AzSshArc.ps1'
        'Private/ConvertTo-SshtsReport.ps1'
        'Private/Get-SshtsAzureContext.ps1'
        'Private/Import-SshtsNative.ps1'
        'Private/Invoke-SshtsCore.ps1'
        'Private/Invoke-SshtsDiagnosis.ps1'
        'Private/New-SshtsRequest.ps1'
        'Private/Register-SshtsFeedback.ps1'
        'Private/Register-SshtsFormat.ps1'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'Arc', 'SSH', 'Troubleshooting', 'Diagnostics', 'Enter-AzVM', 'HybridCompute', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/ssh-troubleshoot/ssh-troubleshoot'
            ReleaseNotes = 'First release: Test-AzSshArc over the ssh_troubleshoot C library.'
        }
    }
}
