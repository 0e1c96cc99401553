"""What the GP sampler keeps and fits: model inputs of a space, observations, the fit
cache, the training subset and the fantasized points."""

import numpy as np

from tuneforge import Categorical, Float, Int
from tuneforge.math.gp import Prior
from tuneforge.samplers.gp_model import (
    MAX_GRID,
    Layout,
    State,
    censored_losses,
    fantasy_points,
    fit,
    fit_subset,
    observations,
    single_blas_thread,
)
from tuneforge.trial.records import Direction, TrialRecord, TrialState

SPACE = {"x": Float(0.0, 1.0), "n": Int(1, 3), "k": Categorical(("a", "b"))}


def _record(number, params, value=None, state=TrialState.COMPLETE):
    return TrialRecord(number=number, key=f"t{number}", state=state, params=params,
                       values=None if value is None else (value,))


def test_layout_encodes_numbers_in_the_cube_and_choices_as_indices():
    layout = Layout(SPACE)
    x = layout.encode({"x": 0.25, "n": 3, "k": "b"})
    assert x is not None and x[0] == 0.25 and x[2] == 1.0 and 0.5 < x[1] <= 1.0
    assert layout.decode(x) == {"x": 0.25, "n": 3, "k": "b"}
    assert list(layout.is_cat) == [False, False, True]
    assert layout.encode({"x": 0.25, "n": 3}) is None            # a parameter missing
    assert layout.encode({"x": 2.0, "n": 3, "k": "a"}) is None   # a value outside


def test_observations_are_complete_trials_in_the_space_to_minimize():
    layout, state = Layout(SPACE), State()
    trials = [_record(0, {"x": 0.1, "n": 1, "k": "a"}, 2.0),
              _record(1, {"x": 0.2, "n": 2, "k": "b"}, 5.0),
              _record(2, {"x": 0.3, "n": 2, "k": "a"}, state=TrialState.RUNNING),
              _record(3, {"x": 0.4}, 1.0)]                 # not in the space
    x, y, cons = observations(layout, state, trials, Direction.MAXIMIZE)
    assert x.shape == (2, 3) and list(y) == [-2.0, -5.0] and cons == [None, None]
    assert state.rows["t3"] is None  # the encoding is cached, misses included
    _, y_min, _ = observations(layout, state, trials, Direction.MINIMIZE)
    assert list(y_min) == [2.0, 5.0]


def test_fit_reuses_the_model_for_the_same_data():
    rng = np.random.default_rng(0)
    x, z = rng.random((8, 2)), rng.normal(size=8)
    state, is_cat, prior = State(), np.zeros(2, bool), Prior.default(2)
    gp = fit(state, "objective", x, z, is_cat, prior)
    assert fit(state, "objective", x, z, is_cat, prior) is gp
    assert fit(state, "objective", x, z + 1.0, is_cat, prior) is not gp
    assert set(state.thetas) == {"objective"}


def test_fit_subset_keeps_the_best_and_the_most_recent():
    rng = np.random.default_rng(0)
    assert list(fit_subset(np.arange(5.0), rng, max_trials=8)) == [0, 1, 2, 3, 4]
    y = np.arange(100.0)[::-1]  # the last trials are the best
    chosen = fit_subset(y, rng, max_trials=20)
    assert len(chosen) == 20 == len(set(chosen)) and list(chosen) == sorted(chosen)
    assert set(range(90, 100)) <= set(chosen)  # the best half of the budget


def test_fantasy_points_are_the_running_failed_and_pruned_trials_but_this_one():
    layout, state = Layout({"x": Float(0.0, 1.0)}), State()
    current = _record(3, {}, state=TrialState.RUNNING)
    state.proposals["t2"] = np.array([0.9])
    trials = [_record(0, {"x": 0.1}, 1.0),
              _record(1, {"x": 0.2}, state=TrialState.FAIL),
              _record(2, {}, state=TrialState.RUNNING),       # proposed, not suggested yet
              current, _record(4, {"x": 0.4}, state=TrialState.PRUNED),
              _record(5, {"x": 0.5}, state=TrialState.RUNNING)]
    pending, failed = fantasy_points(layout, state, trials, current)
    assert sorted(pending[:, 0]) == [0.5, 0.9]
    assert sorted(failed[:, 0]) == [0.2, 0.4]


