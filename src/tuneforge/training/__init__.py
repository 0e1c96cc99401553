"""Training loops: early stopping inside one run (no study needed), and step-by-step
loops for scikit-learn (`partial_fit`, `warm_start`) and PyTorch that report to a trial."""

from tuneforge.training.early_stopping import EarlyStopping
from tuneforge.training.sklearn import TrainingLog, fit_incremental, fit_warm_start
from tuneforge.training.torch import fit_torch

__all__ = ["EarlyStopping", "TrainingLog", "fit_incremental", "fit_torch", "fit_warm_start"]
