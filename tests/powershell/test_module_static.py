"""Static checks of the PowerShell module, no PowerShell needed: every script parses
(tree-sitter-powershell), the manifest and the exported function follow the contract
and PowerShell conventions, the format file covers the emitted type names, and the C#
shim stays within C# 5 (what Windows PowerShell 5.1's Add-Type compiles)."""

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import HERE, MODULE, ROOT, SHIM

MANIFEST = MODULE / "SshTroubleshoot.psd1"
FORMAT = MODULE / "SshTroubleshoot.Format.ps1xml"
SCRIPTS = sorted(
    p
    for folder in (ROOT / "powershell", HERE)
    for p in folder.rglob("*")
    if p.suffix in (".ps1", ".psm1", ".psd1")
)

# Get-Verb of PowerShell 7.4 (every group).
APPROVED_VERBS = set(
    """Add Clear Close Copy Enter Exit Find Format Get Hide Join Lock Move New Open Optimize
    Pop Push Redo Remove Rename Reset Resize Search Select Set Show Skip Split Step Switch
    Undo Unlock Watch Connect Disconnect Read Receive Send Write Backup Checkpoint Compare
    Compress Convert ConvertFrom ConvertTo Dismount Edit Expand Export Group Import
    Initialize Limit Merge Mount Out Publish Restore Save Sync Unpublish Update Debug
    Measure Ping Repair Resolve Test Trace Approve Assert Build Complete Confirm Deny
    Deploy Disable Enable Install Invoke Register Request Restart Resume Start Stop Submit
    Suspend Uninstall Unregister Wait Block Grant Protect Revoke Unblock Unprotect
    Use""".split()
)

# CONTRACT.md section 2, PowerShell column, plus the model's probeCredentials and
# reportPath.
CONTRACT_PARAMETERS = {
    "ResourceGroupName", "Name", "SubscriptionId", "Port", "LocalUser", "SshClientFolder",
    "ResourceType", "Explain", "ErrorRecord", "Offline", "Fix", "DisableSsh", "Quiet",
    "ProbeCredentials", "ReportPath",
}


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def walk_own(node):
    """walk() without descending into nested scriptblock literals ({ param(...) ... })."""
    yield node
    for child in node.children:
        if child.type != "script_block_expression":
            yield from walk_own(child)


def parse(parser, path: Path):
    return parser.parse(path.read_bytes())


def text(node) -> str:
    return node.text.decode()


# ---- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCRIPTS, ids=[str(p.relative_to(ROOT)) for p in SCRIPTS])
def test_script_parses_without_error_nodes(ps_parser, path):
    tree = parse(ps_parser, path)
    bad = [
        f"{n.type} at {n.start_point[0] + 1}:{n.start_point[1] + 1}: {text(n)[:60]!r}"
        for n in walk(tree.root_node)
        if n.type == "ERROR" or n.is_missing
    ]
    assert not bad, bad


def test_parser_does_flag_broken_powershell(ps_parser):
    # The check above means something only if the grammar rejects broken scripts.
    tree = ps_parser.parse(b"function Test-X {\n    param([string]$A\n    if ($A -eq ) {\n")
    assert tree.root_node.has_error


# ---- the manifest --------------------------------------------------------------------


def value_of(node):
    """A manifest value: hashtable -> dict, @(...) -> list of strings, 'x' -> str."""
    for n in walk(node):
        if n.type == "hash_literal_expression":
            return hashtable(n)
        if n.type == "array_expression":
            return [literal(s) for s in walk(n) if s.type == "string_literal"]
        if n.type == "string_literal":
            return literal(n)
    raise AssertionError(f"unsupported manifest value {text(node)!r}")


def literal(node) -> str:
    raw = text(node)
    assert raw[0] in "'\"" and raw[-1] == raw[0], raw
    return raw[1:-1]


def hashtable(node) -> dict:
    body = next(c for c in node.children if c.type == "hash_literal_body")
    out = {}
    for entry in body.children:
        if entry.type != "hash_entry":
            continue
        key = text(next(c for c in entry.children if c.type == "key_expression"))
        out[key] = value_of(next(c for c in entry.children if c.type == "pipeline"))
    return out


@pytest.fixture(scope="module")
def manifest(ps_parser) -> dict:
    tree = parse(ps_parser, MANIFEST)
    top = next(n for n in walk(tree.root_node) if n.type == "hash_literal_expression")
    return hashtable(top)


