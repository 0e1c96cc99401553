"""Search-space presets: one scikit-learn-style model family each, with documented ranges.

    from tuneforge.presets import get_preset
    get_preset("svc").space        # C and gamma on log scales, ranges holding the defaults

`tuneforge.automl.select` and `tuneforge run` tune them by name; add your own with
`register_preset`.
"""

from tuneforge.presets.preset import PER_FEATURE, TASKS, Preset
from tuneforge.presets.registry import (
    UnknownPresetError,
    get_preset,
    presets,
    register_preset,
    unregister_preset,
)

__all__ = ["PER_FEATURE", "TASKS", "Preset", "UnknownPresetError", "get_preset", "presets",
           "register_preset", "unregister_preset"]
