"""Every example the user is shown, found where the user reads it, and turned into a
command line against the ARM stand-in: the az help (python/azext_ssh_troubleshoot/_help.py,
YAML, as az renders it, the `az ssh troubleshoot` alias included) and the command lines in
the fenced blocks of README.md, python/README.md, bench/README.md and docs/*.md.

An example is (where, command, summary): `where` says which document, `command` is the
text as printed there (a README line without its trailing comment), `summary` is what the
example says it does (the help's `name`, the README line's comment).
"""

import re
import shlex
import sys
import types
from collections import namedtuple

import yaml

from az_support import REPO, RG, SUB, VM

Example = namedtuple('Example', 'where command summary')

HELP_FILE = REPO / 'python' / 'azext_ssh_troubleshoot' / '_help.py'
# The README, the az extension's, and the documents the README sends readers to.
READMES = (REPO / 'README.md', REPO / 'python' / 'README.md', REPO / 'bench' / 'README.md',
           *sorted((REPO / 'docs').glob('*.md')))
# A line of a fenced block is an example when it is a command (it starts with a command
# word, after a `$ ` prompt in a transcript) and runs one of our commands or the az
# command we diagnose (installation lines with our artifacts' names included).
OURS = re.compile(r'ssh-troubleshoot|ssh_troubleshoot|az ssh troubleshoot|az ssh arc|Test-AzSshArc')
COMMAND = re.compile(r'^(\$ )?(az|ssh-troubleshoot|Test-AzSshArc|cargo|tar|sudo|python/build_wheel\.sh)\s')
FLEET_RG = 'rg-fleet'
SUB2 = '99999999-8888-7777-6666-555555555555'

# The example's names mapped onto the stand-in's resources (az_support.Scenario, and the
# fleet the stand-in generates in rg-fleet). A name that is a subscription's display name
# in the example stays a name: az resolves it as it would a real one.
NAMES = {
    'MyResourceGroup': RG, 'RG': RG, 'myRG': RG,
    'MyArcServer': VM, 'NAME': VM,
    'MySubscription': 'Stand-in Subscription', 'OtherSubscription': SUB2,
    'S1': SUB, 'S2': SUB2,
}


def help_entries():
    """The az help entries as knack gets them: _help.py run with a stand-in `helps`."""
    helps = {}
    knack = types.ModuleType('knack')
    help_files = types.ModuleType('knack.help_files')
    help_files.helps = helps
    saved = {k: sys.modules.get(k) for k in ('knack', 'knack.help_files')}
    sys.modules.update({'knack': knack, 'knack.help_files': help_files})
    try:
        code = compile(HELP_FILE.read_text(encoding='utf-8'), str(HELP_FILE), 'exec')
        exec(code, {'__name__': 'azext_ssh_troubleshoot._help'})  # pylint: disable=exec-used
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return {name: yaml.safe_load(text) for name, text in helps.items()}


def help_examples():
    found = []
    for name, entry in help_entries().items():
        for example in entry.get('examples') or []:
            found.append(Example(f'az {name} --help', example['text'].strip(), example['name'].strip()))
    return found


def readme_examples():
    found = []
    for path in READMES:
        where = path.relative_to(REPO).as_posix()
        fenced = False
        for line in path.read_text(encoding='utf-8').splitlines():
            if line.lstrip().startswith('```'):
                fenced = not fenced
                continue
            text = line.strip()
            if not fenced or not COMMAND.match(text) or not OURS.search(text):
                continue
            command, _, comment = text.partition(' # ')
            command = command.strip()
            if command.startswith('$ '):
                command = command[2:]
            found.append(Example(where, command, comment.strip()))
    return found


def all_examples():
    return help_examples() + readme_examples()


def argv(command, names=None):
    """The example's words with its names mapped onto the stand-in's (and `names`)."""
    mapping = dict(NAMES, **(names or {}))
    return [mapping.get(word, word) for word in shlex.split(command)]
