"""Prints one dependency group of pyproject.toml, a requirement a line, for tests/run."""
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package
    import tomli as tomllib

if __name__ == '__main__':
    group = sys.argv[1]
    with open(Path(__file__).resolve().parent.parent / 'pyproject.toml', 'rb') as f:
        print('\n'.join(tomllib.load(f)['dependency-groups'][group]))
