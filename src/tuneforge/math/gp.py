"""Gaussian-process regression with MAP kernel hyperparameters (pure numpy/scipy).

Model (Rasmussen & Williams 2006, ch. 2 and 5): y = f(x) + e, f ~ GP(0, k), e ~ N(0, noise),
k the Matérn-5/2 ARD kernel of `kernels.py`. Hyperparameters are the vector

    theta = [log w_1 .. log w_d, log s2, log noise]      (w_j: inverse squared lengthscale)

fitted by maximizing log p(y | theta) + log p(theta) with L-BFGS-B and the analytic
gradient (R&W eq. 5.9): d/dtheta_p of -log p(y|theta) = 0.5 tr((K^-1 - a a^T) dK/dtheta_p).

Priors (independent normals on the log scale):
- inverse squared lengthscales: log w_j ~ N(0, 1.5^2), i.e. lengthscales around the
  width of the unit cube (0.2 to 4.5 at two standard deviations); a dimension-scaled
  prior (Hvarfner, Hellsten & Nardi, ICML 2024) modelled too smooth a function on our
  benchmarks (benchmarks/README.md, "Design notes behind the samplers");
- signal variance: log s2 ~ N(0, 1) (outputs are standardized);
- noise variance: log noise ~ N(-9, 2^2) for deterministic objectives (room to explain a
  warped, not-quite-smooth objective) or N(-4, 1) when `noisy` (BoTorch's default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.optimize import minimize

from .arrays import BoolArray, FloatArray
from .kernels import grad_wrt_x1, matern52, pairwise_sq_diffs, scaled_sq_dist

LOG_W_BOUNDS = (math.log(1e-6), math.log(1e4))
LOG_S2_BOUNDS = (math.log(1e-2), math.log(1e2))
LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(1.0))
_MAX_JITTER_TRIES = 6


# -- outputs ------------------------------------------------------------------------------
def clip_infinite(y: FloatArray) -> FloatArray:
    """Replace +-inf by the worst/best finite value plus a margin (10 % of the finite
    range; of the value itself, or 1, when all finite values are equal), and NaN by the
    worst. All infinite: +inf -> 1, -inf -> -1. Shape (n,)."""
    y = np.asarray(y, dtype=float).copy()
    finite = np.isfinite(y)
    if not finite.any():
        return np.where(y < 0, -1.0, np.where(y > 0, 1.0, 0.0))
    lo, hi = float(y[finite].min()), float(y[finite].max())
    margin = 0.1 * (hi - lo) if hi > lo else max(0.1 * abs(hi), 1.0)
    if not np.isfinite(margin):  # the range itself overflows
        margin = 0.1 * max(abs(lo), abs(hi))
    y[np.isnan(y)] = hi + margin
    y[y == np.inf] = hi + margin
    y[y == -np.inf] = lo - margin
    return y


def yeo_johnson(u: FloatArray, lam: float) -> FloatArray:
    """Yeo & Johnson (2000) power transform of u (n,) with parameter lam."""
    out = np.empty_like(u)
    pos = u >= 0
    if abs(lam) < 1e-8:
        out[pos] = np.log1p(u[pos])
    else:
        out[pos] = np.expm1(lam * np.log1p(u[pos])) / lam
    if abs(lam - 2.0) < 1e-8:
        out[~pos] = -np.log1p(-u[~pos])
    else:
        out[~pos] = -np.expm1((2.0 - lam) * np.log1p(-u[~pos])) / (2.0 - lam)
    return out


@dataclass(frozen=True)
class Warp:
    """Warped, standardized objective values z (n,) and the Yeo-Johnson lambda used."""

    z: FloatArray
    lam: float


def _robust_unit(y: FloatArray) -> FloatArray | None:
    """(y - median) / IQR (or / std when the IQR is 0); None if y is constant."""
    med = float(np.median(y))
    q75, q25 = np.percentile(y, [75, 25])
    scale = float(q75 - q25)
    if not scale > 0:
        scale = float(np.std(y))
    if not (scale > 0 and np.isfinite(scale)):
        return None
    return (y - med) / scale


def normal_lambda(u: FloatArray, low: float = -1.0, high: float = 2.0) -> float:
    """The Yeo-Johnson lambda in [low, high] (grid of 0.1) maximizing the normal profile
    log-likelihood of the transformed u (n,) (Yeo & Johnson 2000, section 3)."""
    n = u.shape[0]
    s = float((np.sign(u) * np.log1p(np.abs(u))).sum())
    best, best_ll = 1.0, -np.inf
    for lam in np.linspace(low, high, int(round((high - low) * 10)) + 1):
        var = float(np.var(yeo_johnson(u, float(lam))))
        if not (var > 0 and np.isfinite(var)):
            continue
        ll = -0.5 * n * math.log(var) + (lam - 1.0) * s
        if ll > best_ll:
            best, best_ll = float(lam), ll
    return best


def warp_outputs(y: FloatArray, lam: float | None = None) -> Warp:
    """Standardizing, normalizing warp of objective values y (n,) (minimization order
    kept; infinite values clipped by `clip_infinite`).

    Values are centred on the median and scaled by the inter-quartile range, then
    passed through a Yeo-Johnson power transform, lambda = `lam` or, when None, the one
    in [0, 1] that makes them look most normal (`normal_lambda`; HEBO's power
    transforms, Cowen-Rivers et al. 2022, fit lambda the same way): it compresses heavy
    tails of bad values such as Rosenbrock's or an overflowing loss and spreads out the
    best ones. lam = 1 is plain standardization, lam = 0 a log. Lambdas above 1 would
    compress the good end, where the search needs resolution, and below 0 overfit a
    few outliers (the comparison: benchmarks/README.md, "Design notes behind the
    samplers"). The result has mean 0 and standard deviation 1.
    """
    y = clip_infinite(y)
    n = y.shape[0]
    unit = _robust_unit(y) if n else None
    if unit is None:
        return Warp(np.zeros(n), 1.0)
    u = unit
    if lam is None:
        lam = normal_lambda(u, 0.0, 1.0)
    t = yeo_johnson(u, lam)
    sd = float(np.std(t))
    if not (sd > 0 and np.isfinite(sd)):
        return Warp(np.zeros(n), 1.0)
    return Warp((t - t.mean()) / sd, float(lam))


# -- hyperparameters ----------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """Normal priors on the log hyperparameters: means and standard deviations, each of
    shape (d + 2,) in theta order."""

    mean: FloatArray
    std: FloatArray

    @staticmethod
    def default(d: int, *, noisy: bool = False) -> Prior:
        mean = np.concatenate([np.zeros(d), [0.0, -4.0 if noisy else -9.0]])
        std = np.concatenate([np.full(d, 1.5), [1.0, 1.0 if noisy else 2.0]])
        return Prior(mean, std)

    def neg_log(self, theta: FloatArray) -> tuple[float, FloatArray]:
        r = (theta - self.mean) / self.std
        return 0.5 * float(r @ r), r / self.std


def bounds(d: int) -> list[tuple[float, float]]:
    """L-BFGS-B box for theta of shape (d + 2,)."""
    return [LOG_W_BOUNDS] * d + [LOG_S2_BOUNDS, LOG_NOISE_BOUNDS]


def initial_theta(d: int) -> FloatArray:
    """A neutral cold start: lengthscale 0.5 of the unit cube, s2 = 1, noise 1e-4."""
    return np.concatenate([np.full(d, math.log(4.0)), [0.0, math.log(1e-4)]])


def cholesky(k: FloatArray) -> tuple[FloatArray, float]:
    """Lower Cholesky factor of k (n, n), adding jitter 1e-9, 1e-8, ... (times the mean
    diagonal) until it succeeds; returns (L, jitter added). Raises LinAlgError after
    `_MAX_JITTER_TRIES` escalations (the caller falls back, the study does not crash)."""
    # the casts: numpy's stubs type a factor as floating[Any]; of float64 it is float64
    try:
        return cast(FloatArray, np.linalg.cholesky(k)), 0.0
    except np.linalg.LinAlgError:
        pass
    scale = float(np.mean(np.diag(k))) if k.size else 1.0
    if not (np.isfinite(scale) and scale > 0):
        raise np.linalg.LinAlgError("kernel matrix has a non-finite or zero diagonal")
    eye = np.eye(k.shape[0])
    for i in range(_MAX_JITTER_TRIES):
        jitter = scale * 10.0 ** (i - 9)
        try:
            return cast(FloatArray, np.linalg.cholesky(k + jitter * eye)), jitter
        except np.linalg.LinAlgError:
            continue
    raise np.linalg.LinAlgError("kernel matrix is not positive definite even with jitter")


def neg_log_posterior(theta: FloatArray, dists: FloatArray, y: FloatArray,
                      prior: Prior) -> tuple[float, FloatArray]:
    """-log p(y | theta) - log p(theta) and its gradient, shape (d + 2,).

    dists: per-dimension distances (n, n, d) from `pairwise_sq_diffs`; y: (n,).
    """
    n, _, d = dists.shape
    w = np.exp(theta[:d])
    s2 = math.exp(theta[d])
    noise = math.exp(theta[d + 1])
    r2 = dists @ w
    k0, dk0 = matern52(r2)
    kmat = s2 * k0
    kmat[np.diag_indices(n)] += noise
    try:
        chol, _ = cholesky(kmat)
    except np.linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    alpha = cho_solve((chol, True), y, check_finite=False)
    nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) \
        + 0.5 * n * math.log(2 * math.pi)
    kinv = cho_solve((chol, True), np.eye(n), check_finite=False)
    wmat = kinv - np.outer(alpha, alpha)            # dNLL/dK = W / 2
    grad = np.empty_like(theta)
    g = (wmat * dk0).reshape(-1) @ dists.reshape(-1, d)
    grad[:d] = 0.5 * s2 * w * g
    grad[d] = 0.5 * s2 * float((wmat * k0).sum())
    grad[d + 1] = 0.5 * noise * float(np.trace(wmat))
    pv, pg = prior.neg_log(theta)
    return nll + pv, grad + pg


def fit_theta(x: FloatArray, y: FloatArray, is_cat: BoolArray, *, prior: Prior,
              starts: list[FloatArray], maxiter: int = 200) -> FloatArray:
    """MAP hyperparameters for data x (n, d), y (n,): L-BFGS-B from each start, best kept."""
    d = x.shape[1]
    dists = pairwise_sq_diffs(x, x, is_cat)
    box = bounds(d)
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    best_theta, best_val = None, np.inf
    for start in starts:
        t0 = np.clip(start, lo, hi)
        try:
            res = minimize(neg_log_posterior, t0, args=(dists, y, prior), jac=True,
                           method="L-BFGS-B", bounds=box,
                           options={"maxiter": maxiter, "ftol": 1e-9, "gtol": 1e-6})
            theta, val = res.x, float(res.fun)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            continue
        if np.all(np.isfinite(theta)) and val < best_val:
            best_theta, best_val = theta, val
    if best_theta is None:
        return np.clip(starts[0], lo, hi)
    return best_theta


# -- posterior ----------------------------------------------------------------------------
class GP:
    """The posterior of a GP with fixed hyperparameters, its Cholesky factor cached.

    x: (n, d) inputs, y: (n,) standardized outputs, theta: (d + 2,), is_cat: (d,) bool.
    Raises LinAlgError if the kernel matrix cannot be factorized even with jitter.
    """

    def __init__(self, x: FloatArray, y: FloatArray, theta: FloatArray,
                 is_cat: BoolArray) -> None:
        d = x.shape[1]
        self.x, self.y, self.theta, self.is_cat = x, y, theta, is_cat
        self.w = np.exp(theta[:d])
        self.s2 = math.exp(theta[d])
        self.noise = math.exp(theta[d + 1])
        k0, _ = matern52(scaled_sq_dist(x, x, self.w, is_cat))
        kmat = self.s2 * k0
        kmat[np.diag_indices(x.shape[0])] += self.noise
        self.chol, _ = cholesky(kmat)
        self.alpha = cho_solve((self.chol, True), y, check_finite=False)
        self._kinv: FloatArray | None = None

    @property
    def kinv(self) -> FloatArray:
        """(K + noise I)^-1, computed once on first use."""
        if self._kinv is None:
            self._kinv = cho_solve((self.chol, True), np.eye(self.x.shape[0]),
                                   check_finite=False)
        return self._kinv

    def predict(self, xq: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and variance of f (noise-free) at xq (m, d): two arrays (m,)."""
        k0, _ = matern52(scaled_sq_dist(xq, self.x, self.w, self.is_cat))
        kq = self.s2 * k0
        mean = kq @ self.alpha
        v = solve_triangular(self.chol, kq.T, lower=True, check_finite=False)
        var = np.maximum(self.s2 - (v * v).sum(0), 1e-12 * self.s2)
        return mean, var

    def predict_with_grad(self, xq: FloatArray) -> tuple[FloatArray, ...]:
        """Mean (m,), variance (m,) and their gradients (m, d) with respect to xq (m, d).

        Gradients are zero on categorical dimensions.
        """
        k0, dk0 = matern52(scaled_sq_dist(xq, self.x, self.w, self.is_cat))
        kq = self.s2 * k0
        dkq = self.s2 * dk0                       # dk / d r^2, (m, n)
        mean = kq @ self.alpha
        b = kq @ self.kinv                        # (m, n)
        raw_var = self.s2 - (b * kq).sum(1)
        floor = 1e-12 * self.s2
        var = np.maximum(raw_var, floor)
        dmean = grad_wrt_x1(dkq * self.alpha[None, :], xq, self.x, self.w, self.is_cat)
        dvar = -2.0 * grad_wrt_x1(dkq * b, xq, self.x, self.w, self.is_cat)
        dvar[raw_var <= floor] = 0.0
        return mean, var, dmean, dvar

    def condition_on(self, xnew: FloatArray, ynew: FloatArray) -> GP:
        """The same model with (xnew (p, d), ynew (p,)) added as observations (fantasies)."""
        return GP(np.vstack([self.x, xnew]), np.concatenate([self.y, ynew]), self.theta,
                  self.is_cat)


# -- fit quality --------------------------------------------------------------------------
def loo_means(gp: GP) -> FloatArray:
    """Leave-one-out posterior means at the training points, (n,): the prediction of each
    y_i by the model fitted to the others with the same hyperparameters,
    y_i - [K^-1 y]_i / [K^-1]_ii (Rasmussen & Williams 2006, eq. 5.12); O(n^2) once the
    factor is known."""
    diag = np.diag(gp.kinv)
    out: FloatArray = gp.y - gp.alpha / np.maximum(diag, 1e-300)
    return out


def rank_correlation(a: FloatArray, b: FloatArray) -> float:
    """Spearman's rank correlation of a, b (n,) (ties share the mean rank); 0 when
    either is constant or n < 3."""
    from scipy.stats import rankdata

    if a.shape[0] < 3:
        return 0.0
    ra, rb = rankdata(a), rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / den if den > 0 else 0.0


def loo_rank_correlation(gp: GP) -> float:
    """How well the model ranks points it has not seen: the rank correlation between the
    leave-one-out means and the observed values, in [-1, 1]. Near 1 on smooth functions
    the GP models well; near 0 on rugged or plateaued ones, where its proposals are
    no better than a density model's."""
    return rank_correlation(loo_means(gp), gp.y)
