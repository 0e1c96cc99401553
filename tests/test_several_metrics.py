"""Several metrics optimized together in every entry point: cross_val_objective,
automl.select, TuneSearchCV and the `tuneforge run` config give a front, not one winner."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")
require_module("pandas", "pandas")

from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

import tuneforge as tf  # noqa: E402
from tuneforge.automl import select  # noqa: E402
from tuneforge.evaluate import cross_val_objective  # noqa: E402
from tuneforge.exceptions import TuneforgeError  # noqa: E402
from tuneforge.integrations.sklearn import TuneSearchCV  # noqa: E402
from tuneforge.runspec import ConfigError, load_run_config  # noqa: E402

X, y = load_iris(return_X_y=True)
SPACE = {"max_depth": tf.Int(1, 6), "min_samples_leaf": tf.Int(1, 30)}


def test_cross_val_objective_returns_one_mean_per_objective_and_reports_vectors():
    obj = cross_val_objective(DecisionTreeClassifier(random_state=0), X, y, space=SPACE, cv=3,
                              objectives=["accuracy", "model_size"], scoring="f1_macro")
    assert obj.directions == ["maximize", "minimize"] and obj.objectives == ("accuracy",
                                                                             "model_size")
    study = tf.create_study(directions=obj.directions, seed=0)
    study.optimize(obj, n_trials=6, catch=())
    for t in study.trials:
        cv = t.user_attrs["cv"]["mean"]
        assert t.values == (cv["accuracy"], cv["model_size"])
        assert "f1_macro" in cv  # recorded, not optimized
        assert sorted(t.intermediate_vectors) == [0, 1, 2]
        assert t.intermediate_vectors[2] == pytest.approx(t.values)
    assert study.knee_trial() in study.best_trials
    wrong = tf.create_study(directions=["maximize", "maximize"])
    with pytest.raises(TuneforgeError, match="directions=objective.directions"):
        wrong.optimize(obj, n_trials=1, catch=())


def test_pareto_pruner_prunes_cross_validated_vectors():
    obj = cross_val_objective(DecisionTreeClassifier(random_state=0), X, y, space=SPACE, cv=3,
                              objectives=["accuracy", "model_size"])
    study = tf.create_study(directions=obj.directions, seed=1,
                            pruner=tf.ParetoPruner(eta=3, n_startup_trials=2))
    study.optimize(obj, n_trials=10, catch=())
    pruned = study.get_trials([tf.TrialState.PRUNED])
    assert pruned, "some trial should fall behind 2/3 of its peers"
    assert all("prune_rank" in t.system_attrs for t in pruned)


def test_select_gives_a_front_and_picks_its_knee():
    Xd, yd = load_diabetes(return_X_y=True)
    Xd, yd = Xd[:150], yd[:150]
    sel = select(Xd, yd, models=["ridge", "knn_reg"], budget=6, cv=3,
                 objectives=["rmse", "model_size"], seed=0)
    assert [d.value for d in sel.study.directions] == ["minimize", "minimize"]
    assert sel.study.metric_names == ["rmse", "model_size"]
    front = sel.front
    assert front and sum(r["knee"] for r in front) == 1
    assert {r["trial"] for r in front} == {t.number for t in sel.study.best_trials}
    knee = sel.study.knee_trial()
    assert sel.choice["trial"] == knee.number and sel.best_family == sel.choice["family"]
    assert set(sel.choice["holdout_scores"]) == {"rmse", "model_size"}
    assert sel.best_model.predict(Xd[:3]).shape == (3,)
    doc = json.loads(json.dumps(sel.to_json()))
    assert doc["choice"]["trial"] == knee.number and len(doc["front"]) == len(front)
    assert sel.front_table().row_count == len(front)


def test_tune_search_cv_refits_the_knee_of_several_scorers():
    search = TuneSearchCV(DecisionTreeClassifier(random_state=0), SPACE, n_trials=8, cv=3,
                          scoring={"acc": "accuracy", "size": "model_size"},
                          objectives=["acc", "size"], refit="knee", random_state=0)
    search.fit(X, y)
    study = search.study_
    assert [d.value for d in study.directions] == ["maximize", "minimize"]
    front = {t.number for t in study.best_trials}
    assert [search.trials_[i].number for i in search.pareto_front_] == sorted(front)
    assert search.trials_[search.best_index_].number == study.knee_trial().number
    assert search.best_estimator_.get_params()["max_depth"] == search.best_params_["max_depth"]
    # refit by a key: scikit-learn's rule, the best mean of that metric
    by_acc = TuneSearchCV(DecisionTreeClassifier(random_state=0), SPACE, n_trials=8, cv=3,
                          scoring={"acc": "accuracy", "size": "model_size"},
                          objectives=["acc", "size"], refit="acc", random_state=0).fit(X, y)
    means = by_acc.cv_results_["mean_test_acc"]
    assert by_acc.best_score_ == pytest.approx(np.nanmax(means))


@pytest.mark.parametrize("kw, message", [
    ({"scoring": "accuracy", "objectives": ["accuracy"]}, "multi-metric scoring"),
    ({"scoring": ["accuracy", "f1_macro"], "objectives": ["accuracy", "size"]}, "keys of"),
    ({"scoring": ["accuracy", "model_size"], "objectives": ["accuracy", "model_size"],
      "refit": "best"}, "refit='best'"),
])
def test_tune_search_cv_refuses_bad_objectives(kw, message):
    search = TuneSearchCV(DecisionTreeClassifier(), SPACE, n_trials=2, cv=2, **kw)
    with pytest.raises(ValueError, match=message):
        search.fit(X, y)


CSV = "a,b,label\n" + "".join(f"{i % 7}.5,{i % 5},{'xy'[i % 2]}\n" for i in range(40))


def config(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "data.csv").write_text(CSV)
    path = tmp_path / "config.yaml"
    path.write_text("study: mo\ndata: {path: data.csv, target: label}\nmodels: [knn]\n"
                    + textwrap.dedent(extra))
    return path


def test_run_config_takes_objectives(tmp_path: Path) -> None:
    cfg = load_run_config(config(tmp_path, "objectives: [accuracy, model_size]\n"))
    assert cfg.objectives == ("accuracy", "model_size")
    assert cfg.select_kwargs()["objectives"] == ["accuracy", "model_size"]
    assert "objectives" not in load_run_config(config(tmp_path, "")).select_kwargs()


@pytest.mark.parametrize("extra, message", [
    ("objectives: accuracy\n", "must be a list of two or more"),
    ("objectives: [accuracy]\n", "two or more distinct"),
    ("objectives: [accuracy, sizee]\n", "unknown metric 'sizee'"),
    ("objectives: [accuracy, model_size]\nnested_cv: 3\n", "cannot be combined"),
])
def test_run_config_reports_bad_objectives_at_their_line(tmp_path: Path, extra: str,
                                                         message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_run_config(config(tmp_path, extra))
    assert any(message in line for line in info.value.lines), info.value.lines


def test_tuneforge_run_prints_the_front_and_its_knee(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tuneforge.cli import app

    path = config(tmp_path, "objectives: [accuracy, model_size]\ncv: 2\nholdout: null\n")
    result = CliRunner().invoke(app, ["run", str(path), "--trials", "4", "--quiet",
                                      "--storage", f"sqlite:///{tmp_path / 'r.db'}"],
                                env={"COLUMNS": "200", "NO_COLOR": "1",
                                     "TUNEFORGE_STORAGE": None})
    assert result.exit_code == 0, result.output
    assert "Pareto front of 'mo'" in result.stdout and "(* = knee, chosen)" in result.stdout
    knee = tf.load_study("mo", storage=f"sqlite:///{tmp_path / 'r.db'}").knee_trial()
    assert "best: knn (" in result.stdout
    marked = [[c.strip() for c in line.strip("│").split("│")]
              for line in result.stdout.splitlines() if "*" in line and "│" in line]
    assert [(cells[0][-1], cells[1]) for cells in marked] == [("*", str(knee.number))]
