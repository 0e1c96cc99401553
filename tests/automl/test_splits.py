"""Time-ordered model selection: the hold-out is the latest rows and no model is trained on
rows later than those it is scored on (select, nested_select)."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")

from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.model_selection import KFold, TimeSeriesSplit  # noqa: E402

from tuneforge.automl import nested_select, select  # noqa: E402
from tuneforge.automl.splits import is_forward, splitter  # noqa: E402
from tuneforge.presets import Preset  # noqa: E402

select_module = importlib.import_module("tuneforge.automl.select")
N = 120


class TimeRecorder(DummyClassifier):
    """A baseline that writes down the times of the rows it was fitted on (rows are told
    apart by their features, which are unique)."""

    fits: list[np.ndarray] = []
    time_of: dict[bytes, int] = {}

    def fit(self, X, y, sample_weight=None):
        TimeRecorder.fits.append(np.array([self.time_of[np.ascontiguousarray(r).tobytes()]
                                           for r in np.asarray(X, dtype=float)]))
        return super().fit(X, y, sample_weight)


RECORDER = Preset("time-recorder", "classification", TimeRecorder,
                  {"strategy": ["prior", "most_frequent"]}, {"strategy": "most_frequent"},
                  doc="records the times of its training rows")


@pytest.fixture
def rows():
    """(X, y, times): unique feature rows, each with a time; in time order."""
    X, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(0).choice(len(y), N, replace=False)
    X, y = X[idx], y[idx]
    TimeRecorder.fits = []
    TimeRecorder.time_of = {np.ascontiguousarray(r).tobytes(): i for i, r in enumerate(X)}
    return X, y, np.arange(N)


def _quiet_select(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a baseline's hold-out gap is not the point here
        return select(*args, **kwargs)


def _assert_forward(fits, before):
    """Every fit trained on a prefix of time (rows 0..k-1) that ends before `before`."""
    assert fits, "the recorder was never fitted"
    for times in fits:
        assert sorted(times.tolist()) == list(range(len(times)))
        assert times.max() < before


def test_a_time_series_cv_holds_out_the_last_rows(rows):
    X, y, _ = rows
    sel = _quiet_select(X, y, models=[RECORDER], budget=2, cv=TimeSeriesSplit(3), seed=0)
    split = sel.holdout_split
    assert split.holdout_index.tolist() == list(range(N - 24, N))
    assert split.search_index.tolist() == list(range(N - 24))
    _assert_forward(TimeRecorder.fits, N - 24)
    assert max(len(f) for f in TimeRecorder.fits) == N - 24  # the refit: every search row
    assert sel.study.user_attrs["automl"]["order"] == "time"


def test_a_time_column_orders_shuffled_rows_and_is_not_a_feature(rows):
    pd = require_module("pandas", "pandas")
    X, y, times = rows
    perm = np.random.default_rng(1).permutation(N)  # the file's rows are not in time order
    frame = pd.DataFrame(X[perm], columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(3, "when", pd.Timestamp("2024-01-01") + pd.to_timedelta(times[perm], "D"))
    sel = _quiet_select(frame, y[perm], models=[RECORDER], budget=2, cv=3,
                        time_column="when", seed=0)
    split = sel.holdout_split
    assert sorted(perm[split.holdout_index].tolist()) == list(range(N - 24, N))
    assert perm[split.search_index].tolist() == list(range(N - 24))  # in time order
    _assert_forward(TimeRecorder.fits, N - 24)  # the features alone identify each row


def test_time_order_without_a_hold_out(rows):
    X, y, times = rows
    perm = np.random.default_rng(2).permutation(N)
    _quiet_select(X[perm], y[perm], models=[RECORDER], budget=2, cv=3, holdout=None,
                  time_column=times[perm], seed=0)
    _assert_forward(TimeRecorder.fits, N)


def test_nested_select_folds_are_forward(rows, monkeypatch):
    X, y, times = rows
    perm = np.random.default_rng(3).permutation(N)
    starts = []

    def counting_select(*args, **kwargs):
        starts.append(len(TimeRecorder.fits))
        return _quiet_select(*args, **kwargs)

    monkeypatch.setattr(select_module, "select", counting_select)
    res = nested_select(X[perm], y[perm], outer_cv=3, models=[RECORDER], budget=2, cv=2,
                        time_column=times[perm], study_name="nested-time")
    bounds = [*starts, len(TimeRecorder.fits)]
    for i, test in enumerate(res.test_indices):
        test_times = np.sort(times[perm][test])
        assert test_times.tolist() == list(range(test_times[0], test_times[0] + len(test)))
        _assert_forward(TimeRecorder.fits[bounds[i]:bounds[i + 1]], test_times[0])
    assert [int(np.min(times[perm][t])) for t in res.test_indices] == [30, 60, 90]


def test_a_shuffling_cv_with_a_time_column_is_refused(rows):
    X, y, times = rows
    with pytest.raises(ValueError, match="not a forward split"):
        select(X, y, models=[RECORDER], budget=1, time_column=times,
               cv=KFold(3, shuffle=True, random_state=0))
    with pytest.raises(ValueError, match="'when' is not a column of X"):
        select(X, y, models=[RECORDER], budget=1, time_column="when")
    with pytest.raises(ValueError, match="one time per row"):
        select(X, y, models=[RECORDER], budget=1, time_column=times[:-1])


def test_forward_splits_are_recognized():
    X = np.zeros((30, 2))
    assert is_forward(TimeSeriesSplit(3), X, None)
    assert not is_forward(KFold(3), X, None) and not is_forward(5, X, None)
    assert isinstance(splitter(4, "regression", 0, ordered=True), TimeSeriesSplit)
    assert isinstance(splitter(4, "regression", 0), KFold)
