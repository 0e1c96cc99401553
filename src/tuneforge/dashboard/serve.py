"""Serve the dashboard with uvicorn: read-only storage, 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import threading

from tuneforge.exceptions import missing_extra
from tuneforge.storage.url import open_storage


def serve(url: str, *, host: str = "127.0.0.1", port: int = 8080,
          poll_seconds: float = 1.0) -> None:
    """Open `url` read-only, load its studies in the background and serve until Ctrl-C."""
    try:
        import uvicorn
    except ImportError:
        raise missing_extra("uvicorn", "dashboard") from None
    from tuneforge.dashboard.app import create_app

    storage = open_storage(url.strip(), read_only=True, must_exist=True)
    app = create_app(storage, poll_seconds=poll_seconds)
    threading.Thread(target=app.state.warm, name="tuneforge-warm", daemon=True).start()
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: anyone who can reach this address can read "
              "every study in the storage (the dashboard has no login)")
    print(f"tuneforge dashboard on http://{host}:{port}/ (read-only; Ctrl-C to stop)")
    # a page's pending long poll must not hold a Ctrl-C for its whole wait
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)


__all__ = ["serve"]
