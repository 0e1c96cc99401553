"""The live define-by-run trial: suggest_* (errors name the parameter), declared spaces,
report, constraints and attributes."""

import pytest

import tuneforge as tf
from tuneforge import Float, SearchSpaceError, create_study
from tuneforge.storage import events as ev


def _suggest(study, fn):
    trial = study.ask()
    return fn(trial)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.suggest_float("lr", 1.0, 0.1), r"parameter 'lr'.*greater than high"),
        (lambda t: t.suggest_float("lr", 0.0, 1.0, log=True), r"parameter 'lr'.*log"),
        (lambda t: t.suggest_float("x", 0, 1, step=0.3), r"parameter 'x'.*divide"),
        (lambda t: t.suggest_int("n", 0, 10, log=True), r"parameter 'n'.*log"),
        (lambda t: t.suggest_categorical("c", []), r"parameter 'c'.*empty"),
        (lambda t: t.suggest_categorical("c", ["a", "a"]), r"parameter 'c'.*more than once"),
        (lambda t: t.suggest_categorical("c", [{"a": 1}]), r"parameter 'c'.*JSON"),
        (lambda t: t.suggest_float("x", float("nan"), 1), r"parameter 'x'.*finite"),
    ],
)
def test_define_by_run_errors_name_the_parameter(call, message):
    study = create_study()
    with pytest.raises(SearchSpaceError, match=message):
        _suggest(study, call)


def test_same_name_with_another_distribution_is_an_error():
    study = create_study()
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial.suggest_float("x", 0, 1) == x  # same distribution: same value
    with pytest.raises(SearchSpaceError, match=r"'x' was already suggested in trial 0"):
        trial.suggest_float("x", 0, 2)
    with pytest.raises(SearchSpaceError, match=r"'x'"):
        trial.suggest_int("x", 0, 1)


def test_conditional_parameters_define_by_run():
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["svm", "tree"])
        if kind == "svm":
            return trial.suggest_float("C", 1e-3, 1e3, log=True)
        return trial.suggest_int("depth", 1, 10)

    study = tf.create_study(seed=3)
    study.optimize(objective, n_trials=30)
    for t in study.trials:
        assert ("C" in t.params) == (t.params["kind"] == "svm")
        assert ("depth" in t.params) == (t.params["kind"] == "tree")


def test_declared_space_in_an_objective():
    space = tf.SearchSpace({"lr": tf.Float(1e-4, 1, log=True), "act": ["relu", "tanh"],
                            "layers": tf.Int(1, 4)})

    def objective(trial):
        p = trial.suggest_space(space)
        extra = trial.suggest("dropout", tf.Float(0, 0.5))
        return p["lr"] * p["layers"] + extra

    study = tf.create_study(seed=0)
    study.optimize(objective, n_trials=10)
    assert set(study.best_params) == {"lr", "act", "layers", "dropout"}
    assert objective(tf.FixedTrial(study.best_params)) == study.best_value
    with pytest.raises(tf.SearchSpaceError, match="'x': expected Float"):
        study.ask().suggest("x", (0, 1))


def test_report_checks_step_and_value():
    study = create_study()
    trial = study.ask()
    trial.report(0.5, 0)
    trial.report(0.25, 3)
    with pytest.raises(ValueError, match="trial 0: step must be an integer >= 0"):
        trial.report(0.1, -1)
    with pytest.raises(ValueError, match="step must be"):
        trial.report(0.1, True)
    with pytest.raises(ValueError, match="trial 0: reported value must be a number"):
        trial.report("high", 4)
    assert dict(trial.record.intermediate) == {0: 0.5, 3: 0.25}


def test_suggest_categorical_wants_a_list_of_choices():
    trial = create_study().ask()
    with pytest.raises(SearchSpaceError, match="'c': choices must be a list"):
        trial.suggest_categorical("c", "abc")
    with pytest.raises(SearchSpaceError, match="non-empty strings"):
        trial.suggest_float("", 0, 1)
    assert trial.suggest_categorical("c", ("a",)) == "a"


def test_constraints_and_attributes_are_stored_on_the_trial():
    study = create_study()
    trial = study.ask()
    trial.set_constraint([0.5, -1])
    trial.set_system_attr("note", "mine")
    trial.set_user_attr("fold", 2)
    with pytest.raises(ValueError, match="trial 0: constraint values must not be NaN"):
        trial.set_constraint([float("nan")])
    study.tell(trial, 1.0)
    (record,) = study.trials
    assert record.system_attrs["constraints"] == [0.5, -1.0]
    assert record.system_attrs["note"] == "mine" and trial.user_attrs == {"fold": 2}


def test_an_enqueued_integral_float_is_an_int_for_an_int_parameter():
    study = tf.create_study()
    study.enqueue_trial({"n": 3.0})
    trial = study.ask()
    assert type(trial.suggest_int("n", 0, 10)) is int
    assert type(study.trials[0].params["n"]) is int


def test_a_large_distribution_is_stored_once_per_study_not_per_trial():
    choices = [f"c{i}" for i in range(10_000)]
    study = tf.create_study(sampler=tf.RandomSampler(), seed=0)
    study.optimize(lambda t: len(t.suggest_categorical("c", choices)), n_trials=20)
    events = [e for _, e in study.storage.read(study.ref)]
    sizes = {}
    for e in events:
        sizes.setdefault(e["type"], []).append(len(ev.dumps(e)))
    assert len(sizes["distribution_defined"]) == 1           # defined once
    assert sizes["distribution_defined"][0] > 70_000          # the 10,000 choices
    assert max(sizes["param_set"]) < 300                       # each trial names it
    assert all(t.distributions["c"] == tf.Categorical(choices) for t in study.trials)


def test_numpy_numbers_are_accepted_and_stored_as_python_values():
    import json

    import numpy as np

    from tuneforge.space.distributions import named

    assert named("x", Float, np.float32(0), 1).low == 0.0
    study = create_study(seed=0)
    study.enqueue_trial({"x": np.float32(0.5), "n": np.int64(4), "c": np.str_("b")})

    def objective(trial):
        x = trial.suggest_float("x", np.float32(0), np.array(1.0), step=np.float64(0.25))
        n = trial.suggest_int("n", np.int64(1), np.int32(9), step=np.int8(1))
        c = trial.suggest_categorical("c", np.array(["a", "b"]))
        trial.report(np.float32(0.5), np.int64(0))
        trial.set_constraint(np.array([-1.0]))
        return np.float32(x + n) if c == "b" else np.float64(0.0)

    study.optimize(objective, n_trials=3)
    assert [t.state.value for t in study.trials] == ["COMPLETE"] * 3
    first = study.trials[0]
    assert first.params == {"x": 0.5, "n": 4, "c": "b"} and first.value == 4.5
    for t in study.trials:
        assert [type(v) for v in t.params.values()] == [float, int, str]
        json.dumps(ev.plain(dict(t.params)), allow_nan=False)
    assert first.intermediate == {0: 0.5}
    assert first.system_attrs["constraints"] == [-1.0]
