"""Serving the dashboard in a real process and driving Debian's Chromium with Playwright.

Chromium comes from Debian (`make chromium`, or `apt-get install -y chromium`); Playwright
never downloads a browser here. Without it the browser tests skip, and fail when CI=true.
Screenshots go to build/test-artifacts/dashboard/ (or $TUNEFORGE_TEST_ARTIFACTS).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    unavailable("Debian's chromium is not installed (make chromium, or as root: "
                "apt-get install -y chromium)")
    raise AssertionError  # unreachable: unavailable() skips or fails


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("TUNEFORGE_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    folder = folder / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    """The environment of a child process: this checkout's sources first."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT),
                                       *filter(None, [e.get("PYTHONPATH")])])
    return e


@contextlib.contextmanager
def served(url: str, *, poll: float = 0.3) -> Iterator[str]:
    """`tuneforge dashboard --storage url` in its own process; yields its base URL. The
    server's output goes to a file (a pipe nobody reads could fill and stall it) and is
    printed when the server stops, so a failing test shows the server's tracebacks."""
    import tempfile

    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="dashboard-", suffix=".log")
    proc = subprocess.Popen([sys.executable, "-m", "tuneforge.cli", "dashboard", "--storage",
                             url, "--port", str(port), "--poll", str(poll)], env=env(),
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/config", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"the dashboard did not start: {log.read()}") \
                        from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        print(f"--- dashboard server output ({base}) ---\n{log.read()}")
        log.close()


@contextlib.contextmanager
def browser() -> Iterator[object]:
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -r tests/requirements.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def console_errors(page: object) -> list[str]:
    """Collect the page's console errors and uncaught exceptions into the returned list."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]
    # the console names no address for a failed request: the response does
    page.on("response", lambda r: errors.append(f"HTTP {r.status} from {r.url}")  # type: ignore[attr-defined]
            if r.status >= 500 else None)
    return errors
