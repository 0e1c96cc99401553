"""The benchmark suite needs its peer libraries (benchmarks/requirements.txt). Locally a
missing one skips these tests with the install command; under CI (CI=true) it fails."""

from __future__ import annotations

import importlib.util

from tests.conftest import unavailable

PEERS = ("optuna", "hyperopt", "skopt", "cocoex", "pymoo", "sklearn", "matplotlib", "cmaes")


def require_peers(*names: str) -> None:
    missing = [n for n in (names or PEERS) if importlib.util.find_spec(n) is None]
    if not missing:
        return
    msg = (f"benchmark peers not installed: {', '.join(missing)} "
           "(.venv/bin/pip install -r benchmarks/requirements.txt)")
    unavailable(msg)
