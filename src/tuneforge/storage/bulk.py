"""Reading a big study in one go: Python's cyclic garbage collector paused meanwhile.

Replaying 100,000 trials creates millions of small dicts and tuples, none of them garbage;
each automatic collection rescans all of them, which made a cold load several times slower.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_EVENTS = 10_000  # a read of at least this many events counts as bulk

_lock = threading.Lock()
_depth = 0


class _State:
    was_enabled = True


_gc_paused = _State()


@contextmanager
def gc_paused(active: bool = True) -> Iterator[None]:
    """Pause automatic garbage collection for the block (nested and threaded uses are
    counted: it resumes when the last one ends, and only if it was on before)."""
    global _depth
    if not active:
        yield
        return
    with _lock:
        if _depth == 0:
            _gc_paused.was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _gc_paused.was_enabled:
                gc.enable()


__all__ = ["BULK_EVENTS", "gc_paused"]
