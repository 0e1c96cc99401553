"""The dashboard's JSON API, through FastAPI's TestClient."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_module
from tests.dashboard._studies import make_multi, make_single
from tuneforge.storage.url import open_storage

require_module("fastapi", "dashboard")
require_module("plotly", "dashboard")

from fastapi.testclient import TestClient  # noqa: E402

from tuneforge.dashboard import create_app  # noqa: E402


class CountingStorage:
    """A read-only storage that records every `read(after=...)` the app makes."""

    def __init__(self, inner):
        self.inner = inner
        self.reads: list[int] = []

    @property
    def url(self):
        return self.inner.url

    def list_studies(self):
        return self.inner.list_studies()

    def read(self, study, *, after=-1):
        self.reads.append(after)
        return self.inner.read(study, after=after)

    def create_study(self, *a, **k):  # pragma: no cover - the app must never call these
        raise AssertionError("the dashboard wrote")

    delete_study = append = create_study


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp("dash") / "d.db"
    url = f"sqlite:///{path}"
    make_single(url)
    make_multi(url)
    return url, path


@pytest.fixture
def client(db):
    storage = CountingStorage(open_storage(db[0], read_only=True))
    c = TestClient(create_app(storage, poll_seconds=0.5))
    c.storage = storage
    return c


def arr(v):
    """A trace array from plotly JSON: a list, or a typed array {dtype, bdata} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _ids(client):
    return {s["name"]: s["id"] for s in client.get("/api/studies").json()}


def test_study_list_counts_and_best(client):
    studies = {s["name"]: s for s in client.get("/api/studies").json()}
    single, multi = studies["single"], studies["multi"]
    assert single["n_trials"] == 12 and single["states"]["FAIL"] == 1
    assert single["states"]["COMPLETE"] == 11 and single["directions"] == ["minimize"]
    rows = client.get(f"/api/studies/{single['id']}/trials?limit=500").json()["rows"]
    best = min((r for r in rows if r["state"] == "COMPLETE"), key=lambda r: r["values"][0])
    assert single["best"][0]["number"] == best["number"]
    assert multi["directions"] == ["minimize", "maximize"] and multi["best"]  # the front
    assert client.get("/api/config").json()["read_only"] is True


def test_study_summary_names_the_plots_with_data(client):
    ids = _ids(client)
    s = client.get(f"/api/studies/{ids['single']}").json()
    assert s["params"] == ["lr", "depth", "kind"]
    assert s["plots"] == ["history", "intermediate", "parallel", "slice", "contour",
                          "importance", "edf", "timeline", "cv", "gap"]
    m = client.get(f"/api/studies/{ids['multi']}").json()
    assert m["plots"][:2] == ["pareto", "hypervolume"] and "history" not in m["plots"]
    assert "cv" not in m["plots"] and "intermediate" not in m["plots"]


@pytest.mark.parametrize("kind", ["history", "intermediate", "parallel", "slice", "contour",
                                  "importance", "edf", "timeline", "cv", "gap"])
def test_every_plot_of_the_single_objective_study(client, kind):
    if kind == "importance":
        require_module("sklearn", "sklearn")
    sid = _ids(client)["single"]
    fig = client.get(f"/api/studies/{sid}/plots/{kind}").json()
    assert fig["data"], kind
    if kind == "history":
        done = [r["number"] for r in client.get(
            f"/api/studies/{sid}/trials?state=COMPLETE&limit=500").json()["rows"]]
        assert sorted(arr(fig["data"][0]["x"])) == sorted(done)
    if kind == "importance":
        assert sorted(arr(fig["data"][0]["y"])) == ["depth", "kind", "lr"]


def test_multi_objective_plots_and_bad_plot_requests(client):
    sid = _ids(client)["multi"]
    fig = client.get(f"/api/studies/{sid}/plots/pareto").json()
    assert sum(len(arr(t["x"])) for t in fig["data"]) == 10
    r = client.get(f"/api/studies/{sid}/plots/nope")
    assert r.status_code == 400 and "unknown plot 'nope'" in r.json()["error"]
    r = client.get(f"/api/studies/{sid}/plots/slice?objective=2")
    assert r.status_code == 400 and "objective=2" in r.json()["error"]
    assert client.get("/api/studies/999").status_code == 404


