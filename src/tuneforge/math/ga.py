"""Genetic operators on the unit cube: selection, crossover, mutation (pure numpy).

Numeric genes are floats in [0, 1] (the shared unit-cube encoding), categorical genes
are choice indices. Shapes: d numeric genes, c categorical genes, n individuals.

References: Deb & Agrawal, "Simulated Binary Crossover for Continuous Search Space",
Complex Systems 9 (1995) (SBX); Deb & Goyal, "A Combined Genetic Adaptive Search
(GeneAS)", Computer Science and Informatics 26 (1996) (polynomial mutation, eq. 4 in its
bounded form from Deb & Deb, "Analysing mutation schemes for real-parameter genetic
algorithms", IJAISC 4 (2014), section 2); Miller & Goldberg, "Genetic Algorithms,
Tournament Selection, and the Effects of Noise", Complex Systems 9 (1995); Rechenberg's
1/5 success rule (Rechenberg 1973) for the adaptive mutation rate.
"""

from __future__ import annotations

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray


def tournament(rng: np.random.Generator, rank: FloatArray, size: int) -> int:
    """Index of the winner among `size` individuals drawn without replacement from
    `rank` (n,) (lower is better; ties go to the first drawn)."""
    n = len(rank)
    if n == 0:
        raise ValueError("tournament over an empty population")
    pick = rng.choice(n, size=min(size, n), replace=False)
    return int(pick[np.argmin(rank[pick])])


