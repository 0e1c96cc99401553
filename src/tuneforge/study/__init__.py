"""Studies: create/load/delete, the live Trial handle, the optimize loop, and refining a
study's space around its best trials."""

from tuneforge.study.api import create_study, delete_study, load_study
from tuneforge.study.front import best_under, knee_trial, weighted_best
from tuneforge.study.refine import (
    SpaceVersion,
    continue_on,
    record_space,
    refine,
    refine_report,
    space_versions,
)
from tuneforge.study.study import Study
from tuneforge.study.trial import Trial

__all__ = ["SpaceVersion", "Study", "Trial", "best_under", "continue_on", "create_study",
           "delete_study", "knee_trial", "load_study", "record_space", "refine",
           "refine_report", "space_versions", "weighted_best"]
