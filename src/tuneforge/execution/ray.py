"""RayExecutor: worker loops placed on a Ray cluster, one trial at a time per actor.

Each actor holds `resources_per_trial` (CPUs, fractional GPUs, custom resources) and runs
the shared worker loop against the study's storage (PostgreSQL for several nodes; SQLite
on one node; an in-memory study is moved to a temporary SQLite file). The budget is
counted in the storage (`execution.standalone`); the driver fails and retries the trials
of an actor that dies, kills an actor whose trial passes `trial_timeout`, and runs the
callbacks and the progress bar.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import weakref
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuneforge.execution.base import Run
from tuneforge.execution.heartbeat import fail_worker_trials
from tuneforge.execution.local import job_payload
from tuneforge.execution.progress import ProgressBar
from tuneforge.execution.retry import retry_trial
from tuneforge.execution.serial import expected_trials
from tuneforge.storage import events as ev
from tuneforge.trial.records import TrialState

if TYPE_CHECKING:
    from tuneforge.study.study import Study

log = logging.getLogger("tuneforge")


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("RayExecutor needs Ray: pip install 'tuneforge[ray]'") from None
    return ray


class RayExecutor:
    """`workers` actors on the Ray cluster at `address` (None: the running one, or a new
    local one; ``"ray://host:10001"``: a remote cluster), each holding
    `resources_per_trial` ({"cpu": 1, "gpu": 0.5, "my_resource": 1}) while it runs trials.
    """

    def __init__(self, address: str | None = None, *, workers: int = 2,
                 resources_per_trial: Mapping[str, float] | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"RayExecutor(workers=...) must be a positive integer, "
                             f"got {workers!r}")
        resources = dict(resources_per_trial if resources_per_trial is not None
                         else {"cpu": 1})
        for key, amount in resources.items():
            if not isinstance(key, str) or isinstance(amount, bool) \
                    or not isinstance(amount, (int, float)) or amount < 0:
                raise ValueError(f"resources_per_trial[{key!r}] must be a non-negative number,"
                                 f" got {amount!r}")
        if address is not None and not isinstance(address, str):
            raise ValueError(f"address must be None or a Ray address string, got {address!r}")
        self.address = address
        self.workers = workers
        self.resources = resources

    def __repr__(self) -> str:
        return (f"RayExecutor(address={self.address!r}, workers={self.workers}, "
                f"resources_per_trial={self.resources})")

    def _options(self) -> dict[str, Any]:
        custom = {k: float(v) for k, v in self.resources.items() if k not in ("cpu", "gpu")}
        opts: dict[str, Any] = {"num_cpus": float(self.resources.get("cpu", 0)),
                                "num_gpus": float(self.resources.get("gpu", 0)),
                                "max_restarts": 0}
        if custom:
            opts["resources"] = custom
        return opts

    def run(self, study: Study, run: Run) -> None:
        ray = _ray()
        if not ray.is_initialized():
            ray.init(address=self.address, include_dashboard=False,
                     logging_level=logging.WARNING, log_to_driver=True)
        if study.storage.url is None:
            _move_to_sqlite(study)
        _RayRun(ray, self, study, run).loop()


def _move_to_sqlite(study: Study) -> None:
    """Ray actors open the study by URL: an in-memory study continues in a temporary
    SQLite file (one node only; give a PostgreSQL storage for several)."""
    from tuneforge.storage.sqlite import SQLiteStorage

    folder = tempfile.mkdtemp(prefix="tuneforge-ray-")
    study.move_to(SQLiteStorage(os.path.join(folder, "study.db")))
    weakref.finalize(study, shutil.rmtree, folder, True)


class _RayRun:
    """One `optimize` on Ray."""

    def __init__(self, ray: Any, executor: RayExecutor, study: Study, run: Run) -> None:
        self.ray, self.ex, self.study, self.run_ = ray, executor, study, run
        self.budget = f"ray-{ev.new_key()}"
        self.payload = job_payload(study, run)
        options = executor._options()
        self.actor_cls = ray.remote(RayWorker).options(**options)
        # actors are kept for the next run with the same resources (as local workers are)
        self.key = (str(ray.get_runtime_context().gcs_address), repr(sorted(options.items())))
        self.refs: dict[Any, tuple[Any, str]] = {}
        self.deadline = None if run.timeout is None else time.monotonic() + run.timeout
        self.seen = {t.key for t in study.get_trials() if t.state.is_finished}
        self.error: BaseException | None = None
        self.bar = ProgressBar(enabled=run.show_progress,
                               n_trials=expected_trials(study, run.n_trials),
                               timeout=run.timeout, directions=study.directions)

    def _start(self, n: int = 1) -> None:
        kept = _KEPT.setdefault(self.key, [])
        reused, kept[:] = kept[:n], kept[n:]
        fresh = [self.actor_cls.remote() for _ in range(n - len(reused))]
        names = [name for _, name in reused] + self.ray.get(
            [a.name.remote() for a in fresh])  # new ones start in parallel
        actors = [a for a, _ in reused] + fresh
        wall = None if self.deadline is None else time.time() + (self.deadline - time.monotonic())
        for actor, name in zip(actors, names, strict=True):
            ref = actor.loop.remote(self.payload, self.study.storage.url,
                                    self.study.study_name, self.budget, self.run_.n_trials, wall)
            self.refs[ref] = (actor, name)

    def _stop_all(self) -> None:
        self.study.storage.append(self.study.ref, [ev.attr_set(
            None, f"stop:{self.budget}", True, scope="system", once=True)])

    def _slots_left(self) -> bool:
        if self.run_.n_trials is None:
            return True
        attrs = self.study.system_attrs
        taken = sum(k.startswith(f"slot:{self.budget}:") for k in attrs)
        bonus = sum(k.startswith(f"slot_bonus:{self.budget}:") for k in attrs)
        return taken < self.run_.n_trials + bonus

    def _died(self, name: str, reason: str) -> None:
        for record in fail_worker_trials(self.study, name, reason):
            if retry_trial(self.study, record, self.run_.retry):
                self.study.storage.append(self.study.ref, [ev.attr_set(
                    None, f"slot_bonus:{self.budget}:{record.key}", 1, scope="system",
                    once=True)])  # the retry does not eat the budget

    def loop(self) -> None:
        ray = self.ray
        try:
            self._start(self.ex.workers)
            stopping = False
            while self.refs:
                done, _ = ray.wait(list(self.refs), num_returns=1, timeout=0.2)
                for ref in done:
                    actor, name = self.refs.pop(ref)
                    try:
                        ray.get(ref)
                        _KEPT.setdefault(self.key, []).append((actor, name))
                        continue
                    except ray.exceptions.RayActorError as exc:
                        self._died(name, f"Ray worker {name} died while running this trial "
                                         f"({type(exc).__name__})")
                        if not stopping and self._slots_left():
                            self._start()
                    except ray.exceptions.RayTaskError as exc:  # outside `catch`
                        self.error = self.error or exc.as_instanceof_cause()
                        stopping = True
                        self._stop_all()
                    ray.kill(actor)
                if not stopping and (self.study.stop_requested or (
                        self.deadline is not None and time.monotonic() >= self.deadline)):
                    stopping = True
                    self._stop_all()
                self._check_timeouts()
                self._advance()
        except KeyboardInterrupt:
            self._stop_all()
            for actor, name in list(self.refs.values()):
                ray.kill(actor)
                fail_worker_trials(self.study, name,
                                   "interrupted by the user (KeyboardInterrupt)")
            raise
        finally:
            self._advance()
            self.bar.close()
        if self.error is not None:
            raise self.error

    def _check_timeouts(self) -> None:
        limit = self.run_.trial_timeout
        if limit is None:
            return
        now = time.time()
        by_name = {name: (ref, actor) for ref, (actor, name) in self.refs.items()}
        for t in self.study.get_trials((TrialState.RUNNING,)):
            name = t.system_attrs.get("worker")
            if name in by_name and t.datetime_start is not None \
                    and now - t.datetime_start > limit:
                ref, actor = by_name.pop(name)
                self.ray.kill(actor)
                del self.refs[ref]
                self._died(name, f"timeout: the trial ran past trial_timeout={limit:g} s; "
                                 f"its Ray worker {name} was killed")
                if self._slots_left():
                    self._start()

    def _advance(self) -> None:
        for record in self.study.get_trials():
            if record.state.is_finished and record.key not in self.seen:
                self.seen.add(record.key)
                self.bar.advance(record)
                for callback in self.run_.callbacks:
                    callback(self.study, record)
                    if self.study.stop_requested:
                        self._stop_all()


_KEPT: dict[tuple[Any, str], list[tuple[Any, str]]] = {}  # idle actors by cluster+resources


class RayWorker:
    """The Ray actor: the shared worker loop against the study's storage."""

    def name(self) -> str:
        from tuneforge.study.study import worker_name

        return worker_name(os.getpid())

    def loop(self, payload: bytes, url: str, study_name: str, budget: str,
             n_trials: int | None, deadline: float | None) -> int:
        import cloudpickle  # ipc only: objective/sampler/pruner to workers, never stored

        from tuneforge.execution.standalone import serve
        from tuneforge.storage.base import find_study
        from tuneforge.storage.url import open_storage
        from tuneforge.study.study import Study

        run, sampler, pruner, cons, preds = cloudpickle.loads(payload)
        storage = open_storage(url)
        study = Study(storage=storage, ref=find_study(storage, study_name), sampler=sampler,
                      pruner=pruner, constraints_func=cons, param_constraints=preds)
        timeout = None if deadline is None else max(1e-3, deadline - time.time())
        if timeout is not None and deadline is not None and deadline <= time.time():
            return 0
        flag = f"stop:{budget}"

        def stop() -> bool:
            return flag in study.system_attrs

        bonus = f"slot_bonus:{budget}:"

        def limit() -> int | None:
            if n_trials is None:
                return None
            return n_trials + sum(k.startswith(bonus) for k in study.system_attrs)

        return serve(study, replace(run, n_trials=n_trials, timeout=timeout), budget=budget,
                     stop=stop, limit=limit)


__all__ = ["RayExecutor", "RayWorker"]
