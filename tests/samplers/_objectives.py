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


def zdt1_10(trial):
    """ZDT1 (Zitzler, Deb & Thiele 2000) on 10 variables: two objectives, minimized."""
    import math

    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(10)]
    g = 1.0 + 9.0 * sum(x[1:]) / 9.0
    return x[0], g * (1.0 - math.sqrt(x[0] / g))


def two_objectives_slow(trial):
    """Two objectives, slow enough that a second worker process joins in."""
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    time.sleep(0.15)
    return x + y, (1.0 - x) + y


def mixed_two(trial):
    """Two objectives over a float, a log float, an int and a categorical."""
    x = trial.suggest_float("x", 0.0, 1.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    penalty = {"a": 0.0, "b": 0.5, "c": 1.0}[kind]
    return x + penalty + (n - 3) ** 2 / 10, (1.0 - x) + penalty + abs(lr - 0.01)


def conditional_two(trial):
    """Two objectives with define-by-run branches."""
    kind = trial.suggest_categorical("kind", ["linear", "tree"])
    if kind == "linear":
        w = trial.suggest_float("w", 0.0, 1.0)
        return w, 1.0 - w + 0.1
    depth = trial.suggest_int("depth", 1, 12)
    rate = trial.suggest_float("rate", 0.0, 1.0)
    return rate + depth / 100, 1.0 - rate
