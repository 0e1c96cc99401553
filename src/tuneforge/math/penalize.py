"""Local penalization of an acquisition around pending points (parallel proposals).

With several workers, a proposal is made while other trials still run. Instead of
fantasizing their results (the kriging believer), local penalization (González, Dai,
Hennig and Lawrence, "Batch Bayesian optimization via local penalization", AISTATS 2016)
multiplies the acquisition by one soft "hammer" per pending point x_j:

    phi_j(x) = Phi((L * ||x - x_j|| + M - mu_j) / sigma_j)

the probability that x lies outside the ball around x_j that cannot hold the minimum
(radius (f(x_j) - M) / L: the objective cannot fall from f(x_j) to below M faster),
given a Lipschitz constant L of the objective (estimated from the model's mean), the best
value M so far and the model's belief N(mu_j, sigma_j^2) at x_j. A pending point that the
model expects to be poor excludes a wide ball; one expected near the best excludes
little. Everything here is in the model's units (unit box, warped values) and in logs:
the acquisition is a log EI, so the hammers are added as log Phi.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from scipy.special import log_ndtr

from .arrays import FloatArray


class _Model(Protocol):
    def predict_with_grad(self, xq: FloatArray) -> tuple[FloatArray, ...]: ...


def lipschitz(model: _Model, points: FloatArray, floor: float = 1e-7) -> float:
    """An estimate of the objective's Lipschitz constant: the largest norm of the model's
    mean gradient (m, d) over `points` (m, d), at least `floor`."""
    _, _, dmean, _ = model.predict_with_grad(points)
    norms = np.sqrt(np.sum(np.asarray(dmean, float) ** 2, axis=1))
    return float(max(np.max(norms, initial=0.0), floor))


def log_hammers(x: FloatArray, centres: FloatArray, mean: FloatArray, sd: FloatArray,
                best: float, lip: float) -> tuple[FloatArray, FloatArray]:
    """The summed log penalizers at x (m, d) and their gradient (m, d), for pending
    points `centres` (k, d) with model means `mean` (k,) and deviations `sd` (k,)."""
    diff = x[:, None, :] - centres[None, :, :]                      # (m, k, d)
    dist = np.sqrt(np.sum(diff ** 2, axis=2))                       # (m, k)
    sd = np.maximum(np.asarray(sd, float), 1e-9)
    u = (lip * dist + best - np.asarray(mean, float)[None, :]) / sd[None, :]
    value = log_ndtr(u)
    # d/du log Phi(u) = phi(u) / Phi(u) = exp(log phi(u) - log Phi(u)), stable for u << 0
    ratio = np.exp(-0.5 * u ** 2 - 0.5 * np.log(2 * np.pi) - value)
    unit = diff / np.maximum(dist, 1e-12)[:, :, None]
    grad = np.sum((ratio * lip / sd[None, :])[:, :, None] * unit, axis=1)
    return np.sum(value, axis=1), grad


class Penalized:
    """An acquisition (log scale: callable on x (m, d), with `value_and_grad`) plus the
    log hammers of pending points; quacks as the acquisition it wraps."""

    def __init__(self, acquisition: Any, centres: FloatArray, mean: FloatArray,
                 sd: FloatArray, best: float, lip: float) -> None:
        self.acquisition = acquisition
        self.centres = np.asarray(centres, float)
        self.mean, self.sd = np.asarray(mean, float), np.asarray(sd, float)
        self.best, self.lip = float(best), float(lip)

    def __call__(self, x: FloatArray) -> FloatArray:
        out: FloatArray = self.acquisition(x) + log_hammers(
            x, self.centres, self.mean, self.sd, self.best, self.lip)[0]
        return out

    def value_and_grad(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        v, g = self.acquisition.value_and_grad(x)
        hv, hg = log_hammers(x, self.centres, self.mean, self.sd, self.best, self.lip)
        return v + hv, g + hg


__all__ = ["Penalized", "lipschitz", "log_hammers"]
