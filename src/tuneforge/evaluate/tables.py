"""Tables as users bring them: a CSV or Parquet path or a DataFrame, the target named by its
column, and scikit-learn's errors about text and gaps turned into messages that name the
columns at fault.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from tuneforge.exceptions import TuneforgeError, missing_extra

_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet",
             ".pq": "parquet"}


class TableInputError(TuneforgeError, ValueError):
    """The table cannot be read, or a column of it cannot go into the estimator."""


def read_table(path: str | Path) -> Any:
    """A CSV (``.csv``, ``.tsv``, compressed too) or Parquet file as a DataFrame."""
    try:
        import pandas as pd
    except ImportError:
        raise missing_extra("pandas", "pandas") from None
    path = Path(path).expanduser()
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2", ".zip",
                                                                      ".xz", ".zst")]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if not path.is_file():
        raise TableInputError(f"no such file: {path}")
    if fmt is None:
        raise TableInputError(f"cannot tell the format of {path.name!r}: name it .csv, .tsv "
                              "or .parquet, or read it into a DataFrame yourself")
    try:
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if ".tsv" in suffixes else ",")
    except ImportError:
        raise TableInputError(f"cannot read {path}: Parquet needs pyarrow "
                              "(pip install 'tuneforge[pandas]')") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise TableInputError(f"cannot read {path} as {fmt}: "
                              f"{' '.join(str(exc).split())}") from None


def is_path(X: Any) -> bool:
    return isinstance(X, (str, Path))


def as_xy(X: Any, y: Any) -> tuple[Any, Any]:
    """(features, target): `X` a path is read; a string `y` names the target column of
    the table (taken out of the features). Anything else is returned as it is."""
    if is_path(X):
        X = read_table(X)
    if isinstance(y, str):
        columns = getattr(X, "columns", None)
        if columns is None:
            raise TableInputError(f"y={y!r} names a column, but X has no named columns; pass "
                                  "a DataFrame or a CSV/Parquet path, or the target itself")
        if y not in columns:
            shown = ", ".join(map(str, list(columns)[:30]))
            raise TableInputError(f"the table has no column {y!r} to predict; columns: {shown}")
        X, y = X.drop(columns=[y]), X[y]
    return X, y


_TEXT = re.compile(r"could not convert string to float: ?'?(?P<cell>[^']*)'?")
_NAN = re.compile(r"Input X contains (NaN|infinity)|Input contains (NaN|infinity)|"
                  r"contains NaN")


def explain_fit_error(exc: BaseException, X: Any, estimator: Any = None) -> str | None:
    """A message naming the columns that made a fit fail (text cells, gaps), or None when
    the error is about something else."""
    text = str(exc)
    match = _TEXT.search(text)
    nan = _NAN.search(text)
    if not match and not nan:
        return None
    name = type(estimator).__name__ if estimator is not None else "the estimator"
    columns = getattr(X, "columns", None)
    parts = []
    if columns is not None:
        import pandas as pd

        for c in columns:
            col = X[c]
            if col.dtype.kind not in "iufb":
                numbers = pd.to_numeric(col, errors="coerce")
                cells = col[numbers.isna() & col.notna()]
                if len(cells):
                    parts.append(f"column {str(c)!r} holds text (such as {str(cells.iloc[0])!r})")
                    continue
            gaps = int(col.isna().sum())
            if gaps:
                parts.append(f"column {str(c)!r} has {gaps} missing value"
                             f"{'' if gaps == 1 else 's'}")
    elif match:
        parts.append(f"a column holds text (such as {match.group('cell')!r})")
    else:
        arr = np.asarray(X, dtype=float)
        cols: Any = np.flatnonzero(~np.isfinite(arr).all(axis=0)) if arr.ndim == 2 else []
        parts.append("column(s) " + ", ".join(map(str, cols[:10])) + " have missing values"
                     if len(cols) else "some cells are missing")
    if not parts:
        return None
    return (f"{'; '.join(parts)}: {name} needs numbers without gaps. Let "
            "tuneforge.automl.select prepare the table (it imputes, encodes and scales "
            "inside the folds), or wrap the model: "
            "tuneforge.automl.table_pipeline(model, X)")


__all__ = ["TableInputError", "as_xy", "explain_fit_error", "is_path", "read_table"]