def test_table_sorts_filters_and_pages(client):
    sid = _ids(client)["single"]
    page = client.get(f"/api/studies/{sid}/trials?sort=value&limit=500").json()
    vals = [r["values"][0] for r in page["rows"] if r["values"]]
    assert vals == sorted(vals) and page["rows"][-1]["state"] == "FAIL"  # missing: last
    desc = client.get(f"/api/studies/{sid}/trials?sort=value&desc=true&limit=3").json()
    assert [r["values"][0] for r in desc["rows"]] == sorted(vals, reverse=True)[:3]
    fails = client.get(f"/api/studies/{sid}/trials?state=FAIL").json()
    assert fails["total"] == 1 and fails["rows"][0]["number"] == 3
    kind_b = client.get(f"/api/studies/{sid}/trials?q=kind%3Db&limit=500").json()
    assert kind_b["total"] > 0 and all(r["params"]["kind"] == "b" for r in kind_b["rows"])
    p2 = client.get(f"/api/studies/{sid}/trials?sort=number&offset=5&limit=5").json()
    assert [r["number"] for r in p2["rows"]] == [5, 6, 7, 8, 9] and p2["total"] == 12
    by_param = client.get(f"/api/studies/{sid}/trials?sort=param:lr&limit=500").json()
    lrs = [r["params"]["lr"] for r in by_param["rows"]]
    assert lrs == sorted(lrs)
    for query, needle in (("sort=bogus", "unknown sort column 'bogus'"),
                          ("state=DONE", "unknown state 'DONE'"),
                          ("limit=0", "limit must be 1..500"),
                          ("sort=value3", "1 objective")):
        r = client.get(f"/api/studies/{sid}/trials?{query}")
        assert r.status_code == 400 and needle in r.json()["error"], query


def test_trial_detail_has_error_reason_provenance_and_404(client):
    sid = _ids(client)["single"]
    t = client.get(f"/api/studies/{sid}/trials/3").json()
    assert t["state"] == "FAIL" and "boom on purpose" in t["fail_reason"]
    assert "Traceback" in t["traceback"] and "RuntimeError" in t["traceback"]
    assert t["user_attrs"]["provenance"] == {"git": "abc123", "data": "sha256:feed"}
    assert t["system_attrs"]["sampler"] == "RandomSampler"
    assert set(t["intermediate"]) == {"0", "1", "2"}
    assert t["params"].keys() == {"lr", "depth", "kind"} and t["distributions"]["lr"]["log"]
    r = client.get(f"/api/studies/{sid}/trials/99")
    assert r.status_code == 404 and "no trial 99" in r.json()["error"]


def test_changes_cursor_reads_only_new_events(client, db):
    import tuneforge as tf

    sid = _ids(client)["single"]
    first = client.get(f"/api/studies/{sid}/changes?after=-1").json()
    assert first["n_changed"] == 12 and len(first["changed"]) == 12
    cursor = first["cursor"]
    none = client.get(f"/api/studies/{sid}/changes?after={cursor}").json()
    assert none["n_changed"] == 0 and none["cursor"] == cursor
    study = tf.load_study("single", storage=db[0])
    study.enqueue_trial({"lr": 0.1, "depth": 2, "kind": "a"})
    client.storage.reads.clear()
    import time

    time.sleep(0.25)  # the app refreshes a study at most every 0.2 s
    new = client.get(f"/api/studies/{sid}/changes?after={cursor}").json()
    assert new["n_changed"] == 1 and new["changed"][0]["number"] == 12
    assert new["changed"][0]["state"] == "WAITING" and new["n_trials"] == 13
    # the storage was asked only for the events after the ones already read
    assert client.storage.reads and min(client.storage.reads) >= cursor


def test_read_only_no_route_writes_and_static_plotly(client):
    for route in client.app.routes:
        methods = getattr(route, "methods", None) or set()
        assert methods <= {"GET", "HEAD"}, route.path
    assert client.post("/api/studies").status_code == 405
    assert client.delete(f"/api/studies/{_ids(client)['single']}").status_code == 405
    import plotly.offline

    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.text) == len(plotly.offline.get_plotlyjs())
    assert client.get("/static/../app.py").status_code == 404
    page = client.get("/study/1")
    assert page.status_code == 200 and "/static/app.js" in page.text


def test_artifacts_listed_and_served_inside_the_trial_folder_only(tmp_path):
    import tuneforge as tf

    url = f"sqlite:///{tmp_path / 'a.db'}"
    study = tf.create_study("art", storage=url)

    def objective(trial):
        trial.checkpoint({"weights": [1, 2, 3]})
        return 1.0

    study.optimize(objective, n_trials=1)
    client = TestClient(create_app(open_storage(url, read_only=True)))
    sid = _ids(client)["art"]
    t = client.get(f"/api/studies/{sid}/trials/0").json()
    paths = [a["path"] for a in t["artifacts"]]
    assert "checkpoint/state.json" in paths
    body = client.get(f"/api/studies/{sid}/trials/0/artifacts/checkpoint/state.json")
    assert body.status_code == 200 and b"weights" in body.content
    bad = client.get(f"/api/studies/{sid}/trials/0/artifacts/..%2F..%2F..%2Fa.db")
    assert bad.status_code == 404


def test_config_says_when_the_start_up_warm_up_is_done(db):
    storage = CountingStorage(open_storage(db[0], read_only=True))
    app = create_app(storage, poll_seconds=0.5)
    client = TestClient(app)
    assert client.get("/api/config").json()["warm"] is False
    app.state.warm()  # what `serve` runs in a background thread
    assert client.get("/api/config").json()["warm"] is True
    assert storage.reads  # the warm-up loaded the studies
