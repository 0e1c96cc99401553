import math

import pytest

import tuneforge as tf
from tests.study import _objectives as objectives
from tuneforge import TrialState


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -5, 5)
    return (x - 2) ** 2 + (y + 1) ** 2


def test_optimize_and_best():
    study = tf.create_study(seed=0)
    study.optimize(quadratic, n_trials=40)
    assert len(study.trials) == 40
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert study.best_value == min(t.value for t in study.trials)
    assert study.best_params == dict(study.best_trial.params)
    assert [t.number for t in study.trials] == list(range(40))


def test_maximize_direction_and_bad_direction():
    study = tf.create_study(direction="maximize", seed=1)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20)
    assert study.best_value == max(t.value for t in study.trials)
    with pytest.raises(ValueError, match="minimize' or 'maximize"):
        tf.create_study(direction="up")


def test_same_seed_same_trials_different_seed_differs():
    def run(seed):
        s = tf.create_study(seed=seed)
        s.optimize(quadratic, n_trials=10)
        return [dict(t.params) for t in s.trials]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_ask_tell_and_states():
    study = tf.create_study()
    t = study.ask()
    assert t.record.state is TrialState.RUNNING
    x = t.suggest_float("x", 0, 1)
    record = study.tell(t, x * 2)
    assert record.state is TrialState.COMPLETE and record.value == pytest.approx(2 * x)
    with pytest.raises(tf.TrialStateError, match="trial 0 is already finished"):
        study.tell(t, 1.0)
    t2 = study.ask()
    assert study.tell(t2.number, state="PRUNED").state is TrialState.PRUNED
    with pytest.raises(tf.TrialStateError, match="no trial number 99"):
        study.tell(99, 1.0)


@pytest.mark.parametrize(
    "value, reason",
    [(float("nan"), "NaN"), ("abc", "'abc' (str), not a number"), (None, "returned None"),
     ([1.0, 2.0], "2 value(s) for a study with 1 objective"), (True, "not a number")],
)
def test_bad_objective_values_fail_with_reason(value, reason):
    study = tf.create_study()
    study.optimize(lambda t: value, n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert reason in study.trials[0].system_attrs["fail_reason"]


def _too_big_values():
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    values = [10**400, -(10**400), Decimal("1e400"), Fraction(10**400, 7), [10**400]]
    if np.finfo(np.longdouble).maxexp > 1024:  # an 80- or 128-bit long double
        values.append(np.longdouble(10) ** 400)
    return values


@pytest.mark.parametrize("value", _too_big_values())
def test_values_too_large_for_a_float_fail_and_the_study_goes_on(value):
    # A finite value is not stored as inf: that would claim a result the objective never
    # gave (for maximize, the best trial ever). The trial FAILs and says why.
    study = tf.create_study()
    study.optimize(lambda t: value, n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert "too large to store as a float" in study.trials[0].system_attrs["fail_reason"]
    assert not [t for t in study.trials if t.state is TrialState.RUNNING]


def test_reports_attrs_and_constraints_too_large_fail_the_trial():
    from decimal import Decimal

    def objective(trial):
        kind = ["report", "attr", "constraint", "huge_attr"][trial.number % 4]
        if kind == "report":
            trial.report(10**400, 0)
        elif kind == "attr":
            trial.set_user_attr("a", Decimal("1e400"))
        elif kind == "constraint":
            trial.set_constraint([10**400])
        else:
            trial.set_user_attr("a", 10**20000)
        return 1.0

    study = tf.create_study()
    study.optimize(objective, n_trials=4)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 4
    for t in study.trials:
        assert "too large to store" in t.system_attrs["fail_reason"]
    study.tell(study.ask(), Decimal("0.5"))  # other numbers are stored as floats
    assert study.trials[-1].value == 0.5 and type(study.trials[-1].value) is float


def test_infinite_values_are_legal():
    study = tf.create_study(seed=0)
    study.optimize(lambda t: math.inf if t.suggest_float("x", 0, 1) > 0.5 else -1.0,
                   n_trials=20)
    states = {t.state for t in study.trials}
    assert states == {TrialState.COMPLETE}
    assert any(math.isinf(t.value) for t in study.trials)
    assert study.best_value == -1.0


def test_exception_marks_fail_with_traceback_and_study_goes_on():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2 == 0:
            raise RuntimeError(f"boom at {trial.number}")
        return x

    study = tf.create_study()
    study.optimize(objective, n_trials=6)
    fails = [t for t in study.trials if t.state is TrialState.FAIL]
    assert len(fails) == 3
    assert fails[0].system_attrs["fail_reason"] == "RuntimeError: boom at 0"
    assert "raise RuntimeError" in fails[0].system_attrs["traceback"]
    assert "x" in fails[0].params  # what was suggested before the failure is kept


def test_catch_empty_reraises_after_marking_fail():
    study = tf.create_study()
    with pytest.raises(ZeroDivisionError):
        study.optimize(lambda t: 1 / 0, n_trials=5, catch=())
    assert len(study.trials) == 1 and study.trials[0].state is TrialState.FAIL


def test_keyboard_interrupt_keeps_finished_trials():
    def objective(trial):
        if trial.number == 3:
            raise KeyboardInterrupt
        return trial.suggest_float("x", 0, 1)

    study = tf.create_study()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=10)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.FAIL]
    assert "KeyboardInterrupt" in study.trials[3].system_attrs["fail_reason"]


