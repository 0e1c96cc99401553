"""Greedy ensemble selection (Caruana et al., 2004): which models to average, and how often.

Start from nothing; each round, add (with replacement) the candidate whose addition gives
the best score of the average; keep the best prefix. A candidate added k times has weight
k / rounds. Choosing with replacement and stopping at the best prefix keep the ensemble
small and never worse, on the data it was chosen on, than the best single candidate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .arrays import FloatArray, IntArray


def greedy_ensemble(score: Callable[[FloatArray], float], n_candidates: int,
                    rounds: int = 20) -> tuple[IntArray, list[float]]:
    """(counts, trace): how many times each of `n_candidates` is in the best ensemble found
    in `rounds` greedy additions, and the best score after each round. `score(weights)`
    scores the average with those (non-negative, not all zero) weights; higher is better.
    Ties go to the lower index (the better-ranked candidate), and a longer prefix is kept
    only when it scores strictly better."""
    if n_candidates < 1 or rounds < 1:
        raise ValueError("greedy_ensemble needs at least one candidate and one round")
    counts = np.zeros(n_candidates, dtype=np.intp)
    best_counts = counts.copy()
    best = -np.inf
    trace: list[float] = []
    for _ in range(rounds):
        scores = np.full(n_candidates, -np.inf)
        for j in range(n_candidates):
            trial = counts.astype(float)
            trial[j] += 1.0
            value = float(score(trial))
            scores[j] = value if np.isfinite(value) else -np.inf
        j = int(np.argmax(scores))  # the first of equals: the better-ranked candidate
        if not np.isfinite(scores[j]):
            break
        counts[j] += 1
        trace.append(float(scores[j]))
        if scores[j] > best:
            best, best_counts = float(scores[j]), counts.copy()
    return best_counts, trace


__all__ = ["greedy_ensemble"]
