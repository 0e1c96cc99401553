"""No import cycle between files of tuneforge, except a short, justified allow-list.

Every import counts, lazy ones inside functions too, except those under
``if TYPE_CHECKING:`` (annotations only). A package's ``__init__`` counts only when it
is imported by name (``from tuneforge.samplers import X`` for a non-module X).
"""

import ast
from pathlib import Path

import tuneforge

SRC = Path(tuneforge.__file__).parent

# Each entry: a cycle (its files, sorted) that is there on purpose, and why.
ALLOWED = {
    # Study.optimize hands the loop to the execution wing (n_jobs=k is sugar for the
    # local pool), and a worker process opens the study by name: a lazy import each way;
    # `tuneforge worker --trial-timeout` runs each trial in a one-process local pool.
    ("execution/__init__.py", "execution/child.py", "execution/local.py",
     "execution/processes.py", "execution/ray.py", "execution/standalone.py", "study/api.py",
     "study/study.py"):
        "optimize -> executor -> worker process -> load_study",
}


def module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    base = SRC.joinpath(*parts) if parts else SRC
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[Path]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _type_checking_lines(tree)
    out: set[Path] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "tuneforge":
            for alias in node.names:
                sub = module_file(f"{node.module}.{alias.name}")
                target = sub if sub is not None else module_file(node.module)
                if target is not None:
                    out.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tuneforge":
                    target = module_file(alias.name)
                    if target is not None:
                        out.add(target)
    out.discard(path)
    return out


def cycles() -> list[tuple[str, ...]]:
    """Strongly connected components of more than one file (Tarjan's algorithm)."""
    graph = {p: imports_of(p) for p in SRC.rglob("*.py") if p != SRC / "__init__.py"}
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    found: list[tuple[str, ...]] = []

    def visit(v: Path) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
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
                found.append(tuple(sorted(p.relative_to(SRC).as_posix() for p in component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_beyond_the_allow_list():
    unexpected = [c for c in cycles() if c not in ALLOWED]
    assert not unexpected, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in unexpected)


def test_the_allow_list_is_not_stale():
    assert set(ALLOWED) <= set(cycles()), "an allowed cycle is gone: remove it from ALLOWED"
