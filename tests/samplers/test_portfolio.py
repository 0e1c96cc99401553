"""The Auto sampler's portfolio evidence: outcomes per member and the Thompson choice."""

from __future__ import annotations

import math

import numpy as np

from tuneforge.samplers.portfolio import Evidence, member_evidence, thompson
from tuneforge.trial.records import Direction, TrialRecord, TrialState


def _trial(number, value, member=None, state=TrialState.COMPLETE):
    attrs = {"auto_member": member} if member else {}
    return TrialRecord(number=number, key=f"k{number}", state=state,
                       values=None if value is None else (value,), system_attrs=attrs)


def test_a_success_reaches_the_best_fifth_of_the_values_before_it():
    start = [_trial(i, v) for i, v in enumerate([5.0, 4.0, 6.0, 7.0, 8.0])]
    trials = [*start,
              _trial(5, 3.0, "A"),    # below every earlier value: success
              _trial(6, 4.5, "A"),    # best fifth of 6 values is 3.0: failure
              _trial(7, 2.0, "B"),    # success
              _trial(8, math.nan, "B"),  # not finite: failure
              _trial(9, None, "B", TrialState.RUNNING)]   # not judged yet
    ev = member_evidence(trials, Direction.MINIMIZE, ("A", "B", "C"))
    assert ev == {"A": Evidence(1, 2), "B": Evidence(1, 2), "C": Evidence(0, 0)}
    # maximizing flips what is good: 4.5 and nan fail, 3.0 and 2.0 fail too
    up = member_evidence(trials, Direction.MAXIMIZE, ("A", "B"))
    assert up == {"A": Evidence(0, 2), "B": Evidence(0, 2)}


def test_too_little_history_is_not_judged_and_the_window_keeps_the_latest():
    early = [_trial(0, 1.0), _trial(1, 0.5, "A")]
    assert member_evidence(early, Direction.MINIMIZE, ("A",))["A"] == Evidence(0, 0)
    trials = [_trial(i, 10.0 - i) for i in range(5)]
    trials += [_trial(5 + i, 100.0, "A") for i in range(5)]        # old failures
    trials += [_trial(10 + i, -1.0 - i, "A") for i in range(3)]    # recent successes
    assert member_evidence(trials, Direction.MINIMIZE, ("A",), window=3)["A"] == \
        Evidence(3, 3)
    assert member_evidence(trials, Direction.MINIMIZE, ("A",))["A"] == Evidence(3, 8)


def test_thompson_follows_the_evidence_and_is_reproducible():
    ev = {"A": Evidence(2, 10), "B": Evidence(6, 10)}
    priors = {"A": (1.0, 1.0), "B": (1.0, 1.0)}
    picks = [thompson(ev, priors, np.random.default_rng(s))[0] for s in range(200)]
    assert picks.count("B") > 150 and "A" in picks   # the loser keeps a small chance
    a = thompson(ev, priors, np.random.default_rng(7))
    assert a == thompson(ev, priors, np.random.default_rng(7))
    # a strong prior wins while the evidence is thin
    thin = {"A": Evidence(0, 1), "B": Evidence(1, 1)}
    strong = {"A": (40.0, 1.0), "B": (1.0, 1.0)}
    picks = [thompson(thin, strong, np.random.default_rng(s))[0] for s in range(50)]
    assert picks.count("A") > 40