def test_manifest_has_the_required_keys(manifest):
    assert manifest["RootModule"] == "SshTroubleshoot.psm1"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["ModuleVersion"])
    uuid.UUID(manifest["GUID"])
    for key in ("Author", "CompanyName", "Copyright", "Description"):
        assert manifest[key].strip(), key
    assert manifest["CompatiblePSEditions"] == ["Desktop", "Core"]
    assert manifest["PowerShellVersion"] == "5.1"


def test_manifest_exports_exactly_test_azssharc(manifest):
    assert manifest["FunctionsToExport"] == ["Test-AzSshArc"]
    for key in ("CmdletsToExport", "VariablesToExport", "AliasesToExport"):
        assert manifest[key] == [], key


def test_manifest_files_exist(manifest):
    assert manifest["FormatsToProcess"] == ["SshTroubleshoot.Format.ps1xml"]
    for name in manifest["FormatsToProcess"] + manifest["FileList"] + [manifest["RootModule"]]:
        assert (MODULE / name).is_file(), name
    shipped = {str(p.relative_to(MODULE)) for p in MODULE.rglob("*") if p.is_file()}
    assert shipped == set(manifest["FileList"]), "FileList names every file of the module"


def test_manifest_psdata(manifest):
    psdata = manifest["PrivateData"]["PSData"]
    assert {"Azure", "Arc", "SSH", "PSEdition_Desktop", "PSEdition_Core"} <= set(psdata["Tags"])
    assert all(" " not in tag for tag in psdata["Tags"]), "gallery tags have no spaces"
    assert psdata["ProjectUri"].startswith("https://")


# ---- the functions -------------------------------------------------------------------


def functions(parser):
    """name -> (function_statement node, file) for every function of the module."""
    found = {}
    for path in sorted(MODULE.rglob("*.ps*1")):
        if path.suffix == ".psd1":
            continue
        for n in walk(parse(parser, path).root_node):
            if n.type == "function_statement":
                name = text(next(c for c in n.children if c.type == "function_name"))
                assert name not in found, f"{name} defined twice"
                found[name] = (n, path)
    return found


@pytest.fixture(scope="module")
def module_functions(ps_parser):
    return functions(ps_parser)


def test_every_function_uses_an_approved_verb(module_functions):
    for name in module_functions:
        verb, _, noun = name.partition("-")
        assert verb in APPROVED_VERBS and noun, f"{name}: '{verb}' is not an approved verb"


def test_every_exported_function_exists_in_public(manifest, module_functions):
    for name in manifest["FunctionsToExport"]:
        assert name in module_functions, f"{name} is exported but not defined"
        assert module_functions[name][1] == MODULE / "Public" / f"{name}.ps1"
    public = {p.stem for p in (MODULE / "Public").glob("*.ps1")}
    assert public == set(manifest["FunctionsToExport"])


def test_psm1_exports_what_the_manifest_exports():
    psm1 = (MODULE / "SshTroubleshoot.psm1").read_text()
    assert re.findall(r"Export-ModuleMember -Function '([^']+)'", psm1) == ["Test-AzSshArc"]


def help_of(function_node) -> str:
    comments = [text(n) for n in walk(function_node) if n.type == "comment" and text(n).startswith("<#")]
    assert comments, "comment-based help"
    return comments[0]


def test_exported_function_has_cmdletbinding_and_help(manifest, module_functions):
    for name in manifest["FunctionsToExport"]:
        node, _ = module_functions[name]
        attributes = [text(a) for a in walk(node) if a.type == "attribute"]
        binding = [a for a in attributes if a.startswith("[CmdletBinding(")]
        assert binding, "[CmdletBinding()]"
        assert "SupportsShouldProcess" in binding[0]
        assert "ConfirmImpact = 'High'" in binding[0]
        assert "DefaultParameterSetName" in binding[0]
        assert any(a.startswith("[OutputType('SshTroubleshoot.Report')") for a in attributes)
        assert any(a.startswith("[OutputType([bool])") for a in attributes)
        help_text = help_of(node)
        assert ".SYNOPSIS" in help_text and ".DESCRIPTION" in help_text
        assert help_text.count(".EXAMPLE") >= 6
        for parameter in CONTRACT_PARAMETERS:
            assert f".PARAMETER {parameter}\n" in help_text, f"help for -{parameter}"