def sbx(rng: np.random.Generator, a: FloatArray, b: FloatArray, *, eta: float = 15.0,
        gene_prob: float = 0.5) -> tuple[FloatArray, FloatArray]:
    """Simulated binary crossover of parents a, b (d,) in [0, 1]; returns two children
    (d,), (d,). Each gene crosses with probability `gene_prob`; the spread factor beta
    follows Deb & Agrawal (1995), eq. 4-5, with the bounded form that keeps children
    in [0, 1] (Deb & Beyer 2001, as in NSGA-II's reference code)."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    c1, c2 = a.copy(), b.copy()
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    cross = (rng.random(a.shape) < gene_prob) & (hi - lo > 1e-14)
    u = rng.random(a.shape)
    diff = np.where(cross, hi - lo, 1.0)

    def beta_q(beta: FloatArray) -> FloatArray:
        alpha = 2.0 - np.power(beta, -(eta + 1.0))
        return np.where(u <= 1.0 / alpha, np.power(u * alpha, 1.0 / (eta + 1.0)),
                        np.power(1.0 / np.maximum(2.0 - u * alpha, 1e-300), 1.0 / (eta + 1.0)))

    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        bq1 = beta_q(1.0 + 2.0 * lo / diff)
        bq2 = beta_q(1.0 + 2.0 * (1.0 - hi) / diff)
        y1 = 0.5 * ((lo + hi) - bq1 * (hi - lo))
        y2 = 0.5 * ((lo + hi) + bq2 * (hi - lo))
    y1 = np.clip(np.nan_to_num(y1, nan=0.5), 0.0, 1.0)
    y2 = np.clip(np.nan_to_num(y2, nan=0.5), 0.0, 1.0)
    swap = rng.random(a.shape) < 0.5
    c1 = np.where(cross, np.where(swap, y2, y1), c1)
    c2 = np.where(cross, np.where(swap, y1, y2), c2)
    return c1, c2


def uniform_crossover(rng: np.random.Generator, a: np.ndarray, b: np.ndarray,
                      prob: float = 0.5) -> np.ndarray:
    """Child (c,) taking each gene from b with probability `prob`, else from a."""
    a, b = np.asarray(a), np.asarray(b)
    return np.where(rng.random(a.shape) < prob, b, a)


def polynomial_mutation(rng: np.random.Generator, x: FloatArray, rate: float, *,
                        eta: float = 20.0) -> FloatArray:
    """Mutate each gene of x (d,) in [0, 1] with probability `rate` by the bounded
    polynomial mutation (Deb & Deb 2014, eq. 6-7); returns the new (d,)."""
    x = np.asarray(x, float).copy()
    hit = rng.random(x.shape) < rate
    if not hit.any():
        return x
    u = rng.random(x.shape)
    d1, d2 = x, 1.0 - x
    mpow = 1.0 / (eta + 1.0)
    with np.errstate(invalid="ignore"):
        left = np.power(2.0 * u + (1.0 - 2.0 * u) * np.power(1.0 - d1, eta + 1.0), mpow) - 1.0
        right = 1.0 - np.power(2.0 * (1.0 - u) + 2.0 * (u - 0.5) * np.power(1.0 - d2, eta + 1.0),
                               mpow)
    delta = np.where(u < 0.5, left, right)
    x[hit] = np.clip(x[hit] + np.nan_to_num(delta[hit]), 0.0, 1.0)
    return x


def categorical_mutation(rng: np.random.Generator, x: IntArray, n_choices: IntArray,
                         rate: float) -> IntArray:
    """Replace each index of x (c,) with probability `rate` by a uniformly drawn one."""
    x = np.asarray(x, int).copy()
    hit = rng.random(x.shape) < rate
    fresh = np.floor(rng.random(x.shape) * np.asarray(n_choices)).astype(int)
    x[hit] = fresh[hit]
    return x


def adaptive_rate(n_genes: int, success: float | None, *, target: float = 0.2,
                  base: float | None = None) -> float:
    """Mutation rate per gene from the success ratio of the last generation (the share
    of children better than their better parent): the 1/5 rule applied to the rate,
    base * 4^(success / target - 1), so 1/d at 20 % success, more when children often
    improve, less when they rarely do; clipped to [1/(4d), 0.5]. None (no data yet)
    gives the base rate 1/d."""
    d = max(int(n_genes), 1)
    base = 1.0 / d if base is None else base
    if success is None:
        return float(min(base, 0.5))
    rate = base * 4.0 ** (success / target - 1.0)
    return float(np.clip(rate, 1.0 / (4.0 * d), 0.5))


def de_rand1(rng: np.random.Generator, base: FloatArray, a: FloatArray, b: FloatArray,
             target: FloatArray, *, f: float = 0.5, cr: float = 1.0) -> FloatArray:
    """Differential-evolution child (d,) in [0, 1]: base + f (a - b) (DE/rand/1), then
    binomial crossover with `target` (each gene from the mutant with probability `cr`,
    at least one always); a gene pushed outside [0, 1] is redrawn between its base value
    and the bound it crossed (Storn & Price, "Differential evolution", J. Global Optim.
    11, 1997; the repair as in MOEA/D-DE, Li & Zhang, IEEE TEC 13(2), 2009)."""
    base = np.asarray(base, float)
    v = base + f * (np.asarray(a, float) - np.asarray(b, float))
    low, high = v < 0.0, v > 1.0
    u = rng.random(v.shape)
    v = np.where(low, base * u, np.where(high, base + (1.0 - base) * u, v))
    take = rng.random(v.shape) < cr
    if len(v):
        take[int(rng.integers(len(v)))] = True
    out: FloatArray = np.clip(np.where(take, v, np.asarray(target, float)), 0.0, 1.0)
    return out


def clearing(x: FloatArray, radius: float, categorical: BoolArray, k: int) -> list[int]:
    """Up to `k` rows of `x` (n, d), ordered best first, each at least `radius` away from
    every better row kept (Petrowski's clearing). Distance: Euclidean over the genes,
    numeric genes by their difference, a categorical gene (`categorical`, (d,) bool) 1
    when the choices differ. O(k n d): one vector pass per row kept."""
    kept: list[int] = []
    free = np.ones(len(x), dtype=bool)  # rows not within `radius` of a kept one
    while len(kept) < k:
        left = np.flatnonzero(free)
        if not len(left):
            break
        i = int(left[0])
        kept.append(i)
        diff = np.abs(x - x[i])
        diff[:, categorical] = diff[:, categorical] > 0
        free &= np.sqrt(np.sum(diff * diff, axis=1)) >= radius
        free[i] = False
    return kept


__all__ = ["adaptive_rate", "categorical_mutation", "clearing", "de_rand1", "polynomial_mutation",
           "sbx", "tournament", "uniform_crossover"]