def test_trial_pruned_exception_records_pruned_with_last_value():
    def objective(trial):
        trial.report(0.7, 0)
        trial.report(0.5, 1)
        raise tf.TrialPruned()

    study = tf.create_study()
    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    assert t.state is TrialState.PRUNED and t.values == (0.5,)
    assert dict(t.intermediate) == {0: 0.7, 1: 0.5}


def test_enqueue_trial_runs_first_and_mixes_with_sampling():
    study = tf.create_study(seed=0)
    study.enqueue_trial({"x": 1.5, "y": 2}, user_attrs={"source": "manual"})
    study.enqueue_trial({"x": -3.0})
    study.optimize(quadratic, n_trials=4)
    t0, t1 = study.trials[0], study.trials[1]
    assert dict(t0.params) == {"x": 1.5, "y": 2} and t0.user_attrs == {"source": "manual"}
    assert t1.params["x"] == -3.0 and -5 <= t1.params["y"] <= 5
    assert len(study.trials) == 4


def test_enqueued_value_outside_range_fails_naming_parameter():
    study = tf.create_study()
    study.enqueue_trial({"x": 50.0})
    study.optimize(quadratic, n_trials=1)
    reason = study.trials[0].system_attrs["fail_reason"]
    assert "trial 0" in reason and "'x'" in reason and "50.0" in reason


def test_callbacks_and_stop():
    seen = []

    def cb(study, record):
        seen.append(record.number)
        if len(seen) == 3:
            study.stop()

    study = tf.create_study()
    study.optimize(quadratic, n_trials=10, callbacks=[cb])
    assert seen == [0, 1, 2] and len(study.trials) == 3


def test_timeout_stops_the_run():
    import time

    def slow(trial):
        time.sleep(0.05)
        return trial.suggest_float("x", 0, 1)

    study = tf.create_study()
    t0 = time.monotonic()
    study.optimize(slow, timeout=0.3)
    assert time.monotonic() - t0 < 2.0
    assert 1 <= len(study.trials) <= 10


def test_bad_optimize_arguments():
    study = tf.create_study()
    with pytest.raises(ValueError, match="n_trials"):
        study.optimize(quadratic, n_trials=-1)
    with pytest.raises(ValueError, match="timeout"):
        study.optimize(quadratic, timeout=0)
    with pytest.raises(ValueError, match="n_jobs"):
        study.optimize(quadratic, n_trials=1, n_jobs=0)
    with pytest.raises(TypeError, match="callable"):
        study.optimize(42, n_trials=1)


