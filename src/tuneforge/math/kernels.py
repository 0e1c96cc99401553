"""Matérn-5/2 kernel with automatic relevance determination, on mixed inputs (pure numpy).

Inputs are points of shape (n, d). Continuous (and ordinal) dimensions live in [0, 1] and
contribute the squared difference (x_j - x'_j)^2; categorical dimensions hold the index of
the choice and contribute the Hamming term 1[x_j != x'_j] (the "overlap" kernel of
Hutter et al., 2011, inside the same radial profile). With one inverse squared
lengthscale w_j per dimension,

    r^2 = sum_j w_j D_j(x, x'),      k(x, x') = s2 * (1 + a + a^2 / 3) * exp(-a),  a = sqrt(5 r^2)

(Rasmussen & Williams 2006, eq. 4.17). Its derivative with respect to r^2 is smooth at 0:

    dk / d(r^2) = -s2 * (5 / 6) * (1 + a) * exp(-a).
"""

from __future__ import annotations

import numpy as np

from .arrays import BoolArray, FloatArray

SQRT5 = float(np.sqrt(5.0))


def matern52(r2: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Unit-variance Matérn-5/2 profile and its derivative, both as functions of r^2.

    r2: any shape, >= 0. Returns (k, dk/dr2) with the same shape.
    """
    a = SQRT5 * np.sqrt(np.maximum(r2, 0.0))
    e = np.exp(-a)
    k = (1.0 + a + a * a / 3.0) * e
    dk = -(5.0 / 6.0) * (1.0 + a) * e
    return k, dk


def pairwise_sq_diffs(x1: FloatArray, x2: FloatArray, is_cat: BoolArray) -> FloatArray:
    """Per-dimension distances D of shape (n, m, d) between x1 (n, d) and x2 (m, d).

    Squared differences on continuous dimensions, 0/1 mismatches on categorical ones
    (`is_cat`: bool mask of shape (d,)). Used for the training matrix, where D is
    computed once per fit and reused by every likelihood evaluation.
    """
    diff = x1[:, None, :] - x2[None, :, :]
    out = diff * diff
    if is_cat.any():
        out[..., is_cat] = (diff[..., is_cat] != 0.0).astype(float)
    return out


def scaled_sq_dist(x1: FloatArray, x2: FloatArray, w: FloatArray,
                   is_cat: BoolArray) -> FloatArray:
    """r^2 of shape (n, m) between x1 (n, d) and x2 (m, d) with weights w (d,).

    Continuous dimensions go through one matrix product (|a|^2 + |b|^2 - 2 a.b on the
    scaled points), so the cost is O(n m d) in BLAS rather than an (n, m, d) temporary.
    """
    cont = ~is_cat
    r2 = np.zeros((x1.shape[0], x2.shape[0]))
    if cont.any():
        s = np.sqrt(w[cont])
        a = x1[:, cont] * s
        b = x2[:, cont] * s
        r2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
        np.maximum(r2, 0.0, out=r2)
    for j in np.flatnonzero(is_cat):
        r2 += w[j] * (x1[:, j][:, None] != x2[:, j][None, :])
    return r2


def grad_wrt_x1(g: FloatArray, x1: FloatArray, x2: FloatArray, w: FloatArray,
                is_cat: BoolArray) -> FloatArray:
    """sum_i g[:, i] * d r^2(x1, x2_i) / d x1, shape (n, d), for g of shape (n, m).

    d r^2 / d x1_j = 2 w_j (x1_j - x2_ij) on continuous dimensions; categorical
    dimensions get 0 (they are searched over their choices, not by gradient).
    """
    out: FloatArray = 2.0 * w * (x1 * g.sum(1)[:, None] - g @ x2)
    out[:, is_cat] = 0.0
    return out
