"""Screenshots of the dashboard's pages and of a report for the docs (docs/images/).

    python scripts/dashboard_screenshots.py --storage sqlite:///tuneforge.db \\
        --study demo-rf-random [--out docs/images]

Run `tuneforge demo` first for the demo's database. Needs the dashboard extra, Playwright
and Debian's Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.dashboard._browser import browser, served  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", required=True)
    parser.add_argument("--study", required=True)
    parser.add_argument("--trial", type=int, default=None, help="default: the best trial")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import json
    import urllib.request

    from tuneforge.report import write_report
    from tuneforge.storage.url import open_storage

    with served(args.storage) as base, browser() as b:
        with urllib.request.urlopen(f"{base}/api/studies") as r:
            sid = {s["name"]: s for s in json.load(r)}[args.study]
        trial = args.trial if args.trial is not None else sid["best"][0]["number"]
        page = b.new_page(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        page.goto(f"{base}/")
        page.wait_for_selector("#studies a")
        page.screenshot(path=str(args.out / "dashboard-studies.png"))
        page.goto(f"{base}/study/{sid['id']}")
        page.wait_for_function("() => window.tfStats.allPlotsMs !== undefined", timeout=120_000)
        page.locator("#plot-importance").scroll_into_view_if_needed()  # drawn when in view
        page.wait_for_function("() => (document.getElementById('plot-importance').data || [])"
                               ".length > 0", timeout=120_000)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(args.out / "dashboard-study.png"), full_page=True)
        page.goto(f"{base}/study/{sid['id']}/trial/{trial}")
        page.wait_for_selector("#params")
        page.wait_for_timeout(500)
        page.screenshot(path=str(args.out / "dashboard-trial.png"), full_page=True)
        with tempfile.TemporaryDirectory() as tmp:
            report = write_report(open_storage(args.storage, read_only=True), args.study,
                                  Path(tmp) / "report.html")
            page.goto(report.as_uri())
            page.wait_for_timeout(3000)
            page.screenshot(path=str(args.out / "dashboard-report.png"))
    print(f"wrote {', '.join(p.name for p in sorted(args.out.glob('dashboard-*.png')))}")


if __name__ == "__main__":
    main()