def test_help_has_an_example_for_each_use(module_functions):
    help_text = help_of(module_functions["Test-AzSshArc"][0])
    examples = help_text.split(".EXAMPLE")[1:]
    first_lines = [e.strip().splitlines()[0] for e in examples]
    assert "Test-AzSshArc" in first_lines  # this machine
    assert any("-ResourceGroupName" in e and "-Name" in e and "-Fix" not in e for e in first_lines)
    assert any("-Explain '" in e for e in first_lines)
    assert any("-ErrorRecord $Error[0]" in e for e in examples)
    assert any("-Fix -WhatIf" in e for e in first_lines)
    assert any("-DisableSsh" in e for e in first_lines)
    assert any("-Quiet" in e for e in first_lines)
    assert any("-ReportPath" in e for e in first_lines)
    assert any("-ResourceGroupName" in e and "-Name" not in e for e in first_lines)  # fleet


def test_every_contract_parameter_is_declared(module_functions):
    node, _ = module_functions["Test-AzSshArc"]
    declared = set()
    for p in walk_own(node):
        if p.type == "script_parameter":
            variable = next(c for c in p.children if c.type == "variable")
            declared.add(text(variable).lstrip("$"))
    assert declared == CONTRACT_PARAMETERS


def test_parameter_types(module_functions):
    source = text(module_functions["Test-AzSshArc"][0])
    assert "[System.Management.Automation.ErrorRecord]$ErrorRecord" in source
    assert "[string]$Explain" in source
    for switch in ("Offline", "Fix", "DisableSsh", "Quiet", "ProbeCredentials"):
        assert f"[switch]${switch}" in source, switch
    assert "[ValidateRange(1, 65535)]\n        [int]$Port" in source
    assert "[string]$ReportPath" in source


def test_report_path_is_in_every_parameter_set(module_functions):
    source = text(module_functions["Test-AzSshArc"][0])
    declaration = source[: source.index("[string]$ReportPath")].rsplit("\n\n", 1)[1]
    for parameter_set in ("ThisMachine", "Machine", "DisableSsh"):
        assert f"ParameterSetName = '{parameter_set}'" in declaration, parameter_set
    assert "GetUnresolvedProviderPathFromPSPath($ReportPath)" in source


def test_changes_go_through_should_process(module_functions):
    source = text(module_functions["Test-AzSshArc"][0])
    assert source.count("$PSCmdlet.ShouldProcess(") == 2  # each fix, and -DisableSsh
    assert "'disable-ssh'" in source and "'apply-fixes'" in source


def test_tool_failures_are_mapped_in_one_place(ps_parser):
    throwing = [
        p.relative_to(MODULE)
        for p in MODULE.rglob("*.ps*1")
        if "ThrowTerminatingError(" in p.read_text()
    ]
    assert throwing == [Path("Private/Invoke-SshtsCore.ps1")]
    source = (MODULE / "Private" / "Invoke-SshtsCore.ps1").read_text()
    assert "$id = 'SshTroubleshoot' +" in source


def test_request_fields_are_the_models(module_functions):
    """Every key the module puts into the request is a field of the request document
    (rust/core/src/model.rs, camelCase on the wire)."""
    model = (ROOT / "rust" / "core" / "src" / "model.rs").read_text()
    fields = set()
    for struct in ("Request", "Target", "AzureSettings"):
        body = re.search(r"pub struct " + struct + r" \{(.*?)\n\}", model, re.S).group(1)
        for snake in re.findall(r"pub (\w+):", body):
            head, *rest = snake.split("_")
            fields.add(head + "".join(w.title() for w in rest))
    source = text(module_functions["Test-AzSshArc"][0])
    used = set(re.findall(r"\$(?:request|target|settings)\.(?:target\.)?(\w+) =", source))
    used |= set(re.findall(r"^\s{12}(\w+)\s+= ", source, re.M))  # the [ordered]@{...} literal
    used |= set(re.findall(r"(\w+) = \$(?:ResourceGroupName|Name)\b", source))
    assert used, "found the request keys"
    assert used <= fields, used - fields
    assert {"schemaVersion", "command", "client", "offline", "resourceGroup", "name", "explain"} <= used
    assert "client        = 'powershell'" in source


def test_token_handles_plain_and_secure_strings():
    source = (MODULE / "Private" / "Get-SshtsAzureContext.ps1").read_text()
    assert "Get-AzAccessToken -ResourceUrl" in source
    assert "ResourceManagerUrl" in source and "Get-AzContext" in source
    assert "[System.Security.SecureString]" in source and "System.Net.NetworkCredential" in source


def test_progress_is_reported(module_functions):
    source = text(module_functions["Test-AzSshArc"][0])
    assert "Write-Progress" in source and "-Completed" in source


