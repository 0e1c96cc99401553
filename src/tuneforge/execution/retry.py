"""Retries: a trial whose worker died or that timed out runs again with its params.

The retry is a new WAITING trial linked to the failed one (``retry_of``); its key is
derived from the failed trial's, so two processes that both notice the failure (the
supervisor and a heartbeat check elsewhere) create it exactly once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tuneforge.storage import events as ev
from tuneforge.trial.records import TrialRecord

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")


def check_retry(retry: object) -> int:
    """`retry` as a non-negative int, else a ValueError naming it."""
    if isinstance(retry, bool) or not isinstance(retry, int) or retry < 0:
        raise ValueError(f"retry must be a non-negative integer (retries per trial), "
                         f"got {retry!r}")
    return retry


def retry_key(key: str) -> str:
    """The key of the one retry of trial `key`."""
    return f"{key}.retry"


def retry_trial(study: Study, record: TrialRecord, retry: int) -> bool:
    """Enqueue `record`'s params as a new trial linked to it, unless it is already a
    k-th retry with k >= `retry`; True when a retry was enqueued (or already was)."""
    tries = int(record.system_attrs.get("retry_count", 0))
    if retry <= 0 or tries >= retry:
        return False
    params = {**record.fixed_params, **record.params}
    first = record.system_attrs.get("retry_first", record.number)
    study.storage.append(study.ref, [ev.trial_created(
        retry_key(record.key), state="WAITING", params=params,
        user_attrs=dict(record.user_attrs),
        system_attrs={"enqueued": True, "retry_of": record.number, "retry_first": first,
                      "retry_count": tries + 1})])
    log.warning("trial %d is retried with the same params (retry %d of %d)",
                record.number, tries + 1, retry)
    return True


__all__ = ["check_retry", "retry_key", "retry_trial"]
