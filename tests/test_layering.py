"""DESIGN principle 3: dependencies point inward; nothing imports a higher layer."""

import ast
from pathlib import Path

import tuneforge

SRC = Path(tuneforge.__file__).parent

# lower number = more inward; a module may import only its own layer or lower ones
LAYERS = {
    "exceptions": 0, "math": 0,
    "space": 1,
    "trial": 2,
    "samplers": 3, "pruners": 3, "storage": 3, "schedulers": 3,
    "study": 4,
}
TOP = 5  # execution, integrations, presets, evaluate, automl, runspec, cli, testing, ...

# Justified exceptions, (file, imported room): each a lazy import inside one function.
ALLOWED_UPWARD = {
    # `Study.optimize` hands the loop to an executor; `n_jobs=k` is sugar for the local
    # process pool, so the study resolves its default executor from the execution wing.
    ("study/study.py", "execution"),
}


def layer_of(top: str) -> int:
    return LAYERS.get(top, TOP)


def imported_tuneforge_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):  # lazy imports inside functions count too
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("tuneforge."):
                found.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tuneforge."):
                    found.append(alias.name.split(".")[1])
    return found


def test_no_module_imports_upward():
    problems = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts == ("__init__.py",):
            continue  # the package root re-exports the public API
        top = rel.parts[0].removesuffix(".py")
        for target in imported_tuneforge_modules(path):
            if layer_of(target) > layer_of(top) and (rel.as_posix(), target) not in ALLOWED_UPWARD:
                problems.append(f"{rel} imports tuneforge.{target}")
    assert not problems, "upward imports:\n" + "\n".join(problems)


def test_math_imports_nothing_of_tuneforge():
    for path in (SRC / "math").rglob("*.py"):
        assert imported_tuneforge_modules(path) == [], path
