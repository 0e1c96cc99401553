"""Real tables in, numbers out: each column's type inferred, and the preprocessing that turns
it into model inputs fit inside every CV fold.

`column_types` reads a DataFrame's columns as numeric, categorical, boolean or datetime
(date parts become numbers), and leaves out free text, empty and constant columns with a
note. `TablePreprocessor` is a scikit-learn transformer doing imputation (with missing
indicators), categorical encoding (one-hot with rare levels grouped, ordinal, or target
encoding, which scikit-learn's TargetEncoder cross-fits on the training rows) and scaling;
as the first step of the model's Pipeline it is refit on each fold's training rows, so no
statistic of a validation row leaks into training. Models that take categories and gaps
natively (HistGradientBoosting, LightGBM, XGBoost) get pandas categories and NaNs as they are.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone

from tuneforge.exceptions import TuneforgeError
from tuneforge.space import Categorical

#: Cells read as missing in a text column (compared stripped and lower-cased): "?" marks
#: gaps in many classic tables (Titanic, Adult), which pandas reads as text.
MISSING_MARKERS = frozenset({"", "?", "na", "n/a", "nan", "null", "none", "-", "--"})
MAX_LEVELS = 250          # categories kept per column (HistGradientBoosting takes <= 255)
CATEGORICAL_LEVELS = 20   # a text column with at most this many levels is categorical ...
TEXT_SHARE = 0.5          # ... and so is one whose levels are at most this share of its rows
DATE_PARTS = ("year", "month", "day", "day_of_week", "day_of_year")
#: Date parts that only mean something when the day varies: for dates at month or year
#: resolution ("1970-01-01" for a model year) they are a calendar artefact of the year.
DAY_PARTS = ("day_of_week", "day_of_year")
NATIVE = ("hgb", "hgb_reg", "lightgbm", "lightgbm_reg", "xgboost", "xgboost_reg")


class TableError(TuneforgeError, ValueError):
    """A column of the table cannot be used; the message names it."""


@dataclass(frozen=True)
class ColumnTypes:
    """The columns of a table by the type they are used as; `dropped` says why the others
    are left out (free text, empty, constant)."""

    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    boolean: tuple[str, ...] = ()
    datetime: tuple[str, ...] = ()
    dropped: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # short: it shows inside every pipeline's repr
        kinds = ", ".join(f"{k}={len(getattr(self, k))}" for k in
                          ("numeric", "categorical", "boolean", "datetime", "dropped")
                          if getattr(self, k))
        return f"ColumnTypes({kinds})"

    @property
    def used(self) -> tuple[str, ...]:
        return self.numeric + self.categorical + self.boolean + self.datetime

    @property
    def n_inputs(self) -> int:
        """Columns once date parts are split out (before encoding)."""
        return (len(self.numeric) + len(self.categorical) + len(self.boolean)
                + len(DATE_PARTS) * len(self.datetime))

    @property
    def notes(self) -> list[str]:
        """One line per column left out, saying why."""
        return [f"column {name!r} left out: {why}" for name, why in self.dropped.items()]

    def to_json(self) -> dict[str, Any]:
        return {"numeric": list(self.numeric), "categorical": list(self.categorical),
                "boolean": list(self.boolean), "datetime": list(self.datetime),
                "dropped": dict(self.dropped)}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        from tuneforge.exceptions import missing_extra

        raise missing_extra("pandas", "pandas") from None
    return pandas


def as_frame(X: Any) -> Any:
    """`X` as a DataFrame with string column names (an array gets ``x0, x1, ...``)."""
    pd = _pandas()
    if isinstance(X, pd.DataFrame):
        if all(isinstance(c, str) for c in X.columns):
            return X
        return X.rename(columns={c: str(c) for c in X.columns})
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be two-dimensional (rows, features), got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def needs_preprocessing(X: Any) -> bool:
    """Whether `X` is more than a clean numeric matrix: a DataFrame with a non-numeric
    column, or any missing value."""
    pd = _pandas()
    if isinstance(X, pd.DataFrame):
        if any(dtype.kind not in "iuf" for dtype in X.dtypes):
            return True
        return bool(X.isna().to_numpy().any())
    arr = np.asarray(X)
    if arr.dtype.kind not in "iufb":
        return True
    return bool(arr.dtype.kind == "f" and np.isnan(arr).any())


def _check_cells(col: Any) -> None:
    """Cells that are containers (lists, dicts, ...) cannot be used: name the column."""
    values = col.astype("object")
    bad = values.map(lambda v: isinstance(v, (list, dict, set, tuple, bytes)))
    if bad.any():
        first = values[bad].iloc[0]
        raise TableError(f"column {str(col.name)!r} holds {type(first).__name__} values (such "
                         f"as {str(first)[:40]!r}), not numbers, text or dates; drop it or "
                         "turn it into columns of its own")


def _text_cells(col: Any) -> Any:
    """A text column as stripped strings (object dtype), its missing markers NaN."""
    text = col.astype("string").str.strip()
    marked = text.str.lower().isin(MISSING_MARKERS).fillna(False).to_numpy(dtype=bool)
    missing = text.isna().to_numpy(dtype=bool) | marked
    out = np.array(text.astype(object), dtype=object)
    out[missing] = np.nan
    return _pandas().Series(out, index=col.index, name=col.name, dtype=object)


def _looks_like_dates(text: Any) -> bool:
    """At least 95% of a sample of the cells parse as dates (and they are not numbers)."""
    pd = _pandas()
    sample = text.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d").all():
        return False
    if not sample.str.contains(r"[-/:]").mean() >= 0.95:  # "2007-03-01", "3/1/07", "12:30"
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
        except (ValueError, TypeError):
            return False
    return bool(parsed.notna().mean() >= 0.95)


def column_types(X: Any) -> ColumnTypes:
    """How each column of `X` is used (module docstring); raises TableError naming a column
    that cannot be used, or when no column is left."""
    pd = _pandas()
    X = as_frame(X)
    kinds: dict[str, list[str]] = {"numeric": [], "categorical": [], "boolean": [],
                                   "datetime": []}
    dropped: dict[str, str] = {}
    for name in X.columns:
        col = X[name]
        kind = col.dtype.kind
        if isinstance(col.dtype, pd.CategoricalDtype):
            kind = "O"
        n = len(col)
        if kind == "b":
            kinds["boolean"].append(name)
            continue
        if kind == "M":
            if col.isna().all():
                dropped[name] = "every value is missing"
            else:
                kinds["datetime"].append(name)
            continue
        if kind in "iufm":
            values = col.to_numpy(dtype=float) if kind != "m" else \
                col.dt.total_seconds().to_numpy()
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                dropped[name] = "every value is missing"
            elif np.unique(finite).size == 1 and finite.size == n:
                dropped[name] = "it has a single value"
            else:
                kinds["numeric"].append(name)
            continue
        _check_cells(col)
        text = _text_cells(col)
        present = text.dropna()
        if present.empty:
            dropped[name] = "every value is missing"
            continue
        numbers = pd.to_numeric(present, errors="coerce")
        if numbers.notna().all():
            kinds["numeric"].append(name)
            continue
        if _looks_like_dates(present):
            kinds["datetime"].append(name)
            continue
        levels = present.astype(str).nunique()
        if levels == 1 and len(present) == n:
            dropped[name] = "it has a single value"
        elif levels <= CATEGORICAL_LEVELS or levels <= TEXT_SHARE * len(present):
            kinds["categorical"].append(name)
        else:
            dropped[name] = (f"free text or an identifier ({levels} distinct values in "
                             f"{len(present)} rows); turn it into features yourself to use it")
    types = ColumnTypes(**{k: tuple(v) for k, v in kinds.items()}, dropped=dropped)
    if not types.used:
        why = "; ".join(types.notes) or "the table has no columns"
        raise TableError(f"no column of the table can be used: {why}")
    return types


def coerce(X: Any, types: ColumnTypes) -> Any:
    """The used columns as model-ready cells: numbers as floats (markers and infinities
    NaN), booleans 0/1, dates split into parts, categories as text (NaN kept)."""
    pd = _pandas()
    X = as_frame(X)
    missing = [c for c in types.used if c not in X.columns]
    if missing:
        raise TableError(f"the table lacks the column(s) {missing} it was fitted with; "
                         f"columns now: {', '.join(map(str, X.columns[:20]))}")
    out: dict[str, Any] = {}
    for name in types.numeric:
        col = X[name]
        if col.dtype.kind == "m":
            values = col.dt.total_seconds()
        elif col.dtype.kind in "iuf":
            values = col.astype(float)
        else:
            values = pd.to_numeric(_text_cells(col), errors="coerce").astype(float)
        out[name] = values.where(np.isfinite(values), np.nan)
    for name in types.boolean:
        out[name] = X[name].astype(float)
    for name in types.datetime:
        col = X[name]
        if col.dtype.kind != "M":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                col = pd.to_datetime(_text_cells(col), errors="coerce", format="mixed")
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        for part in DATE_PARTS:
            out[f"{name}__{part}"] = getattr(col.dt, part).astype(float)
    for name in types.categorical:
        out[name] = _text_cells(X[name])
    return pd.DataFrame(out, index=X.index)


def unused_date_parts(parts: Any, dates: Sequence[str]) -> list[str]:
    """The date-part columns of `parts` (`coerce`'s output) that carry nothing on these
    rows: a part with one value (a date's month when every date is in June), and the
    weekday and day of the year when the day of the month never varies (dates at month or
    year resolution), where they would only be noise derived from the year."""
    unused = []
    for name in dates:
        cols = {part: f"{name}__{part}" for part in DATE_PARTS}
        varies = {part: parts[col].nunique(dropna=True) > 1 for part, col in cols.items()}
        if not any(varies.values()):  # one date everywhere: keep its year, as a column
            varies["year"] = True
        unused += [col for part, col in cols.items()
                   if not varies[part] or (part in DAY_PARTS and not varies["day"])]
    return unused


class CategoryLevels(TransformerMixin, BaseEstimator):
    """Text columns as pandas categories with the levels seen in fit (the `max_levels`
    most frequent, each seen at least `min_count` times); others become missing. What
    HistGradientBoosting, LightGBM and XGBoost read as native categorical features."""

    def __init__(self, max_levels: int = MAX_LEVELS, min_count: int = 1) -> None:
        self.max_levels = max_levels
        self.min_count = min_count

    def fit(self, X: Any, y: Any = None) -> CategoryLevels:
        X = as_frame(X)
        self.levels_ = {}
        for name in X.columns:
            counts = X[name].dropna().astype(str).value_counts()
            kept = counts[counts >= self.min_count].index[: self.max_levels]
            self.levels_[name] = sorted(kept)
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        return self

    def transform(self, X: Any) -> Any:
        pd = _pandas()
        X = as_frame(X)
        return pd.DataFrame({name: pd.Categorical(X[name], categories=levels)
                             for name, levels in self.levels_.items()}, index=X.index)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(list(self.levels_), dtype=object)


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """Types -> model inputs, fit on the rows it is given (a fold's training rows).

    `impute`: SimpleImputer strategy for numbers (``median``, ``mean``, ``most_frequent``),
    with a missing-value indicator per column that has gaps; `encoder`: ``onehot`` (levels
    seen fewer than `rare` times grouped as one), ``ordinal`` or ``target`` (cross-fitted
    target means); `scaler`: ``standard``, ``robust``, ``minmax`` or ``none``; `native`:
    categories and gaps passed on as they are (the other settings unused).
    """

    def __init__(self, types: ColumnTypes | None = None, *, impute: str = "median",
                 encoder: str = "onehot", scaler: str = "none", rare: int = 5,
                 native: bool = False, random_state: int | None = None) -> None:
        self.types = types
        self.impute = impute
        self.encoder = encoder
        self.scaler = scaler
        self.rare = rare
        self.native = native
        self.random_state = random_state

    def _plan(self, X: Any) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline

        numeric = [c for c in X.columns if c not in set(self.types_.categorical)]
        categorical = list(self.types_.categorical)
        parts: list[tuple[str, Any, list[str]]] = []
        if self.native:
            if numeric:
                parts.append(("numeric", "passthrough", numeric))
            if categorical:
                parts.append(("categorical", CategoryLevels(min_count=1), categorical))
            out = ColumnTransformer(parts, verbose_feature_names_out=False)
            return out.set_output(transform="pandas")
        if numeric:
            steps = [SimpleImputer(strategy=self.impute, add_indicator=True,
                                   keep_empty_features=True)]
            scaler = _scaler(self.scaler)
            if scaler is not None:
                steps.append(scaler)
            parts.append(("numeric", make_pipeline(*steps), numeric))
        if categorical:
            fill = SimpleImputer(strategy="constant", fill_value="(missing)")
            steps = [fill, _encoder(self.encoder, self.rare, self.random_state)]
            if self.encoder == "target" and self.scaler != "none":
                steps.append(_scaler(self.scaler))
            parts.append(("categorical", make_pipeline(*steps), categorical))
        return ColumnTransformer(parts, sparse_threshold=0.0)

    def fit(self, X: Any, y: Any = None) -> TablePreprocessor:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        self.types_ = self.types if self.types is not None else column_types(X)
        Xc = coerce(X, self.types_)
        self.unused_parts_ = unused_date_parts(Xc, self.types_.datetime)
        Xc = Xc.drop(columns=self.unused_parts_)
        self.plan_ = self._plan(Xc)
        return self.plan_.fit_transform(Xc, y)

    def transform(self, X: Any) -> Any:
        return self.plan_.transform(coerce(X, self.types_).drop(
            columns=getattr(self, "unused_parts_", [])))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.plan_.get_feature_names_out()


def _scaler(name: str) -> Any:
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    scalers = {"standard": StandardScaler, "robust": RobustScaler, "minmax": MinMaxScaler}
    if name == "none":
        return None
    if name not in scalers:
        raise ValueError(f"scaler must be one of {['none', *scalers]}, got {name!r}")
    return scalers[name]()


def _encoder(name: str, rare: int, random_state: int | None) -> Any:
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder

    if name == "onehot":
        return OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=rare,
                             max_categories=MAX_LEVELS, sparse_output=False)
    if name == "ordinal":
        return OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                              min_frequency=rare, max_categories=MAX_LEVELS)
    if name == "target":  # its own inner folds keep a row's encoding off its own target
        if TargetEncoder().get_params().get("shuffle") == "deprecated":  # scikit-learn 1.9+
            from sklearn.model_selection import KFold

            return TargetEncoder(cv=KFold(5, shuffle=True, random_state=random_state))
        return TargetEncoder(random_state=random_state)
    raise ValueError(f"encoder must be one of ['onehot', 'ordinal', 'target'], got {name!r}")


class EncodedLabels(ClassifierMixin, BaseEstimator):
    """A classifier fitted on labels 0..k-1 (what XGBoost needs) that predicts the original
    labels (strings included)."""

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> EncodedLabels:
        from sklearn.preprocessing import LabelEncoder

        self.labels_ = LabelEncoder().fit(np.asarray(y))
        self.classes_ = self.labels_.classes_
        self.estimator_ = clone(self.estimator).fit(X, self.labels_.transform(np.asarray(y)),
                                                    **fit_params)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.labels_.inverse_transform(np.asarray(self.estimator_.predict(X), int))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)


# -- preprocessing as hyperparameters --------------------------------------------------

def prep_space(family: str, scaled: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(space, defaults) of a family's preprocessing choices: none for native families;
    imputation and encoder for trees; plus the scaler for scale-sensitive models."""
    if family in NATIVE:
        return {}, {}
    space: dict[str, Any] = {"prep.impute": Categorical(("median", "mean", "most_frequent"))}
    defaults: dict[str, Any] = {"prep.impute": "median"}
    if scaled:
        space["prep.encoder"] = Categorical(("onehot", "target"))
        space["prep.scaler"] = Categorical(("standard", "robust", "minmax"))
        defaults.update({"prep.encoder": "onehot", "prep.scaler": "standard"})
    else:
        space["prep.encoder"] = Categorical(("ordinal", "onehot", "target"))
        defaults["prep.encoder"] = "ordinal"
    return space, defaults


def table_model(preset: Any, params: Mapping[str, Any], types: ColumnTypes, *,
                random_state: int | None = None) -> Any:
    """Pipeline(prep -> the preset's model) for a table: `params` are the preset's space
    values plus its ``prep.*`` choices (`prep_space`)."""
    from sklearn.pipeline import Pipeline

    own = {k: v for k, v in params.items() if not k.startswith("prep.")}
    prep = {k[len("prep."):]: v for k, v in params.items() if k.startswith("prep.")}
    native = preset.name in NATIVE
    model = preset.build(own, random_state=random_state, scale=False)
    if native and "enable_categorical" in model.get_params():
        model.set_params(enable_categorical=True, tree_method="hist")
    if preset.name == "xgboost":
        model = EncodedLabels(model)
    steps = TablePreprocessor(types, native=native, random_state=random_state,
                              scaler=prep.pop("scaler", "standard" if preset.scale else "none"),
                              **prep)
    return Pipeline([("prep", steps), ("model", model)])


def table_pipeline(estimator: Any, X: Any, *, impute: str = "median", encoder: str = "onehot",
                   scaler: str = "standard", rare: int = 5, native: bool = False) -> Any:
    """``Pipeline([("prep", TablePreprocessor(...)), ("model", estimator)])`` for your own
    estimator on table `X` (its column types read from `X`), e.g. for TuneSearchCV; tune
    ``prep__encoder`` and friends like any other parameter."""
    from sklearn.pipeline import Pipeline

    prep = TablePreprocessor(column_types(X), impute=impute, encoder=encoder, scaler=scaler,
                             rare=rare, native=native)
    return Pipeline([("prep", prep), ("model", estimator)])


def n_inputs(types: ColumnTypes | None, n_features: int) -> int:
    """The feature count used for per-feature defaults (SVM gamma): the columns in use."""
    return n_features if types is None else max(1, types.n_inputs)


__all__ = ["ColumnTypes", "EncodedLabels", "MISSING_MARKERS", "TableError",
           "TablePreprocessor", "as_frame", "coerce", "column_types", "needs_preprocessing",
           "prep_space", "table_model", "table_pipeline"]
