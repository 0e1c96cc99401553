"""The read-only web dashboard: `tuneforge dashboard --storage URL` (needs the
`dashboard` extra: FastAPI, uvicorn, plotly)."""

from tuneforge.dashboard.app import create_app

__all__ = ["create_app"]
