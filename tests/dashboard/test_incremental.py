"""The live study's incremental aggregation: a poll folds in the changed trials only, and
what it keeps (counts, best, figure data) equals a full recompute over every trial."""

from __future__ import annotations

import threading
import time

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tuneforge.dashboard import plots
from tuneforge.dashboard.live import LiveStorage
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.study import analysis

require_module("plotly", "dashboard")
require_module("fastapi", "dashboard")

from fastapi.testclient import TestClient  # noqa: E402

from tuneforge.dashboard import create_app  # noqa: E402


def _objective(t):
    x = t.suggest_float("x", -3, 3)
    kind = t.suggest_categorical("kind", ["a", "b"])
    if t.number % 5 == 4:
        t.report(x * x + 1, step=0)
        raise tf.TrialPruned()
    return x * x + (kind == "b")


def _figures(live, features=None):
    out = {}
    for kind in ("history", "edf", "parallel", "slice", "contour", "intermediate",
                 "timeline"):
        fig = plots.build(kind, live.trials(), live.ref.directions, objective=0, params=None,
                          names=None, features=features)
        out[kind] = plots.figure_json(fig)
    return out


def test_poll_reads_only_the_changed_trials_and_equals_a_full_recompute():
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage, sampler=tf.samplers.RandomSampler(seed=1))
    study.optimize(_objective, n_trials=30)
    hub = LiveStorage(storage, min_interval=0.0)
    live = hub.study("s")
    f = live.features()
    assert f.n_read == 30
    study.optimize(_objective, n_trials=4)
    hub.study("s")
    f = live.features()
    assert f.n_read == 34  # the four new trials, not the 30 before them again
    trials = live.trials()
    done = [t for t in trials if t.state.value == "COMPLETE"]
    assert sum(f.counts.values()) == 34 and f.counts["PRUNED"] == 34 - len(done)
    assert f.best is not None
    assert f.best.number == analysis.best_trial(trials, live.ref.directions).number
    assert sorted(f.curves) == [t.number for t in trials if t.intermediate]
    # every figure equals the one built from a fresh aggregation over every trial
    assert _figures(live, f) == _figures(live, None)


def test_a_figure_is_rebuilt_only_when_what_it_draws_changed(monkeypatch):
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage, sampler=tf.samplers.RandomSampler(seed=2))
    study.optimize(_objective, n_trials=5)  # trial 4 is pruned with a learning curve
    client = TestClient(create_app(storage))
    built: list[str] = []
    real = plots.build

    def counting(kind, *a, **k):
        built.append(kind)
        return real(kind, *a, **k)

    monkeypatch.setattr(plots, "build", counting)
    for kind in ("intermediate", "history"):
        assert client.get(f"/api/studies/1/plots/{kind}").status_code == 200
    study.optimize(lambda t: t.suggest_float("x", -3, 3) ** 2, n_trials=1)  # no curve
    time.sleep(0.1)
    client.get("/api/studies/1/changes?after=-1")
    for kind in ("intermediate", "history"):
        assert client.get(f"/api/studies/1/plots/{kind}").status_code == 200
    assert built == ["intermediate", "history", "history"]


def test_changes_long_poll_answers_when_an_event_lands():
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    client = TestClient(create_app(storage))
    cursor = client.get("/api/studies/1/changes").json()["cursor"]
    t0 = time.monotonic()
    nothing = client.get(f"/api/studies/1/changes?after={cursor}&wait=0.3").json()
    assert nothing["n_changed"] == 0 and time.monotonic() - t0 >= 0.3
    timer = threading.Timer(0.3, lambda: study.optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=1))
    timer.start()
    t0 = time.monotonic()
    new = client.get(f"/api/studies/1/changes?after={cursor}&wait=20").json()
    waited = time.monotonic() - t0
    timer.join()
    assert new["cursor"] > cursor and new["n_changed"] == 1 and new["n_trials"] == 3
    assert waited < 10  # answered when the trial landed, not at the end of the wait


@pytest.mark.parametrize("wait", ["-1", "31", "nan"])
def test_changes_wait_out_of_range_is_a_clear_error(wait):
    storage = InMemoryStorage()
    tf.create_study("s", storage=storage)
    r = TestClient(create_app(storage)).get(f"/api/studies/1/changes?wait={wait}")
    assert r.status_code in (400, 422)
    if r.status_code == 400:
        assert "wait must be 0..30 seconds" in r.json()["error"]


def test_a_busy_storage_keeps_the_loaded_study_and_is_read_again():
    from tuneforge.exceptions import StorageError

    class Busy(InMemoryStorage):
        busy = False

        def read(self, study, *, after=-1):
            if self.busy:
                raise StorageError("SQLite error on 'x.db': database is locked")
            return super().read(study, after=after)

    storage = Busy()
    study = tf.create_study("s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    hub = LiveStorage(storage, min_interval=0.0)
    cursor = hub.study("s").cursor
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    storage.busy = True
    live = hub.study("s")  # no error: the two trials already read stay
    assert live.cursor == cursor and len(live.trials()) == 2
    storage.busy = False
    assert len(hub.study("s").trials()) == 3  # read again on the next poll
    storage.busy = True
    with pytest.raises(StorageError, match="locked"):  # a study never loaded: said so
        LiveStorage(storage).study("s")


def test_warm_loads_every_study_and_builds_its_first_figure(monkeypatch):
    storage = InMemoryStorage()
    study = tf.create_study("s", storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    tf.create_study("m", storage=storage, directions=["minimize", "maximize"]).optimize(
        lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=3)
    app = create_app(storage)
    built: list[str] = []
    real = plots.build
    monkeypatch.setattr(plots, "build", lambda kind, *a, **k: built.append(kind)
                        or real(kind, *a, **k))
    app.state.warm()
    assert sorted(built) == ["history", "pareto"]
    client = TestClient(app)
    assert client.get("/api/studies/1/plots/history").status_code == 200
    assert sorted(built) == ["history", "pareto"]  # the page's first figure was ready
