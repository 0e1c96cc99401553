"""Tables as users bring them, through select, nested_select, cross_val_objective,
TuneSearchCV and `tuneforge run`: paths, string targets, gaps, clear errors, time budgets,
train scores and the Titanic example end to end."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.svm import SVC

from tuneforge.automl import nested_select, select, table_pipeline
from tuneforge.automl.budget import family_order, predicted_seconds
from tuneforge.automl.tables import load_table, table_path
from tuneforge.evaluate import cross_val_objective
from tuneforge.evaluate.tables import TableInputError
from tuneforge.study import create_study


def _titanic(n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_table("titanic")
    rows = np.random.default_rng(0).permutation(len(X))[:n]
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_titanic_ships_as_a_file_and_reads_with_its_gaps() -> None:
    path = table_path("titanic")
    assert path.name == "titanic.csv" and path.is_file()
    X, y = load_table("titanic")
    assert len(X) == 1309 and "boat" not in X.columns
    assert (X["age"] == "?").sum() > 200  # the gaps are there, as users get them


def test_select_takes_a_csv_path_and_a_string_target(tmp_path: Path) -> None:
    X, y = _titanic()
    frame = X.assign(survived=np.where(y == 1, "yes", "no"))
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    sel = select(str(path), "survived", models=["logreg", "tree"], budget=3, cv=3, seed=0)
    assert set(sel.best_model.predict(frame.drop(columns="survived"))) <= {"yes", "no"}
    assert sel.columns is not None and "name" in sel.columns.dropped
    assert any("'name' left out" in n for n in sel.notes)
    row = sel.leaderboard[0]
    assert row["holdout_score"] is not None and 0.6 < row["cv_score"] <= 1.0
    assert row["train_score"] is not None and row["fit"] in {"ok", "over-fitting"}
    low, high = sel.holdout_interval
    assert low < row["holdout_score"] < high
    trial = sel.study.trials[0]
    assert "train_score" in trial.user_attrs and "fit" in trial.user_attrs
    assert any(k.endswith("prep.encoder") for k in trial.params)


def test_parquet_paths_work_too(tmp_path: Path) -> None:
    X, y = _titanic(200)
    path = tmp_path / "t.parquet"
    X.assign(survived=y).to_parquet(path)
    sel = select(path, "survived", models=["tree"], budget=2, cv=3, seed=0)
    assert sel.best_family == "tree"


def test_nested_select_takes_a_table() -> None:
    X, y = _titanic(200)
    res = nested_select(X, y, outer_cv=2, models=["tree"], budget=2, cv=2)
    assert res.n_folds == 2 and all(0.5 < s <= 1 for s in res.outer_scores)


def test_a_model_that_cannot_take_the_table_names_its_columns() -> None:
    X, y = _titanic(100)
    objective = cross_val_objective(SVC(), X, y, space={}, cv=3)
    study = create_study(direction=objective.direction)
    with pytest.raises(TableInputError, match=r"column 'sex' holds text \(such as '"):
        objective(study.ask())
    with pytest.raises(TableInputError, match="no column 'survive'"):
        cross_val_objective(SVC(), X.assign(survived=y), "survive", space={})


def test_cross_val_objective_and_tunesearchcv_take_a_table_pipeline() -> None:
    from tuneforge.integrations.sklearn import TuneSearchCV
    from tuneforge.space import Categorical, Float

    X, y = _titanic(150)
    objective = cross_val_objective(table_pipeline(SVC(), X), X.assign(s=y), "s",
                                    space={"model__C": Float(0.1, 10, log=True)}, cv=3)
    study = create_study(direction=objective.direction)
    study.optimize(objective, n_trials=2)
    assert study.best_value > 0.6
    search = TuneSearchCV(table_pipeline(SVC(), X),
                          {"prep__encoder": Categorical(("onehot", "target"))},
                          n_trials=2, cv=3, random_state=0).fit(X, y)
    assert search.best_params_["prep__encoder"] in {"onehot", "target"}


def test_time_budget_stops_cleanly_at_the_deadline() -> None:
    X, y = _titanic(200)
    start = time.time()
    sel = select(X, y, models=["logreg", "tree", "rf"], time_budget=6, cv=3, seed=0)
    took = time.time() - start
    assert took < 6 * 1.5 + 3  # the deadline holds (one fold may run past it)
    assert sel.leaderboard[0]["cv_score"] is not None  # folds that ran count, at worst
    ran = [t.params["model"] for t in sel.study.trials if "model" in t.params]
    order = family_order(["logreg", "tree", "rf"], 160)
    assert ran[:3] == order[:len(ran[:3])]  # cheapest first


def test_cost_prediction_uses_measured_times() -> None:
    assert np.isnan(predicted_seconds("svc", {}, 100))
    assert predicted_seconds("logreg", {"logreg": [1.0, 3.0]}, 100) == 2.0
    # unmeasured families scale from the measured ones by their full cost ratio (rf is 8
    # times logreg, 4 times hgb): the median of those predictions
    assert predicted_seconds("rf", {"logreg": [1.0]}, 100) == pytest.approx(8.0)
    assert predicted_seconds("rf", {"logreg": [1.0], "hgb": [1.0, 1.0],
                                    "tree": [0.5]}, 100) == pytest.approx(8.0)
    assert predicted_seconds("rf", {"logreg": [1.0], "hgb": [1.5]}, 100) == \
        pytest.approx((8.0 + 6.0) / 2)
    assert family_order(["svc", "rf", "logreg"], 100) == ["logreg", "svc", "rf"]
    assert family_order(["svc", "logreg", "hgb"], 100) == ["hgb", "logreg", "svc"]


def test_time_budget_must_be_positive() -> None:
    X, y = _titanic(50)
    with pytest.raises(ValueError, match="time_budget must be a positive number"):
        select(X, y, time_budget=0)


def test_the_titanic_yaml_config_runs_end_to_end(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tuneforge.cli import app

    config = tmp_path / "titanic.yaml"
    config.write_text(f"study: titanic\nstorage: sqlite:///{tmp_path / 't.db'}\n"
                      f"data:\n  path: {table_path('titanic')}\n  target: survived\n"
                      "  drop: [boat, body]\nmodels: [logreg, tree]\ncv: 3\n"
                      "budget:\n  trials: 3\n")
    result = CliRunner().invoke(app, ["run", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "hold-out" in result.output and "95% interval" in result.output
    assert "best: " in result.output
