"""The PowerShell module's syntax gate, no PowerShell needed: every script and every
script block of the format file parses (tree-sitter-powershell). What the module does
is tested in real PowerShell by the Pester suites (*.Tests.ps1, run by tests/run); the
C# shim is compiled in C# 5 mode by Mono's mcs (test_native_shim.py), as Windows
PowerShell 5.1 would."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import HERE, MODULE, ROOT

FORMAT = MODULE / "SshTroubleshoot.Format.ps1xml"
SCRIPTS = sorted(
    p
    for folder in (ROOT / "powershell", HERE)
    for p in folder.rglob("*")
    if p.suffix in (".ps1", ".psm1", ".psd1")
)


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


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


def test_format_script_blocks_parse(ps_parser):
    for block in ET.parse(FORMAT).getroot().iter("ScriptBlock"):
        tree = ps_parser.parse(block.text.encode())
        assert not tree.root_node.has_error, block.text
