import numpy as np

from tests.conftest import require_module
from tests.importance._synthetic import DIRS, synthetic

require_module("sklearn", "sklearn")

from tuneforge.importance import permutation_importance  # noqa: E402
from tuneforge.importance.permutation import r2  # noqa: E402


def test_r2():
    y = np.array([1.0, 2.0, 3.0])
    assert r2(y, y) == 1.0 and r2(y, np.full(3, 2.0)) == 0.0


def test_ranks_the_known_influential_parameters_first():
    imp = permutation_importance(synthetic(400), DIRS, repeats=3, n_trees=30)
    assert imp.ranking()[:2] == ["x0", "x1"]
    assert set(imp.ranking()[:4]) == {"x0", "x1", "c", "x2"}
    noise = [p for p in imp.params if p.name in ("x3", "x4")]
    assert all(p.mean < 0.05 for p in noise)
    assert imp.method == "permutation" and all(p.low <= p.mean <= p.high for p in imp.params)
