"""tuneforge.math.decomposition: weight lattices, neighbourhoods, scalarizations."""

import math

import numpy as np
import pytest

from tuneforge.math.decomposition import (
    das_dennis,
    lattice_size,
    neighbours,
    pbi,
    tchebycheff,
    weight_vectors,
)


@pytest.mark.parametrize("m,h", [(2, 4), (3, 3), (4, 2), (5, 5)])
def test_das_dennis_is_the_whole_lattice(m, h):
    w = das_dennis(m, h)
    assert w.shape == (math.comb(h + m - 1, m - 1), m) == (lattice_size(m, h), m)
    assert np.allclose(w.sum(axis=1), 1.0) and (w >= 0).all()
    assert np.allclose(w * h, np.round(w * h))  # multiples of 1/h
    assert len({tuple(np.round(r * h).astype(int)) for r in w}) == len(w)  # distinct


def test_weight_vectors_rule():
    assert weight_vectors(2, 30).shape == (30, 2)
    assert weight_vectors(3, 45).shape == (45, 3)   # h = 8: C(10, 2) = 45
    assert weight_vectors(3, 50).shape == (45, 3)   # the finest lattice with at most n
    assert weight_vectors(1, 5).tolist() == [[1.0]] * 5
    many = weight_vectors(8, 100)  # one lattice would have no interior: two layers
    assert np.allclose(many.sum(axis=1), 1.0) and len(many) <= 100
    assert (many > 0).all(axis=1).any()  # inner layer: every objective weighted
    with pytest.raises(ValueError, match="n_obj >= 1"):
        weight_vectors(0, 10)


def test_neighbours_are_nearest_and_start_with_self():
    w = weight_vectors(2, 11)
    near = neighbours(w, 3)
    assert near[:, 0].tolist() == list(range(11))
    assert set(near[5].tolist()) == {4, 5, 6}
    ring = neighbours(np.ones((6, 1)), 3)
    assert set(ring[0].tolist()) == {0, 1, 5}


def test_tchebycheff_and_pbi_values():
    costs = np.array([[1.0, 3.0], [2.0, 2.0]])
    w = np.array([[0.5, 0.5], [1.0, 0.0]])
    ideal = np.zeros(2)
    g = tchebycheff(costs, w, ideal)
    assert np.allclose(g, [[1.5, 1.0], [1.0, 2.0]], atol=1e-5)
    p = pbi(np.array([[1.0, 1.0], [2.0, 0.0]]), np.array([[1.0, 1.0]]), ideal, theta=5.0)
    # on the line: d1 = sqrt(2), d2 = 0; off it: d1 = sqrt(2), d2 = sqrt(2)
    assert p[:, 0].tolist() == pytest.approx([math.sqrt(2), math.sqrt(2) * 6])
