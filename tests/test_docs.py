"""Every ```python block of the README and of the docs runs, so no example goes stale.

The blocks of one page run in order in one namespace, in a temporary working directory
(files they write are left there, not in the repository). A block with a file title,
```python title="name.py"```, is what the reader saves under that name: it is written to
the directory and run as the reader would, with pytest for ``test_*.py`` (in this process,
which saves the interpreter's start-up) and as `python name.py` otherwise; later blocks of
the page may import it.

BLAS runs on one thread here: on a busy small machine, threaded BLAS inside tiny
scikit-learn fits made the pages ten times slower (measured: 17 s instead of 1.4 s).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```python(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
TITLE = re.compile(r'title="(?P<name>[\w.-]+\.py)"')
INDENTED = re.compile(r"^[ \t]+```python", re.M)
ANY_FENCE = re.compile(r"^```\w*[ \t]+title=\"(?P<name>[^\"]+)\"[^\n]*\n(?P<code>.*?)^```[ \t]*$",
                       re.M | re.S)
LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#[^)\s]*)?\)")
README_LIMIT = 250


def blocks(page: Path) -> list[tuple[str | None, str, int]]:
    """The page's python blocks: (file title or None, code, line number)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        title = TITLE.search(match["info"])
        line = text.count("\n", 0, match.start()) + 1
        found.append((title["name"] if title else None, match["code"], line))
    return found


def _env() -> dict[str, str]:
    """The environment of a titled block: this checkout's tuneforge first."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    return env


def _run_file(name: str, where: Path) -> tuple[int, str]:
    """Run a saved file as the reader would; its exit code and output."""
    if name.startswith("test_"):
        code = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(where),
                            str(where / name)])
        return int(code), ""
    done = subprocess.run([sys.executable, name], cwd=where, env=_env(), capture_output=True,
                          text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = page.read_text(encoding="utf-8")
    assert not INDENTED.search(text), (
        f"{page.name}: an indented ```python block would not be run; keep code blocks at the "
        "left margin")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    try:
        with threadpool_limits(limits=1):
            _run_blocks(page, tmp_path, namespace)
    finally:
        for name in set(sys.modules) - before:  # modules the page saved and imported
            module = sys.modules.get(name)
            if str(tmp_path) in str(getattr(module, "__file__", None) or ""):
                del sys.modules[name]


def _run_blocks(page: Path, where_to: Path, namespace: dict[str, object]) -> None:
    for title, code, line in blocks(page):
        where = f"{page.relative_to(ROOT)}:{line}"
        if title is None:
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the docs' own code
            continue
        (where_to / title).write_text(code, encoding="utf-8")
        code, output = _run_file(title, where_to)
        print(output)
        assert code == 0, f"{where}: {title} exited with {code}\n{output}"


def test_every_docs_page_has_been_found() -> None:
    assert (ROOT / "docs" / "index.md") in PAGES
    assert sum(len(blocks(p)) for p in PAGES) > 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_blocks_quoting_a_repository_file_match_it(page: Path) -> None:
    """A block titled with a path of this repository (``examples/run/config.yaml``) shows
    that file as it is."""
    for match in ANY_FENCE.finditer(page.read_text(encoding="utf-8")):
        path = ROOT / match["name"]
        if "/" in match["name"] and path.is_file():
            assert match["code"] == path.read_text(encoding="utf-8"), f"{page.name}: {path}"


def test_readme_links_lead_to_files() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [m["target"] for m in LINK.finditer(text) if "://" not in m["target"]]
    assert targets, "the README links to the docs"
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"


def test_readme_is_a_short_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LIMIT, f"README.md has {len(lines)} lines (at most {README_LIMIT})"
    assert lines[0] == "# tuneforge"
    opening = [line for line in lines[1:8] if line.strip()]
    assert opening[0] == "```bash"
    assert opening[1].startswith("make demo ") and opening[2].startswith("make test ")
    assert opening[3] == "```"
