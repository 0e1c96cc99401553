"""Presets: valid spaces, the library's own defaults inside them, and every one fits."""

from __future__ import annotations

import importlib.util
import json
import math
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_module  # noqa: E402

require_module("sklearn", "sklearn")  # skip locally without the extra; fail under CI=true

from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from tuneforge.exceptions import MissingExtraError, SearchSpaceError  # noqa: E402
from tuneforge.presets import (  # noqa: E402
    PER_FEATURE,
    TASKS,
    Preset,
    UnknownPresetError,
    get_preset,
    presets,
    register_preset,
    unregister_preset,
)
from tuneforge.space import Categorical, Float, Int, SearchSpace  # noqa: E402

ALL = presets(available_only=False)
AVAILABLE = presets()


@pytest.fixture(autouse=True)
def one_thread():
    """One BLAS/OpenMP thread: on a busy machine boosting's threads mostly wait."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


BUILTIN_NAMES = {"logreg", "svc", "svr", "knn", "knn_reg", "rf", "rf_reg", "extra_trees",
                 "extra_trees_reg", "hgb", "hgb_reg", "mlp", "mlp_reg", "ridge", "lasso",
                 "elasticnet", "xgboost", "xgboost_reg", "lightgbm", "lightgbm_reg", "tree",
                 "tree_reg"}


def tiny_data(task: str, n_rows: int = 60, n_features: int = 4):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_rows, n_features))
    signal = X[:, 0] - 0.5 * X[:, 1]
    if task == "classification":
        return X, (signal > 0).astype(int)
    return X, 100.0 + 30.0 * signal + rng.normal(size=n_rows)


def random_point(space, rng) -> dict:
    out = {}
    for name, dist in space.items():
        if isinstance(dist, Categorical):
            out[name] = dist.choices[rng.integers(len(dist.choices))]
        elif isinstance(dist, Int):
            if dist.log:
                v = math.exp(rng.uniform(math.log(dist.low), math.log(dist.high)))
            else:
                v = rng.uniform(dist.low, dist.high)
            out[name] = dist.round(v)
        else:
            lo, hi = (math.log(dist.low), math.log(dist.high)) if dist.log \
                else (dist.low, dist.high)
            v = rng.uniform(lo, hi)
            out[name] = dist.round(math.exp(v) if dist.log else v)
    return out


def scalar_params(model) -> dict:
    """get_params without nested estimators (those compare by identity)."""
    def plain(v):
        return v is None or isinstance(v, (bool, int, float, str)) \
            or (isinstance(v, tuple) and all(plain(x) for x in v))
    return {k: v for k, v in model.get_params(deep=True).items() if plain(v)}


def test_builtin_presets_are_all_registered():
    assert BUILTIN_NAMES <= {p.name for p in ALL}
    for task in TASKS:
        assert all(p.task == task for p in presets(task, available_only=False))
    assert {p.name for p in presets("classification")} >= {"logreg", "svc", "knn", "rf"}


@pytest.mark.parametrize("preset", ALL, ids=lambda p: p.name)
@pytest.mark.parametrize("n_features", [1, 7, 5000])
def test_defaults_lie_inside_the_space(preset, n_features):
    defaults = preset.defaults_for(n_features)
    assert set(defaults) == set(preset.space)
    SearchSpace(preset.space).validate(defaults)  # raises naming the parameter if outside
    assert preset.doc and preset.task in TASKS
    json.dumps(preset.to_json())


def test_per_feature_default_is_one_over_n_features_clipped():
    svc = get_preset("svc")
    assert svc.defaults["gamma"] == PER_FEATURE
    assert svc.defaults_for(30)["gamma"] == pytest.approx(1 / 30)
    assert svc.defaults_for(10**7)["gamma"] == svc.space["gamma"].low


@pytest.mark.parametrize("preset", AVAILABLE, ids=lambda p: p.name)
def test_defaults_are_the_librarys_own(preset):
    """Building with the enqueued defaults gives the same estimator as building with no
    parameters (the library's defaults), except the data-dependent `PER_FEATURE` ones.

    A library whose constructor leaves a parameter None ("the booster's own default", as
    XGBoost's) is checked by what it does: both models, fitted on the same data, predict
    exactly alike."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        explicit_model = preset.build(preset.defaults_for(7), random_state=0)
        library_model = preset.build({}, random_state=0)
    explicit, library = scalar_params(explicit_model), scalar_params(library_model)
    per_feature = [k for k, v in preset.defaults.items() if v == PER_FEATURE]

    def same(a, b):
        return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)

    differ = {k for k in explicit.keys() | library.keys()
              if not same(explicit.get(k), library.get(k))
              and not any(k.split("__")[-1] == p for p in per_feature)}
    implicit = {k for k in differ if library.get(k) is None}  # left to the library
    assert not differ - implicit, {k: (explicit.get(k), library.get(k)) for k in differ}
    if implicit:
        X, y = tiny_data(preset.task, n_features=7)
        how = "predict_proba" if hasattr(explicit_model, "predict_proba") else "predict"
        np.testing.assert_array_equal(getattr(explicit_model.fit(X, y), how)(X),
                                      getattr(library_model.fit(X, y), how)(X))


@pytest.mark.parametrize("preset", AVAILABLE, ids=lambda p: p.name)
def test_every_available_preset_fits_defaults_and_a_random_point(preset):
    X, y = tiny_data(preset.task)
    rng = np.random.default_rng(zlib.crc32(preset.name.encode()))
    points = [preset.defaults_for(X.shape[1]), random_point(preset.space, rng),
              random_point(preset.space, rng)]
    for params in points:
        SearchSpace(preset.space).validate(params)
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)
            warnings.simplefilter("error", DeprecationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)  # 60 rows: expected
            model = preset.build(params, random_state=0).fit(X, y)
            pred = model.predict(X)
        assert pred.shape == (len(y),)
        if preset.task == "classification":
            assert set(np.unique(pred)) <= set(np.unique(y))
        else:
            assert np.all(np.isfinite(pred))


