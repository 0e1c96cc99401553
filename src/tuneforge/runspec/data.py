"""The table a config points at: its format from the suffix, its columns, and (X, y).

Reading goes through pandas (the `pandas` extra); Parquet also needs pyarrow or fastparquet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuneforge.exceptions import TuneforgeError, missing_extra

FORMATS = ("csv", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst")


class DataError(TuneforgeError):
    """The data file cannot be read, or lacks what the config asks for."""


def infer_format(path: Path) -> str | None:
    """"csv" or "parquet" from the file's suffix (``.csv.gz`` is csv), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise missing_extra("pandas", "pandas") from None
    return pandas


def read_table(path: Path, fmt: str, *, header_only: bool = False) -> Any:
    """The file as a pandas DataFrame (only its columns when `header_only`, for CSV)."""
    pd = _pandas()
    try:
        if fmt == "csv":
            sep = "\t" if ".tsv" in (s.lower() for s in path.suffixes) else ","
            return pd.read_csv(path, sep=sep, nrows=0 if header_only else None)
        return pd.read_parquet(path)
    except ImportError:  # no Parquet engine
        raise DataError(f"cannot read {path} as {fmt}: pandas needs pyarrow or fastparquet "
                        "for Parquet files (pip install pyarrow)") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:  # EmptyDataError included
        raise DataError(f"cannot read {path} as {fmt}: {' '.join(str(exc).split())}") from None


def columns_hint(columns: list[str], limit: int = 30) -> str:
    """``columns: a, b, c`` (the first `limit`, then how many in all)."""
    shown = ", ".join(map(str, columns[:limit]))
    more = f", ... ({len(columns)} in all)" if len(columns) > limit else ""
    return f"columns: {shown}{more}" if columns else "the file has no columns"


def split_target(frame: Any, target: str, path: Path,
                 time_column: str | None = None) -> tuple[Any, Any]:
    """(X, y): every column but `target`, and `target`; rows missing the target are an error.
    A `time_column` stays in X as numbers or datetimes (text is parsed as dates): it orders
    the rows, and `select` takes it out of the features."""
    columns = [str(c) for c in frame.columns]
    if target not in columns:
        raise DataError(f"{path}: no column {target!r}; {columns_hint(columns)}")
    y = frame[target]  # its cells are checked with the split known (`target_problems`)
    X = frame.drop(columns=[target])
    if time_column is not None:
        X[time_column] = _times(X, time_column, path)
    features = [c for c in X.columns if c != time_column]
    if not features:
        raise DataError(f"{path}: no feature columns besides the target {target!r}")
    return X, y


def bad_cells(X: Any, features: list[Any], holdout: Any, *, missing_ok: bool) -> list[str]:
    """One line per feature column with cells the models cannot use: text in a column that
    is not all numbers, infinities, and (unless `missing_ok`) missing values (empty, NA,
    n/a...), each with its data rows (1 = the first row after the header) and their split:
    "search rows" or "hold-out" (`holdout`: the hold-out's row positions, or None: no hold-out)."""
    import numpy as np

    pd = _pandas()
    held = set() if holdout is None else {int(i) for i in holdout}
    out = []
    for name in features:
        col = X[name]
        missing = col.isna().to_numpy()
        if col.dtype.kind in "OSU":
            text = (pd.to_numeric(col, errors="coerce").isna() & ~col.isna()).to_numpy()
            if text.all():
                out.append(f"column {str(name)!r} is text, not numbers; encode it as numbers "
                           "first")
                continue
            if text.any():
                first = col.to_numpy()[text][0]
                out.append(f"column {str(name)!r} has {_count(text, 'text cell')} in a column of "
                           f"numbers (such as {str(first)!r}) at {_rows(text, held)}; fix or "
                           "drop them")
        if col.dtype.kind in "fc":  # no scikit-learn model takes an infinite input
            infinite = np.isinf(col.to_numpy())
            if infinite.any():
                out.append(f"column {str(name)!r} has {_count(infinite, 'infinite value')} at "
                           f"{_rows(infinite, held)}; fix or drop them")
        if missing.any() and not missing_ok:
            out.append(f"column {str(name)!r} has {_count(missing, 'missing value')} at "
                       f"{_rows(missing, held)}")
    return out


def _count(mask: Any, what: str) -> str:
    n = int(mask.sum())
    return f"{n} {what}" + ("" if n == 1 else "s")


def _rows(mask: Any, held: set[int]) -> str:
    """``data rows 4, 9 (search rows) and 12 (hold-out)``: 1-based, a few of each split."""
    from tuneforge.automl.tasks import rows_text

    return rows_text(mask, held, first=1, word="data row")


def takes_missing(estimator: Any) -> bool:
    """Whether scikit-learn says the estimator (every step of a pipeline, the inner model
    of a target transform) accepts NaN inputs, as HistGradientBoosting does."""
    from sklearn.utils import get_tags

    if hasattr(estimator, "steps"):
        return all(takes_missing(step) for _, step in estimator.steps)
    inner = getattr(estimator, "regressor", None)
    if inner is not None and hasattr(estimator, "transformer"):  # TransformedTargetRegressor
        return takes_missing(inner)
    try:
        return bool(get_tags(estimator).input_tags.allow_nan)
    except (AttributeError, TypeError, ValueError):
        return False


def _times(X: Any, name: str, path: Path) -> Any:
    """The time column as numbers or datetimes, every row with a time."""
    if name not in X.columns:
        names = [str(c) for c in X.columns]
        raise DataError(f"{path}: no time column {name!r}; {columns_hint(names)}")
    col = X[name]
    if col.dtype.kind in "OSU":
        try:
            col = _pandas().to_datetime(col)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{path}: time column {name!r} is neither numbers nor dates "
                            f"({' '.join(str(exc).split())})") from None
    if col.isna().any():
        raise DataError(f"{path}: time column {name!r} has {int(col.isna().sum())} missing "
                        "value(s); every row needs a time")
    return col
