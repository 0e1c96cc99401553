"""Plotly figure builders shared by the dashboard and the HTML report.

Each builder is a pure function of a study's trials (a Study, a History, or a list of
TrialRecord with `directions=`) returning a ``plotly.graph_objects.Figure``, down-sampled
so that a 100,000-trial study stays light in a browser. Needs the `dashboard` extra.
"""

from tuneforge.viz.curves import (
    plot_cv_folds,
    plot_intermediate_values,
    plot_train_validation_gap,
)
from tuneforge.viz.history import plot_edf, plot_optimization_history, plot_timeline
from tuneforge.viz.importance import plot_param_importances
from tuneforge.viz.params import plot_contour, plot_parallel_coordinate, plot_slice
from tuneforge.viz.pareto import plot_hypervolume_history, plot_pareto_front

__all__ = ["plot_contour", "plot_cv_folds", "plot_edf", "plot_hypervolume_history",
           "plot_intermediate_values", "plot_optimization_history",
           "plot_parallel_coordinate", "plot_param_importances", "plot_pareto_front",
           "plot_slice", "plot_timeline", "plot_train_validation_gap"]
