"""Constraints the study enforces: no sampler of ours ever proposes a parameter violation
(joint proposals and define-by-run), enqueued violations are refused, and Optuna's
constraints_func stores each finished trial's constraints (errors said, trial kept)."""

import logging

import pytest

import tuneforge as tf
from tuneforge.exceptions import SearchSpaceError, TuneforgeError
from tuneforge.samplers import RefinedSampler
from tuneforge.study import feasible
from tuneforge.trial.records import TrialRecord, TrialState


def below_one(p):
    return p["x"] + p["y"] <= 1.0


def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    trial.set_user_attr("sum", x + y)
    return (x - 1.0) ** 2 + (y - 1.0) ** 2  # the optimum (1, 1) is infeasible


SAMPLERS = {
    "random": lambda: tf.RandomSampler(),
    "qmc": lambda: tf.RandomSampler(qmc=True),
    "tpe": lambda: tf.TPESampler(n_startup_trials=5),
    "gp": lambda: tf.GPSampler(n_startup_trials=4),
    "ga": lambda: tf.GeneticSampler(population_size=6),
    "cmaes": lambda: tf.CmaEsSampler(popsize=4),
    "auto": lambda: tf.AutoSampler(),
    "mobo": lambda: tf.MOBOSampler(n_startup_trials=4),
    "bohb": lambda: tf.BOHBSampler(),
    "nsga2": lambda: tf.NSGAIISampler(population_size=6),
    "moead": lambda: tf.MOEADSampler(population_size=6),
    "refined": lambda: RefinedSampler(tf.RandomSampler(), tf.SearchSpace(
        {"x": tf.Float(0.2, 1.0), "y": tf.Float(0.2, 1.0)})),
}


@pytest.fixture(autouse=True)
def _quiet():
    logging.getLogger("tuneforge").setLevel(logging.ERROR)
    yield
    logging.getLogger("tuneforge").setLevel(logging.WARNING)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_no_sampler_proposes_a_violation(name):
    n = 10 if name in ("gp", "auto", "mobo") else 16
    study = tf.create_study(sampler=SAMPLERS[name](), seed=3, param_constraints=[below_one])
    study.optimize(objective, n_trials=n, catch=())
    done = study.get_trials([TrialState.COMPLETE])
    assert len(done) == n
    assert all(t.params["x"] + t.params["y"] <= 1.0 for t in done)
    # the infeasible optimum pulls every model-based sampler outside: repairs happened
    if name not in ("random", "refined", "bohb"):  # BOHB: random until a rung has data
        assert any("constraint_repair" in t.system_attrs for t in done)


def test_a_grid_skips_its_violating_points():
    grid = tf.GridSampler({"x": [0.0, 0.5, 1.0], "y": [0.0, 0.5, 1.0]})
    study = tf.create_study(sampler=grid, param_constraints=below_one)
    study.optimize(objective, n_trials=20)
    points = sorted((t.params["x"], t.params["y"]) for t in study.trials)
    assert points == [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.5, 0.0), (0.5, 0.5), (1.0, 0.0)]


def test_define_by_run_repairs_the_parameter_that_decides_a_predicate():
    def cap(p):
        return p["depth"] * p["trees"] <= 50

    def fn(trial):
        d = trial.suggest_int("depth", 1, 10)
        t = trial.suggest_int("trees", 1, 50)
        if d > 5:
            trial.suggest_float("lr", 0.1, 1.0)  # a conditional parameter: no predicate
        return d + t

    study = tf.create_study(sampler=tf.TPESampler(n_startup_trials=3), seed=0,
                            param_constraints=[cap])
    study.optimize(fn, n_trials=25, catch=())
    assert all(t.params["depth"] * t.params["trees"] <= 50 for t in study.trials)


def test_proposals_without_constraints_are_unchanged():
    plain = tf.create_study(sampler=tf.TPESampler(n_startup_trials=3), seed=5)
    loose = tf.create_study(sampler=tf.TPESampler(n_startup_trials=3), seed=5,
                            param_constraints=[lambda p: p["x"] <= 1.0])  # never binds
    plain.optimize(objective, n_trials=12)
    loose.optimize(objective, n_trials=12)
    assert [t.params for t in plain.trials] == [t.params for t in loose.trials]