def test_availability_follows_the_required_package():
    """No silent skip: a preset is unavailable exactly when its package does not import,
    and building it then says what to install."""
    for preset in ALL:
        module = preset.requires or "sklearn"
        assert preset.available == (importlib.util.find_spec(module) is not None), preset.name
        if not preset.available:
            with pytest.raises(MissingExtraError, match=f"pip install {module}"):
                preset.build(preset.defaults_for(3))
            assert preset not in AVAILABLE


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(UnknownPresetError) as info:
        get_preset("svm")
    message = str(info.value)
    assert "'svm'" in message and "did you mean" in message
    for name in ("logreg", "svc", "rf", "ridge"):
        assert name in message


def test_build_checks_names_and_ranges():
    svc = get_preset("svc")
    with pytest.raises(SearchSpaceError, match=r"no parameter\(s\) \['coef0'\]"):
        svc.build({"coef0": 1.0})
    with pytest.raises(SearchSpaceError, match="'C'.*outside"):
        svc.build({"C": 1e9})


def test_logreg_mixes_in_l1_with_the_saga_solver():
    logreg = get_preset("logreg")
    pure_l2 = logreg.build({"C": 1.0, "l1_ratio": 0.0}).get_params()
    mixed = logreg.build({"C": 1.0, "l1_ratio": 0.5}).get_params()
    assert pure_l2["logisticregression__solver"] == "lbfgs"
    assert mixed["logisticregression__solver"] == "saga"
    assert mixed["logisticregression__l1_ratio"] == 0.5


def test_scaling_wraps_scale_sensitive_models():
    assert type(get_preset("svc").build({})).__name__ == "Pipeline"
    assert type(get_preset("rf").build({})).__name__ == "RandomForestClassifier"
    assert type(get_preset("svr").build({})).__name__ == "TransformedTargetRegressor"


def test_invalid_presets_are_refused_naming_preset_and_parameter():
    space = {"strategy": Categorical(("prior", "most_frequent"))}
    with pytest.raises(SearchSpaceError, match="preset 'bad'.*'strategy'.*'uniform'"):
        Preset("bad", "classification", DummyClassifier, space, {"strategy": "uniform"})
    with pytest.raises(SearchSpaceError, match=r"missing \['strategy'\]"):
        Preset("bad", "classification", DummyClassifier, space, {})
    with pytest.raises(SearchSpaceError, match="both fixed and in the space"):
        Preset("bad", "classification", DummyClassifier, space, {"strategy": "prior"},
               fixed={"strategy": "prior"})
    with pytest.raises(ValueError, match="task must be one of"):
        Preset("bad", "ranking", DummyClassifier, space, {"strategy": "prior"})
    with pytest.raises(SearchSpaceError, match="only a default for Float"):
        Preset("bad", "classification", DummyClassifier, {"k": Int(1, 5)},
               {"k": PER_FEATURE})


def test_register_a_user_preset():
    preset = Preset("dummy_test", "classification", DummyClassifier,
                    {"strategy": ["prior", "most_frequent"]}, {"strategy": "prior"},
                    doc="a baseline")
    register_preset(preset)
    try:
        assert get_preset("dummy_test") is preset
        assert preset in presets("classification")
        with pytest.raises(ValueError, match="already registered"):
            register_preset(preset)
        other = Preset("dummy_test", "classification", DummyClassifier,
                       {"strategy": Categorical(("prior",))}, {"strategy": "prior"})
        assert register_preset(other, replace=True) is other
        assert preset.to_json()["estimator"] == "sklearn.dummy:DummyClassifier"
        assert isinstance(preset.space["strategy"], Categorical)
    finally:
        unregister_preset("dummy_test")
    with pytest.raises(UnknownPresetError):
        get_preset("dummy_test")


def test_space_values_are_the_declared_distribution_types():
    for preset in ALL:
        for name, dist in preset.space.items():
            assert isinstance(dist, (Float, Int, Categorical)), (preset.name, name)


def test_docs_document_every_builtin_preset():
    """The model-selection page's preset table lists each built-in preset with its doc."""
    page = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "model-selection.md"
    rows = [line for line in page.read_text().splitlines() if line.startswith("| `")]
    for preset in ALL:
        if preset.name not in BUILTIN_NAMES:
            continue
        row = next((r for r in rows if f"`{preset.name}`" in r.split("|")[1]), None)
        assert row is not None, f"{preset.name} is not in {page.name}'s preset table"
        assert preset.doc in row, preset.name


def test_lightgbm_takes_its_thread_count_from_omp_num_threads(monkeypatch) -> None:
    require_module("lightgbm", "lightgbm")
    from tuneforge.presets import get_preset

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert get_preset("lightgbm").build({}).get_params()["n_jobs"] == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert get_preset("lightgbm_reg").build({}).get_params()["n_jobs"] in (None, -1)
