"""Studies: create/load/delete, the live Trial handle, and the optimize loop."""

from tuneforge.study.api import create_study, delete_study, load_study
from tuneforge.study.study import Study
from tuneforge.study.trial import Trial

__all__ = ["Study", "Trial", "create_study", "delete_study", "load_study"]