def test_an_empty_feasible_region_is_a_clear_error():
    study = tf.create_study(seed=0, param_constraints=[lambda p: p["x"] > 2.0])
    with pytest.raises(SearchSpaceError, match="feasible region seems empty"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, catch=())


def test_an_enqueued_violating_trial_is_refused():
    study = tf.create_study(param_constraints=[below_one])
    with pytest.raises(SearchSpaceError, match=r"enqueue_trial: params .* violate .*below_one"):
        study.enqueue_trial({"x": 0.9, "y": 0.9})
    study.enqueue_trial({"x": 0.9})  # y unknown yet: allowed, then y is repaired
    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    assert t.params["x"] == 0.9 and t.params["x"] + t.params["y"] <= 1.0


def test_a_fixed_value_that_violates_fails_its_trial_with_the_reason():
    study = tf.create_study(param_constraints=[below_one])
    trial = study.ask(fixed_params={"x": 0.8, "y": 0.7})
    with pytest.raises(SearchSpaceError, match="enqueued.*below_one"):
        objective(trial)


def cons_from_attr(frozen):
    return [frozen.user_attrs["sum"] - 1.2]


@pytest.mark.parametrize("where", ["study", "sampler"])
def test_constraints_func_stores_each_trials_constraints(where):
    kw = {"constraints_func": cons_from_attr}
    sampler = tf.TPESampler(n_startup_trials=4, **(kw if where == "sampler" else {}))
    study = tf.create_study(sampler=sampler, seed=1, **(kw if where == "study" else {}))
    assert study.constraints_func is cons_from_attr
    study.optimize(objective, n_trials=10)
    for t in study.trials:
        assert t.system_attrs["constraints"] == pytest.approx([t.user_attrs["sum"] - 1.2])
    best = study.best_trial
    assert best.user_attrs["sum"] <= 1.2  # feasible first


def test_constraints_func_sees_the_frozen_trial_with_its_values():
    seen = []

    def record(frozen):
        seen.append((frozen.state, frozen.values, dict(frozen.params)))
        return [frozen.values[0] - 1.0]

    study = tf.create_study(constraints_func=record)
    study.optimize(lambda t: t.suggest_float("x", 0, 3), n_trials=2)
    assert [s[0] for s in seen] == [TrialState.COMPLETE] * 2
    assert [s[1][0] for s in seen] == [s[2]["x"] for s in seen]


def test_a_failing_constraints_func_keeps_the_trial_and_names_the_function():
    def broken(frozen):
        raise KeyError("size")

    study = tf.create_study(constraints_func=broken)
    with pytest.raises(TuneforgeError, match=r"constraints_func .*broken raised KeyError.*"
                                             r"stored COMPLETE with its values"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    (t,) = study.trials
    assert t.state is TrialState.COMPLETE and t.values is not None
    assert "broken" in t.system_attrs["constraints_error"]
    assert "constraints" not in t.system_attrs


def test_two_constraints_functions_are_refused():
    with pytest.raises(ValueError, match="two constraints functions"):
        tf.create_study(sampler=tf.TPESampler(constraints_func=cons_from_attr),
                        constraints_func=lambda t: [0.0])
    with pytest.raises(TypeError, match="constraints_func must be a function"):
        tf.RandomSampler(constraints_func=[0.0])


@pytest.mark.parametrize("out, message", [
    ("x", "must return a sequence"), ([float("nan")], "NaN"), (["a"], "constraint value"),
])
def test_outcome_constraints_refuses_bad_returns(out, message):
    frozen = TrialRecord(number=4, key="k", state=TrialState.COMPLETE, values=(1.0,))
    vals, problem = feasible.outcome_constraints(lambda f: out, frozen)
    assert vals is None and message in problem and "trial 4" in problem
    assert feasible.outcome_constraints(lambda f: 2.0, frozen) == ([2.0], None)


def test_every_exported_sampler_takes_constraints_func():
    def cons(trial):
        return [0.0]

    for name in tf.__all__:
        obj = getattr(tf, name)
        if isinstance(obj, type) and name.endswith("Sampler") and name not in (
                "GridSampler", "RefinedSampler"):
            assert obj(constraints_func=cons).constraints_func is cons, name