def test_fleet_progress_counts_the_cores_reads(module_functions):
    """The Fleet set hands Invoke-SshtsCore a scriptblock that shows the core's read
    counts; Invoke-SshtsCore sends it through the shim's RunWithProgress, and the bar is
    closed with -Completed after the run, whatever the set."""
    node, _ = module_functions["Test-AzSshArc"]
    fleet = [n for n in walk(node) if n.type == "if_statement" and text(n).startswith("if ($fleet) {")
             and "$onProgress = {" in text(n)]
    assert len(fleet) == 1, "one `if ($fleet)` sets up $onProgress"
    callback = next(n for n in walk(fleet[0]) if n.type == "script_block_expression")
    body = text(callback)
    assert "param([long]$Done, [long]$Total)" in body
    assert 'Write-Progress -Activity $activity -Status "Reading Azure: $Done of $Total" -PercentComplete $percent' in body
    assert "[math]::Floor(100 * $Done / $Total)" in body
    source = text(node)
    call = "Invoke-SshtsCore -Request $request -Cmdlet $PSCmdlet -OnProgress $onProgress"
    assert source.count(call) == 1 and source.index(call) > fleet[0].start_byte - node.start_byte
    # Closed at the end of the run, on the function's own level (not inside an if).
    completed = [n for n in walk(node) if n.type == "pipeline" and text(n) == "Write-Progress -Activity $activity -Completed"]
    assert len(completed) == 1 and completed[0].start_byte > fleet[0].end_byte
    assert not any(a.type == "if_statement" for a in ancestors(completed[0], node))

    core = (MODULE / "Private" / "Invoke-SshtsCore.ps1").read_text()
    assert "[scriptblock]$OnProgress" in core
    assert "[SshTroubleshoot.Native]::RunWithProgress($json, [System.Action[long, long]]$OnProgress)" in core
    assert "public static string RunWithProgress(string requestJson, Action<long, long> onProgress)" in SHIM.read_text()


def ancestors(node, stop):
    node = node.parent
    while node is not None and node != stop:
        yield node
        node = node.parent


# ---- the format file -----------------------------------------------------------------


def emitted_type_names() -> set:
    names = set()
    for path in MODULE.rglob("*.ps1"):
        names |= set(re.findall(r"TypeNames\.Insert\(0, '([\w.]+)'\)", path.read_text()))
    return names


def views():
    root = ET.parse(FORMAT).getroot()
    assert root.tag == "Configuration"
    out = []
    for view in root.iter("View"):
        type_name = view.find("ViewSelectedBy/TypeName").text
        control = next(c for c in view if c.tag.endswith("Control"))
        out.append((type_name, control))
    return out


def test_format_file_covers_every_emitted_type():
    emitted = emitted_type_names()
    assert {"SshTroubleshoot.Report", "SshTroubleshoot.Finding"} <= emitted
    covered = {t for t, _ in views()}
    # Remedy renders through its ToString in the other views.
    assert emitted - {"SshTroubleshoot.Remedy"} <= covered


def test_finding_views():
    finding = [(c.tag, c) for t, c in views() if t == "SshTroubleshoot.Finding"]
    assert [tag for tag, _ in finding] == ["TableControl", "ListControl"], "table is the default"
    table = finding[0][1]
    assert [h.text for h in table.iter("Label")] == ["Status", "Check", "Summary"]
    items = finding[1][1].iter("ListItem")
    labels = [(i.findtext("Label") or i.findtext("PropertyName")) for i in items]
    assert "Evidence" in labels and "Remedy" in labels


def test_report_view():
    report = [c for t, c in views() if t == "SshTroubleshoot.Report"]
    assert report and report[0].tag == "ListControl"
    labels = [(i.findtext("Label") or i.findtext("PropertyName")) for i in report[0].iter("ListItem")]
    assert {"Target", "Status", "Findings", "Explained"} <= set(labels)


def test_fleet_mode_is_its_own_parameter_set(module_functions):
    source = text(module_functions["Test-AzSshArc"][0])
    for parameter in ("ResourceGroupName", "SubscriptionId", "Port", "LocalUser", "Quiet"):
        block = re.search(r"((?:\s*\[Parameter\([^)]*\)\])+)[^$]*\$" + parameter + r"\b", source).group(1)
        assert "ParameterSetName = 'Fleet')" in block, parameter
    name = re.search(r"((?:\s*\[Parameter\([^)]*\)\])+)[^$]*\$Name\b", source).group(1)
    assert "'Fleet'" not in name, "no -Name in fleet mode"
    assert "[string[]]$SubscriptionId" in source
    assert "$request.subscriptions = " in source


