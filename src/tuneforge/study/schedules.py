"""Export a PBT study's schedules as JSON, and replay one schedule in a fresh study."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tuneforge.schedulers.pbt import ScheduleReplay
from tuneforge.schedulers.schedule import pick_lineage, schedules
from tuneforge.storage.base import Storage
from tuneforge.study.api import create_study
from tuneforge.study.study import Study
from tuneforge.study.trial import Trial


def export_schedules(study: Study, path: str | Path | None = None) -> dict[str, Any]:
    """Each member's schedule (hyperparameters over steps, with exploit/explore events,
    and the lineage of its final weights) as a JSON document; written to `path` if given."""
    doc = schedules(study.trials, study.direction)
    if path is not None:
        Path(path).write_text(json.dumps(doc, indent=1))
    return doc


def replay_schedule(objective: Callable[[Trial], Any], schedule: dict[str, Any] | str | Path,
                    *, member: int | None = None, storage: str | Storage | None = None,
                    seed: int | None = None) -> Study:
    """Re-run one member's lineage (default: the best member's) from scratch: segment i
    of the schedule becomes trial i of a new study, with its recorded hyperparameters and
    steps, continuing from trial i - 1's checkpoint. The same objective as in the PBT
    study is run (it calls `pbt_segment(trial)` first); a deterministic objective gives
    the recorded final value again: `study.trials[-1].value`."""
    doc = json.loads(Path(schedule).read_text()) if isinstance(schedule, (str, Path)) \
        else schedule
    chain = pick_lineage(doc, member)
    study = create_study(direction=doc["direction"], storage=storage,
                         sampler=ScheduleReplay(chain), seed=seed)
    study.optimize(objective, n_trials=len(chain), catch=())
    return study
