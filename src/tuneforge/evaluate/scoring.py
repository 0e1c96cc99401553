"""Metrics by name: scikit-learn scorers, reported in their natural units.

`resolve_metric("rmse")` gives a `Metric` whose score is the RMSE itself (lower is better),
not scikit-learn's negated ``neg_root_mean_squared_error``: a study then minimizes the
number users read in papers. The cost metrics ``"model_size"`` and ``"predict_latency"``
(`tuneforge.evaluate.costs`, minimized) trade a model's score against what it costs.
Any scikit-learn scorer name (``"neg_log_loss"``,
``"f1_micro"``, ...) or scorer callable ``scorer(estimator, X, y)`` is accepted too, and
keeps scikit-learn's convention (greater is better).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tuneforge.exceptions import missing_extra

# our name -> (scikit-learn scorer name, greater_is_better of *our* value)
_ALIASES: dict[str, tuple[str, bool]] = {
    "accuracy": ("accuracy", True),
    "balanced_accuracy": ("balanced_accuracy", True),
    "precision": ("precision", True),
    "precision_macro": ("precision_macro", True),
    "precision_weighted": ("precision_weighted", True),
    "recall": ("recall", True),
    "recall_macro": ("recall_macro", True),
    "recall_weighted": ("recall_weighted", True),
    "f1": ("f1", True),
    "f1_macro": ("f1_macro", True),
    "f1_weighted": ("f1_weighted", True),
    "roc_auc": ("roc_auc", True),
    "roc_auc_ovr": ("roc_auc_ovr", True),
    "roc_auc_ovo": ("roc_auc_ovo", True),
    "log_loss": ("neg_log_loss", False),
    "error_rate": ("accuracy", False),          # 1 - accuracy
    "mse": ("neg_mean_squared_error", False),
    "rmse": ("neg_root_mean_squared_error", False),
    "mae": ("neg_mean_absolute_error", False),
    "r2": ("r2", True),
}


def _require_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise missing_extra("scikit-learn", "sklearn") from None


@dataclass(frozen=True)
class Metric:
    """A named score of a fitted estimator on data, and which way is better."""

    name: str
    scorer: Callable[[Any, Any, Any], float]
    greater_is_better: bool
    transform: str = "identity"   # how the scorer's value maps to ours: identity|negate|one_minus

    @property
    def direction(self) -> str:
        return "maximize" if self.greater_is_better else "minimize"

    def __call__(self, estimator: Any, X: Any, y: Any) -> float:
        raw = float(self.scorer(estimator, X, y))
        if self.transform == "negate":
            return -raw
        if self.transform == "one_minus":
            return 1.0 - raw
        return raw

    def is_better(self, a: float, b: float) -> bool:
        """True when score `a` is strictly better than `b`."""
        return a > b if self.greater_is_better else a < b


_REGRESSION_PREFIXES = ("neg_mean", "neg_median", "neg_root", "r2", "explained_variance",
                        "max_error", "d2_", "mse", "rmse", "mae")


def metric_task(metric: Metric | str) -> str | None:
    """"regression" or "classification" when the metric's name tells, else None."""
    name = metric.name if isinstance(metric, Metric) else metric
    if name.startswith(_REGRESSION_PREFIXES):
        return "regression"
    if name in _ALIASES or name.startswith(("accuracy", "balanced_accuracy", "precision",
                                            "recall", "f1", "roc_auc", "neg_log_loss",
                                            "jaccard", "average_precision", "neg_brier")):
        return "classification"
    return None


def metric_names() -> list[str]:
    """Every name `resolve_metric` accepts: our aliases, then scikit-learn's scorers."""
    _require_sklearn()
    from sklearn.metrics import get_scorer_names

    from tuneforge.evaluate.costs import COSTS

    return sorted([*_ALIASES, *COSTS]) + sorted(set(get_scorer_names()) - set(_ALIASES))


def resolve_metric(spec: str | Callable[..., Any] | Metric, name: str | None = None) -> Metric:
    """A Metric from a name (ours or scikit-learn's), a scorer callable or a Metric."""
    _require_sklearn()
    from sklearn.metrics import get_scorer, get_scorer_names

    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        from tuneforge.evaluate.costs import COSTS

        if spec in COSTS:  # what the model costs, not how well it scores: minimized
            return Metric(spec, COSTS[spec], False)
        if spec in _ALIASES:
            sk_name, greater = _ALIASES[spec]
            transform = ("one_minus" if spec == "error_rate"
                         else "negate" if sk_name.startswith("neg_") else "identity")
            return Metric(spec, get_scorer(sk_name), greater, transform)
        if spec in get_scorer_names():
            return Metric(spec, get_scorer(spec), True)
        import difflib

        close = difflib.get_close_matches(spec, metric_names(), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown metric {spec!r}{hint} (tuneforge.evaluate.metric_names() "
                         "lists them all)")
    if callable(spec):
        func = getattr(spec, "_score_func", None)  # make_scorer's: name it by its metric
        label = (name or getattr(spec, "__name__", None) or getattr(func, "__name__", None)
                 or type(spec).__name__)
        sign = getattr(spec, "_sign", 1)  # a make_scorer(greater_is_better=False) scorer
        if sign < 0:  # its values are negated losses: report the loss, minimize it
            return Metric(str(label), spec, False, "negate")
        return Metric(str(label), spec, True)
    raise TypeError(f"a metric must be a name, a scorer callable or a Metric, got {spec!r}")


def resolve_metrics(scoring: Any) -> dict[str, Metric]:
    """Several metrics, the first being the one optimized: a name, a callable, a list of
    them, or a dict name -> spec. Keeps the order given."""
    if scoring is None:
        raise ValueError("scoring must name at least one metric")
    if isinstance(scoring, (str, Metric)) or callable(scoring):
        m = resolve_metric(scoring)
        return {m.name: m}
    if isinstance(scoring, Mapping):
        items = [(str(k), resolve_metric(v, name=str(k))) for k, v in scoring.items()]
        out = {k: Metric(k, m.scorer, m.greater_is_better, m.transform) for k, m in items}
    elif isinstance(scoring, Sequence):
        out = {}
        for spec in scoring:
            m = resolve_metric(spec)
            if m.name in out and not isinstance(spec, str):  # two callables of one name
                k = 2
                while f"{m.name}_{k}" in out:
                    k += 1
                m = Metric(f"{m.name}_{k}", m.scorer, m.greater_is_better, m.transform)
            if m.name in out:
                raise ValueError(f"metric {m.name!r} is given twice in scoring")
            out[m.name] = m
    else:
        raise TypeError(f"scoring must be a name, a callable, a list or a dict, got {scoring!r}")
    if not out:
        raise ValueError("scoring must name at least one metric")
    return out


__all__ = ["Metric", "metric_names", "metric_task", "resolve_metric", "resolve_metrics"]
