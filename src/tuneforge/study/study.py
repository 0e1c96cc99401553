"""Study: a named optimization with its storage, sampler, pruner and seed."""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuneforge.exceptions import (
    SearchExhausted,
    SearchSpaceError,
    StorageError,
    TrialStateError,
    TuneforgeError,
)
from tuneforge.math.numbers import describe, is_number, to_float, unwrap
from tuneforge.pruners.base import NopPruner, Pruner, check_pruner, sampler_history
from tuneforge.samplers.auto import AutoSampler
from tuneforge.samplers.base import (
    ConstraintsFunc,
    Sampler,
    check_sampler,
    checked_constraints_func,
    trial_rng,
)
from tuneforge.space.constraints import ParamConstraint, check_param_constraints, violated
from tuneforge.space.search_space import intersection_space
from tuneforge.storage import events as ev
from tuneforge.storage.artifacts import ArtifactStore, default_root
from tuneforge.storage.base import Storage, StudyRef
from tuneforge.storage.cached import StateHistory, StudyView
from tuneforge.study import analysis, feasible, front
from tuneforge.study.reproducible import batch_start, restrict, wait_for_earlier_batches
from tuneforge.study.trial import Trial
from tuneforge.study.warm import attach, stored_prior
from tuneforge.trial.records import Direction, History, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.execution.base import Executor

log = logging.getLogger("tuneforge")

Objective = Callable[[Trial], Any]
Callback = Callable[["Study", TrialRecord], None]


def worker_name(pid: int) -> str:
    """How a process is named on the trials it runs (system_attrs["worker"])."""
    return f"{socket.gethostname()}:{pid}"


