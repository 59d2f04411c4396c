"""Prints the import graph between the top-level modules of rust/core and exits 1 on a
cycle: the layers of docs/architecture.md import only downwards. A lint, run by
tests/run beside flake8 and clippy."""
import collections
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'rust', 'core', 'src')


def top_module(path):
    first = os.path.relpath(path, SRC).split(os.sep)[0]
    return first[:-3] if first.endswith('.rs') else first


def graph():
    """module -> the modules its non-test code names as crate::x."""
    modules = {top_module(os.path.join(SRC, f)) for f in os.listdir(SRC) if f != 'lib.rs' and 'test' not in f}
    edges = collections.defaultdict(set)
    for root, _, files in os.walk(SRC):
        for name in files:
            if not name.endswith('.rs') or 'test' in name or name == 'lib.rs' and root == SRC:
                continue
            path = os.path.join(root, name)
            with open(path, encoding='utf-8') as f:
                code = f.read().split('#[cfg(test)]')[0]
            code = re.sub(r'//[^\n]*', '', code)
            here = top_module(path)
            edges[here].update(m for m in re.findall(r'crate::(\w+)', code) if m != here and m in modules)
    return modules, edges


def cycles(modules, edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


def main():
    modules, edges = graph()
    for module in sorted(edges):
        print(f"{module} -> {' '.join(sorted(edges[module]))}")
    found = cycles(modules, edges)
    if found:
        print('cycles between modules of rust/core:', found, file=sys.stderr)
        return 1
    print(f'{len(modules)} modules, no cycle')
    return 0


if __name__ == '__main__':
    sys.exit(main())
