"""The dashboard and the report in Debian's Chromium: plots grow while another process
adds trials, the table filters and sorts, the trial page shows the error and provenance,
and the report opens offline with no console error. Screenshots are saved as artifacts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import require_module
from tests.dashboard._browser import artifacts_dir, browser, console_errors, env, served
from tests.dashboard._studies import make_multi, make_single

require_module("fastapi", "dashboard")
require_module("plotly", "dashboard")
require_module("uvicorn", "dashboard")

pytestmark = pytest.mark.slow

# points of the history plot's first trace (plotly JSON sends numbers as typed arrays)
N_POINTS = ("(() => { const x = document.getElementById('plot-history').data[0].x; "
            "return x.bdata ? atob(x.bdata).length / parseInt(x.dtype.slice(1)) : x.length })()")


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    make_single(url, n=5)
    make_multi(url, n=8)
    return url


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One database and one server for the tests that only read."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'shared.db'}"
    make_single(url, n=5)
    make_multi(url, n=8)
    with served(url) as base:
        yield url, base


def _ids(page, base):
    import json
    import urllib.request

    with urllib.request.urlopen(f"{base}/api/studies") as r:
        return {s["name"]: s["id"] for s in json.load(r)}


def test_plots_grow_without_reload_while_another_process_adds_trials(chromium, db):
    with served(db) as base:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        errors = console_errors(page)
        page.goto(f"{base}/")
        page.wait_for_selector("#studies a")
        page.screenshot(path=str(artifacts_dir() / "studies.png"), full_page=True)
        sid = _ids(page, base)["single"]
        page.goto(f"{base}/study/{sid}")
        page.wait_for_function(f"() => window.tfStats.firstPaintMs !== null && {N_POINTS} == 4",
                               timeout=60_000)
        page.evaluate("window.__not_reloaded = true")
        assert "of 5" in page.inner_text("#table-info")
        writer = subprocess.run(
            [sys.executable, "-c", "from tests.dashboard._studies import make_single; "
             f"make_single({db!r}, n=6)"], env=env(), capture_output=True, text=True,
            timeout=120)
        assert writer.returncode == 0, writer.stderr
        # 6 more COMPLETE trials (trial 3 is the one that fails): the plot grows by itself
        page.wait_for_function(f"() => {N_POINTS} == 10", timeout=30_000)
        page.wait_for_function("() => document.querySelector('#table-info').textContent"
                               ".includes('of 11')", timeout=30_000)
        assert page.evaluate("window.__not_reloaded") is True
        # the update counter is bumped after the redraw: wait for it rather than race it
        page.wait_for_function("() => window.tfStats.updates >= 1", timeout=30_000)
        assert "11 trials" in page.inner_text("#n-trials")
        page.wait_for_function("() => window.tfStats.allPlotsMs !== undefined", timeout=60_000)
        for kind in ("history", "intermediate", "parallel", "slice", "contour", "importance",
                     "edf", "timeline", "cv", "gap"):  # each drawn once it is in view
            page.locator(f"#plot-{kind}").scroll_into_view_if_needed()
            page.wait_for_function(f"() => (document.getElementById('plot-{kind}').data "
                                   "|| []).length > 0", timeout=60_000)
        page.screenshot(path=str(artifacts_dir() / "study.png"), full_page=True)
        assert errors == []


def test_table_filters_and_sorts(chromium, shared):
    base = shared[1]
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors = console_errors(page)
    page.goto(f"{base}/study/{_ids(page, base)['single']}")
    page.wait_for_selector("#trials tbody tr")
    before = page.inner_text("#table-info")
    page.fill("#trial-filter", "kind=b")
    page.wait_for_function("(b) => document.querySelector('#table-info').textContent != b",
                           arg=before)
    kinds = page.eval_on_selector_all("#trials tbody tr td:last-child",
                                      "tds => tds.map(t => t.textContent)")
    assert kinds and set(kinds) == {"b"}
    page.fill("#trial-filter", "")
    page.select_option("#state-filter", "FAIL")
    page.wait_for_function("() => document.querySelectorAll('#trials tbody tr').length == 1")
    assert page.inner_text("#trials tbody tr td:nth-child(2)") == "FAIL"
    page.select_option("#state-filter", "COMPLETE")
    page.click("th[data-sort=value]")
    page.wait_for_selector("th.sorted-asc[data-sort=value]")
    page.wait_for_timeout(400)
    vals = page.eval_on_selector_all("#trials tbody tr td:nth-child(3)",
                                     "tds => tds.map(t => parseFloat(t.textContent))")
    assert len(vals) == 4 and vals == sorted(vals)
    assert errors == []


def test_trial_page_shows_error_traceback_reason_and_provenance(chromium, shared):
    base = shared[1]
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    errors = console_errors(page)
    page.goto(f"{base}/study/{_ids(page, base)['single']}/trial/3")
    page.wait_for_selector("#fail-reason")
    assert "boom on purpose" in page.inner_text("#fail-reason")
    assert "Traceback" in page.inner_text("#traceback")
    shown = page.inner_text(".provenance")  # what optimize recorded on the trial
    assert '"host"' in shown and '"seed"' in shown and '"objective"' in shown
    assert "RandomSampler" in page.inner_text("main")
    assert page.evaluate("document.getElementById('plot-trial-intermediate') !== null")
    page.screenshot(path=str(artifacts_dir() / "trial.png"), full_page=True)
    page.goto(f"{base}/study/{_ids(page, base)['multi']}")
    page.wait_for_function("() => window.tfStats.allPlotsMs !== undefined", timeout=60_000)
    assert page.evaluate("document.getElementById('plot-pareto').data.length") == 2
    page.screenshot(path=str(artifacts_dir() / "multi.png"), full_page=True)
    assert errors == []


def test_report_opens_offline_without_console_errors(chromium, shared, tmp_path):
    require_module("sklearn", "sklearn")
    from tuneforge.report import write_report
    from tuneforge.storage.url import open_storage

    out = write_report(open_storage(shared[0], read_only=True), "single", tmp_path / "r.html")
    context = chromium.new_context(offline=True)
    page = context.new_page()
    errors = console_errors(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length == 10")
    assert page.inner_text("#best tbody tr td") == page.inner_text("#best tbody tr td")
    assert "lr" in page.inner_text("#importance")
    page.screenshot(path=str(artifacts_dir() / "report.png"), full_page=True)
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == []
    context.close()
