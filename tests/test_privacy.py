"""Nothing outside `study/` reads `Study`'s private members: executors, integrations and
tests use its documented public surface, so the study can change inside freely."""

import ast
from pathlib import Path

import tuneforge

SRC = Path(tuneforge.__file__).parent
TESTS = Path(__file__).parent
STUDY_FILE = SRC / "study" / "study.py"


def study_private_names() -> set[str]:
    """`_name` attributes and methods that class Study defines."""
    tree = ast.parse(STUDY_FILE.read_text())
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Study"]
    names = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_") \
                and not node.name.startswith("__"):
            names.add(node.name)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "self" and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            names.add(node.attr)
    return names


def private_reads(path: Path, names: set[str]) -> list[str]:
    """`x._name` for a Study private `_name` where `x` is not `self` or `cls`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in names:
            receiver = node.value
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                continue
            found.append(f"{path}:{node.lineno}: .{node.attr}")
    return found


def test_study_has_private_members_to_protect():
    names = study_private_names()
    assert {"_view", "_append", "_storage", "_ref"} <= names


def test_no_module_outside_study_reads_study_private_members():
    names = study_private_names()
    files = [p for p in SRC.rglob("*.py") if "study" not in p.relative_to(SRC).parts[:1]]
    files += [p for p in TESTS.rglob("*.py") if p.name != "test_privacy.py"]
    problems = [hit for path in files for hit in private_reads(path, names)]
    assert not problems, "private Study members read outside study/:\n" + "\n".join(problems)


def test_the_checker_sees_a_private_read(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(study):\n    return study._view\n")
    assert private_reads(bad, study_private_names()) == [f"{bad}:2: ._view"]
