"""drift.check on synthetic shifts of known size: power, false alarms over many
features, categories, the classifier test and the performance check."""

import numpy as np
import pytest

from tuneforge import drift


def _flags(report):
    return report.drifted_features


@pytest.mark.slow
@pytest.mark.parametrize("correction,most", [("bh", 6), ("holm", 6)])
def test_false_alarm_rate_over_twenty_features_is_controlled(correction, most):
    rng = np.random.default_rng(0)
    alarms = sum(bool(_flags(drift.check(rng.normal(size=(300, 20)),
                                          rng.normal(size=(300, 20)), joint=False,
                                          correction=correction)))
                 for _ in range(40))
    assert alarms <= most  # about 2 expected at alpha = 0.05 over 40 runs


@pytest.mark.slow
def test_without_correction_twenty_features_raise_false_alarms_often():
    rng = np.random.default_rng(0)
    alarms = sum(bool(_flags(drift.check(rng.normal(size=(300, 20)),
                                          rng.normal(size=(300, 20)), joint=False,
                                          correction="none")))
                 for _ in range(40))
    assert alarms >= 15  # 1 - 0.95^20 = 64 % expected


def test_power_on_a_half_sd_shift_of_one_feature_among_twenty():
    rng = np.random.default_rng(1)
    found = 0
    for _ in range(20):
        cur = rng.normal(size=(500, 20))
        cur[:, 7] += 0.5
        report = drift.check(rng.normal(size=(500, 20)), cur, joint=False)
        found += _flags(report) == ["x7"]
    assert found >= 18
    x7 = next(f for f in report.features if f.name == "x7")
    assert x7.effect == pytest.approx(0.5, abs=0.15) and x7.test == "ks"


def test_power_grows_with_the_shift():
    rng = np.random.default_rng(2)

    def power(shift):
        hits = 0
        for _ in range(20):
            cur = rng.normal(size=(300, 5))
            cur[:, 0] += shift
            hits += "x0" in _flags(drift.check(rng.normal(size=(300, 5)), cur, joint=False))
        return hits

    low, high = power(0.1), power(0.4)
    assert low < high and high >= 17


def test_categorical_shift_found_and_no_shift_quiet():
    import pandas as pd  # the pandas extra is installed in CI: missing is a failure
    rng = np.random.default_rng(3)

    def table(p, n=1000):
        return pd.DataFrame({"color": rng.choice(["red", "green", "blue"], n, p=p),
                             "size": rng.normal(size=n)})

    hits = sum("color" in _flags(drift.check(table([.5, .3, .2]), table([.4, .3, .3]),
                                             joint=False)) for _ in range(20))
    quiet = sum(bool(_flags(drift.check(table([.5, .3, .2]), table([.5, .3, .2]),
                                        joint=False))) for _ in range(20))
    assert hits >= 18 and quiet <= 3
    f = drift.check(table([.5, .3, .2]), table([.2, .3, .5]), joint=False).features[0]
    assert (f.name, f.test, f.kind) == ("color", "chi2", "categorical")
    assert f.psi > 0.25 and f.effect == pytest.approx(0.3, abs=0.07)


def test_psi_threshold_ignores_shifts_too_small_to_matter():
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=(20000, 1)), rng.normal(0.08, 1, size=(20000, 1))
    assert _flags(drift.check(ref, cur, joint=False)) == ["x0"]
    assert _flags(drift.check(ref, cur, joint=False, psi_threshold=0.1)) == []


def test_the_classifier_test_sees_a_joint_change_the_marginals_hide():
    rng = np.random.default_rng(5)
    ref = rng.normal(size=(600, 2))
    z = rng.normal(size=600)
    cur = np.column_stack([z, z * 0.95 + rng.normal(size=600) * 0.31])  # correlated
    report = drift.check(ref, cur, cv=3)
    assert report.drifted_features == []
    assert report.joint is not None and report.joint.drifted and report.joint.auc > 0.6
    same = drift.check(ref, rng.normal(size=(600, 2)), cv=3)
    assert not same.joint.drifted and not same.drifted


def test_performance_drop_needs_labels_and_sees_a_concept_change():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(6)
    X = rng.normal(size=(1200, 3))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X[:400], y[:400])
    Xc = rng.normal(size=(400, 3))
    flipped = (Xc[:, 0] + Xc[:, 1] > 0).astype(int)  # the concept moved
    report = drift.check(X[400:800], Xc, joint=False, model=model,
                         reference_labels=y[400:800], current_labels=flipped)
    assert report.performance.dropped and report.drifted and not report.drifted_features
    ok = drift.check(X[400:800], X[800:], joint=False, model=model,
                     reference_labels=y[400:800], current_labels=y[800:])
    assert not ok.performance.dropped
    with pytest.raises(ValueError, match="needs reference_labels"):
        drift.check(X, X, model=model)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="different columns"):
        import pandas as pd  # the pandas extra is installed in CI: missing is a failure
        drift.check(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}))
    with pytest.raises(ValueError, match="correction"):
        drift.check(np.zeros((5, 1)), np.zeros((5, 1)), correction="bonf", joint=False)
    with pytest.raises(ValueError, match="alpha"):
        drift.check(np.zeros((5, 1)), np.zeros((5, 1)), alpha=2)


def test_the_report_is_json_and_readable():
    import json

    rng = np.random.default_rng(7)
    cur = rng.normal(size=(200, 3))
    cur[:, 1] += 1
    report = drift.check(rng.normal(size=(200, 3)), cur, joint=False)
    data = json.loads(json.dumps(report.to_json()))
    assert data["drifted"] and data["drifted_features"] == ["x1"]
    assert "x1" in str(report) and "DRIFT" in str(report)
