"""Tables with text, gaps and dates: types inferred, preprocessing fit inside the folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneforge.automl.preprocess import (
    TableError,
    TablePreprocessor,
    column_types,
    needs_preprocessing,
    prep_space,
    table_model,
    table_pipeline,
)
from tuneforge.presets import get_preset


def _table(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["male", "female"], n)
    age = rng.uniform(1, 80, n)
    age[rng.random(n) < 0.2] = np.nan
    frame = pd.DataFrame({
        "sex": sex, "age": age, "fare": rng.gamma(2.0, 10.0, n),
        "port": rng.choice(["S", "C", "Q", "?"], n),
        "name": [f"passenger {i} {rng.integers(1e6)}" for i in range(n)],
        "date": pd.date_range("2020-01-01", periods=n, freq="D").astype(str),
        "vip": rng.random(n) < 0.1, "empty": [None] * n,
    })
    y = pd.Series(np.where((sex == "female") | (rng.random(n) < 0.2), "yes", "no"),
                  name="survived")
    return frame, y


def test_types_are_inferred_and_free_text_is_left_out_with_a_note() -> None:
    X, _ = _table()
    types = column_types(X)
    assert types.numeric == ("age", "fare")
    assert types.categorical == ("sex", "port")
    assert types.boolean == ("vip",)
    assert types.datetime == ("date",)
    assert set(types.dropped) == {"name", "empty"}
    assert "free text" in types.dropped["name"]
    assert any("'name' left out" in note for note in types.notes)
    assert needs_preprocessing(X) and not needs_preprocessing(np.ones((3, 2)))
    assert needs_preprocessing(np.array([[1.0, np.nan]]))


def test_missing_markers_are_gaps_and_numbers_in_text_are_numbers() -> None:
    X = pd.DataFrame({"a": ["1", "2", "?", "4.5"], "b": ["x", "y", "x", "y"]})
    types = column_types(X)
    assert types.numeric == ("a",) and types.categorical == ("b",)
    out = TablePreprocessor(types, scaler="none", rare=1).fit_transform(X)
    # the gap is imputed (median of 1, 2, 4.5) and flagged by an indicator column
    assert out.shape == (4, 1 + 1 + 2)
    assert out[2, 0] == pytest.approx(2.0) and out[2, 1] == 1.0


def test_an_unusable_column_is_named() -> None:
    X = pd.DataFrame({"ok": [1, 2, 3], "bad": [[1], [2], [3]]})
    with pytest.raises(TableError, match="column 'bad' holds list values"):
        column_types(X)
    with pytest.raises(TableError, match="no column of the table can be used.*'e'"):
        column_types(pd.DataFrame({"e": [None, None]}))


def test_preprocessing_is_fit_on_the_training_rows_only() -> None:
    X, y = _table()
    types = column_types(X)
    train, test = X.iloc[:60], X.iloc[60:].copy()
    prep = TablePreprocessor(types, impute="mean", encoder="onehot", scaler="standard")
    prep.fit(train, y.iloc[:60])
    mean_age = train["age"].mean()
    test.loc[test.index[0], "age"] = np.nan
    out = prep.transform(test)
    names = list(prep.get_feature_names_out())
    age = names.index("numeric__age")
    scaler = prep.plan_.named_transformers_["numeric"].steps[-1][1]
    # the gap gets the training mean, scaled with the training statistics
    assert out[0, age] * scaler.scale_[0] + scaler.mean_[0] == pytest.approx(mean_age)
    unseen = test.copy()
    unseen["port"] = "Z"  # a level never seen in training still transforms
    assert prep.transform(unseen).shape[0] == len(unseen)


@pytest.mark.parametrize("encoder", ["onehot", "ordinal", "target"])
def test_every_encoder_fits_a_model(encoder: str) -> None:
    X, y = _table()
    model = table_pipeline(get_preset("logreg").build(scale=False), X, encoder=encoder)
    model.fit(X, y)
    assert set(model.predict(X)) <= {"yes", "no"}


def test_native_families_get_categories_and_gaps_as_they_are() -> None:
    X, y = _table()
    types = column_types(X)
    assert prep_space("hgb", False) == ({}, {})
    model = table_model(get_preset("hgb"), {}, types, random_state=0)
    model.fit(X, y)
    inputs = model.named_steps["prep"].transform(X)
    assert str(inputs["sex"].dtype) == "category"
    assert inputs["age"].isna().any()  # no imputation
    assert model.named_steps["model"].is_categorical_ is not None
    assert model.score(X, y) > 0.6


def test_prep_choices_are_hyperparameters_with_defaults() -> None:
    space, defaults = prep_space("svc", True)
    assert set(space) == {"prep.impute", "prep.encoder", "prep.scaler"}
    assert defaults == {"prep.impute": "median", "prep.encoder": "onehot",
                        "prep.scaler": "standard"}
    tree_space, tree_defaults = prep_space("rf", False)
    assert "prep.scaler" not in tree_space and tree_defaults["prep.encoder"] == "ordinal"


def test_rare_levels_are_grouped_by_one_hot() -> None:
    X = pd.DataFrame({"c": ["a"] * 10 + ["b"] * 10 + ["r1", "r2", "r3"]})
    out = TablePreprocessor(column_types(X), rare=5).fit_transform(X)
    assert out.shape == (23, 3)  # a, b and one column for the three rare levels
    assert out[20:, 2].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("family", ["xgboost", "lightgbm"])
def test_boosting_libraries_take_categories_natively_and_string_labels(family: str) -> None:
    X, y = _table()
    model = table_model(get_preset(family), {"n_estimators": 20}, column_types(X),
                        random_state=0)
    model.fit(X, y)
    assert set(model.predict(X)) <= {"yes", "no"}
    assert str(model.named_steps["prep"].transform(X)["port"].dtype) == "category"


def test_dates_at_year_resolution_keep_the_year_and_drop_calendar_noise() -> None:
    # a model year written as a date ("1970-01-01"): month, day, weekday and day of the
    # year are constant or derived from the year, so only the year is a feature
    years = np.arange(1970, 1983).repeat(4)
    X = pd.DataFrame({"year": [f"{v}-01-01" for v in years], "w": np.arange(years.size)})
    prep = TablePreprocessor(column_types(X), native=True).fit(X)
    names = list(prep.get_feature_names_out())
    assert names == ["w", "year__year"]
    assert prep.transform(X)["year__year"].tolist() == years.astype(float).tolist()
    # month resolution: the month too, but still no weekday or day of the year
    months = pd.DataFrame({"m": pd.date_range("2020-01-01", periods=30, freq="MS")})
    kept = TablePreprocessor(column_types(months), native=True).fit(months)
    assert list(kept.get_feature_names_out()) == ["m__year", "m__month"]
    # daily dates keep every part; one date everywhere still leaves a (constant) year
    daily = pd.DataFrame({"d": pd.date_range("2020-01-01", periods=400, freq="D")})
    full = TablePreprocessor(column_types(daily), native=True).fit(daily)
    assert len(full.get_feature_names_out()) == 5
    same = pd.DataFrame({"d": ["2020-05-05"] * 6, "x": np.arange(6.0)})
    one = TablePreprocessor(column_types(same), native=True).fit(same)
    assert list(one.get_feature_names_out()) == ["x", "d__year"]


def test_date_parts_are_chosen_on_the_training_rows_only() -> None:
    # the parts are decided in fit (inside each fold); transform keeps the same columns
    # even when new rows vary where the training rows did not
    train = pd.DataFrame({"d": [f"{v}-01-01" for v in range(2000, 2012)], "x": range(12)})
    test = pd.DataFrame({"d": ["2020-06-15", "2021-07-03"], "x": [1, 2]})
    prep = TablePreprocessor(column_types(train), scaler="standard").fit(train)
    out = prep.transform(test)
    assert out.shape == (2, 2)  # x and the year, nothing else
