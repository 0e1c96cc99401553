"""What a drift check found: per feature, for the joint distribution, and for the model."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class FeatureDrift:
    """One feature: its `test` ("ks" or "chi2"), statistic, raw and adjusted p-values,
    PSI, an `effect` size (numbers: mean shift in reference standard deviations;
    categories: the largest change of a category's share) and whether it `drifted`."""

    name: str
    kind: str
    test: str
    statistic: float
    p_value: float
    p_adjusted: float
    psi: float
    effect: float
    drifted: bool


@dataclass(frozen=True)
class JointDrift:
    """The classifier two-sample test: cross-validated AUC of telling current rows from
    reference rows (0.5: indistinguishable), its p-value and null ("binomial" on the
    out-of-fold accuracy, or "permutation"), and the features it leaned on most."""

    auc: float
    accuracy: float
    p_value: float
    null: str
    n_rows: int
    drifted: bool
    top_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerformanceDrop:
    """The model's loss per row before and after (`metric`: "error" or "squared_error"),
    the increase, its one-sided p-value (Welch) and whether it `dropped`."""

    metric: str
    reference_loss: float
    current_loss: float
    increase: float
    p_value: float
    dropped: bool


@dataclass(frozen=True)
class DriftReport:
    """The result of `tuneforge.drift.check`: `drifted` when any feature, the joint
    test or the performance check says so at level `alpha` after `correction`."""

    features: tuple[FeatureDrift, ...]
    alpha: float
    correction: str
    n_reference: int
    n_current: int
    joint: JointDrift | None = None
    performance: PerformanceDrop | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def drifted_features(self) -> list[str]:
        """Names of the features that drifted, the strongest evidence first."""
        return [f.name for f in sorted(self.features, key=lambda f: f.p_adjusted) if f.drifted]

    @property
    def drifted(self) -> bool:
        return bool(self.drifted_features) or bool(self.joint and self.joint.drifted) \
            or bool(self.performance and self.performance.dropped)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON (stored on re-tuning studies as their evidence)."""
        out = asdict(self)
        out["drifted"] = self.drifted
        out["drifted_features"] = self.drifted_features
        return out

    def __str__(self) -> str:
        lines = [f"drift check: {self.n_reference} reference rows, {self.n_current} current "
                 f"rows, alpha {self.alpha} ({self.correction}); "
                 f"{'DRIFT' if self.drifted else 'no drift'}"]
        lines.append(f"{'feature':<20} {'test':<5} {'stat':>8} {'p adj':>9} {'psi':>7} "
                     f"{'effect':>7}  drifted")
        for f in sorted(self.features, key=lambda f: f.p_adjusted):
            lines.append(f"{f.name[:20]:<20} {f.test:<5} {f.statistic:8.4f} "
                         f"{f.p_adjusted:9.3g} {f.psi:7.3f} {f.effect:7.3f}  "
                         f"{'yes' if f.drifted else ''}")
        if self.joint is not None:
            j = self.joint
            lines.append(f"joint (classifier): AUC {j.auc:.3f}, p {j.p_value:.3g} ({j.null})"
                         f"{', DRIFT' if j.drifted else ''}")
        if self.performance is not None:
            p = self.performance
            lines.append(f"performance: {p.metric} {p.reference_loss:.4g} -> "
                         f"{p.current_loss:.4g}, p {p.p_value:.3g}"
                         f"{', DROP' if p.dropped else ''}")
        lines.extend(self.notes)
        return "\n".join(lines)


__all__ = ["DriftReport", "FeatureDrift", "JointDrift", "PerformanceDrop"]
