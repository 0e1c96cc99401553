"""Data drift: per-feature tests, a classifier two-sample test and a performance-drop
check in one report (`check`), and re-tuning when drift is found (docs: tutorials/drift).
Needs scikit-learn for the classifier test and the performance check."""

from tuneforge.drift.check import check
from tuneforge.drift.features import feature_drifts
from tuneforge.drift.joint import classifier_test
from tuneforge.drift.performance import performance_drop
from tuneforge.drift.report import DriftReport, FeatureDrift, JointDrift, PerformanceDrop

__all__ = ["DriftReport", "FeatureDrift", "JointDrift", "PerformanceDrop", "check",
           "classifier_test", "feature_drifts", "performance_drop"]
