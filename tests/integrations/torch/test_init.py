"""The torch room is lazy: without torch, FineTuneSpace still works and every torch
name raises an error that names the `torch` extra."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import sys
sys.modules["torch"] = None  # as if torch were not installed
import tuneforge.integrations.torch as ft
space = ft.FineTuneSpace(backbone_groups=2)
print(space.suggest(__import__("tuneforge").FixedTrial({
    "optimizer": "adagrad", "head_lr": 0.01, "lr_decay": 0.5, "weight_decay": 0.001,
    "freeze": 0, "batch_size": 16, "epochs": 5, "schedule": "constant", "dropout": 0.0,
})).optimizer)
try:
    ft.freeze
except ImportError as exc:
    print(type(exc).__name__, exc)
"""


def test_without_torch_the_space_works_and_the_rest_names_the_extra():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "adagrad"
    assert lines[1].startswith("MissingExtraError") and "tuneforge[torch]" in lines[1]


def test_unknown_names_are_attribute_errors():
    import pytest

    import tuneforge.integrations.torch as ft

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ft.nope  # noqa: B018
    assert "fine_tune" in dir(ft) and "FineTuneSpace" in ft.__all__
