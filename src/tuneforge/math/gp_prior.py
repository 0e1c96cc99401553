"""A GP over residuals from a prior mean learned on past studies (transfer learning).

The new study's GP models r(x) = z(x) - scale * m(x), where m is the posterior mean of a
GP fitted to a similar past study (its standardized rank scores) and `scale` in [0, 1]
that study's similarity: a stacked, "residual" prior as in Golovin et al., "Google
Vizier", KDD 2017, section 3.3. Predictions add the prior mean back, so acquisitions
see the new study's scale; with no own data the model follows the past study.
"""

from __future__ import annotations

import numpy as np

from .arrays import FloatArray
from .gp import GP


class PriorMeanGP(GP):
    """`base` (a GP on residuals) plus `scale` times the mean of `mean_gp`; quacks as
    the GP it wraps (predict, predict_with_grad, condition_on). Shapes as in `GP`."""

    def __init__(self, base: GP, mean_gp: GP, scale: float) -> None:  # noqa: D107
        # no GP.__init__: nothing to factorize, `base` holds the posterior
        self.base, self.mean_gp, self.scale = base, mean_gp, float(scale)
        self.x, self.y, self.theta, self.is_cat = base.x, base.y, base.theta, base.is_cat
        self.w, self.s2, self.noise = base.w, base.s2, base.noise
        self.chol, self.alpha = base.chol, base.alpha
        self._kinv = None

    @property
    def kinv(self) -> FloatArray:
        return self.base.kinv

    def prior_mean(self, xq: FloatArray) -> FloatArray:
        """scale * m(xq): the transferred mean (m,) at xq (m, d)."""
        out: FloatArray = self.scale * self.mean_gp.predict(xq)[0]
        return out

    def predict(self, xq: FloatArray) -> tuple[FloatArray, FloatArray]:
        mean, var = self.base.predict(xq)
        return mean + self.prior_mean(xq), var

    def predict_with_grad(self, xq: FloatArray) -> tuple[FloatArray, ...]:
        mean, var, dmean, dvar = self.base.predict_with_grad(xq)
        m0, _, dm0, _ = self.mean_gp.predict_with_grad(xq)
        return mean + self.scale * m0, var, dmean + self.scale * dm0, dvar

    def condition_on(self, xnew: FloatArray, ynew: FloatArray) -> GP:
        resid = np.asarray(ynew, float) - self.prior_mean(xnew)
        return PriorMeanGP(self.base.condition_on(xnew, resid), self.mean_gp, self.scale)


def rank_targets(ranks: FloatArray) -> FloatArray:
    """Standardized normal scores (n,) of ranks in [0, 1] (0 best): what a past study
    tells about where the minimum is, free of its metric's scale."""
    from scipy.special import ndtri

    z = ndtri(0.02 + 0.96 * np.asarray(ranks, float))
    sd = float(z.std())
    out: FloatArray = (z - z.mean()) / (sd if sd > 0 else 1.0)
    return out


def learned_scale(z: FloatArray, m: FloatArray, similarity: float, *,
                  strength: float = 5.0) -> float:
    """How much of the transferred mean `m` (n,) explains the new study's standardized
    values `z` (n,): the least-squares slope of z on m, shrunk towards `similarity` by
    `strength` pseudo-observations and clipped to [0, similarity]. A past study that ranks
    the new one's trials well keeps its weight; one that ranks them wrongly fades out
    (the transferred model's weight learned from the new data, in the spirit of the
    ranking-weighted ensembles of Feurer, Letham & Bakshy, AutoML workshop 2018)."""
    z, m = np.asarray(z, float), np.asarray(m, float)
    m2 = float(m @ m)
    if len(z) == 0 or m2 <= 0:
        return float(similarity)
    n = float(len(z))
    # prior: `strength` points at slope `similarity`, each as informative as an average one
    lam = strength * m2 / n
    slope = (lam * similarity + float(z @ m)) / (lam + m2)
    return float(min(max(slope, 0.0), similarity))


__all__ = ["PriorMeanGP", "learned_scale", "rank_targets"]
