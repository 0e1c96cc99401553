"""`import tuneforge` stays light, and the public API is what __all__ says."""

import subprocess
import sys

import tuneforge

HEAVY = ["torch", "sklearn", "ray", "psycopg", "fastapi", "uvicorn", "plotly", "pandas",
         "starlette", "cmaes", "matplotlib", "typer"]


def test_import_tuneforge_pulls_in_no_optional_extra():
    code = (
        "import sys, tuneforge, tuneforge.study, tuneforge.storage, tuneforge.samplers;"
        f"heavy = {HEAVY!r};"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import tuneforge imported: {out}"


def test_all_matches_public_names():
    import types

    # submodules become attributes once imported, but they are not API names
    public = {n for n in dir(tuneforge) if not n.startswith("_")
              and not isinstance(getattr(tuneforge, n), types.ModuleType)}
    assert set(tuneforge.__all__) - {"__version__"} == public
    for name in tuneforge.__all__:
        assert getattr(tuneforge, name) is not None


def test_missing_extra_message_names_the_extra():
    from tuneforge.exceptions import missing_extra

    err = missing_extra("psycopg", "postgres")
    assert isinstance(err, ImportError)
    assert "pip install 'tuneforge[postgres]'" in str(err)
