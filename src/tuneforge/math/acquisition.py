"""Acquisition functions over a GP posterior (pure numpy/scipy), for minimization.

Helpers take posterior means and variances (arrays of shape (m,)) and return values with
their derivatives, so the optimizer can chain them through `GP.predict_with_grad`:

- `log_ei`: log expected improvement, computed as in Ament et al., "Unexpected improvements
  to expected improvement for Bayesian optimization" (NeurIPS 2023, eq. 9): EI = sigma h(z),
  h(z) = phi(z) + z Phi(z), z = (best - mean) / sigma, with log h evaluated through erfcx
  for z <= -1 so that it stays finite and accurate far below the incumbent (z = -40
  gives about -805, where EI itself underflows to 0).
- `lcb`: the confidence bound -mean + sqrt(beta) sigma (Srinivas et al., ICML 2010).
- `greedy`: -mean, pure exploitation: the posterior mean's minimizer (the greedy step of
  De Ath, Everson, Rahat & Fieldsend, "Greed is good", ACM TELO 2021).
- `log_pof`: log probability of feasibility log Phi((threshold - mean) / sigma) for
  constraints c(x) <= threshold (Gardner et al., ICML 2014), summed over constraints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

from .arrays import FloatArray
from .gp import GP

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi / 2.0)
_SQRT_HALF = math.sqrt(0.5)


def log_h(z: FloatArray) -> FloatArray:
    """log(phi(z) + z Phi(z)) for z of any shape, finite for every finite z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    mid = z > -1.0
    zm = z[mid]
    out[mid] = np.log(np.exp(-0.5 * zm * zm - _LOG_SQRT_2PI) + zm * ndtr(zm))
    # z <= -1: h(z) = phi(z) (1 - sqrt(pi/2) |z| erfcx(|z| / sqrt 2)); the bracket is
    # 1/z^2 - 3/z^4 + 15/z^6 - ... and loses digits past |z| ~ 1e3, where the series is used.
    zl = -z[~mid]
    far = zl > 1e3
    bracket = np.empty_like(zl)
    near = ~far
    bracket[near] = np.log1p(-_SQRT_PI_2 * zl[near] * erfcx(_SQRT_HALF * zl[near]))
    zf = zl[far]
    bracket[far] = -2.0 * np.log(zf) + np.log1p(-3.0 / zf**2 + 15.0 / zf**4)
    out[~mid] = -0.5 * zl * zl - _LOG_SQRT_2PI + bracket
    return out


def log_ei(mean: FloatArray, var: FloatArray, best: float) -> tuple[FloatArray, ...]:
    """log EI for minimization and its derivatives: (value, d/dmean, d/dvar), each (m,).

    EI(x) = E[max(best - f(x), 0)], f(x) ~ N(mean, var).
    """
    sigma = np.sqrt(var)
    z = (best - mean) / sigma
    lh = log_h(z)
    value = np.log(sigma) + lh
    # d log h / dz = Phi(z) / h(z);  d log EI / d sigma = phi(z) / (h(z) sigma)
    phi_over_h = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - lh)
    cdf_over_h = np.exp(log_ndtr(z) - lh)
    d_mean = -cdf_over_h / sigma
    d_var = phi_over_h / (2.0 * var)
    return value, d_mean, d_var


def lcb(mean: FloatArray, var: FloatArray, beta: float) -> tuple[FloatArray, ...]:
    """Confidence bound to maximize for minimization, -mean + sqrt(beta var), with
    (value, d/dmean, d/dvar), each (m,)."""
    sigma = np.sqrt(var)
    rb = math.sqrt(beta)
    return -mean + rb * sigma, -np.ones_like(mean), rb / (2.0 * sigma)


def greedy(mean: FloatArray, var: FloatArray) -> tuple[FloatArray, ...]:
    """-mean to maximize (the lowest prediction, whatever its uncertainty), with
    (value, d/dmean, d/dvar), each (m,)."""
    return -mean, -np.ones_like(mean), np.zeros_like(var)


def log_pof(mean: FloatArray, var: FloatArray, threshold: float) -> tuple[FloatArray, ...]:
    """log P(c(x) <= threshold), c(x) ~ N(mean, var): (value, d/dmean, d/dvar), each (m,)."""
    sigma = np.sqrt(var)
    z = (threshold - mean) / sigma
    value = log_ndtr(z)
    ratio = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - value)   # phi(z) / Phi(z)
    return value, -ratio / sigma, -ratio * z / (2.0 * var)


def ucb_beta(n: int, d: int) -> float:
    """The GP-UCB schedule of Kandasamy et al. (2017), 0.2 d log(2 (n + 1)), at least 1."""
    return max(1.0, 0.2 * max(d, 1) * math.log(2.0 * (n + 1)))


KINDS = ("logei", "ucb", "mean")


class Acquisition:
    """The acquisition to maximize at points x (m, d): log EI (LCB, or the greedy -mean
    for kind "mean") of the objective model plus the log probability of feasibility of
    each constraint model.

    `best` None (no feasible point yet) drops the objective term: the search then
    maximizes feasibility alone. `constraints` pairs each constraint GP with its
    threshold in that GP's standardized units.
    """

    def __init__(self, objective: GP, best: float | None, *, kind: str = "logei",
                 beta: float = 1.0, constraints: Sequence[tuple[GP, float]] = ()) -> None:
        if kind not in KINDS:
            raise ValueError(f"acquisition kind must be one of {KINDS}, got {kind!r}")
        self.objective, self.best, self.kind, self.beta = objective, best, kind, beta
        self.constraints = list(constraints)

    def _objective_term(self, mean: FloatArray, var: FloatArray) -> tuple[FloatArray, ...]:
        if self.kind == "ucb":
            return lcb(mean, var, self.beta)
        if self.kind == "mean":
            return greedy(mean, var)
        assert self.best is not None
        return log_ei(mean, var, self.best)

    def __call__(self, x: FloatArray) -> FloatArray:
        """Values (m,) at x (m, d), without gradients (cheaper, for candidate screening)."""
        total = np.zeros(x.shape[0])
        if self.best is not None or self.kind == "ucb":
            mean, var = self.objective.predict(x)
            total += self._objective_term(mean, var)[0]
        for gp, threshold in self.constraints:
            mean, var = gp.predict(x)
            total += log_pof(mean, var, threshold)[0]
        return total

    def value_and_grad(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Values (m,) and gradients (m, d) at x (m, d) (zero on categorical dims)."""
        total = np.zeros(x.shape[0])
        grad = np.zeros_like(x)
        terms: list[tuple[GP, float | None]] = []
        if self.best is not None or self.kind == "ucb":
            terms.append((self.objective, None))
        terms += [(gp, t) for gp, t in self.constraints]
        for gp, threshold in terms:
            mean, var, dmean, dvar = gp.predict_with_grad(x)
            if threshold is None:
                v, dm, dv = self._objective_term(mean, var)
            else:
                v, dm, dv = log_pof(mean, var, float(threshold))
            total += v
            grad += dm[:, None] * dmean + dv[:, None] * dvar
        return total, grad
