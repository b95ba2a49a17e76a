#!/usr/bin/env python3
"""The architecture as the code has it: the include graph of src/ and the length of every function.

usage: scripts/architecture.py check        the rules below; exit 1 naming every breach
       scripts/architecture.py dot          the graph of folders and server rooms (graphviz)
       scripts/architecture.py picture      writes it to docs/architecture.dot (and .svg with graphviz)
       scripts/architecture.py functions N  the N longest functions

A "module" is a folder of src/ (src/server's rooms are modules of their own: server/http, ...);
a "unit" is one .c with its .h. The rules:
  - no cycle between modules, and none between units, where a file depends on what it includes and
    on the units that define the functions it calls (so a worker.c that calls the routes and
    defines the reply helpers they call is a cycle, whichever header declares them);
  - the programs (src/cli, src/server) include src/app, their own folder and the public headers
    (include/facelive) only; src/app includes only itself and the public headers; the library's
    folders never include a program's;
  - no function in src/ is longer than MAX_LINES lines (from its signature to its closing brace);
  - docs/architecture.dot is the graph of the code as it is.
"""
import functools
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
MAX_LINES = 80
PROGRAMS = {"cli", "server"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for d, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), SRC)


def module_of(path):
    """cli, app, server/http, nn, ... ; None for public headers and generated files."""
    parts = path.split("/")
    if len(parts) < 2:
        return None
    if parts[0] == "server" and len(parts) > 2:
        return "server/" + parts[1]
    return parts[0]


def unit_of(path):
    return os.path.splitext(path)[0]