def test_an_unlisted_fleet_is_a_non_terminating_error(module_functions):
    """As in az (AzureResponseError) and the binary (exit 3): no machine listed and no
    diagnosis is an error record, while the report is still written to the pipeline."""
    source = text(module_functions["Test-AzSshArc"][0])
    guard = source.index("if ($fleet -and $report.Machines.Count -eq 0")
    block = source[guard:source.index("\n\n", guard)]
    assert "$_.Status -eq 'fail'" in block and "$_.Status -eq 'error'" in block
    assert "Write-Error -Category ResourceUnavailable" in block
    assert "throw" not in block.lower()
    assert source.index("Write-Progress -Activity $activity -Completed") < guard < source.rindex("$report")
    convert = (MODULE / "Private" / "ConvertTo-SshtsReport.ps1").read_text()
    assert "Truncated      = [bool](Get-SshtsProperty $fleet 'truncated')" in convert
    assert "TotalRecords   = Get-SshtsProperty $fleet 'totalRecords'" in convert


def test_fleet_rows_have_a_table_view():
    fleet = [c for t, c in views() if t == "SshTroubleshoot.FleetMachine"]
    assert fleet and fleet[0].tag == "TableControl"
    assert [h.text for h in fleet[0].iter("Label")] == ["Status", "Name", "ResourceGroupName", "Diagnosis", "Summary"]


def test_format_script_blocks_parse(ps_parser):
    for block in ET.parse(FORMAT).getroot().iter("ScriptBlock"):
        tree = ps_parser.parse(block.text.encode())
        assert not tree.root_node.has_error, block.text


# ---- the C# shim ---------------------------------------------------------------------


def code_only(source: str) -> str:
    """The C# source without comments and string/char literals."""
    source = re.sub(r"//[^\n]*", "", source)
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r'@"(?:[^"]|"")*"', '""', source)
    source = re.sub(r'"(?:\\.|[^"\\])*"', '""', source)
    return re.sub(r"'(?:\\.|[^'\\])'", "''", source)


CSHARP6_PLUS = {
    "string interpolation": r'\$"|\$@"|@\$"',
    "null-conditional": r"\?\.|\?\[",
    "expression-bodied member or lambda": r"=>",
    "nameof": r"\bnameof\s*\(",
    # At a call site (a declaration's "out string error" is C# 1).
    "out variable": r"^(?!\s*(?:public|private|internal|protected|static)\b).*\bout\s+(?:var|[A-Za-z_][\w.<>]*)\s+[A-Za-z_]\w*\s*[,)]",
    "auto-property initializer": r"\{\s*get;\s*(set;\s*)?\}\s*=",
    "using static": r"\busing\s+static\b",
    "pattern matching": r"\bis\s+[A-Za-z_][\w.]*\s+[a-z_]\w*\s*[)&|]",
    "tuple or discards": r"\bout\s+_\b",
}


@pytest.mark.parametrize("feature", sorted(CSHARP6_PLUS))
def test_shim_uses_no_csharp6_syntax(feature):
    source = SHIM.read_text()
    stripped = code_only(source)
    # Interpolation is checked on the raw text: stripping strings would hide it.
    haystack = source if feature == "string interpolation" else stripped
    hits = re.findall(CSHARP6_PLUS[feature], re.sub(r"//[^\n]*", "", haystack), re.M)
    assert not hits, f"{feature}: {hits}"


def test_shim_regexes_catch_csharp6():
    sample = 'class A { string P => $"x{y}"; void M() { var n = nameof(M); var l = s?.Length; T(out var v); } }'
    stripped = code_only(sample)
    for feature in ("expression-bodied member or lambda", "nameof", "null-conditional", "out variable"):
        assert re.search(CSHARP6_PLUS[feature], stripped, re.M), feature
    assert re.search(CSHARP6_PLUS["string interpolation"], sample)


def test_module_compiles_the_shim_with_add_type():
    source = (MODULE / "Private" / "Import-SshtsNative.ps1").read_text()
    assert "Add-Type -TypeDefinition $source" in source
    assert "Get-Content -LiteralPath (Join-Path $ModuleRoot 'SshTroubleshoot.Native.cs') -Raw" in source
    assert "[SshTroubleshoot.Native]::Load($library)" in source
    assert "Join-Path (Join-Path (Join-Path $ModuleRoot 'bin') $platform.Folder) $platform.FileName" in source
    for name in ("libssh_troubleshoot.so", "libssh_troubleshoot.dylib", "ssh_troubleshoot.dll"):
        assert f"'{name}'" in source
