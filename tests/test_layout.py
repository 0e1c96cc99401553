"""Tests mirror `src/` for the core: each module `src/tuneforge/<room>/<name>.py` of a core
room has its tests in `tests/<room>/test_<name>.py`, so a reader finds them without a search.

A private helper `_name.py` may have `test_name.py`, or share the test file its public
neighbour names in SHARED below. Tests of a package's `__init__.py` and of behaviour that
spans several modules (contract suites, interrupts) may live in extra files.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "tuneforge"
TESTS = ROOT / "tests"

CORE = ("math", "space", "trial", "samplers", "pruners", "storage", "study", "execution")

# module (relative to src/tuneforge) -> the test file (relative to tests/) that holds its
# tests instead of tests/<room>/test_<name>.py. Keep it short; say why for each.
SHARED = {
    # The in-memory storage is tested by the public StorageContract suite that every
    # storage passes; it has no behaviour beyond the contract to test on its own.
    "storage/memory.py": "storage/test_conformance.py",
}


def expected_test_file(module: Path) -> Path:
    """Where the tests of `module` (a path under src/tuneforge) live."""
    rel = module.relative_to(SRC).as_posix()
    if rel in SHARED:
        return TESTS / SHARED[rel]
    return TESTS / module.parent.relative_to(SRC) / f"test_{module.stem.lstrip('_')}.py"


def core_modules() -> list[Path]:
    return sorted(p for room in CORE for p in (SRC / room).rglob("*.py")
                  if p.name != "__init__.py")


def test_every_core_module_has_its_test_file():
    missing = [f"{m.relative_to(SRC)} -> tests/{expected_test_file(m).relative_to(TESTS)}"
               for m in core_modules() if not expected_test_file(m).is_file()]
    assert not missing, "core modules without their test file:\n" + "\n".join(missing)


def test_shared_entries_name_existing_modules():
    """A stale SHARED entry (the module moved or gained its own file) is removed."""
    for module, test_file in SHARED.items():
        assert (SRC / module).is_file(), module
        assert (TESTS / test_file).is_file(), test_file
        own = TESTS / Path(module).parent / f"test_{Path(module).stem.lstrip('_')}.py"
        assert not own.is_file(), f"{module} has its own {own.relative_to(TESTS)}"


def test_the_checker_sees_a_missing_file(tmp_path):
    """The check is not vacuous: a core room has modules, and one with no test file is
    reported."""
    assert len(core_modules()) > 40
    ghost = SRC / "math" / "no_such_module.py"
    assert not expected_test_file(ghost).is_file()
    assert expected_test_file(SRC / "samplers" / "_branches.py") == \
        TESTS / "samplers" / "test_branches.py"
