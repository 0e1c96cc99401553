"""EarlyStopping on hand-made curves: the exact step it stops at, and the state it keeps."""

import pytest

from tuneforge import EarlyStopping


def run(stopper, curve):
    """Feed `curve` until the stopper says stop; the index it stopped at, or None."""
    for i, score in enumerate(curve):
        if stopper.step(score):
            return i
    return None


@pytest.mark.parametrize("patience, min_delta, mode, curve, stop, best", [
    (3, 0.0, "max", [1, 2, 3, 3, 3, 3, 9], 5, 2),           # plateau of 3 after the best
    (3, 0.0, "max", [1, 2, 3, 2, 3.5, 3, 3, 3], 7, 4),      # an improvement resets the wait
    (2, 0.5, "max", [1, 1.4, 1.8, 1.9, 2.2], 4, 2),         # gains <= min_delta do not count
    (2, 0.0, "min", [5, 4, 4.5, 3, 3.1, 3.2, 1], 5, 3),     # a loss
    (1, 0.0, "max", [1, float("nan"), 2], 1, 0),            # NaN is never an improvement
    (4, 0.0, "max", [1, 2, 3, 4, 5], None, 4),              # never stops on a rising curve
])
def test_stops_exactly_where_the_rule_says(patience, min_delta, mode, curve, stop, best):
    stopper = EarlyStopping(patience, min_delta=min_delta, mode=mode)
    assert run(stopper, curve) == stop
    assert stopper.stopped_step == stop and stopper.best_step == best
    assert stopper.best_score == curve[best]


def test_the_best_state_is_a_copy_and_restore_puts_it_back():
    class Model:
        def __init__(self):
            self.weights = [0.0]

    model = Model()
    stopper = EarlyStopping(2)
    for score, w in [(0.5, 1.0), (0.9, 2.0), (0.7, 3.0), (0.6, 4.0)]:
        model.weights[0] = w  # trained in place, as estimators are
        if stopper.step(score, model):
            break
    assert stopper.stopped_step == 3 and model.weights == [4.0]
    assert stopper.restore(model) is model and model.weights == [2.0]


def test_restore_without_a_state_says_why():
    stopper = EarlyStopping(2, restore_best=False)
    stopper.step(1.0, object())
    assert stopper.best_state is None
    with pytest.raises(ValueError, match="no state was kept"):
        stopper.restore(object())


@pytest.mark.parametrize("kwargs, match", [
    ({"patience": 0}, "patience"), ({"patience": 1.5}, "patience"),
    ({"min_delta": -1}, "min_delta"), ({"mode": "up"}, "mode"),
])
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EarlyStopping(**kwargs)


def test_reset_forgets_the_run():
    stopper = EarlyStopping(1)
    assert run(stopper, [2, 1]) == 1
    stopper.reset()
    assert stopper.scores == [] and not stopper.should_stop and run(stopper, [1, 2]) is None
