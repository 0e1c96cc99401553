"""retune: no drift -> nothing; drift -> a warm-started linked study, champion against
challenger on fresh rows, promotion only when the challenger is significantly better."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from typer.testing import CliRunner

import tuneforge as tf
from tuneforge.cli import app
from tuneforge.evaluate import cross_val_objective
from tuneforge.exceptions import TuneforgeError
from tuneforge.retune import RetuneDecision, compare, retune
from tuneforge.retune.recipe import build_estimator
from tuneforge.retune.run import CHECKS_ATTR, RETUNE_ATTR, RETUNES_ATTR

SPACE = {"alpha": tf.Float(1e-4, 1e4, log=True)}


def _data(n, rng, weights, noise=0.5, scale=1.0):
    X = rng.normal(size=(n, len(weights))) * scale
    return X, X @ np.asarray(weights) + rng.normal(0, noise, n)


def _prod(storage, X, y, trials=6, space=SPACE):
    obj = cross_val_objective(Ridge(), X, y, space=space, cv=3, scoring="rmse")
    study = tf.create_study("prod", storage=storage, direction=obj.direction,
                            sampler=tf.RandomSampler(seed=0))
    study.optimize(obj, n_trials=trials)
    return study


def test_no_drift_records_a_check_and_tunes_nothing():
    rng = np.random.default_rng(0)
    st = tf.InMemoryStorage()
    X, y = _data(300, rng, [1, 2, 0])
    prod = _prod(st, X, y)
    Xn, yn = _data(300, rng, [1, 2, 0])
    decision = retune(prod, Xn, yn, X_reference=X, joint=False)
    assert not decision.triggered and decision.study_name is None
    assert [s.name for s in st.list_studies()] == ["prod"]
    assert prod.user_attrs[CHECKS_ATTR][0]["reason"] == "no drift found"


def test_drift_starts_a_linked_warm_study_and_promotes_a_better_challenger():
    rng = np.random.default_rng(1)
    st = tf.InMemoryStorage()
    # tuned where heavy regularization was right (few rows, much noise)...
    X, y = _data(40, rng, [0.2, 0.1, 0.0, 0.1], noise=3.0)
    prod = _prod(st, X, y, space={"alpha": tf.Float(10.0, 1e4, log=True)})
    # ... a champion stuck at alpha >= 10 on big, clean, rescaled data loses to a challenger
    # tuned over the full range
    Xn, yn = _data(600, rng, [3, -2, 1, 2], noise=0.3, scale=0.05)
    decision = retune(prod, Xn, yn, X_reference=X, joint=False, budget=8,
                      space={"alpha": tf.Float(1e-4, 1e4, log=True)})
    assert decision.triggered and "drifted" in decision.reason
    assert decision.promoted, str(decision)
    c = decision.comparison
    assert c.challenger_loss < c.champion_loss and c.p_value <= 0.05 and c.test == "paired-t"
    assert decision.params == decision.challenger_params
    child = tf.load_study(decision.study_name, storage=st)
    assert child.user_attrs["retune_parent"] == "prod"
    assert child.user_attrs[RETUNE_ATTR]["promoted"] is True
    assert child.system_attrs["warm_start"]["sources"][0][0] == "prod"
    assert dict(child.trials[0].params) == dict(prod.best_params)  # the champion ran first
    assert prod.user_attrs[RETUNES_ATTR] == [{"study": decision.study_name,
                                              "promoted": True,
                                              "reason": decision.reason}]


def test_the_champion_stays_when_the_challenger_is_not_significantly_better():
    rng = np.random.default_rng(2)
    st = tf.InMemoryStorage()
    X, y = _data(300, rng, [1, 2, 0])
    prod = _prod(st, X, y, trials=10)
    Xn, yn = _data(300, rng, [1, 2, 0])
    decision = retune(prod, Xn + 0.0, yn, force=True, budget=4)
    assert decision.triggered and decision.reason == "forced"
    assert not decision.promoted and decision.params == decision.champion_params


def test_compare_is_paired_on_zero_one_losses():
    class Const:
        def __init__(self, pred):
            self.pred = np.asarray(pred)

        def predict(self, X):
            return self.pred

    y = np.array([0, 1] * 50)
    good = y.copy()
    bad = y.copy()
    bad[:30] = 1 - bad[:30]
    c = compare(Const(bad), Const(good), None, y, loss="error", alpha=0.05)
    assert c.test == "mcnemar" and c.promoted and c.saved == pytest.approx(0.3)
    same = compare(Const(good), Const(good), None, y, loss="error", alpha=0.05)
    assert not same.promoted and same.p_value == 1.0


def test_missing_recipe_space_or_evidence_is_named():
    rng = np.random.default_rng(3)
    st = tf.InMemoryStorage()
    hand = tf.create_study("hand", storage=st)
    hand.optimize(lambda t: t.suggest_float("alpha", 0, 1), n_trials=2)
    X, y = _data(50, rng, [1])
    with pytest.raises(TuneforgeError, match="no model recipe"):
        retune(hand, X, y, force=True)
    with pytest.raises(TuneforgeError, match="no search space"):
        retune(hand, X, y, force=True, estimator=Ridge())
    prod = _prod(st, X, y)
    with pytest.raises(ValueError, match="needs evidence"):
        retune(prod, X, y)
    with pytest.raises(TuneforgeError, match="cannot import"):
        build_estimator({"class": "no_such_module.Model"}, "study 'x'")
    assert isinstance(build_estimator({"class": "sklearn.linear_model.Ridge",
                                       "params": {"alpha": 2.0}}, "x"), Ridge)


def test_cli_retune_reads_csv_and_prints_the_decision(tmp_path):
    import pandas as pd  # the pandas extra is installed in CI: missing is a failure
    rng = np.random.default_rng(4)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    obj = cross_val_objective(LogisticRegression(solver="liblinear"), X, y, cv=3,
                              space={"C": tf.Float(1e-3, 1e3, log=True)})
    tf.create_study("clf", storage=url, direction=obj.direction).optimize(obj, n_trials=3)
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(tmp_path / "ref.csv",
                                                                  index=False)
    Xn = rng.normal(size=(200, 2)) + [1.5, 0]
    pd.DataFrame({"a": Xn[:, 0], "b": Xn[:, 1], "label": (Xn[:, 0] > 1.5).astype(int)}) \
        .to_csv(tmp_path / "new.csv", index=False)
    res = CliRunner().invoke(app, ["retune", "--study", "clf", "--data",
                                   str(tmp_path / "new.csv"), "--target", "label",
                                   "--reference", str(tmp_path / "ref.csv"), "--storage", url,
                                   "--budget", "3", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "new study 'clf-retune-1'" in res.output and "drifted" in res.output
    bad = CliRunner().invoke(app, ["retune", "--study", "clf", "--data",
                                   str(tmp_path / "new.csv"), "--target", "nope",
                                   "--storage", url])
    assert bad.exit_code == 1 and "no column 'nope'" in bad.output
    assert isinstance(RetuneDecision, type)
