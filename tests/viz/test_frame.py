"""TrialFrame: the COMPLETE trials as columns, grown piece by piece, equal to a frame of
every trial at once; the figures drawn from it equal the public builders over all trials."""

import math
import random

import numpy as np
import plotly.io
import pytest

from tests.viz._trials import rec
from tuneforge import viz
from tuneforge.trial.records import Direction, TrialState
from tuneforge.viz import history as vh
from tuneforge.viz import params as vp
from tuneforge.viz.frame import TrialFrame, frame_of

DIRS = (Direction.MINIMIZE,)


def _trials(n: int, seed: int = 0):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        params = {"lr": 10 ** rng.uniform(-4, 0), "depth": rng.randint(1, 10),
                  "kind": rng.choice("abc")}
        if i < 5:
            params.pop("kind")  # a parameter that appears later
        state = TrialState.COMPLETE
        value = (params["lr"] - 0.1) ** 2 + params["depth"] / 10
        if i % 7 == 3:
            state, value = TrialState.PRUNED, None
        if i == 11:
            value = math.inf  # not finite: left out of the value figures
        out.append(rec(i, value, state=state, params=params))
    return out


def _json(fig):
    return plotly.io.to_json(fig, validate=False, engine="json")


def test_frame_grown_out_of_order_equals_the_frame_of_every_trial():
    trials = _trials(60)
    full = frame_of(trials, 1)
    chunks = trials[30:] + trials[:30]  # trials finish out of number order
    frame = TrialFrame(1)
    for i in range(0, len(chunks), 7):
        frame.add(chunks[i:i + 7])
    assert frame.add(trials[:10]) == 0  # each trial is taken once
    grown = frame.view()
    done = [t for t in trials if t.state is TrialState.COMPLETE and math.isfinite(t.values[0])]
    assert len(grown) == len(done)
    assert grown.numbers.tolist() == [t.number for t in done] == full.numbers.tolist()
    np.testing.assert_array_equal(grown.values, full.values)
    assert grown.names == full.names == ["lr", "depth", "kind"]
    for name in grown.names:
        a, la = grown.column(name)
        b, lb = full.column(name)
        np.testing.assert_array_equal(a, b)
        assert la == lb
        np.testing.assert_array_equal(grown.present(name), full.present(name))
    col, labels = grown.column("kind")
    assert labels == ["a", "b", "c"]
    expected = [np.nan if "kind" not in t.params else "abc".index(t.params["kind"])
                for t in done]
    np.testing.assert_array_equal(col, np.array(expected, dtype=float))


def test_a_view_is_not_changed_by_later_trials():
    trials = _trials(40)
    frame = TrialFrame(1)
    frame.add(trials[:20])
    view = frame.view()
    n, before = len(view), view.column("lr")[0].copy()
    frame.add(trials[20:])
    assert len(view) == n and len(view.column("lr")[0]) == n
    np.testing.assert_array_equal(view.column("lr")[0], before)
    assert len(frame.view()) > n


@pytest.mark.parametrize("kind", ["history", "edf", "parallel", "slice", "contour"])
def test_figure_of_a_grown_frame_equals_the_public_builder_over_every_trial(kind):
    trials = _trials(80, seed=3)
    frame = TrialFrame(1)
    for i in range(0, 80, 9):
        frame.add(trials[i:i + 9][::-1])
    public = {"history": viz.plot_optimization_history, "edf": viz.plot_edf,
              "parallel": viz.plot_parallel_coordinate, "slice": viz.plot_slice,
              "contour": viz.plot_contour}[kind]
    core = {"history": vh.history_figure, "edf": vh.edf_figure,
            "parallel": vp.parallel_figure, "slice": vp.slice_figure,
            "contour": vp.contour_figure}[kind]
    small = {"max_points": 20}  # down-sampling on: the same points are kept either way
    assert _json(core(frame.view(), DIRS, **small)) == \
        _json(public(trials, directions=DIRS, **small))


def test_unknown_parameter_is_named():
    view = frame_of(_trials(10), 1)
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['nope'\]"):
        vp.slice_figure(view, DIRS, params=["nope"])
