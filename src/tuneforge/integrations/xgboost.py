"""XGBoost: report each boosting round's validation metric to a trial and prune.

    model = xgboost.XGBClassifier(n_estimators=200, eval_metric="logloss",
                                  callbacks=[XGBoostPruningCallback(trial, "validation_0-logloss")])
    model.fit(X, y, eval_set=[(X_val, y_val)], verbose=False)

xgboost is an optional extra (``pip install 'tuneforge[xgboost]'``); this module imports
it, ``import tuneforge`` does not.
"""

from __future__ import annotations

from typing import Any

from tuneforge.exceptions import TrialPruned, missing_extra

_xgb: Any
_Base: Any
try:
    import xgboost

    _xgb = xgboost
    _Base = _xgb.callback.TrainingCallback
except ImportError:  # the class still exists; making one names the extra
    _xgb = None
    _Base = object


class XGBoostPruningCallback(_Base):
    """Reports `observation_key` ("<eval set name>-<metric>", e.g. "validation_0-logloss"
    with the scikit-learn API, "eval-auc" with ``xgboost.train(evals=[(d, "eval")])``)
    after every boosting round (step = round, from 0) and raises TrialPruned when the
    trial's pruner says so. Optuna's name and arguments."""

    def __init__(self, trial: Any, observation_key: str) -> None:
        if _xgb is None:
            raise missing_extra("xgboost", "xgboost")
        super().__init__()
        data, sep, metric = observation_key.partition("-")
        if not sep or not data or not metric:
            raise ValueError(f"observation_key must be '<eval set>-<metric>', "
                             f"got {observation_key!r}")
        self.trial = trial
        self.observation_key = observation_key
        self._data, self._metric = data, metric

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        logs = evals_log.get(self._data, {})
        if self._metric not in logs:
            known = [f"{d}-{m}" for d, ms in evals_log.items() for m in ms]
            raise ValueError(f"XGBoostPruningCallback: no {self.observation_key!r} in the "
                             f"evaluation log (it has {known}); pass eval_set / evals and "
                             "the metric")
        value = logs[self._metric][-1]
        if isinstance(value, tuple):  # xgboost.cv: (mean, std)
            value = value[0]
        self.trial.report(float(value), epoch)
        if self.trial.should_prune():
            raise TrialPruned(f"pruned at boosting round {epoch} "
                              f"({self.observation_key} = {float(value):.6g})")
        return False
