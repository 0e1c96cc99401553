"""river: drive river's online models (``learn_one`` / ``predict_one``) with the online
loop, `tuneforge.online.OnlineTuner`, which expects scikit-learn's incremental API.

    from river import linear_model, optim
    make = lambda p: RiverModel(linear_model.LogisticRegression(
        optimizer=optim.SGD(p["optimizer__lr"]), l2=p["l2"]))
    tuner = OnlineTuner(make, {"optimizer__lr": 0.05, "l2": 1e-4}, adapt=...)

`RiverModel` learns a batch row by row in order, scores a batch as scikit-learn does
(accuracy for classifiers, R^2 for regressors) and changes hyperparameters of the live
model (``set_params(optimizer__lr=0.1)``: nested names as in scikit-learn; a number given
for a learning-rate schedule becomes a constant schedule). river is an optional extra
(``pip install 'tuneforge[river]'``); this module imports it, ``import tuneforge`` does not.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tuneforge.exceptions import missing_extra

_river: Any
try:
    import river
    import river.base
    import river.optim

    _river = river
except ImportError:  # the class still exists; making one names the extra
    _river = None


def rows(X: Any, feature_names: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of `X` as river's feature dicts: a DataFrame's column names, else
    `feature_names`, else ``x0, x1, ...``; a list of dicts passes through."""
    if isinstance(X, Sequence) and X and isinstance(X[0], Mapping):
        yield from (dict(r) for r in X)
        return
    columns = getattr(X, "columns", None)
    values = X.to_numpy() if columns is not None else np.asarray(X)
    if values.ndim != 2:
        raise ValueError(f"RiverModel: X must be two-dimensional (rows, features), got shape "
                         f"{values.shape}")
    names = [str(c) for c in columns] if columns is not None else (
        list(feature_names) if feature_names is not None
        else [f"x{j}" for j in range(values.shape[1])])
    if len(names) != values.shape[1]:
        raise ValueError(f"RiverModel: {len(names)} feature names for {values.shape[1]} "
                         "columns")
    for row in values:
        yield dict(zip(names, row.tolist(), strict=True))


def _labels(y: Any) -> list[Any]:
    values = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    return values.tolist()  # river keys classes by plain Python values


class RiverModel:
    """A river model with scikit-learn's incremental interface: ``partial_fit``,
    ``predict``, ``score`` and live ``set_params``/``get_params``."""

    def __init__(self, model: Any, *, feature_names: Sequence[str] | None = None) -> None:
        if _river is None:
            raise missing_extra("river", "river")
        if not isinstance(model, _river.base.Estimator):
            raise TypeError(f"RiverModel wraps a river estimator (learn_one/predict_one), got "
                            f"{type(model).__name__}")
        self.model = model
        self.feature_names = None if feature_names is None else list(feature_names)

    @property
    def is_classifier(self) -> bool:
        return isinstance(self.model, _river.base.Classifier)

    def partial_fit(self, X: Any, y: Any, classes: Sequence[Any] | None = None
                    ) -> RiverModel:
        """Learn the batch one row at a time, in order (`classes` is accepted for the
        scikit-learn signature; river classifiers learn labels as they come)."""
        labels = _labels(y)
        xs = list(rows(X, self.feature_names))
        if len(xs) != len(labels):  # checked before any row is learned
            raise ValueError(f"RiverModel.partial_fit: X has {len(xs)} rows but y has "
                             f"{len(labels)}")
        for x, target in zip(xs, labels, strict=True):
            self.model.learn_one(x, target)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``predict_one`` for every row (None before the model has learned a class)."""
        return np.array([self.model.predict_one(x) for x in rows(X, self.feature_names)],
                        dtype=object if self.is_classifier else float)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (classifiers) or R^2 (regressors) on the batch, as scikit-learn's
        ``score``: higher is better, what `OnlineTuner` monitors."""
        truth = _labels(y)
        pred = self.predict(X).tolist()
        if len(pred) != len(truth):
            raise ValueError(f"RiverModel.score: X has {len(pred)} rows but y has "
                             f"{len(truth)}")
        if not truth:
            raise ValueError("RiverModel.score: an empty batch has no score")
        if self.is_classifier:
            return float(np.mean([p == t for p, t in zip(pred, truth, strict=True)]))
        t = np.asarray(truth, dtype=float)
        p = np.asarray(pred, dtype=float)
        total = float(((t - t.mean()) ** 2).sum())
        resid = float(((t - p) ** 2).sum())
        return 1.0 - resid / total if total > 0 else (1.0 if resid == 0 else 0.0)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The wrapped model's hyperparameters (river's ``_get_params``), flattened to
        scikit-learn's nested names (``optimizer__lr``)."""
        def flat(prefix: str, params: Mapping[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name, value in params.items():
                key = f"{prefix}{name}"
                if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
                    out[key] = value[0]
                    if deep:
                        out.update(flat(f"{key}__", value[1]))
                else:
                    out[key] = value
            return out
        return flat("", self.model._get_params())

    def set_params(self, **params: Any) -> RiverModel:
        """Change hyperparameters of the live model, keeping what it has learned; a
        number for a learning-rate schedule (``optimizer__lr``) becomes a constant one."""
        for name, value in params.items():
            *path, leaf = name.split("__")
            owner = self.model
            for part in path:
                if not hasattr(owner, part):
                    raise ValueError(f"RiverModel.set_params: {type(owner).__name__} has no "
                                     f"{part!r} (in {name!r})")
                owner = getattr(owner, part)
            if not hasattr(owner, leaf):
                raise ValueError(f"RiverModel.set_params: {type(owner).__name__} has no "
                                 f"hyperparameter {leaf!r} (in {name!r})")
            current = getattr(owner, leaf)
            if isinstance(current, _river.optim.base.Scheduler) and \
                    isinstance(value, numbers.Real):
                value = _river.optim.schedulers.Constant(float(value))
            setattr(owner, leaf, value)
        return self

    def __repr__(self) -> str:
        return f"RiverModel({self.model!r})"


__all__ = ["RiverModel", "rows"]
