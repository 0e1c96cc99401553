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
    y = frame[target]
    if y.isna().any():
        raise DataError(f"{path}: column {target!r} has {int(y.isna().sum())} missing "
                        "value(s); drop those rows first")
    X = frame.drop(columns=[target])
    if time_column is not None:
        X[time_column] = _times(X, time_column, path)
    features = [c for c in X.columns if c != time_column]
    if not features:
        raise DataError(f"{path}: no feature columns besides the target {target!r}")
    text = [str(c) for c in features if X[c].dtype.kind in "OSU"]
    if text:
        raise DataError(f"{path}: feature column(s) {', '.join(map(repr, text[:10]))} are not "
                        "numeric; encode them as numbers first")
    return X, y


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
