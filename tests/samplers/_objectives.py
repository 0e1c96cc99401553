"""Module-level objectives for the sampler tests (worker processes import them by name)."""

from __future__ import annotations

import time


def sphere5(trial):
    return sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(5))


def sphere3_slow(trial):
    value = sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(3))
    time.sleep(0.25)  # slow enough that the second worker process joins in
    return value


def mixed(trial):
    """A float, a log float, an int and a categorical."""
    x = trial.suggest_float("x", -3, 3)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    penalty = {"a": 0.0, "b": 1.0, "c": 2.0}[kind]
    return x * x + (n - 3) ** 2 + (lr - 0.01) ** 2 * 100 + penalty


def conditional(trial):
    """Define-by-run with `if`: each branch has its own parameters."""
    kind = trial.suggest_categorical("kind", ["linear", "tree"])
    if kind == "linear":
        c = trial.suggest_float("c", 1e-3, 1e3, log=True)
        w = trial.suggest_float("w", -2, 2)
        return 1.0 + (w - 0.5) ** 2 + abs(c - 1.0) / 100
    depth = trial.suggest_int("depth", 1, 12)
    rate = trial.suggest_float("rate", 0.0, 1.0)
    return (depth - 6) ** 2 / 10 + (rate - 0.3) ** 2
