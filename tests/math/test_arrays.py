"""math/arrays.py: the array aliases name the dtypes that math/ really returns."""

from __future__ import annotations

import typing

import numpy as np
import pytest

from tuneforge.math import arrays, ga, gp, kernels, pareto, tpe


def _dtype(alias: typing.Any) -> type:
    """np.float64 for NDArray[np.float64] (= ndarray[shape, dtype[np.float64]])."""
    return typing.get_args(typing.get_args(alias)[1])[0]


def _check(value: typing.Any, hint: typing.Any) -> None:
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        hints = [args[0]] * len(value) if args[-1] is Ellipsis else list(args)
        for v, h in zip(value, hints, strict=True):
            _check(v, h)
    elif typing.get_origin(hint) is np.ndarray:
        assert value.dtype == _dtype(hint)


def test_the_aliases_name_float64_intp_and_bool():
    assert _dtype(arrays.FloatArray) is np.float64
    assert _dtype(arrays.IntArray) is np.intp
    assert _dtype(arrays.BoolArray) is np.bool_


_X = np.array([[0.1, 0.9], [0.4, 0.2], [0.7, 0.5]])
_CAT = np.array([False, True])
_MIX = tpe.build_mixture(_X, np.array([[0], [1], [1]]), np.ones(3), levels=np.zeros(2),
                         n_choices=np.array([2]))


@pytest.mark.parametrize("fn, args", [
    (pareto.non_dominated_mask, (_X,)),
    (pareto.non_dominated_fronts, (_X,)),
    (pareto.loss_order, (_X,)),
    (kernels.pairwise_sq_diffs, (_X, _X, _CAT)),
    (kernels.matern52, (_X,)),
    (gp.cholesky, (np.eye(3),)),
    (tpe.sample, (_MIX, np.random.default_rng(0), 4)),
    (tpe.split, (np.arange(3), 1)),
    (ga.categorical_mutation, (np.random.default_rng(0), np.array([0, 1]), np.array([2, 3]),
                               0.5)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_returned_arrays_hold_the_annotated_dtype(fn, args):
    _check(fn(*args), typing.get_type_hints(fn)["return"])