def test_user_attrs_and_non_json_attr():
    study = tf.create_study()
    study.set_user_attr("dataset", "iris")
    t = study.ask()
    t.set_user_attr("fold_scores", [0.9, 0.8])
    study.tell(t, 1.0)
    assert study.user_attrs == {"dataset": "iris"}
    assert study.trials[0].user_attrs["fold_scores"] == [0.9, 0.8]
    with pytest.raises(tf.StorageError, match="JSON"):
        t2 = study.ask()
        t2.set_user_attr("obj", object())


def test_best_without_complete_trials_is_clear():
    study = tf.create_study(study_name="empty")
    with pytest.raises(tf.TuneforgeError, match="'empty' has no COMPLETE trial"):
        _ = study.best_trial


def test_multi_objective_best_trials():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study = tf.create_study(directions=["minimize", "minimize"], seed=0)
    study.optimize(objective, n_trials=10)
    assert len(study.best_trials) == 10  # all on the front x + y = 1
    with pytest.raises(tf.TuneforgeError, match="best_trials"):
        _ = study.best_trial


def test_optuna_spellings_are_accepted(capsys):
    study = tf.create_study(seed=0)
    study.optimize(objectives.quadratic, n_trials=3, show_progress_bar=False,
                   gc_after_trial=True)
    assert len(study.trials) == 3
    study.enqueue_trial({"x": 1.0, "y": 2})
    study.enqueue_trial({"x": 1.0, "y": 2}, skip_if_exists=True)  # waiting: skipped
    first = study.trials[0].params
    study.enqueue_trial(dict(first), skip_if_exists=True)        # finished: skipped
    assert len(study.get_trials((TrialState.WAITING,))) == 1


def test_move_to_continues_the_study_in_another_storage(tmp_path):
    study = tf.create_study(study_name="m", seed=3)
    study.optimize(objectives.quadratic, n_trials=4)
    before = [(t.params, t.values) for t in study.trials]
    target = tf.SQLiteStorage(tmp_path / "moved.db")
    study.move_to(target)
    assert study.storage is target and study.storage.url.endswith("moved.db")
    assert [(t.params, t.values) for t in study.trials] == before
    study.optimize(objectives.quadratic, n_trials=2)
    reopened = tf.load_study("m", storage=target.url)
    assert len(reopened.trials) == 6


def test_points_left_counts_a_grid():
    study = tf.create_study(sampler=tf.GridSampler({"a": [1, 2, 3], "b": [0, 1]}))
    assert study.points_left() == 6
    study.optimize(lambda t: t.suggest_categorical("a", [1, 2, 3])
                   + t.suggest_categorical("b", [0, 1]), n_trials=2)
    assert study.points_left() == 4
    assert tf.create_study().points_left() is None


class _DiskFull:
    """A storage that refuses every append while `full` is set (a full disk)."""

    def __init__(self) -> None:
        self.inner = tf.InMemoryStorage()
        self.full = False

    url = None

    def create_study(self, *args, **kwargs):
        return self.inner.create_study(*args, **kwargs)

    def list_studies(self):
        return self.inner.list_studies()

    def delete_study(self, study):
        return self.inner.delete_study(study)

    def append(self, study, events):
        if self.full:
            raise tf.StorageError("database or disk is full")
        return self.inner.append(study, events)

    def read(self, study, *, after=-1):
        return self.inner.read(study, after=after)


def test_a_result_the_storage_refused_is_stored_once_writes_work_again():
    disk = _DiskFull()
    study = tf.create_study(storage=disk, seed=0)

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            disk.full = True  # the disk fills while trial 2 runs
        return x

    with pytest.raises(tf.StorageError, match="could not be stored"):
        study.optimize(objective, n_trials=5)
    assert study.trials[2].state is TrialState.RUNNING  # nothing could be written
    disk.full = False
    study.optimize(objective, n_trials=2)  # the first write closes trial 2 with its value
    third = study.trials[2]
    assert third.state is TrialState.COMPLETE
    assert third.values == (third.params["x"],)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 5
