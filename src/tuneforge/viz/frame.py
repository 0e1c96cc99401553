"""The COMPLETE trials of a study as numpy columns (numbers, values, one column per
parameter), grown from newly finished trials only.

A finished trial never changes, so a live dashboard appends each one once and every
figure over the values and parameters is then a few vectorized numpy passes, instead of
a Python loop over 100,000 trial records per redraw. The figure builders of tuneforge.viz
read the same columns, so a frame grown piece by piece draws exactly what a frame built
from all trials at once draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneforge.space.distributions import Categorical, Distribution
from tuneforge.trial.records import TrialRecord, TrialState


class _Grow:
    """A growable 1-D or 2-D numpy array (capacity doubles)."""

    def __init__(self, dtype: Any, width: int | None = None, fill: Any = 0) -> None:
        self.n = 0
        self.fill = fill
        shape = (16,) if width is None else (16, width)
        self.data = np.full(shape, fill, dtype=dtype)

    def reserve(self, n: int) -> None:
        if n > len(self.data):
            cap = max(n, 2 * len(self.data))
            grown = np.full((cap, *self.data.shape[1:]), self.fill, dtype=self.data.dtype)
            grown[:self.n] = self.data[:self.n]
            self.data = grown

    def view(self) -> np.ndarray:
        return self.data[:self.n]


@dataclass
class _Param:
    """One parameter's columns and what the figures need to know about it."""

    num: _Grow          # float value, NaN where absent or not a number
    code: _Grow         # index into `vocab` for values drawn from a Categorical, else -1
    present: _Grow      # whether the trial has the parameter
    first: tuple[int, int]  # (first trial number having it, its position there): name order
    latest: int         # the latest trial number having it ...
    dist: Distribution | None  # ... and its distribution there


@dataclass(frozen=True)
class FrameView:
    """A frame's columns in trial-number order, as read by the figure builders."""

    numbers: np.ndarray           # (n,) int
    values: np.ndarray            # (n, n_objectives) float, all finite
    names: list[str]              # every parameter, in first-seen order
    _frame: TrialFrame
    _order: np.ndarray | None     # rows of the frame in number order (None: already)

    def __len__(self) -> int:
        return len(self.numbers)

    def _col(self, g: _Grow) -> np.ndarray:
        v = g.data[:len(self.numbers)]  # rows added after this view are not part of it
        return v if self._order is None else v[self._order]

    def distribution(self, name: str) -> Distribution | None:
        """The distribution of `name` in the latest trial that has it."""
        p = self._frame._params.get(name)
        return None if p is None else p.dist

    def present(self, name: str) -> np.ndarray:
        """(n,) bool: which trials have parameter `name`."""
        p = self._frame._params.get(name)
        return np.zeros(len(self), dtype=bool) if p is None else self._col(p.present)

    def column(self, name: str) -> tuple[np.ndarray, list[str] | None]:
        """Parameter `name` as floats (NaN where absent), and for a categorical the
        choices as labels (the floats are then indices into them)."""
        p = self._frame._params.get(name)
        if p is None:
            return np.full(len(self), np.nan), None
        if isinstance(p.dist, Categorical):
            labels = [str(c) for c in p.dist.choices]
            index = {repr(c): i for i, c in enumerate(p.dist.choices)}
            vocab = self._frame._vocab.get(name, [])
            lut = np.array([index.get(r, np.nan) for r in vocab] + [np.nan], dtype=np.float64)
            code = self._col(p.code)
            return lut[np.where(code >= 0, code, len(lut) - 1)], labels
        return self._col(p.num).copy(), None


