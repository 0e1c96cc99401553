"""Pure replay: fold a study's events, in sequence order, into trial records.

State changes are compare-and-set: a WAITING trial is claimed once (first claim wins),
and a finished trial never changes again. Replaying the same events always gives the
same records, whichever process wrote them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from types import MappingProxyType
from typing import Any

from tuneforge.exceptions import CorruptEventError, StorageError
from tuneforge.space.distributions import Distribution, distribution_from_json
from tuneforge.storage.events import Event, decode_float, distribution_ref
from tuneforge.trial.records import Direction, TrialRecord, TrialState

_DIST_CACHE: dict[tuple[Any, ...], Distribution] = {}
_FINISHED = frozenset(s for s in TrialState if s.is_finished)  # a set test per event


def _distribution(data: Any) -> Distribution:
    """distribution_from_json, memoized: a study repeats a few distributions many times."""
    try:
        choices = data.get("choices")
        key = (data.get("type"),  # typed: a cached Int(1, 2) must not answer low=True
               *((type(data.get(f)).__name__, data.get(f)) for f in ("low", "high", "log",
                                                                     "step")),
               None if choices is None else tuple((type(c).__name__, c) for c in choices))
        hit = _DIST_CACHE.get(key)
    except (AttributeError, TypeError):  # malformed: let the parser say what is wrong
        return distribution_from_json(data)
    if hit is None:
        hit = distribution_from_json(data)
        if len(_DIST_CACHE) < 10_000:
            _DIST_CACHE[key] = hit
    return hit


class _TrialBuilder:
    __slots__ = ("number", "key", "state", "params", "distributions", "values",
                 "intermediate", "vectors", "user_attrs", "system_attrs", "start", "complete",
                 "heartbeat", "fixed", "token", "_record")

    def __init__(self, number: int, key: str, state: TrialState, t: float | None) -> None:
        self.number = number
        self.key = key
        self.state = state
        self.params: dict[str, Any] = {}
        self.distributions: dict[str, Distribution] = {}
        self.values: tuple[float, ...] | None = None
        self.intermediate: dict[int, float] = {}
        self.vectors: dict[int, tuple[float, ...]] = {}
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.start = t if state is TrialState.RUNNING else None
        self.complete: float | None = None
        self.heartbeat: float | None = None
        self.fixed: dict[str, Any] = {}
        self.token: str | None = None
        self._record: TrialRecord | None = None

    def record(self) -> TrialRecord:
        if self._record is None:
            self._record = TrialRecord(
                number=self.number, key=self.key, state=self.state,
                params=MappingProxyType(dict(self.params)),
                distributions=MappingProxyType(dict(self.distributions)),
                values=self.values,
                intermediate=MappingProxyType(dict(self.intermediate)),
                user_attrs=MappingProxyType(dict(self.user_attrs)),
                system_attrs=MappingProxyType(dict(self.system_attrs)),
                datetime_start=self.start, datetime_complete=self.complete,
                last_heartbeat=self.heartbeat,
                fixed_params=MappingProxyType(dict(self.fixed)),
                intermediate_vectors=MappingProxyType(dict(self.vectors)),
            )
        return self._record


class StudyState:
    """The replayed state of one study; `apply` events in order, read `trials()`."""

    def __init__(self, directions: Sequence[Direction]) -> None:
        self.directions = tuple(directions)
        self._trials: list[_TrialBuilder] = []
        self._by_key: dict[str, _TrialBuilder] = {}
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.enqueue_tags: set[str] = set()
        self.distributions: dict[str, Distribution] = {}  # ref -> the study's distributions
        self.last_seq = -1
        self._records: list[TrialRecord] = []   # aligned with _trials, rebuilt when dirty
        self._dirty: set[int] = set()
        self._waiting: dict[str, None] = {}  # keys of WAITING trials, in creation order
        self.finished_keys: list[str] = []   # append-only, in the order trials finished

    # -- reading ---------------------------------------------------------------------
    def trials(self, states: Container[TrialState] | None = None) -> list[TrialRecord]:
        if self._dirty:  # only changed trials are rebuilt: refreshes cost O(changes)
            for i in self._dirty:
                self._records[i] = self._trials[i].record()
            self._dirty.clear()
        if states is None:
            return list(self._records)
        return [r for r in self._records if r.state in states]

    def waiting(self) -> list[TrialRecord]:
        """The WAITING trials in creation order (without scanning the whole study)."""
        return [self._by_key[k].record() for k in self._waiting]

    def trial(self, key: str) -> TrialRecord:
        try:
            return self._by_key[key].record()
        except KeyError:
            raise StorageError(f"no trial with key {key!r} in this study") from None

    def claimed_by(self, key: str) -> str | None:
        """The token of whoever moved this trial to RUNNING (None while WAITING)."""
        b = self._by_key.get(key)
        return None if b is None else b.token

    def __len__(self) -> int:
        return len(self._trials)

    # -- folding ---------------------------------------------------------------------
    def apply_all(self, events: Iterable[tuple[int, Event]]) -> None:
        for seq, event in events:
            self.apply(seq, event)

    def _touch(self, b: _TrialBuilder) -> None:
        b._record = None
        self._dirty.add(b.number)

    def _new(self, key: str, state: TrialState, t: float | None, params: Any,
             user_attrs: Any, system_attrs: Any, token: str | None) -> None:
        if key in self._by_key:
            return  # a duplicate create (e.g. a retried append) is ignored
        b = _TrialBuilder(len(self._trials), key, state, t)
        b.fixed = dict(params or {})
        b.user_attrs = dict(user_attrs or {})
        b.system_attrs = dict(system_attrs or {})
        b.token = token if state is TrialState.RUNNING else None
        b.heartbeat = None
        self._trials.append(b)
        self._by_key[key] = b
        self._records.append(None)  # type: ignore[arg-type]  # built on first read
        self._dirty.add(b.number)
        if state is TrialState.WAITING:
            self._waiting[key] = None

    def apply(self, seq: int, ev: Event) -> None:
        """Fold one event into the state. Raises StorageError for events that make no sense."""
        if seq <= self.last_seq:
            return
        self._apply(seq, ev)
        self.last_seq = seq  # only once applied: a failed event is not silently skipped

    def _apply(self, seq: int, ev: Event) -> None:
        kind = ev["type"]
        t = ev.get("t")
        try:
            if kind == "trial_created":
                self._new(ev["key"], TrialState(ev["state"]), t, ev.get("params"),
                          ev.get("user_attrs"), ev.get("system_attrs"), ev.get("token"))
                return
            if kind == "enqueue_once":
                if ev["tag"] in self.enqueue_tags:
                    return
                self.enqueue_tags.add(ev["tag"])
                for spec in ev["trials"]:
                    self._new(spec["key"], TrialState.WAITING, t, spec.get("params"),
                              spec.get("user_attrs"), spec.get("system_attrs"), None)
                return
            if kind == "distribution_defined":
                if distribution_ref(ev["distribution"]) != ev["ref"]:  # once per study
                    raise CorruptEventError(
                        f"event {seq} (distribution_defined) is damaged: its distribution "
                        f"does not match its ref {ev['ref']!r}")
                if ev["ref"] not in self.distributions:
                    self.distributions[ev["ref"]] = _distribution(ev["distribution"])
                return
            if kind == "attr_set" and ev.get("key") is None:
                target = self.user_attrs if ev["scope"] == "user" else self.system_attrs
                if not (ev.get("once") and ev["name"] in target):
                    target[ev["name"]] = ev["value"]
                return
            b = self._by_key.get(ev["key"])
            if b is None:
                raise CorruptEventError(f"event {seq} ({kind}) names unknown trial {ev['key']!r}")
            if kind == "trial_claimed":
                if b.state is TrialState.WAITING:
                    self._waiting.pop(b.key, None)
                    b.state = TrialState.RUNNING
                    b.token = ev["token"]
                    b.start = t
                    self._touch(b)
                return
            if kind == "heartbeat":
                if b.state is TrialState.RUNNING:
                    b.heartbeat = t
                    self._touch(b)
                return
            if b.state in _FINISHED:
                return  # a finished trial never changes
            if kind == "param_set":  # every check before any change: a bad event changes nothing
                if "distribution_ref" in ev:
                    dist = self.distributions.get(ev["distribution_ref"])
                    if dist is None:
                        raise CorruptEventError(
                            f"event {seq} (param_set) of trial {b.number} ({b.key}): parameter "
                            f"{ev['name']!r} names distribution {ev['distribution_ref']!r}, "
                            "defined nowhere (its distribution_defined event is lost)")
                else:
                    dist = _distribution(ev["distribution"])
                b.params[ev["name"]] = ev["value"]
                b.distributions[ev["name"]] = dist
            elif kind == "intermediate":
                step, value = int(ev["step"]), ev["value"]
                if isinstance(value, list):  # one value per objective
                    b.vectors[step] = tuple(decode_float(v) for v in value)
                    b.intermediate.pop(step, None)
                else:
                    b.intermediate[step] = decode_float(value)
                    b.vectors.pop(step, None)
            elif kind == "attr_set":
                target = b.user_attrs if ev["scope"] == "user" else b.system_attrs
                target[ev["name"]] = ev["value"]
            elif kind == "trial_finished":
                state = TrialState(ev["state"])
                if not state.is_finished:
                    raise ValueError(f"trial_finished with unfinished state {state.value}")
                vals = ev.get("values")
                values = None if vals is None else tuple(decode_float(v) for v in vals)
                self._waiting.pop(b.key, None)
                self.finished_keys.append(b.key)
                b.state = state
                b.values = values
                b.complete = t
                if b.start is None:
                    b.start = t
                if ev.get("reason") is not None:
                    b.system_attrs["fail_reason"] = ev["reason"]
                if ev.get("traceback") is not None:
                    b.system_attrs["traceback"] = ev["traceback"]
            self._touch(b)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise CorruptEventError(f"corrupt event {seq} ({kind}): {exc!r}") from None
