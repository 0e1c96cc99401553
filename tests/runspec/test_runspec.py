"""The `tuneforge run` config: a valid file loads, and every kind of mistake is reported
with the file name, its line and the key path, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import require_module

require_module("sklearn", "sklearn")
require_module("pandas", "pandas")

from tuneforge.runspec import ConfigError, load_run_config  # noqa: E402
from tuneforge.runspec.data import infer_format  # noqa: E402
from tuneforge.samplers import TPESampler  # noqa: E402
from tuneforge.space import Categorical, Float, Int  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "run" / "config.yaml"
CSV = "a,b,label\n1.0,2,x\n3.5,4,y\n5.0,6,x\n"

VALID = """\
study: demo
data:
  path: data.csv
  target: label
models: [logreg]
"""


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    """A config file (dedented) next to a small CSV with columns a, b, label."""
    (tmp_path / "data.csv").write_text(CSV)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def errors(path: Path) -> list[str]:
    """The error lines a config gives, with the folder left out (they start ``config.yaml:``)."""
    with pytest.raises(ConfigError) as info:
        load_run_config(path)
    return [line.removeprefix(f"{path.parent}/") for line in info.value.lines]


def only_error(path: Path) -> str:
    lines = errors(path)
    assert len(lines) == 1, lines
    return lines[0]


# -- valid configs ---------------------------------------------------------------------
def test_the_example_config_loads() -> None:
    cfg = load_run_config(EXAMPLE)
    assert cfg.study == "wine-models"
    assert cfg.storage == "sqlite:///tuneforge.db"
    assert cfg.data.path == EXAMPLE.parent / "wine.csv" and cfg.data.format == "csv"
    assert cfg.data.target == "cultivar" and cfg.task == "classification"
    assert [m.name for m in cfg.models] == ["logreg", "rf", "hgb"]
    rf = cfg.models[1]
    assert rf.space["n_estimators"] == Int(10, 100, log=True)      # narrowed
    assert rf.space["max_depth"] == Categorical((None, 4, 8))
    assert rf.space["min_samples_leaf"] == Int(1, 32, log=True)    # kept from the preset
    assert (cfg.metric, cfg.cv, cfg.holdout, cfg.trials, cfg.timeout) == \
        ("accuracy", 5, 0.2, 30, 50.0)
    assert cfg.sampler.name == "tpe" and cfg.pruner.name == "median"
    assert cfg.seed == 0 and cfg.n_jobs == 2
    assert cfg.lines["budget.trials"] == 25


def test_defaults_and_select_arguments(tmp_path: Path) -> None:
    cfg = load_run_config(write(tmp_path, VALID))
    assert cfg.storage == "sqlite:///tuneforge.db"
    assert (cfg.task, cfg.metric, cfg.cv, cfg.holdout, cfg.trials, cfg.timeout, cfg.n_jobs) \
        == (None, None, 5, 0.2, 50, None, 1)
    kwargs = cfg.with_overrides(trials=7, storage="sqlite:///x.db").select_kwargs()
    assert kwargs["budget"] == 7 and kwargs["storage"] == "sqlite:///x.db"
    assert kwargs["study_name"] == "demo" and kwargs["sampler"] is None
    assert [m.name for m in kwargs["models"]] == ["logreg"]


def test_sampler_gets_the_seed_and_options(tmp_path: Path) -> None:
    cfg = load_run_config(write(tmp_path, VALID + "sampler: {name: tpe, seed: 7, "
                                                  "n_startup_trials: 3}\npruner: none\n"))
    sampler = cfg.select_kwargs()["sampler"]
    assert isinstance(sampler, TPESampler)
    assert cfg.seed == 7 and cfg.select_kwargs()["seed"] == 7
    # the seed travels once, as the study's: nested CV derives one per fold study
    assert sampler.seed is None and sampler.n_startup_trials == 3
    assert type(cfg.select_kwargs()["pruner"]).__name__ == "NopPruner"
    assert cfg.select_kwargs()["sampler"] is not sampler  # a fresh one per run


def test_narrowed_space_moves_defaults_inside(tmp_path: Path) -> None:
    cfg = load_run_config(write(tmp_path, VALID.replace("[logreg]", """
          - name: svc
            space:
              C: {type: float, low: 10, high: 100, log: true}
              gamma: [1e-3, 0.01]
        """)))
    svc = cfg.models[0]
    assert svc.space["C"] == Float(10.0, 100.0, log=True)
    assert svc.space["gamma"] == Categorical((0.001, 0.01))  # 1e-3 is a float, not a string
    assert svc.defaults["C"] == 10.0 and svc.defaults["gamma"] == 0.001


def test_load_xy(tmp_path: Path) -> None:
    X, y = load_run_config(write(tmp_path, VALID)).load_xy()
    assert list(X.columns) == ["a", "b"] and list(y) == ["x", "y", "x"]


def test_format_is_inferred_from_the_suffix() -> None:
    assert infer_format(Path("d.csv")) == "csv"
    assert infer_format(Path("d.CSV.gz")) == "csv"
    assert infer_format(Path("d.parquet")) == "parquet"
    assert infer_format(Path("d.txt")) is None


# -- one test per kind of error ---------------------------------------------------------
def test_unknown_keys_with_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "budget:\n  trails: 3\nstorag: sqlite:///a.db\n")
    assert errors(path) == [
        "config.yaml:7: budget.trails: unknown key (did you mean 'trials'?); "
        "budget takes: trials, seconds, timeout",
        "config.yaml:8: storag: unknown key (did you mean 'storage'?); known keys: study, "
        "storage, data, task, models, metric, cv, holdout, budget, sampler, pruner, n_jobs, "
        "stopping, nested_cv, objectives",
    ]


def test_wrong_types(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "cv: five\nbudget:\n  trials: -3\n  timeout: 0\n"
                                   "holdout: 1.5\nn_jobs: true\n")
    assert errors(path) == [
        "config.yaml:6: cv: must be an integer >= 2, got 'five'",
        "config.yaml:8: budget.trials: must be a positive integer, got -3",
        "config.yaml:9: budget.timeout: must be a positive number of seconds or null, got 0",
        "config.yaml:10: holdout: must be a fraction in (0, 1) or null (no hold-out), got 1.5",
        "config.yaml:11: n_jobs: must be a positive number of worker processes or -1 "
        "(one per core), got true",
    ]


def test_bad_ranges_in_a_space(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("[logreg]", """
          - name: svc          # line 6
            space:
              C: {type: float, low: 100, high: 1}
              gamma: {type: float, low: 0, high: 1, log: true}
          - name: rf
            space:
              n_estimators: {type: int, lo: 10, high: 20}
              max_depth: {type: floot}
              min_samples_leaf: 3
              max_feature: [sqrt]
        """))
    assert errors(path) == [
        "config.yaml:8: models[0].space.C: low=100.0 is greater than high=1.0",
        "config.yaml:9: models[0].space.gamma: log=True needs low > 0, got low=0.0",
        "config.yaml:12: models[1].space.n_estimators.lo: unknown key (did you mean 'low'?); "
        "an int takes: type, low, high, log, step",
        "config.yaml:12: models[1].space.n_estimators.low: required key is missing",
        "config.yaml:13: models[1].space.max_depth.type: unknown distribution type 'floot' "
        "(did you mean 'float'?); known: float, int, categorical",
        "config.yaml:14: models[1].space.min_samples_leaf: must be a distribution such as "
        "{type: float, low: 0.01, high: 100, log: true} or a list of choices, got 3",
        "config.yaml:15: models[1].space.max_feature: unknown key (did you mean "
        "'max_features'?); rf tunes: n_estimators, max_depth, min_samples_leaf, max_features",
    ]


def test_distribution_fields_are_type_checked(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("[logreg]", """
          - name: rf           # line 6
            space:
              max_depth: {type: categorical, choices: abc}
              n_estimators: {type: int, low: 1.5, high: 10}
          - name: svc
            space: {C: {type: float, low: 1, high: 2, log: "yes"}}
        """))
    assert errors(path) == [
        "config.yaml:8: models[0].space.max_depth.choices: must be a list, got 'abc'",
        "config.yaml:9: models[0].space.n_estimators.low: must be an integer, got 1.5",
        "config.yaml:11: models[1].space.C.log: must be true or false, got 'yes'",
    ]


def test_unknown_model_and_model_of_the_other_task(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("[logreg]", "[logreg, svm, ridge]")
                 + "task: classification\n")
    lines = errors(path)
    assert len(lines) == 2, lines
    assert lines[0].startswith("config.yaml:5: models[1]: unknown model 'svm' (did you mean "
                               "'svc'?); known: ")
    assert "logreg" in lines[0] and "rf" in lines[0] and "ridge" not in lines[0]
    assert lines[1].startswith("config.yaml:5: models[2]: 'ridge' is a regression model but "
                               "task is classification")


def test_without_a_task_the_first_model_sets_it(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("[logreg]", "[logreg, {name: rf_reg}]"))
    assert only_error(path).startswith(
        "config.yaml:5: models[1].name: 'rf_reg' is a regression model but models[0] 'logreg' "
        "is a classification model; classification models: ")


def test_missing_target_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("target: label", "target: Label"))
    assert only_error(path) == ("config.yaml:4: data.target: no column 'Label' in data.csv; "
                                "columns: a, b, label")


def test_missing_required_key(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("  target: label\n", ""))
    assert only_error(path) == ("config.yaml:2: data.target: required key is missing "
                                "(the column to predict)")
    assert only_error(write(tmp_path, "data: {path: data.csv, target: label}\n")) == \
        "config.yaml:1: study: required key is missing (the study's name in the storage)"


def test_missing_data_file(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace("data.csv", "nope.csv"))
    assert only_error(path) == (f"config.yaml:3: data.path: no such file: {tmp_path}/nope.csv "
                                "(a relative path starts from the config's folder)")


def test_unknown_format(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text(CSV)
    path = write(tmp_path, VALID.replace("data.csv", "data.txt"))
    assert only_error(path) == ("config.yaml:3: data.path: cannot tell the format from the "
                                "name 'data.txt'; set data.format: csv or parquet")
    load_run_config(write(tmp_path, VALID.replace("data.csv", "data.txt")
                          .replace("  target: label", "  target: label\n  format: csv")))


def test_parquet_without_an_engine_is_a_config_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas

    def no_engine(*args: object, **kwargs: object) -> None:
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(pandas, "read_parquet", no_engine)
    (tmp_path / "data.parquet").write_bytes(b"PAR1")
    path = write(tmp_path, VALID.replace("data.csv", "data.parquet"))
    assert only_error(path) == (f"config.yaml:3: data.path: cannot read {tmp_path}/data.parquet "
                                "as parquet: pandas needs pyarrow or fastparquet for Parquet "
                                "files (pip install pyarrow)")


def test_parquet_data_loads(tmp_path: Path) -> None:
    import pandas

    frame = pandas.DataFrame({"a": [1.0, 3.5, 5.0], "b": [2, 4, 6], "label": ["x", "y", "x"]})
    frame.to_parquet(tmp_path / "data.parquet")
    cfg = load_run_config(write(tmp_path, VALID.replace("data.csv", "data.parquet")))
    assert cfg.data.format == "parquet"
    X, y = cfg.load_xy()
    assert list(X.columns) == ["a", "b"] and list(y) == ["x", "y", "x"]


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "budget: {trials: 3\ncv: 3\n")
    line = only_error(path)
    assert line.startswith("config.yaml:7: invalid YAML: while parsing a flow mapping at "
                           "line 6: ")


def test_empty_file(tmp_path: Path) -> None:
    assert only_error(write(tmp_path, "# nothing yet\n")).startswith(
        "config.yaml:1: the file is empty; expected keys such as study, storage, data")
    assert only_error(write(tmp_path, "- a\n- b\n")).startswith(
        "config.yaml:1: the top level is not a mapping")


def test_missing_config_file(tmp_path: Path) -> None:
    assert only_error(tmp_path / "config.yaml") == \
        "config.yaml: cannot read the config: No such file or directory"


def test_duplicate_key(tmp_path: Path) -> None:
    assert only_error(write(tmp_path, VALID + "study: again\n")) == \
        "config.yaml:6: study: duplicate key (first given at line 1)"


# A 400-byte "billion laughs": nine levels of nine aliases, 9**9 strings once expanded.
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    """It used to run for a minute and die with MemoryError; now the line where the
    expansion passes the cap is named, within a second."""
    import time

    assert len(BOMB) < 500
    start = time.perf_counter()
    assert only_error(write(tmp_path, BOMB)) == (
        "config.yaml:5: the config expands to more than 20000 values (aliases such as *name "
        "repeat their anchor's value); write the values out or use fewer aliases")
    assert time.perf_counter() - start < 1.0


def test_aliases_and_merge_keys_within_the_bounds_still_work(tmp_path: Path) -> None:
    head = VALID.replace("models: [logreg]\n", "")
    cfg = load_run_config(write(tmp_path, head + textwrap.dedent("""\
        models:
          - name: a
            estimator: sklearn.svm:SVC
            space: &space {C: {type: float, low: 0.1, high: 1}}
          - name: b
            estimator: sklearn.svm:SVC
            space: {<<: *space, gamma: [0.1, 1]}
        """)))
    assert sorted(cfg.models[1].space) == ["C", "gamma"]


def test_recursive_alias_deep_nesting_and_huge_files_are_refused(tmp_path: Path) -> None:
    """Each used to end in a RecursionError traceback, or in reading without end."""
    assert only_error(write(tmp_path, VALID + "x: &x\n  y: *x\n")) == \
        "config.yaml:7: an alias inside its own anchor makes an endless value"
    assert only_error(write(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n")) == \
        "config.yaml:1: the config nests deeper than 64 levels"
    big = VALID + "# padding\n" * 200_000  # 2 MB: the 1 MiB cap falls on a later line
    line = big.encode().count(b"\n", 0, 1024 * 1024) + 1
    assert only_error(write(tmp_path, big)) == (
        f"config.yaml:{line}: the config is larger than 1024 KiB (the cap falls on this line); "
        "a run config is a few hundred lines")


def test_sampler_and_pruner_errors(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "sampler: {name: tpee}\npruner: {name: median, "
                                   "n_startup: 3}\n")
    assert errors(path) == [
        "config.yaml:6: sampler.name: unknown sampler 'tpee' (did you mean 'tpe'?); known: "
        "auto, tpe, gp, random, cmaes, ga",
        "config.yaml:7: pruner.n_startup: unknown key (did you mean 'n_startup_trials'?); "
        "median pruner options: name, n_startup_trials, n_warmup_steps, interval_steps, "
        "n_min_trials",
    ]
    path = write(tmp_path, VALID + "sampler:\n  name: tpe\n  n_startup_trials: -1\n")
    assert only_error(path) == ("config.yaml:7: sampler: tpe: n_startup_trials must be >= 0, "
                                "got -1")


def test_a_model_of_your_own(tmp_path: Path) -> None:
    """Any scikit-learn estimator by import path, with its space, fixed params and
    defaults (the constructor's own unless given, moved inside the space)."""
    head = VALID.replace("models: [logreg]\n", "")
    cfg = load_run_config(write(tmp_path, head + textwrap.dedent("""\
        models:
          - logreg
          - name: gbm
            estimator: sklearn.ensemble:GradientBoostingClassifier
            params: {random_state: 0, n_estimators: 30}
            space:
              learning_rate: {type: float, low: 0.01, high: 1, log: true}
              max_depth: {type: int, low: 4, high: 6}
              max_features: [null, sqrt]
          - name: mytree
            estimator: sklearn.tree.DecisionTreeClassifier
            space: {max_depth: {type: int, low: 1, high: 8}}
            defaults: {max_depth: 5}
            scale: true
        """)))
    gbm, tree = cfg.models[1], cfg.models[2]
    assert (gbm.name, gbm.task, gbm.estimator) == (
        "gbm", "classification", "sklearn.ensemble._gb:GradientBoostingClassifier")
    # the library's defaults: learning_rate 0.1 and max_features None; max_depth 3 is
    # below the space, so it moves to its low end
    assert gbm.defaults == {"learning_rate": 0.1, "max_depth": 4, "max_features": None}
    assert gbm.fixed == {"random_state": 0, "n_estimators": 30}
    model = gbm.build(gbm.defaults)
    assert (model.n_estimators, model.max_depth) == (30, 4)
    assert tree.defaults == {"max_depth": 5} and tree.scale
    assert type(tree.build({"max_depth": 2})).__name__ == "Pipeline"


def test_errors_in_a_model_of_your_own(tmp_path: Path) -> None:
    head = VALID.replace("models: [logreg]\n", "")
    path = write(tmp_path, head + textwrap.dedent("""\
        task: classification
        models:
          - name: rf
            estimator: sklearn.ensemble:RandomForestClassifier
            space: {n_estimators: {type: int, low: 10, high: 20}}
          - name: g2
            estimator: sklearn.ensemble:GradientBoostingClasifier
            space: {x: [1]}
          - name: g3
            estimator: sklearn.linear_model:Ridge
            space: {alpha: {type: float, low: 0.1, high: 1}}
          - name: g4
            estimator: sklearn.svm:SVC
            space: {C: {type: float, low: 0.1, high: 1}, gama: [1]}
          - name: g5
            estimator: sklearn.svm:SVC
            space: {C: {type: float, low: 0.1, high: 1}}
            defaults: {C: 5}
          - name: g6
            estimator: numpy:ndarray
            space: {C: [1]}
          - name: g7
            estimator: sklearn.svm:SVC
        """))
    assert errors(path) == [
        "config.yaml:7: models[0].name: 'rf' is a preset name; give your model another name",
        "config.yaml:11: models[1].estimator: cannot import 'sklearn.ensemble:"
        "GradientBoostingClasifier': AttributeError: module 'sklearn.ensemble' has no "
        "attribute 'GradientBoostingClasifier'",
        "config.yaml:14: models[2].estimator: Ridge is a regression model but task is "
        "classification",
        "config.yaml:18: models[3].space.gama: unknown key (did you mean 'gamma'?); SVC takes: "
        "C, kernel, degree, gamma, coef0, shrinking, probability, tol, cache_size, "
        "class_weight, verbose, max_iter, decision_function_shape, break_ties, random_state",
        "config.yaml:22: models[4].defaults.C: 5 is outside the space of C",
        "config.yaml:24: models[5].estimator: 'numpy:ndarray' is not an estimator class "
        "(no fit)",
        "config.yaml:26: models[6].space: required key is missing (parameter -> distribution)",
    ]


def test_sampler_options_are_type_checked(tmp_path: Path) -> None:
    """A value of the wrong type is reported at its line while checking, not as a library
    error mid-run (a string seed used to pass the check)."""
    path = write(tmp_path, VALID + "sampler:\n  name: tpe\n  seed: abc\n"
                                   "  multivariate: 1\n  prior_weight: true\n")
    assert errors(path) == ["config.yaml:8: sampler.seed: must be an integer or null, got 'abc'"]
    path = write(tmp_path, VALID + "sampler:\n  name: tpe\n  multivariate: 1\n")
    assert only_error(path) == "config.yaml:8: sampler.multivariate: must be true/false, got 1"
    path = write(tmp_path, VALID + "sampler:\n  name: tpe\n  prior_weight: yes\n")
    assert only_error(path) == "config.yaml:8: sampler.prior_weight: must be a number, got true"
    ok = load_run_config(write(tmp_path, VALID + "sampler: {name: tpe, prior_weight: 2, "
                                                 "seed: null}\n"))
    assert ok.sampler.options == {"prior_weight": 2, "seed": None}


def test_stopping_and_nested_cv(tmp_path: Path) -> None:
    from tuneforge.evaluate import NoiseAwareStopping

    cfg = load_run_config(write(tmp_path, VALID + "stopping: {patience: 4}\nnested_cv: 3\n"))
    assert cfg.stopping == {"patience": 4, "threshold": 1.0, "min_trials": 10}
    assert cfg.nested_cv == 3
    [rule] = cfg.select_kwargs()["callbacks"]
    assert isinstance(rule, NoiseAwareStopping) and rule.patience == 4
    assert load_run_config(write(tmp_path, VALID)).select_kwargs()["callbacks"] == []
    path = write(tmp_path, VALID + "stopping: {patience: 0, threshold: -1, wait: 3}\n"
                                   "nested_cv: 1\n")
    assert errors(path) == [
        "config.yaml:6: stopping.patience: must be a positive integer, got 0",
        "config.yaml:6: stopping.threshold: must be a number >= 0 (of CV standard errors), "
        "got -1",
        "config.yaml:6: stopping.wait: unknown key; stopping takes (NoiseAwareStopping): "
        "patience, threshold, min_trials",
        "config.yaml:7: nested_cv: must be an integer >= 2, got 1",
    ]


def test_metric_of_the_inferred_task_is_reported_at_its_line(tmp_path: Path) -> None:
    """Without `task`, the target decides it; a metric of the other task is an error at
    the metric's line, found when the data is read (before anything runs)."""
    cfg = load_run_config(write(tmp_path, VALID + "metric: rmse\n"))
    _, y = cfg.load_xy()
    with pytest.raises(ConfigError) as info:
        cfg.check_target(y)
    [line] = [x.removeprefix(f"{tmp_path}/") for x in info.value.lines]
    assert line == ("config.yaml:6: metric: scoring 'rmse' is a regression metric but the "
                    "task is classification (inferred from y); pass a classification metric "
                    "or task='regression'")


def test_several_metrics(tmp_path: Path) -> None:
    cfg = load_run_config(write(tmp_path, VALID + "metric: [f1_macro, accuracy]\n"))
    assert cfg.metric == ["f1_macro", "accuracy"]
    assert cfg.select_kwargs()["scoring"] == ["f1_macro", "accuracy"]
    assert load_run_config(write(tmp_path, VALID + "metric: [accuracy]\n")).metric == "accuracy"
    path = write(tmp_path, VALID + "task: classification\nmetric:\n  - accuracy\n  - rmse\n"
                                   "  - acuracy\n")
    assert errors(path) == [
        "config.yaml:10: metric[2]: unknown metric 'acuracy' (did you mean 'accuracy'?); e.g. "
        "accuracy, roc_auc, f1_macro, log_loss, rmse, mae, r2, or any scikit-learn scorer name"]
    path = write(tmp_path, VALID + "task: classification\nmetric: [accuracy, rmse]\n")
    assert only_error(path) == ("config.yaml:7: metric[1]: 'rmse' is a regression metric but "
                                "task is classification")
    assert only_error(write(tmp_path, VALID + "metric: [r2, r2]\n")).startswith(
        "config.yaml:6: metric: a metric is listed twice")


def test_metric_errors(tmp_path: Path) -> None:
    assert only_error(write(tmp_path, VALID + "metric: acuracy\n")).startswith(
        "config.yaml:6: metric: unknown metric 'acuracy' (did you mean 'accuracy'?)")
    assert only_error(write(tmp_path, VALID + "metric: rmse\ntask: classification\n")) == \
        "config.yaml:6: metric: 'rmse' is a regression metric but task is classification"


def test_unsupported_storage(tmp_path: Path) -> None:
    assert only_error(write(tmp_path, VALID + "storage: mysql://db\n")) == (
        "config.yaml:6: storage: unsupported storage URL 'mysql://db': use sqlite:///file.db "
        "or postgresql://user@host/db")


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        study: ""
        data:
          path: nope.csv
        models: [svm]
        cv: 1
        budget: {trials: 0}
        extra: 1
        """)
    assert [line.split(":")[1] for line in errors(path)] == ["1", "2", "3", "4", "5", "6", "7"]


def test_data_problems_found_while_loading_name_the_config_line(tmp_path: Path) -> None:
    cfg = load_run_config(write(tmp_path, VALID))
    (tmp_path / "data.csv").write_text("a,b,label\n,,x\n,,y\n")
    with pytest.raises(ConfigError) as info:
        cfg.load_xy()
    assert info.value.lines == [f"{tmp_path}/config.yaml:3: data.path: {tmp_path}/data.csv: "
                                "no column of the table can be used: column 'a' left out: "
                                "every value is missing; column 'b' left out: every value "
                                "is missing"]


def _rows_csv(path: Path, n: int = 20) -> list[list[str]]:
    """A two-class table of `n` rows with numeric columns a, b; returns its cells by row."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows = [[f"{rng.normal():.3f}", f"{rng.normal():.3f}", "xy"[i % 2]] for i in range(n)]
    path.write_text("a,b,label\n" + "".join(",".join(r) + "\n" for r in rows))
    return rows


def test_text_and_gaps_in_features_are_data_not_errors(tmp_path: Path) -> None:
    """A table as users bring it (text columns, 'n/a', '?', empty cells, an infinity)
    loads, and select prepares it inside the folds instead of refusing it."""
    cfg = load_run_config(write(tmp_path, VALID))
    rows = _rows_csv(tmp_path / "data.csv")
    rows[0][0], rows[3][1], rows[5][1], rows[7][0] = "n/a", "", "?", "inf"
    (tmp_path / "data.csv").write_text(
        "a,b,label,colour\n" + "".join(",".join(r) + f",{'rgb'[i % 3]}\n"
                                      for i, r in enumerate(rows)))
    X, y = cfg.load_xy()
    assert list(X.columns) == ["a", "b", "colour"] and len(y) == 20


def _timed_csv(path: Path, n: int = 40) -> list[str]:
    """A regression table whose rows are not in time order; returns the dates by row."""
    import numpy as np

    rng = np.random.default_rng(0)
    days = rng.permutation(n)
    dates = [f"2024-{1 + d // 28:02d}-{1 + d % 28:02d}" for d in days]
    lines = ["when,a,b,price"] + [f"{w},{rng.normal():.4f},{rng.normal():.4f},"
                                  f"{d + rng.normal():.3f}"
                                  for w, d in zip(dates, days, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return dates


def test_time_column_orders_the_run(tmp_path: Path) -> None:
    import warnings

    from tuneforge.automl import select

    path = write(tmp_path, """\
        study: timed
        data:
          path: data.csv
          target: price
          time_column: when
        models: [ridge]
        cv: 3
        """)
    dates = _timed_csv(tmp_path / "data.csv")
    cfg = load_run_config(path).with_overrides(storage=f"sqlite:///{tmp_path / 'r.db'}",
                                                trials=2)
    assert cfg.data.time_column == "when"
    X, y = cfg.load_xy()
    assert X["when"].dtype.kind == "M"  # parsed as dates
    kwargs = cfg.select_kwargs()
    assert kwargs["time_column"] == "when"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sel = select(X, y, **kwargs)
    held = sorted(dates[i] for i in sel.holdout_split.holdout_index)
    assert held == sorted(dates)[-8:]  # the latest 20 %, not a shuffled draw
    assert [dates[i] for i in sel.holdout_split.search_index] == sorted(dates)[:-8]
    assert sel.best_model.n_features_in_ == 2  # the dates order the rows; not a feature


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_time_column_errors(tmp_path: Path) -> None:
    base = "study: t\ndata:\n  path: data.csv\n  target: label\n  time_column: {}\n"
    assert only_error(write(tmp_path, base.format("when"))) == \
        "config.yaml:5: data.time_column: no column 'when' in data.csv; columns: a, b, label"
    assert only_error(write(tmp_path, base.format("label"))) == \
        "config.yaml:5: data.time_column: it is the target"
    cfg = load_run_config(write(tmp_path, base.format("a")))
    (tmp_path / "data.csv").write_text("a,b,label\nred,2,x\nblue,4,y\n")
    with pytest.raises(ConfigError, match="time column 'a' is neither numbers nor dates"):
        cfg.load_xy()


@pytest.mark.parametrize("task", ["regression", None])
def test_a_bad_regression_target_is_named_with_rows_and_split_before_any_trial(
        tmp_path: Path, task: str | None) -> None:
    """An infinite or text regression target used to pass --check and fail in every trial;
    now loading names the target column, its data rows and their split."""
    import numpy as np

    from tuneforge.evaluate.holdout import holdout_split

    text = VALID.replace("models: [logreg]", "models: [ridge]").replace("label", "price")
    if task is not None:
        text += f"task: {task}\n"
    config = write(tmp_path, text)
    rng = np.random.default_rng(1)
    rows = [[f"{rng.normal():.3f}", f"{rng.normal():.3f}", f"{rng.normal() * 10:.3f}"]
            for _ in range(30)]
    held = sorted(holdout_split(np.zeros((30, 1)), None, test_size=0.2, seed=0).holdout_index)
    rows[held[0]][2] = "inf"
    rows[1 if 1 not in held else 2][2] = "-inf"

    def save() -> None:
        (tmp_path / "data.csv").write_text(
            "a,b,price\n" + "".join(",".join(r) + "\n" for r in rows))

    save()
    cfg = load_run_config(config)
    with pytest.raises(ConfigError) as info:
        cfg.load_xy()
    search = 1 if 1 not in held else 2
    assert info.value.lines == [
        f"{tmp_path}/config.yaml:4: data.target: {tmp_path}/data.csv: target column 'price' "
        f"has 2 infinite values at data rows {search + 1} (search rows) and {held[0] + 1} "
        "(hold-out); a regression target must be finite"]
    rows[held[0]][2], rows[search][2] = "1.5", "12 kg"
    rows[held[1]][2] = ""
    save()
    with pytest.raises(ConfigError) as info:
        cfg.load_xy()
    if task == "regression":  # inferred, a text target is a classification's labels
        assert [line.split("data.csv: ")[1] for line in info.value.lines] == [
            f"target column 'price' has 1 missing value at data row {held[1] + 1} (hold-out);"
            " drop those rows first",
            f"target column 'price' has 1 text value (such as '12 kg') at data row "
            f"{search + 1} (search rows); a regression target must be numbers"]
    else:
        assert [line.split("data.csv: ")[1] for line in info.value.lines] == [
            f"target column 'price' has 1 missing value at data row {held[1] + 1} (hold-out);"
            " drop those rows first"]