def _pruned(number, params, intermediate):
    return TrialRecord(number=number, key=f"t{number}", state=TrialState.PRUNED,
                       params=params, intermediate=intermediate)


def test_pruned_trials_are_observed_at_their_last_value_never_above_a_complete_one():
    layout, state = Layout({"x": Float(0.0, 1.0)}), State()
    trials = [_record(0, {"x": 0.1}, 0.90),
              _pruned(1, {"x": 0.2}, {1: 0.50, 3: 0.99}),     # last 0.99: better than 0.90
              _record(2, {"x": 0.3}, 0.95),
              _pruned(3, {"x": 0.4}, {1: 0.20}),              # far worse than any
              _pruned(4, {"x": 0.5}, {1: float("nan")}),      # not modelled
              _pruned(5, {"x": 0.6}, {})]                     # never reported
    x, y, cons = observations(layout, state, trials, Direction.MAXIMIZE)
    # complete first (-0.90, -0.95), then pruned: -0.99 capped at the worst complete
    # loss (-0.90), -0.20 kept (it is worse)
    assert list(x[:, 0]) == [0.1, 0.3, 0.2, 0.4]
    assert list(y) == [-0.90, -0.95, -0.90, -0.20] and len(cons) == 4
    # only the pruned trials not modelled are fantasized (so never proposed again)
    current = _record(6, {}, state=TrialState.RUNNING)
    _, failed = fantasy_points(layout, state, trials + [current], current, single=True)
    assert sorted(failed[:, 0]) == [0.5, 0.6]
    _, failed_mo = fantasy_points(layout, state, trials + [current], current)
    assert sorted(failed_mo[:, 0]) == [0.2, 0.4, 0.5, 0.6]


def test_censored_losses_keep_pruned_values_without_a_complete_trial():
    last = np.array([3.0, 1.0])
    assert list(censored_losses(last, np.array([]))) == [3.0, 1.0]
    assert list(censored_losses(last, np.array([0.5, 2.0]))) == [3.0, 2.0]


def test_the_gp_models_once_pruned_trials_fill_its_startup():
    from tuneforge import GPSampler, SuccessiveHalvingPruner, TrialPruned, create_study

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(1, 10):
            trial.report((x - 0.3) ** 2 + 1.0 / step, step)
            if trial.should_prune():
                raise TrialPruned()
        return (x - 0.3) ** 2

    study = create_study(sampler=GPSampler(seed=0, n_startup_trials=5),
                         pruner=SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
                         seed=0)
    study.optimize(objective, n_trials=14)
    phases = [t.system_attrs.get("gp_phase") for t in study.trials]
    first = phases.index("model")  # the first trial the GP proposed
    before = study.trials[:first]
    # it modelled before 5 trials completed: the pruned trials' reports filled the start
    assert sum(t.state is TrialState.COMPLETE for t in before) < 5 <= len(before)
    assert any(t.state is TrialState.PRUNED for t in before)


def test_the_box_has_a_grid_up_to_max_grid_levels_and_indices_for_choices():
    grids = Layout({"few": Int(0, MAX_GRID - 1), "many": Int(0, MAX_GRID),
                    "f": Float(0.0, 1.0), "k": Categorical(("a", "b", "c"))}).box.grids
    assert len(grids[0]) == MAX_GRID and grids[1] is None and grids[2] is None
    assert list(grids[3]) == [0.0, 1.0, 2.0]


def test_single_blas_thread_is_a_context_manager():
    with single_blas_thread():
        assert float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3)) == 9.0
