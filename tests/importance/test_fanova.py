import pytest

from tests.conftest import require_module
from tests.importance._synthetic import DIRS, synthetic
from tuneforge.exceptions import TuneforgeError
from tuneforge.trial.records import Direction, TrialRecord, TrialState

require_module("sklearn", "sklearn")

from tuneforge.importance import fanova_importance  # noqa: E402


def test_ranks_the_known_influential_parameters_first_with_intervals():
    imp = fanova_importance(synthetic(), DIRS, repeats=3, n_trees=16)
    assert imp.ranking()[:2] == ["x0", "x1"]
    assert set(imp.ranking()[:4]) == {"x0", "x1", "c", "x2"}
    shares = imp.as_dict()
    # true main-effect shares: x0 .58, x1 .35 (the forest sees most of them)
    assert 0.4 < shares["x0"] < 0.7 and 0.25 < shares["x1"] < 0.45
    assert sum(shares.values()) <= 1.0 + 1e-9
    for p in imp.params:
        assert p.low <= p.mean <= p.high and p.std >= 0
    assert imp.repeats == 3 and imp.n_trials == 300 and imp.method == "fanova"


def test_same_seed_same_answer_and_subsampling():
    a = fanova_importance(synthetic(200), DIRS, repeats=2, n_trees=8, seed=3)
    b = fanova_importance(synthetic(200), DIRS, repeats=2, n_trees=8, seed=3)
    assert a == b
    c = fanova_importance(synthetic(200), DIRS, repeats=2, n_trees=8, max_trials=100)
    assert c.ranking()[0] == "x0"


def test_clear_errors():
    with pytest.raises(TuneforgeError, match="at least 2 COMPLETE"):
        fanova_importance(synthetic(1), DIRS)
    with pytest.raises(ValueError, match="objective=2"):
        fanova_importance(synthetic(5), DIRS, objective=2)
    failed = [TrialRecord(number=0, key="a", state=TrialState.FAIL)]
    with pytest.raises(TuneforgeError, match="found 0"):
        fanova_importance(failed, (Direction.MAXIMIZE,))
