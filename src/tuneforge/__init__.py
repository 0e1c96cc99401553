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
from tuneforge.pruners import MedianPruner, NopPruner
from tuneforge.samplers import (
    AutoSampler,
    CmaEsSampler,
    GeneticSampler,
    GPSampler,
    GridSampler,
    MOEADSampler,
    NSGAIISampler,
    RandomSampler,
    TPESampler,
)
from tuneforge.space import Categorical, Float, Int, SearchSpace
from tuneforge.storage import InMemoryStorage, SQLiteStorage, open_storage
from tuneforge.study import Study, Trial, create_study, delete_study, load_study
from tuneforge.trial import Direction, FixedTrial, TrialRecord, TrialState

__version__ = "0.1.0"

__all__ = [
    "AutoSampler",
    "Categorical",
    "CmaEsSampler",
    "Direction",
    "DuplicatedStudyError",
    "FixedTrial",
    "GPSampler",
    "Float",
    "GeneticSampler",
    "GridSampler",
    "InMemoryStorage",
    "Int",
    "MedianPruner",
    "MOEADSampler",
    "MissingExtraError",
    "NSGAIISampler",
    "NopPruner",
    "RandomSampler",
    "SQLiteStorage",
    "SearchExhausted",
    "SearchSpace",
    "SearchSpaceError",
    "StorageError",
    "StorageVersionError",
    "Study",
    "StudyNotFoundError",
    "TPESampler",
    "Trial",
    "TrialPruned",
    "TrialRecord",
    "TrialState",
    "TrialStateError",
    "TuneforgeError",
    "__version__",
    "create_study",
    "delete_study",
    "load_study",
    "open_storage",
]
