"""A trial's outcome constraints, read from its record (stored by `Trial.set_constraint`
as the system attribute "constraints"; feasible when every value is <= 0)."""

from __future__ import annotations

from typing import Any

from tuneforge.math.constraints import total_violation
from tuneforge.trial.records import TrialRecord

CONSTRAINTS_ATTR = "constraints"


def constraints_of(record: TrialRecord) -> Any:
    """The constraint values stored on `record` as they are (a list), or None."""
    return record.system_attrs.get(CONSTRAINTS_ATTR)


def violation(record: TrialRecord) -> float:
    """Total constraint violation of a trial (0 when feasible or unconstrained)."""
    cons = constraints_of(record)
    if not cons:
        return 0.0
    return total_violation(cons)
