"""scikit-learn search estimators backed by tuneforge studies (needs the `sklearn` extra).

    from tuneforge.integrations.sklearn import TuneSearchCV
    search = TuneSearchCV(SVC(), {"C": Float(1e-2, 1e2, log=True)}, n_trials=20)
    search.fit(X, y).best_params_

`TuneSearchCV` takes any tuneforge sampler and pruner, a storage to log and resume the
search, and worker processes; `GridSearchCV` and `RandomSearchCV` keep scikit-learn's
signatures.
"""

try:
    import sklearn  # noqa: F401
except ImportError:
    from tuneforge.exceptions import missing_extra

    raise missing_extra("scikit-learn", "sklearn") from None

from tuneforge.integrations.sklearn.aliases import GridSearchCV, RandomSearchCV
from tuneforge.integrations.sklearn.objective import CandidateFitFailed
from tuneforge.integrations.sklearn.search import TuneSearchCV

__all__ = ["CandidateFitFailed", "GridSearchCV", "RandomSearchCV", "TuneSearchCV"]
