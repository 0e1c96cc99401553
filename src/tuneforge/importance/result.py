"""What an importance evaluation returns: per parameter a mean and an interval."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamImportance:
    """One parameter's importance: the mean over repeats and a 95 % interval."""

    name: str
    mean: float
    low: float
    high: float
    std: float


@dataclass(frozen=True)
class Importance:
    """Importances of a study's parameters, most important first.

    For ``method="fanova"`` each value is the share of the objective's variance that the
    parameter explains on its own (its main effect); what the shares leave out of 1 is
    explained by interactions. For ``method="permutation"`` it is the drop in the held-out
    R2 of a random forest when the parameter's column is shuffled.
    """

    method: str
    objective: int
    n_trials: int
    repeats: int
    params: tuple[ParamImportance, ...]

    def as_dict(self) -> dict[str, float]:
        """name -> mean importance, most important first."""
        return {p.name: p.mean for p in self.params}

    def ranking(self) -> list[str]:
        """Parameter names, most important first."""
        return [p.name for p in self.params]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (for the dashboard and reports)."""
        return {"method": self.method, "objective": self.objective,
                "n_trials": self.n_trials, "repeats": self.repeats,
                "params": [{"name": p.name, "mean": p.mean, "low": p.low, "high": p.high,
                            "std": p.std} for p in self.params]}


def summarize(names: tuple[str, ...], samples: list[list[float]], **meta: object
              ) -> Importance:
    """`samples[r][j]`: parameter j's importance in repeat r -> an Importance, sorted."""
    import numpy as np

    s = np.asarray(samples, dtype=np.float64).reshape(len(samples), len(names))
    mean, std = s.mean(axis=0), s.std(axis=0, ddof=1) if len(s) > 1 else np.zeros(len(names))
    low, high = np.percentile(s, 2.5, axis=0), np.percentile(s, 97.5, axis=0)
    params = [ParamImportance(n, float(mean[j]), float(low[j]), float(high[j]), float(std[j]))
              for j, n in enumerate(names)]
    params.sort(key=lambda p: -p.mean)
    return Importance(params=tuple(params), repeats=len(samples), **meta)  # type: ignore[arg-type]


__all__ = ["Importance", "ParamImportance", "summarize"]
