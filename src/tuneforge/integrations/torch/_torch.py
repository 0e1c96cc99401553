"""The one place this room imports torch: a missing torch names the `torch` extra."""

from __future__ import annotations

from typing import Any

from tuneforge.exceptions import missing_extra

try:
    import torch
except ImportError:  # pragma: no cover - exercised by the missing-extra test in a subprocess
    raise missing_extra("torch", "torch") from None

nn: Any = torch.nn

__all__ = ["nn", "torch"]
