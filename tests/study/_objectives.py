"""Module-level objectives for multi-process tests (workers import them by name)."""

import os
import signal
import time


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -5, 5)
    return (x - 2) ** 2 + (y + 1) ** 2


def grid_objective(trial):
    a = trial.suggest_categorical("a", [1, 2, 3])
    b = trial.suggest_categorical("b", ["u", "v", "w", "z"])
    time.sleep(0.01)
    return a + len(b)


def kill_self_once(trial):
    """Trial 2 SIGKILLs its own worker process (once: a marker file guards it)."""
    x = trial.suggest_float("x", 0, 1)
    marker = os.environ["TUNEFORGE_TEST_MARKER"]
    if trial.number == 2 and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return x


def fail_uncaught(trial):
    trial.suggest_float("x", 0, 1)
    raise ZeroDivisionError("not caught")


def cpu_light(trial):
    x = trial.suggest_float("x", 0, 1)
    return x * x


def slow(trial):
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.3)
    return x


def slow_then_stuck(trial):
    """Trials 0-2 finish quickly; later ones sleep a minute, so a test can interrupt
    while one is certainly inside the objective."""
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.3 if trial.number < 3 else 60)
    return x


def quadratic_slow(trial):
    time.sleep(0.2)  # slow enough that the second worker process joins in
    return quadratic(trial)


def very_slow(trial):
    trial.suggest_float("x", 0, 1)
    time.sleep(60)
    return 0.0


def run_very_slow(url):
    import tuneforge as tf

    tf.load_study("hb", storage=url).optimize(very_slow, n_trials=1)


def after_a_second_worker(objective, first=0):
    """`objective`, but trial `first` waits (at most 60 s) until a later trial has been
    asked, so two workers both run trials whatever their start-up time (a fresh
    interpreter takes seconds on a busy machine; one worker could finish a short run)."""
    def run(trial):
        if trial.number == first:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(
                    t.number > first for t in trial.study.history().trials()):
                time.sleep(0.05)
        return objective(trial)
    return run