class TrialFrame:
    """The COMPLETE trials with `n_objectives` finite values, as columns; `add` the
    trials that finished since (each trial number is taken once)."""

    def __init__(self, n_objectives: int) -> None:
        self.n_objectives = n_objectives
        self._numbers = _Grow(np.int64)
        self._values = _Grow(np.float64, n_objectives)
        self._params: dict[str, _Param] = {}
        self._vocab: dict[str, list[str]] = {}       # param -> repr of each categorical value
        self._vocab_index: dict[str, dict[str, int]] = {}
        self._seen: set[int] = set()
        self._sorted = True                          # rows appended in number order so far
        self._last = -1                              # the largest number appended
        self._view: FrameView | None = None

    @classmethod
    def of(cls, trials: Iterable[TrialRecord], n_objectives: int) -> TrialFrame:
        """A frame of `trials` (any states; only the COMPLETE ones are kept)."""
        frame = cls(n_objectives)
        frame.add(trials)
        return frame

    def __len__(self) -> int:
        return self._numbers.n

    def add(self, trials: Iterable[TrialRecord]) -> int:
        """Append the COMPLETE trials with finite values not seen yet; returns how many."""
        rows = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
                and len(t.values) == self.n_objectives and t.number not in self._seen
                and all(math.isfinite(v) for v in t.values)]
        if not rows:
            return 0
        rows = list({t.number: t for t in rows}.values())  # a trial listed twice: once
        n0, n = len(self), len(self) + len(rows)
        numbers = [t.number for t in rows]
        self._seen.update(numbers)
        if self._sorted and any(x >= y for x, y in zip([self._last, *numbers[:-1]], numbers,
                                                        strict=True)):
            self._sorted = False
        self._last = max(self._last, numbers[-1]) if self._sorted else self._last
        # gathered as Python lists, written into the columns in one numpy call each
        cols: dict[str, tuple[list[int], list[float], list[int], list[int]]] = {}
        nan = math.nan
        for i, t in enumerate(rows, start=n0):
            for pos, (name, v) in enumerate(t.params.items()):
                col = cols.get(name)
                if col is None:
                    col = cols[name] = ([], [], [], [])
                    if name not in self._params:
                        self._new_param(name, t.number, pos)
                p = self._params[name]
                if (t.number, pos) < p.first:
                    p.first = (t.number, pos)
                dist = t.distributions.get(name)
                if dist is not None and t.number >= p.latest:
                    p.latest, p.dist = t.number, dist
                kind = type(v)
                number = kind is float or kind is int or (
                    isinstance(v, (int, float)) and not isinstance(v, bool))
                col[0].append(i)
                col[1].append(float(v) if number else nan)
                if isinstance(dist, Categorical) or not number:
                    col[2].append(i)
                    col[3].append(self._code(name, v))
        for g in (self._numbers, self._values):
            g.reserve(n)
        self._numbers.data[n0:n] = numbers
        self._values.data[n0:n] = [t.values for t in rows]
        for name, p in self._params.items():
            for g in (p.num, p.code, p.present):
                g.reserve(n)
            col = cols.get(name)
            if col is not None:
                p.present.data[col[0]] = True
                p.num.data[col[0]] = col[1]
                if col[2]:
                    p.code.data[col[2]] = col[3]
        for g in (self._numbers, self._values):
            g.n = n
        for p in self._params.values():
            for g in (p.num, p.code, p.present):
                g.n = n
        self._view = None
        return len(rows)

    def _new_param(self, name: str, number: int, pos: int) -> _Param:
        p = _Param(num=_Grow(np.float64, fill=np.nan), code=_Grow(np.int64, fill=-1),
                   present=_Grow(np.bool_, fill=False), first=(number, pos), latest=-1,
                   dist=None)
        self._params[name] = p
        return p

    def _code(self, name: str, value: Any) -> int:
        index = self._vocab_index.setdefault(name, {})
        key = repr(value)
        code = index.get(key)
        if code is None:
            code = index[key] = len(index)
            self._vocab.setdefault(name, []).append(key)
        return code

    def view(self) -> FrameView:
        """The columns in trial-number order (cached until the next `add`)."""
        if self._view is None:
            numbers = self._numbers.view()
            order = None if self._sorted else np.argsort(numbers, kind="stable")
            names = sorted(self._params, key=lambda k: self._params[k].first)
            vals = self._values.view()
            self._view = FrameView(numbers=numbers if order is None else numbers[order],
                                   values=vals if order is None else vals[order],
                                   names=names, _frame=self, _order=order)
        return self._view


def frame_of(trials: Sequence[TrialRecord], n_objectives: int) -> FrameView:
    """The view of a frame built from `trials` at once (what the figure builders use)."""
    return TrialFrame.of(trials, n_objectives).view()


__all__ = ["FrameView", "TrialFrame", "frame_of"]
