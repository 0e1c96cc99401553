"""LightGBM: report each boosting round's validation metric to a trial and prune.

    model = lightgbm.LGBMClassifier(n_estimators=200, verbose=-1)
    model.fit(X, y, eval_set=[(X_val, y_val)], eval_metric="binary_logloss",
              callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])

lightgbm is an optional extra (``pip install 'tuneforge[lightgbm]'``), imported when a
callback is made, never by ``import tuneforge``.
"""

from __future__ import annotations

from typing import Any

from tuneforge.exceptions import TrialPruned, missing_extra


class LightGBMPruningCallback:
    """Reports `metric` on the validation set `valid_name` ("valid_0" for the first
    eval_set of the scikit-learn API; the name given to ``lightgbm.train(valid_names=)``;
    with ``lightgbm.cv`` the mean over the held-out folds) after every boosting round
    (step = round, from 0) and raises TrialPruned when the trial's pruner says so.
    Optuna's name and arguments."""

    order = 30  # LightGBM runs callbacks by `order`; after its own logging ones

    def __init__(self, trial: Any, metric: str, valid_name: str = "valid_0") -> None:
        try:
            import lightgbm  # noqa: F401  # fail here, not in the middle of training
        except ImportError:
            raise missing_extra("lightgbm", "lightgbm") from None
        self.trial = trial
        self.metric = metric
        self.valid_name = valid_name

    def __call__(self, env: Any) -> None:
        import lightgbm

        # lightgbm.cv names the held-out folds "valid" (older versions: "cv_agg")
        names = ("valid", "cv_agg") if isinstance(env.model, lightgbm.CVBooster) \
            else (self.valid_name,)
        for entry in env.evaluation_result_list or []:
            data, name, value = entry[0], entry[1], entry[2]  # cv: + (std,)
            if name.split(" ")[-1] == self.metric and data in names:
                self.trial.report(float(value), env.iteration)
                if self.trial.should_prune():
                    raise TrialPruned(f"pruned at boosting round {env.iteration} "
                                      f"({self.metric} = {float(value):.6g})")
                return
        known = [(e[0], e[1]) for e in env.evaluation_result_list or []]
        raise ValueError(f"LightGBMPruningCallback: no metric {self.metric!r} on "
                         f"{self.valid_name!r} in the evaluation results {known}; pass "
                         "eval_set / valid_sets and the metric")