def includes():
    """(file, included path as written) for every quoted include of src/."""
    for f in sources():
        text = open(os.path.join(SRC, f), encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            yield f, inc


DECL = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\([^;{]*\)\s*;", re.M)


def calls():
    """(file, unit defining a function it calls) for every call of a function a header declares and
    another unit defines: a file depends on the code it calls, even through a header that is not
    its callee's own (a .h declaring what another .c defines)."""
    declared = set()
    for h in sources():
        if h.endswith(".h"):
            declared |= set(DECL.findall(open(os.path.join(SRC, h), encoding="utf-8", errors="replace").read()))
    declared = {n for n in declared if not n.startswith("__")}  # __attribute__((...)) is not a function
    defined = {}
    for _, f, name in functions():
        if name in declared:
            defined.setdefault(name, set()).add(unit_of(f))
    pattern = re.compile(r"\b(" + "|".join(sorted(defined)) + r")\s*\(") if defined else None
    for f in sources():
        if not f.endswith(".c") or not pattern:
            continue
        text = open(os.path.join(SRC, f), encoding="utf-8", errors="replace").read()
        for name in set(pattern.findall(text)):
            if unit_of(f) in defined[name]:
                continue  # its own (another unit defining the same name is an alternative, not a callee)
            for u in defined[name]:
                if u != unit_of(f):
                    yield f, u


@functools.lru_cache(maxsize=None)
def file_edges():
    """(file, file it depends on): its includes (not public or generated headers) and the units whose
    functions it calls. Read once: every graph is a view of these."""
    edges = [(f, inc) for f, inc in includes() if os.path.exists(os.path.join(SRC, inc))]
    return tuple(edges + [(f, u + ".c") for f, u in calls()])


def graph(key):
    g = {}
    for f, inc in file_edges():
        a, b = key(f), key(inc)
        if a and b and a != b:
            g.setdefault(a, set()).add(b)
            g.setdefault(b, set())
    return g


def cycles(g):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def layer_breaches():
    out = []
    for f, inc in includes():
        if inc.startswith("facelive/") or not os.path.exists(os.path.join(SRC, inc)):
            continue
        top, target = f.split("/")[0], inc.split("/")[0]
        if top in PROGRAMS and target not in (top, "app"):
            out.append(f"src/{f} includes {inc}: a program includes src/app, its own folder and the public headers only")
        elif top == "app" and target != "app":
            out.append(f"src/{f} includes {inc}: src/app includes itself and the public headers only")
        elif top not in PROGRAMS and top != "app" and target in PROGRAMS | {"app"}:
            out.append(f"src/{f} includes {inc}: the library never includes a program's headers")
    return out


FUNC_START = re.compile(r"^[A-Za-z_][\w \*\(\),\[\]]*\)\s*$")


def functions():
    """(lines, file, name) of every function definition of src/ (the project's style: the opening
    brace alone at column 0 under the signature, the closing one alone at column 0)."""
    for f in sources():
        if not f.endswith(".c"):
            continue
        lines = open(os.path.join(SRC, f), encoding="utf-8", errors="replace").read().split("\n")
        i = 0
        while i < len(lines):
            if lines[i] == "{" and i > 0:
                start = i - 1
                while start > 0 and not re.match(r"^[A-Za-z_]", lines[start]):
                    start -= 1  # a signature over several lines
                m = re.search(r"(\w+)\s*\(", lines[start])
                end = i + 1
                while end < len(lines) and lines[end] != "}":
                    end += 1
                if m and not lines[start].startswith(("struct", "typedef", "enum", "union", "static const", "const")):
                    yield end - start + 1, f, m.group(1)
                i = end
            i += 1


def check():
    problems = []
    mods, units = graph(module_of), graph(unit_of)
    for name, g in (("modules", mods), ("units", units)):
        for c in cycles(g):
            problems.append(f"include cycle between {name}: {' <-> '.join(c)}")
    problems += layer_breaches()
    funcs = sorted(functions(), reverse=True)
    problems += [f"src/{f}: {name} has {n} lines (at most {MAX_LINES})" for n, f, name in funcs if n > MAX_LINES]
    print("longest functions:")
    for n, f, name in funcs[:5]:
        print(f"  {n:4d}  src/{f}: {name}")
    print(f"{len(mods)} modules, {sum(len(v) for v in mods.values())} dependencies between them, "
          f"{len(units)} units")
    if not os.path.exists(DOT) or open(DOT).read() != dot_text():
        problems.append("docs/architecture.dot is not the code's graph: run scripts/architecture.py picture")
    for p in problems:
        print("architecture:", p, file=sys.stderr)
    print("architecture: " + ("ok" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


LIBRARY = ("common", "image", "nn", "face", "quality", "liveness")
PUBLIC = "include/facelive"
DOT = os.path.join(ROOT, "docs", "architecture.dot")


def dot_text():
    """The modules and their dependencies as graphviz text: the library's folders, the public API,
    src/app and the programs, the server's rooms in a box of their own."""
    g = graph(module_of)
    for f, inc in includes():
        if inc.startswith("facelive/") and module_of(f) and module_of(f) not in LIBRARY:
            g.setdefault(module_of(f), set()).add(PUBLIC)  # the library's own folders implement it
    lines = ["digraph facelive {", '  rankdir=BT; node [shape=box, fontname="sans-serif"];',
             f'  "{PUBLIC}" [shape=component, label="include/facelive\\n(the public API)"];',
             '  subgraph cluster_library { label="libfacelive"; ' + " ".join(f'"{m}";' for m in LIBRARY) + " }"]
    rooms = sorted(m for m in g if m.startswith("server/"))
    lines.append('  subgraph cluster_server { label="src/server"; ' + " ".join(f'"{r}";' for r in rooms) + " }")
    lines += [f'  "{a}" -> "{b}";' for a in sorted(g) for b in sorted(g[a])]
    lines.append(f'  "{PUBLIC}" -> "liveness" [style=dashed, label="implemented by"];')
    return "\n".join(lines + ["}"]) + "\n"


def dot():
    sys.stdout.write(dot_text())
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "check":
        return check()
    if len(argv) >= 2 and argv[1] == "dot":
        return dot()
    if len(argv) >= 2 and argv[1] == "picture":  # docs/architecture.dot and, with graphviz, its SVG
        open(DOT, "w").write(dot_text())
        return os.system(f"dot -Tsvg {DOT} -o {DOT[:-4]}.svg") >> 8 if shutil.which("dot") else 0
    if len(argv) >= 2 and argv[1] == "functions":
        for n, f, name in sorted(functions(), reverse=True)[: int(argv[2]) if len(argv) > 2 else 20]:
            print(f"{n:4d}  src/{f}: {name}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
