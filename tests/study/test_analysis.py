"""Reading results: the best trial under constraints, the Pareto front, CSV vs JSON export."""

import csv
import json

import pytest

import tuneforge as tf
from tuneforge.trial.constraints import violation


def _constrained(values_and_constraints, directions=("minimize",)):
    """A study whose trials have the given values and constraint lists (None: no
    constraints set), told in order."""
    study = tf.create_study(directions=list(directions), seed=0)
    for values, cons in values_and_constraints:
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        if cons is not None:
            trial.set_constraint(cons)
        study.tell(trial, values)
    return study


def test_best_trial_prefers_a_feasible_trial_over_a_better_infeasible_one():
    study = _constrained([(5.0, [0.0]), (0.1, [2.0]), (3.0, [-1.0]), (0.0, [0.5])])
    assert study.best_trial.number == 2  # value 3.0, feasible; 0.0 and 0.1 are not
    assert study.best_value == 3.0
    maxi = _constrained([(5.0, [0.0]), (9.0, [1.0]), (3.0, [-1.0])], ("maximize",))
    assert maxi.best_trial.number == 0


def test_best_trial_counts_trials_without_constraints_as_feasible():
    study = _constrained([(2.0, None), (1.0, [0.3]), (4.0, [-0.1])])
    assert study.best_trial.number == 0


def test_best_trial_without_a_feasible_trial_takes_the_least_violation():
    study = _constrained([(0.0, [3.0]), (9.0, [0.2, 0.1]), (1.0, [0.5]), (5.0, [0.3, 0.0])])
    best = study.best_trial
    # violations 3.0, 0.3, 0.5, 0.3: the least is shared by 1 and 3, then the best value
    assert best.number == 3 and violation(best) > 0


def test_best_trials_front_is_over_the_feasible_trials():
    directions = ("minimize", "minimize")
    study = _constrained([((0.0, 0.0), [1.0]),   # dominates everything, infeasible
                          ((1.0, 2.0), [0.0]), ((2.0, 1.0), [-1.0]), ((3.0, 3.0), [0.0])],
                         directions)
    assert sorted(t.number for t in study.best_trials) == [1, 2]
    none = _constrained([((0.0, 5.0), [1.0]), ((5.0, 0.0), [1.0]), ((0.0, 0.0), [2.0])],
                        directions)
    assert sorted(t.number for t in none.best_trials) == [0, 1]  # least violation, front


def test_unconstrained_best_is_unchanged():
    study = _constrained([(3.0, None), (1.0, None), (1.0, None), (2.0, None)])
    assert study.best_trial.number == 1


def _flat_json_columns(trial_doc, n_objectives):
    """The CSV column each field of one trial of the JSON export should land in."""
    cols = set()
    for key, value in trial_doc.items():
        if key == "values":
            cols |= {"value"} if n_objectives == 1 else \
                {f"values_{i}" for i in range(n_objectives)}
        elif isinstance(value, dict):
            cols |= {f"{key}_{sub}" for sub in value}
        else:
            cols.add(key)
    return cols


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_csv_export_carries_every_field_of_the_json_export(tmp_path, directions):
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        trial.set_user_attr("note", kind)
        trial.set_constraint([x - 0.5])
        trial.report(x, 0)
        trial.report(x / 2, 3)
        if trial.number == 4:
            raise ValueError("boom")
        return x if len(directions) == 1 else (x, 1 - x)

    study = tf.create_study(directions=directions, seed=0, sampler=tf.TPESampler(seed=0))
    study.optimize(objective, n_trials=6, catch=(ValueError,))
    doc = json.loads(study.export(tmp_path / "t.json", format="json").read_text())
    with study.export(tmp_path / "t.csv", format="csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(doc["trials"]) == 6
    for row, trial in zip(table, doc["trials"], strict=True):
        missing = _flat_json_columns(trial, len(directions)) - set(row)
        assert not missing, f"trial {trial['number']}: CSV lacks {sorted(missing)}"
        for key, value in trial["system_attrs"].items():
            cell = row[f"system_attrs_{key}"]
            assert cell == (value if isinstance(value, str) else json.dumps(value))
        assert json.loads(row["distributions_x"]) == trial["distributions"]["x"]
    assert table[0]["system_attrs_sampler"] == "TPESampler"
    assert table[4]["state"] == "FAIL" and "boom" in table[4]["system_attrs_fail_reason"]
    assert table[4]["fail_reason"] == table[4]["system_attrs_fail_reason"]


def test_csv_export_carries_the_auto_samplers_reason(tmp_path):
    study = tf.create_study(seed=0, sampler=tf.AutoSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    doc = json.loads(study.export(tmp_path / "t.json", format="json").read_text())
    with study.export(tmp_path / "t.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    reasons = [t["system_attrs"].get("auto_reason") for t in doc["trials"]]
    assert any(reasons)
    assert [r["system_attrs_auto_reason"] or None for r in table] == reasons
    assert [r["system_attrs_sampler"] for r in table] == \
        [t["system_attrs"]["sampler"] for t in doc["trials"]]


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -5, 5)
    return (x - 2) ** 2 + (y + 1) ** 2


def test_export_csv_and_json(tmp_path):
    study = tf.create_study(study_name="exp", seed=0)
    study.optimize(quadratic, n_trials=5)
    study.optimize(lambda t: float("nan"), n_trials=1)
    rows = list(csv.DictReader(study.export(tmp_path / "t.csv").open()))
    assert len(rows) == 6 and rows[0]["state"] == "COMPLETE"
    assert float(rows[0]["value"]) == pytest.approx(study.trials[0].value)
    assert rows[5]["state"] == "FAIL" and "NaN" in rows[5]["fail_reason"]
    doc = json.loads(study.export(tmp_path / "t.json", format="json").read_text())
    assert doc["study"] == "exp" and len(doc["trials"]) == 6
    assert doc["trials"][0]["distributions"]["x"]["type"] == "float"
    with pytest.raises(ValueError, match="unknown export format"):
        study.export(tmp_path / "t.xml", format="xml")


def test_trials_dataframe():
    from tests.conftest import require_module

    pd = require_module("pandas", "pandas")
    study = tf.create_study(seed=0)
    study.optimize(quadratic, n_trials=3)
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df["number"]) == [0, 1, 2] and "params_x" in df.columns