class Study:
    """A study; make one with `create_study` or `load_study`."""

    def __init__(self, *, storage: Storage, ref: StudyRef, sampler: Sampler | None = None,
                 pruner: Pruner | None = None, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None,
                 param_constraints: Sequence[ParamConstraint] | ParamConstraint | None = None,
                 ) -> None:
        self._storage = storage
        self._ref = ref
        self._view = StudyView(storage, ref)
        self.sampler: Sampler = check_sampler(sampler) if sampler is not None else AutoSampler()
        self.pruner: Pruner = check_pruner(pruner) if pruner is not None else NopPruner()
        # outcome constraints of each finished trial: the study's, else the sampler's
        self.constraints_func: ConstraintsFunc | None = checked_constraints_func(
            constraints_func if constraints_func is not None
            else self.sampler.constraints_func, self)
        # hard predicates over the params that no proposal may violate (study/feasible.py)
        self.param_constraints = check_param_constraints(param_constraints)
        self._stop_requested = False
        # reproducible mode (study/reproducible.py): proposals see earlier batches only
        self.reproducible_batch: int | None = None
        self.worker_id = worker_name(os.getpid())
        self._seed_wanted = seed
        self._seed: int | None = None
        self._space_cache: tuple[int, Any] = (0, None)  # (finished trials read, space)
        self._unsaved: list[ev.Event] = []  # trial results the storage refused (disk full)
        self._view.refresh()  # fail early, with the storage's message, if it is unreadable
        prior = stored_prior(self._view.state.system_attrs)  # a warm-started study
        if prior is not None:
            attach(self.sampler, prior)

    @property
    def seed(self) -> int:
        """The study seed that every trial's random state derives from (stored once)."""
        if self._seed is not None:
            return self._seed
        state = self._view.refresh()
        if "seed" not in state.system_attrs:
            seed = self._seed_wanted
            if seed is None:  # a sampler's seed= stands in for the study's (create_study)
                seed = self.sampler.seed
            if seed is None:
                seed = secrets.randbits(63)
            # first writer wins: concurrent creators agree on one seed
            self._append([ev.attr_set(None, "seed", int(seed), scope="system", once=True)])
        self._seed = int(self._view.state.system_attrs["seed"])
        return self._seed

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, storage={self._storage!r})"

    # -- identity --------------------------------------------------------------------
    @property
    def study_name(self) -> str:
        return self._ref.name

    @property
    def storage(self) -> Storage:
        """Where the study's events are kept (`storage.url` reopens it elsewhere)."""
        return self._storage

    @property
    def ref(self) -> StudyRef:
        """The study's identity in its storage (for `storage.append` / `storage.read`)."""
        return self._ref

    @property
    def directions(self) -> tuple[Direction, ...]:
        return self._ref.directions

    @property
    def direction(self) -> Direction:
        if len(self.directions) != 1:
            raise TuneforgeError(
                f"study {self.study_name!r} has several objectives; use .directions")
        return self.directions[0]

    # -- storage plumbing ------------------------------------------------------------
    def _append(self, events: Sequence[ev.Event]) -> int:
        """Append `events`, first any trial result the storage refused earlier: a trial
        is closed with its own result as soon as the storage accepts writes again."""
        if self._unsaved:
            self._view.append(self._unsaved)
            log.warning("stored %d trial result(s) that could not be written before",
                        len(self._unsaved))
            self._unsaved = []
        return self._view.append(events)

    def _history(self, *, refresh: bool = True) -> StateHistory:
        """The History handed to the sampler and pruner (refreshed from storage first)."""
        return StateHistory(self._view.refresh() if refresh else self._view.state)

    def history(self) -> History:
        """A read-only view of every trial, as samplers and pruners see it (refreshed)."""
        return self._history()

    def move_to(self, storage: Storage) -> None:
        """Copy this study's events into `storage` and continue there from now on (an
        executor moves an in-memory study to a file its worker processes can open)."""
        ref = storage.create_study(self.study_name, self.directions)
        events = [e for _, e in self._storage.read(self._ref)]
        if events:
            storage.append(ref, events)
        self._storage, self._ref = storage, ref
        self._view = StudyView(storage, ref)
        self._space_cache = (0, None)
        self._view.refresh()

    # -- reading ---------------------------------------------------------------------
    @property
    def trials(self) -> list[TrialRecord]:
        """All trials, in number order (refreshed from storage)."""
        return self._view.trials()

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[TrialRecord]:
        return self._view.trials(None if states is None else tuple(states))

    @property
    def best_trial(self) -> TrialRecord:
        """The best COMPLETE trial (single objective); raises if none has completed.
        With constraints, feasible trials come first; with none feasible, the least
        violation wins."""
        return analysis.best_trial(self._view.trials(), self.directions, self.study_name)

    @property
    def best_trials(self) -> list[TrialRecord]:
        """The Pareto-optimal COMPLETE trials (any number of objectives), taken over the
        feasible ones when a constrained study has any."""
        return analysis.pareto_trials(self._view.trials(), self.directions)

    # -- choosing from the front (study/front.py) -------------------------------------
    def set_metric_names(self, names: Sequence[str]) -> None:
        """Name the objectives (Optuna's name), one per direction: shown by the CLI and
        accepted wherever an objective is chosen (`best_under`, `weighted_best`)."""
        names = [str(n) for n in names]
        if len(names) != len(self.directions) or len(set(names)) != len(names):
            raise ValueError(f"set_metric_names needs {len(self.directions)} distinct names "
                             f"(one per objective), got {names!r}")
        self._append([ev.attr_set(None, "metric_names", names, scope="system")])

    @property
    def metric_names(self) -> list[str] | None:
        """The objectives' names, or None when `set_metric_names` was never called."""
        names = self._view.refresh().system_attrs.get("metric_names")
        return list(names) if isinstance(names, list) else None

    def knee_trial(self) -> TrialRecord:
        """The knee of the Pareto front (`tuneforge.study.front.knee_trial`)."""
        return front.knee_trial(self._view.trials(), self.directions,
                                study_name=self.study_name)

    def weighted_best(self, weights: Sequence[float] | Mapping[int | str, float], *,
                      normalize: bool = True) -> TrialRecord:
        """The front trial best under a weighting of the objectives, each scaled to
        [0, 1] over the front (`tuneforge.study.front.weighted_best`)."""
        return front.weighted_best(self._view.trials(), self.directions, weights,
                                   names=self.metric_names, normalize=normalize,
                                   study_name=self.study_name)

    def best_under(self, objective: int | str, limits: Mapping[int | str, float]) -> TrialRecord:
        """The best trial in `objective` with the others within `limits` ("best accuracy
        with size <= X": ``best_under("accuracy", {"model_size": X})``)."""
        return front.best_under(self._view.trials(), self.directions, objective, limits,
                                names=self.metric_names, study_name=self.study_name)

    @property
    def best_value(self) -> float:
        return float(self.best_trial.values[0])  # type: ignore[index]  # COMPLETE: set

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best_trial.params)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._view.refresh().user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._view.refresh().system_attrs)

    def sampler_report(self) -> dict[str, int]:
        """How many trials each sampler proposed (from the trials' system attributes)."""
        from tuneforge.samplers.auto import sampler_report

        return sampler_report(self._view.trials())

    def set_user_attr(self, key: str, value: Any) -> None:
        """Store a JSON value on the study."""
        self._append([ev.attr_set(None, key, value, scope="user")])

    # -- artifacts -------------------------------------------------------------------
    @property
    def artifacts(self) -> ArtifactStore:
        """Where trials keep checkpoints (`trial.checkpoint`): the folder named with
        `set_artifact_root`, else beside the storage (``x.db`` -> ``x.artifacts/``; a
        temporary folder for an in-memory study)."""
        root = self._view.refresh().system_attrs.get("artifact_root")
        return ArtifactStore(root if root is not None else default_root(self._storage))

    def set_artifact_root(self, path: str | Path) -> None:
        """Keep this study's checkpoints under `path` (a folder every worker can reach;
        stored in the study, so worker processes and `load_study` find it)."""
        self._append([ev.attr_set(None, "artifact_root", str(Path(path).resolve()),
                                  scope="system")])

    # -- manual search ---------------------------------------------------------------
    def enqueue_trial(self, params: Mapping[str, Any], *,
                      user_attrs: Mapping[str, Any] | None = None,
                      skip_if_exists: bool = False) -> None:
        """Queue a trial with these parameter values; it runs before sampled ones.

        Values are checked against the distribution when the objective suggests them.
        `skip_if_exists` (Optuna's name) enqueues nothing when a trial that is waiting,
        running or finished already has exactly these params.
        """
        if not isinstance(params, Mapping):
            raise SearchSpaceError(f"enqueue_trial needs a dict of params, got {params!r}")
        plain = {str(k): unwrap(v) for k, v in params.items()}
        for name, value in plain.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise SearchSpaceError(f"enqueued parameter {name!r} is not finite: {value!r}")
        plain = ev.plain(plain)
        if self.param_constraints:
            feasible.check_fixed(self.param_constraints, plain, "enqueue_trial")
        if skip_if_exists:
            for t in self._view.trials():
                if {**t.fixed_params, **t.params} == plain:
                    return
        self._append([ev.trial_created(ev.new_key(), state="WAITING", params=plain,
                                       user_attrs=dict(user_attrs or {}),
                                       system_attrs={"enqueued": True})])

    # -- ask / tell ------------------------------------------------------------------
    def ask(self, fixed_params: Mapping[str, Any] | None = None) -> Trial:
        """Start a trial: claim an enqueued one, or create one and sample it jointly."""
        state = self._view.refresh()
        initial = self.sampler.initial_queue()
        if initial is not None:
            tag, queue = initial
            if tag not in state.enqueue_tags:
                specs = [dict(spec, key=ev.new_key()) for spec in queue
                         if not self._violates(spec.get("params", {}))]
                self._append([ev.enqueue_once(tag, specs)])
        token = ev.new_key()
        key = None
        if fixed_params is None:
            for waiting in self._view.state.waiting():
                self._append([ev.trial_claimed(waiting.key, token),
                              ev.attr_set(waiting.key, "worker", self.worker_id,
                                          scope="system")])
                if self._view.state.claimed_by(waiting.key) == token:
                    key = waiting.key
                    break
        if key is None:
            if initial is not None and fixed_params is None:
                raise SearchExhausted(f"study {self.study_name!r}: {self.sampler!r} has no "
                                      "point left to try")
            key = ev.new_key()
            self._append([ev.trial_created(key, state="RUNNING", params=dict(fixed_params or {}),
                                           system_attrs={"worker": self.worker_id},
                                           token=token)])
        record = self._view.state.trial(key)
        return Trial(self, key, self._joint_sample(record))

    def _relative_space(self) -> Any:
        """Intersection of the COMPLETE/PRUNED trials' spaces, folded in incrementally:
        finished trials never change, so each is read once."""
        read, space = self._space_cache
        state = self._view.state
        keys = state.finished_keys
        if len(keys) > read:
            new = [state.trial(k) for k in keys[read:]]
            new = [t for t in new if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
            if new:
                merged = new if space is None else [_SpaceHolder(space)] + new
                space = intersection_space(merged)
            self._space_cache = (len(keys), space)
        return space or {}

    def _joint_sample(self, record: TrialRecord) -> dict[str, Any]:
        if self.reproducible_batch is not None:  # earlier batches first (any executor)
            wait_for_earlier_batches(self._view, record.number, self.reproducible_batch)
        if not self.sampler.relative:
            return {}
        relative = self._relative_space()
        if self.reproducible_batch is not None:  # the space of earlier batches only
            cutoff = batch_start(record.number, self.reproducible_batch)
            relative = intersection_space([
                t for t in self._view.state.trials((TrialState.COMPLETE, TrialState.PRUNED))
                if t.number < cutoff]) or {}
        # a sampler may declare the joint space (RefinedSampler: the refined one)
        space = self.sampler.joint_space(relative)
        space = {k: v for k, v in space.items() if k not in record.fixed_params}
        if not space:
            return {}
        rng = trial_rng(self.seed, record.number)
        history = sampler_history(self.pruner, self.sampler,
                                  restrict(self._history(refresh=False), record,
                                           self.reproducible_batch),
                                  record)  # a pruner may narrow it (Hyperband: the bracket)
        suggestion = self.sampler.sample(space, history, rng, record)
        if self.param_constraints:
            suggestion = feasible.repair_joint(self.param_constraints, self.sampler, space,
                                               history, record, suggestion, self.seed)
        if suggestion.attrs:
            self._append([ev.attr_set(record.key, k, v, scope="system")
                          for k, v in suggestion.attrs.items()])
        return dict(suggestion.params)

    def _violates(self, params: Mapping[str, Any]) -> bool:
        """Whether `params` break a parameter constraint (a grid point is then skipped)."""
        return bool(self.param_constraints) and violated(self.param_constraints,
                                                         params) is not None

    def tell(self, trial: Trial | int, values: Any = None, *,
             state: TrialState | str | None = None, reason: str | None = None,
             traceback: str | None = None) -> TrialRecord:
        """Finish a trial with its objective value(s) (or state PRUNED/FAIL).

        A NaN or non-numeric value, or the wrong number of values, makes the trial FAIL
        with the reason stored; +-inf are legal values. A PRUNED trial without a reason
        gets the pruner's (`should_prune`).
        """
        record = self._resolve(trial)
        if record.state.is_finished:
            raise TrialStateError(
                f"trial {record.number} is already finished ({record.state.value})"
            )
        st = TrialState(state) if state is not None else TrialState.COMPLETE
        vals: tuple[float, ...] | None = None
        if st is TrialState.COMPLETE:
            vals, problem = check_values(values, len(self.directions))
            if problem is not None:
                st, reason = TrialState.FAIL, problem
                log.warning("trial %d failed: %s", record.number, problem)
        elif st is TrialState.PRUNED:
            if values is not None:
                vals = check_values(values, len(self.directions))[0]
            if reason is None:  # what the pruner said when should_prune() was True
                reason = record.system_attrs.get("prune_reason")
        elif st is TrialState.RUNNING or st is TrialState.WAITING:
            raise TrialStateError(f"cannot tell trial {record.number} with state {st.value}")
        finish = ev.finished(record.key, st.value, vals, reason, traceback)
        extra: list[ev.Event] = []
        cons_problem: str | None = None
        if self.constraints_func is not None and st is TrialState.COMPLETE:
            cons, cons_problem = feasible.outcome_constraints(
                self.constraints_func, dataclasses.replace(record, state=st, values=vals))
            extra = [ev.attr_set(record.key, "constraints", cons, scope="system")] \
                if cons_problem is None else \
                [ev.attr_set(record.key, "constraints_error", cons_problem, scope="system")]
        try:
            self._append([*extra, finish])
        except StorageError:
            self._unsaved.extend([*extra, finish])  # written before the study's next write
            raise
        final = self._view.state.trial(record.key)
        if final.state is not st:
            log.warning("trial %d was already marked %s (%s); this result is discarded",
                        record.number, final.state.value,
                        final.system_attrs.get("fail_reason", ""))
        if cons_problem is not None:  # stored with its values; the user's bug is said
            raise TuneforgeError(f"{cons_problem}. Trial {record.number} is stored {st.value} with "
                                 "its values and without constraints")
        return final

    def _resolve(self, trial: Trial | int) -> TrialRecord:
        state = self._view.refresh()
        if isinstance(trial, Trial):
            return state.trial(trial.key)
        if isinstance(trial, int) and not isinstance(trial, bool):
            records = state.trials()
            if 0 <= trial < len(records):
                return records[trial]
            raise TrialStateError(f"study {self.study_name!r} has no trial number {trial}")
        raise TypeError(f"tell() needs a Trial or a trial number, got {trial!r}")

    # -- running ---------------------------------------------------------------------
    def optimize(self, objective: Objective, n_trials: int | None = None, *,
                 timeout: float | None = None, n_jobs: int = 1,
                 executor: Executor | None = None,
                 catch: tuple[type[BaseException], ...] = (Exception,),
                 callbacks: Sequence[Callback] = (), show_progress: bool = False,
                 show_progress_bar: bool | None = None, gc_after_trial: bool = False,
                 trial_timeout: float | None = None, retry: int = 0,
                 reproducible: bool | int = False) -> None:
        """Run `objective` on new trials until `n_trials`, `timeout` (s) or the search
        space is exhausted. Exceptions of the `catch` types mark the trial FAIL and the
        study goes on; others are re-raised after the trial is marked FAIL.

        Where trials run is the `executor`'s job (`tuneforge.execution`); `n_jobs=k` is
        short for ``executor=LocalPool(k)``, k worker processes on this machine sharing
        the storage (-1: one per core), and the default runs trials in this process.
        `show_progress_bar` and `gc_after_trial` are Optuna's spellings, accepted too.
        `trial_timeout` (s) runs each trial in a worker process that is killed at the
        limit (trial FAIL, reason "timeout"); `retry=k` re-runs, as a new linked trial,
        the params of a trial whose worker died or timed out, at most k times.
        `reproducible=True` (or a batch size; True is 4) gives the same trials whatever
        `n_jobs` or executor: each proposal sees only earlier batches' results.
        """
        # the one import from a room above: n_jobs=k is sugar for the local process pool
        from tuneforge.execution import Run, resolve_executor

        run = Run(objective=objective, n_trials=n_trials, timeout=timeout, catch=catch,
                  callbacks=tuple(callbacks), gc_after_trial=gc_after_trial,
                  show_progress=show_progress if show_progress_bar is None
                  else show_progress_bar, trial_timeout=trial_timeout, retry=retry,
                  reproducible=reproducible)
        chosen = resolve_executor(n_jobs=n_jobs, executor=executor,
                                  isolate=trial_timeout is not None)
        self._stop_requested = False
        self.reproducible_batch = run.reproducible
        try:
            chosen.run(self, run)
        finally:
            self.reproducible_batch = None

    def stop(self) -> None:
        """Ask a running `optimize` to stop after the trials now running."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        """Whether `stop()` was called since the current `optimize` began."""
        return self._stop_requested

    def points_left(self) -> int | None:
        """How many points a sampler that knows its trials up front (a grid) has left to
        run, enqueued ones included; None for other samplers (for progress bars)."""
        initial = self.sampler.initial_queue()
        if initial is None:
            return None
        tag, queue = initial
        state = self._view.refresh()
        waiting = len(state.waiting())
        return waiting if tag in state.enqueue_tags else len(queue) + waiting

    # -- export ----------------------------------------------------------------------
    def trials_dataframe(self) -> Any:
        """The trials as a pandas DataFrame (needs the `pandas` extra)."""
        return analysis.trials_dataframe(self.trials, self.directions)

    def export(self, path: str | Path, *, format: str = "csv") -> Path:
        """Write every trial to `path` as CSV or JSON; returns the path."""
        return analysis.export(self.trials, self.directions, Path(path), format,
                               study_name=self.study_name, study_attrs=self.system_attrs)


class _SpaceHolder:
    """Lets a cached intersection take part in `intersection_space` like a trial."""

    def __init__(self, space: Any) -> None:
        self.distributions = space


def check_values(values: Any, n_objectives: int) -> tuple[tuple[float, ...] | None, str | None]:
    """Validate an objective's return: (values, None) when fine, else (None, reason)."""
    if values is None:
        return None, "the objective returned None; it must return a number"
    seq = values if isinstance(values, (list, tuple)) else [values]
    seq = [unwrap(v) for v in seq]
    if len(seq) != n_objectives:
        return None, (f"the objective returned {len(seq)} value(s) for a study with "
                      f"{n_objectives} objective(s)")
    out = []
    for v in seq:
        if not is_number(v):
            return None, (f"the objective returned {describe(v)} ({type(v).__name__}), "
                          "not a number")
        try:
            f = to_float(v, "objective value")
        except ValueError as exc:  # finite but too large: FAIL, never a made-up inf
            return None, str(exc)
        if math.isnan(f):
            return None, "the objective returned NaN"
        out.append(f)
    return tuple(out), None
