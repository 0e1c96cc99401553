"""Model selection across model families, with documented preset search spaces.

    from tuneforge.automl import select
    selection = select(X, y, models=["logreg", "svc", "rf"], budget=40)
    print(selection.best_family, selection.best_params)

Needs the `sklearn` extra.
"""

try:
    import sklearn  # noqa: F401
except ImportError:
    from tuneforge.exceptions import missing_extra

    raise missing_extra("scikit-learn", "sklearn") from None

from tuneforge.automl.families import MODEL_PARAM, Families, prefixed, resolve_models
from tuneforge.automl.preprocess import (
    ColumnTypes,
    TableError,
    TablePreprocessor,
    column_types,
    table_pipeline,
)
from tuneforge.automl.select import OvertuningWarning, enqueue_defaults, nested_select, select
from tuneforge.automl.selection import Selection
from tuneforge.automl.tasks import DEFAULT_SCORING, infer_task

__all__ = [
    "ColumnTypes",
    "DEFAULT_SCORING",
    "MODEL_PARAM",
    "Families",
    "OvertuningWarning",
    "Selection",
    "TableError",
    "TablePreprocessor",
    "column_types",
    "enqueue_defaults",
    "infer_task",
    "nested_select",
    "prefixed",
    "resolve_models",
    "select",
    "table_pipeline",
]
