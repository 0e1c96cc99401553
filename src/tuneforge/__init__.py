"""tuneforge: hyperparameter optimization you can trust.

    import tuneforge as tf

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    study = tf.create_study(storage="sqlite:///tuneforge.db", study_name="demo")
    study.optimize(objective, n_trials=50)
    print(study.best_params)
"""

from tuneforge.exceptions import (
    DuplicatedStudyError,
    MissingExtraError,
    SearchExhausted,
    SearchSpaceError,
    StorageError,
    StorageVersionError,
    StudyNotFoundError,
    TrialPruned,
    TrialStateError,
    TuneforgeError,
)
from tuneforge.pruners import (
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    ParetoPruner,
    PatiencePruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)
from tuneforge.samplers import (
    AutoSampler,
    BOHBSampler,
    CmaEsSampler,
    GeneticSampler,
    GPSampler,
    GridSampler,
    MOBOSampler,
    MOEADSampler,
    NSGAIISampler,
    RandomSampler,
    TPESampler,
)
from tuneforge.schedulers import PBT
from tuneforge.schedulers import segment as pbt_segment
from tuneforge.space import Categorical, Float, Int, SearchSpace
from tuneforge.storage import InMemoryStorage, SQLiteStorage, open_storage
from tuneforge.study import Study, Trial, create_study, delete_study, load_study
from tuneforge.study.schedules import export_schedules, replay_schedule
from tuneforge.training import EarlyStopping
from tuneforge.trial import Direction, FixedTrial, TrialRecord, TrialState

__version__ = "0.1.0"

__all__ = [
    "AutoSampler",
    "BOHBSampler",
    "Categorical",
    "CmaEsSampler",
    "Direction",
    "DuplicatedStudyError",
    "EarlyStopping",
    "FixedTrial",
    "GPSampler",
    "Float",
    "GeneticSampler",
    "GridSampler",
    "HyperbandPruner",
    "InMemoryStorage",
    "Int",
    "MedianPruner",
    "MOBOSampler",
    "MOEADSampler",
    "MissingExtraError",
    "NSGAIISampler",
    "NopPruner",
    "PBT",
    "ParetoPruner",
    "PatiencePruner",
    "PatientPruner",
    "PercentilePruner",
    "RandomSampler",
    "SQLiteStorage",
    "SearchExhausted",
    "SearchSpace",
    "SearchSpaceError",
    "StorageError",
    "StorageVersionError",
    "Study",
    "StudyNotFoundError",
    "SuccessiveHalvingPruner",
    "TPESampler",
    "ThresholdPruner",
    "Trial",
    "TrialPruned",
    "TrialRecord",
    "TrialState",
    "TrialStateError",
    "TuneforgeError",
    "WilcoxonPruner",
    "__version__",
    "create_study",
    "delete_study",
    "export_schedules",
    "load_study",
    "open_storage",
    "pbt_segment",
    "replay_schedule",
]
