"""Tree-structured Parzen estimator (TPE): pure numpy/scipy pieces.

Bergstra, Bardenet, Bengio, Kegl, "Algorithms for Hyper-Parameter Optimization",
NeurIPS 2011 (section 4); Bergstra, Yamins, Cox, ICML 2013 (hyperopt); Falkner, Klein,
Hutter, "BOHB", ICML 2018 (multivariate kernel density, section 3.1);
Watanabe, "Tree-Structured Parzen Estimator: Understanding Its Algorithm Components and
Their Roles for Better Empirical Performance", arXiv:2304.11127 (2023), which this module
follows for the components (split, weights, bandwidth, prior, magic clip).

Everything lives in the unit cube: numeric dimensions are in [0, 1] (the shared encoding
of tuneforge.space.encoding; log scales already applied), a numeric dimension with
`levels[j] = k > 0` is discrete (value i owns the slice [i/k, (i+1)/k] and is represented
by its centre), categorical dimensions are integer indices with `n_choices[j]` choices.

Shapes: n observations, d numeric dimensions, c categorical dimensions, K = n + 1 kernels
(one per observation plus the prior), m candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from .arrays import BoolArray, FloatArray, IntArray

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def default_gamma(n: int) -> int:
    """Size of the "good" set for n finished trials: ceil(0.1 n), at most 25
    (Bergstra et al. 2013; Watanabe 2023, eq. 6 with the linear split)."""
    return min(int(math.ceil(0.1 * n)), 25)


def ramp_weights(n: int, flat: int = 25) -> FloatArray:
    """Weights (n,) for observations in the order they were made: the `flat` most recent
    weigh 1, older ones ramp linearly down to 1/n (Bergstra et al. 2013, hyperopt's
    `linear_forgetting`)."""
    if n <= flat:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - flat), np.ones(flat)])


def rank_weights(n: int, worst: float = 0.5) -> FloatArray:
    """Weights (n,) of the good set in rank order (best first): linear from 1 down to
    `worst`, so the best observations carry the most kernel mass (a rank-based variant of
    Watanabe 2023, section 3.3)."""
    return np.linspace(1.0, worst, n) if n > 1 else np.ones(n)


def _log_gauss_mass(a: FloatArray, b: FloatArray) -> FloatArray:
    """log(Phi(b) - Phi(a)) for a <= b elementwise, accurate in both tails."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    flip = a > 0  # both in the upper tail: use the mirror image, Phi(-a) - Phi(-b)
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    log_hi = log_ndtr(hi)
    log_lo = log_ndtr(lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = log_hi + np.log1p(-np.exp(np.minimum(log_lo - log_hi, 0.0)))
    return np.where(hi > lo, out, -np.inf)


def bandwidths(points: FloatArray, weights: FloatArray, *, n_dims: int,
               factor: float = 1.0, min_bandwidth: float | None = None) -> FloatArray:
    """Per-dimension kernel widths (d,) for `points` (n, d) with `weights` (n,).

    Scott's rule for a d-dimensional product kernel, sigma_j = factor * s_j *
    n_eff^(-1/(d + 4)) with s_j the weighted spread of dimension j (Scott 1992, eq. 6.42),
    so the kernels shrink as the observations concentrate. Clipped to
    [min_bandwidth, 1], by default the "magic clip" 1 / min(100, K + 1) of the range
    for K = n + 1 kernels (the prior included)
    (Bergstra et al. 2013; Watanabe 2023, section 3.4). `n_dims` counts every dimension of
    the joint model (categoricals included) for the exponent.
    """
    points = np.asarray(points, float)
    n, d = points.shape
    if min_bandwidth is None:
        min_bandwidth = 1.0 / min(100.0, n + 2.0)  # n + 1 kernels with the prior
    if n == 0:
        return np.ones(d)
    w = np.asarray(weights, float)
    w = w / w.sum()
    mean = w @ points
    spread = np.sqrt(np.maximum(w @ (points - mean) ** 2, 0.0))
    n_eff = 1.0 / float(np.sum(w * w))
    sigma: FloatArray = factor * spread * n_eff ** (-1.0 / (n_dims + 4))
    return np.clip(sigma, min_bandwidth, 1.0)


def blended_bandwidths(points: FloatArray, weights: FloatArray, *, n_dims: int,
                       factor: float, blend: float,
                       consider_endpoints: bool = False) -> FloatArray:
    """Per-kernel widths (n, d): the geometric blend nb^blend * scott^(1 - blend) of the
    univariate neighbour widths (`neighbor_bandwidths`, per column; adaptive to local
    density) and Scott's rule on the spread (`bandwidths`). blend = 1 early, while the
    good set is small and exploitation pays; blend = 0 once it is full, where the
    smoother Scott widths explore better (benchmarks/README.md, "Design notes behind
    the samplers")."""
    points = np.asarray(points, float)
    n, d = points.shape
    scott = bandwidths(points, weights, n_dims=n_dims, factor=factor)
    if blend <= 0.0 or n == 0:
        shared: FloatArray = np.broadcast_to(scott, (n, d)).copy()  # one row per kernel
        return shared
    nb: FloatArray = np.column_stack(
        [neighbor_bandwidths(points[:, j], consider_endpoints=consider_endpoints)
         for j in range(d)])
    return nb ** blend * scott[None, :] ** (1.0 - blend)


@dataclass(frozen=True)
class Mixture:
    """A Parzen estimator: K product kernels with log weights `log_w` (K,).

    `mu`, `sigma` (K, d): truncated Gaussians on [0, 1] (discrete where `levels` (d,)
    is > 0); `cat_probs`: one (K, C_j) table of choice probabilities per categorical.
    """

    log_w: FloatArray
    mu: FloatArray
    sigma: FloatArray
    levels: FloatArray
    cat_probs: tuple[FloatArray, ...]
    log_z: FloatArray  # (K, d) log of each truncated Gaussian's mass on [0, 1]


def build_mixture(num: FloatArray, cat: IntArray, weights: FloatArray, *,
                  levels: FloatArray, n_choices: IntArray, prior_weight: float = 1.0,
                  bandwidth_factor: float = 1.0, min_bandwidth: float | None = None,
                  kernel_sigma: FloatArray | None = None) -> Mixture:
    """Parzen estimator of observations `num` (n, d) in [0, 1] and `cat` (n, c) indices,
    weighted by `weights` (n,), plus one prior kernel (uniform-ish: centre 0.5, width 1,
    uniform choices) of weight `prior_weight` (Bergstra et al. 2011, section 4.1).
    Kernel widths come from `bandwidths` (one per dimension, shared by the kernels) unless
    `kernel_sigma` (n, d) gives one per observation (the univariate estimator).

    Categorical kernels put the observed choice's count plus `prior_weight / C` on every
    choice, normalized (smoothed counts with a uniform prior; Watanabe 2023, eq. 11).
    """
    num, cat = np.asarray(num, float), np.asarray(cat, int)
    if num.ndim != 2:  # (n, d) kept as is, even with n = 0 (an empty good or bad set)
        num = num.reshape(len(weights), -1)
    if cat.ndim != 2:
        cat = cat.reshape(len(weights), -1)
    n, d = num.shape
    w = np.asarray(weights, float)
    if kernel_sigma is None:
        sig = bandwidths(num, w if n else np.ones(0), n_dims=d + cat.shape[1],
                         factor=bandwidth_factor, min_bandwidth=min_bandwidth)
        kernel_sigma = np.broadcast_to(sig, (n, d))
    mu = np.vstack([num, np.full((1, d), 0.5)])
    sigma = np.vstack([np.asarray(kernel_sigma, float).reshape(n, d), np.ones((1, d))])
    all_w = np.append(w, prior_weight)
    if all_w.sum() <= 0:
        all_w = np.ones_like(all_w)
    log_w = np.log(np.maximum(all_w, 1e-300)) - math.log(all_w.sum())
    probs = []
    for j, c in enumerate(np.asarray(n_choices, int)):
        table = np.full((n + 1, c), prior_weight / c)
        table[np.arange(n), cat[:, j]] += 1.0
        table[n] = 1.0 / c
        probs.append(table / table.sum(axis=1, keepdims=True))
    log_z = _log_gauss_mass(-mu / sigma, (1.0 - mu) / sigma)
    return Mixture(log_w, mu, sigma, np.asarray(levels, float), tuple(probs), log_z)


def sample(mix: Mixture, rng: np.random.Generator, m: int) -> tuple[FloatArray, IntArray]:
    """Draw m points from the mixture: numeric (m, d) in [0, 1] (discrete ones at slice
    centres) and categorical indices (m, c)."""
    k = rng.choice(len(mix.log_w), size=m, p=np.exp(mix.log_w - logsumexp(mix.log_w)))
    mu, sigma = mix.mu[k], mix.sigma[k]
    lo, hi = ndtr(-mu / sigma), ndtr((1.0 - mu) / sigma)
    u = lo + rng.random(mu.shape) * (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = mu + sigma * ndtri(np.clip(u, 1e-300, 1.0 - 1e-16))
    x = np.clip(np.nan_to_num(x, nan=0.5), 0.0, 1.0)
    x = snap(x, mix.levels)
    cats = np.empty((m, len(mix.cat_probs)), dtype=int)
    for j, table in enumerate(mix.cat_probs):
        cdf = np.cumsum(table[k], axis=1)
        r = rng.random((m, 1)) * cdf[:, -1:]
        cats[:, j] = np.minimum((r > cdf).sum(axis=1), table.shape[1] - 1)
    return x, cats


def snap(x: FloatArray, levels: FloatArray) -> FloatArray:
    """Move discrete coordinates of x (m, d) to the centre of their slice."""
    disc = levels > 0
    if not disc.any():
        return x
    x = x.copy()
    k = levels[disc]
    x[:, disc] = (np.minimum(np.floor(x[:, disc] * k), k - 1) + 0.5) / k
    return x


def log_density(mix: Mixture, num: FloatArray, cat: IntArray) -> FloatArray:
    """log p(x) (m,) of points `num` (m, d), `cat` (m, c) under the mixture (a density
    in continuous coordinates, a probability mass over each discrete slice).
    Cost O(m K (d + c))."""
    num = np.asarray(num, float)
    m = num.shape[0]
    total = np.broadcast_to(mix.log_w, (m, len(mix.log_w))).copy()
    if num.shape[1]:
        disc = mix.levels > 0
        cont = ~disc
        if cont.any():
            # sum_j ((x_j - mu_kj) / s_kj)^2 expanded into three (m, d) @ (d, K) products:
            # O(m K d) in BLAS, without an (m, K, d) temporary
            x, mu, inv = num[:, cont], mix.mu[:, cont], mix.sigma[:, cont] ** -2.0
            sq = (x * x) @ inv.T - 2.0 * x @ (mu * inv).T + (mu * mu * inv).sum(axis=1)
            total -= 0.5 * np.maximum(sq, 0.0)
            total -= (np.log(mix.sigma[:, cont]) + mix.log_z[:, cont]).sum(axis=1) \
                + cont.sum() * _LOG_SQRT_2PI
        if disc.any():
            k = mix.levels[disc]
            left = np.floor(num[:, disc] * k) / k
            right = left + 1.0 / k
            mu, sg = mix.mu[None, :, disc], mix.sigma[None, :, disc]
            mass = _log_gauss_mass((left[:, None, :] - mu) / sg, (right[:, None, :] - mu) / sg)
            total += mass.sum(axis=2) - mix.log_z[:, disc].sum(axis=1)
    for j, table in enumerate(mix.cat_probs):
        with np.errstate(divide="ignore"):
            total += np.log(table[:, cat[:, j]].T)
    return logsumexp(total, axis=1)


def propose(below: Mixture, above: Mixture, rng: np.random.Generator,
            n_candidates: int, seen: tuple[FloatArray, IntArray] | None = None
            ) -> tuple[FloatArray, IntArray, float]:
    """Draw `n_candidates` from l(x) (the good set's estimator) and return the one with
    the largest log l(x) - log g(x), which maximizes expected improvement
    (Bergstra et al. 2011, eq. 4): numeric (d,), categorical (c,), and its score.

    `seen` (numeric (n, d), categorical (n, c)): points already evaluated or running.
    In a space where every dimension is discrete, a candidate equal to one of them is
    taken only when all candidates are (a deterministic objective gains nothing from
    it, and small discrete spaces otherwise fill up with repeats)."""
    num, cat = sample(below, rng, n_candidates)
    score = log_density(below, num, cat) - log_density(above, num, cat)
    score = np.nan_to_num(score, nan=-np.inf)
    if seen is not None and len(seen[0]) and bool(np.all(below.levels > 0)):
        repeat = _is_repeat(num, cat, seen[0], seen[1], below.levels)
        if not repeat.all():
            score = np.where(repeat, -np.inf, score)
    best = int(np.argmax(score))
    return num[best], cat[best], float(score[best])


def _is_repeat(num: FloatArray, cat: IntArray, seen_num: FloatArray, seen_cat: IntArray,
               levels: FloatArray) -> BoolArray:
    """(m,) True where candidate i falls in the same slice of every discrete numeric
    dimension, and has the same choices, as some seen point (n,). Each point becomes
    one mixed-radix integer, so the test is a sorted lookup: O((m + n) log n)."""
    def cells(x: FloatArray, c: IntArray) -> IntArray:
        idx = np.minimum(np.floor(np.asarray(x, float) * levels), levels - 1)
        return np.hstack([idx, np.asarray(c, float)]).astype(np.int64)

    a, b = cells(num, cat), cells(seen_num, seen_cat)
    if a.shape[1] == 0:
        return np.ones(len(a), dtype=bool)
    radix = np.maximum(np.concatenate([levels, np.zeros(a.shape[1] - len(levels))]),
                       np.vstack([a, b]).max(axis=0) + 1).astype(np.int64)
    if float(np.prod(radix.astype(float))) < 2.0 ** 62:
        weights = np.concatenate([[1], np.cumprod(radix[:-1])]).astype(np.int64)
        return np.isin(a @ weights, b @ weights)
    same: BoolArray = (a[:, None, :] == b[None, :, :]).all(axis=2).any(axis=1)
    return same


def split(order: IntArray, n_below: int) -> tuple[IntArray, IntArray]:
    """Split indices (already sorted best first) into the good and the bad set:
    (n_below,), (n - n_below,). The sort that produces `order` is O(n log n)."""
    return order[:n_below], order[n_below:]


def neighbor_bandwidths(x: FloatArray, *, consider_endpoints: bool = False,
                        min_bandwidth: float | None = None) -> FloatArray:
    """Univariate adaptive widths (n,) for points x (n,) in [0, 1]: each point's width is
    the larger gap to its sorted neighbours (Bergstra et al. 2011, section 4.1;
    hyperopt's adaptive Parzen estimator); with `consider_endpoints` the bounds 0 and 1
    count as neighbours. Clipped to [1 / min(100, n + 2), 1] (the magic clip, n + 1 kernels)."""
    x = np.asarray(x, float)
    n = len(x)
    if min_bandwidth is None:
        min_bandwidth = 1.0 / min(100.0, n + 2.0)  # n + 1 kernels with the prior
    if n == 0:
        return np.ones(0)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    pad_lo = 0.0 if consider_endpoints or n == 1 else xs[0]
    pad_hi = 1.0 if consider_endpoints or n == 1 else xs[-1]
    ext = np.concatenate([[pad_lo], xs, [pad_hi]])
    gaps = np.maximum(xs - ext[:-2], ext[2:] - xs)
    out = np.empty(n)
    out[order] = np.clip(gaps, min_bandwidth, 1.0)
    return out


__all__ = ["Mixture", "bandwidths", "blended_bandwidths", "build_mixture", "default_gamma",
           "log_density", "neighbor_bandwidths", "propose", "ramp_weights", "rank_weights",
           "sample", "snap", "split"]
