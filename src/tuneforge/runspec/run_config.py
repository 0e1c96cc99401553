"""The config of `tuneforge run`: its schema, and `load_run_config` that checks it all.

Every problem is collected (file:line: key.path: what) before anything runs: the YAML, the
keys and types, model names and search-space overrides, sampler and pruner options, and
the data file with its target column.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tuneforge.presets import TASKS, Preset
from tuneforge.runspec import data as data_io
from tuneforge.runspec.errors import ConfigError, ConfigIssue
from tuneforge.runspec.models import model_entry, task_hint
from tuneforge.runspec.schema import (
    INVALID,
    Field,
    Issues,
    did_you_mean,
    got,
    integer,
    nullable,
    number,
    section,
    sequence,
    string,
)
from tuneforge.runspec.strategies import PRUNERS, SAMPLERS, StrategySpec, strategy
from tuneforge.runspec.yaml_tree import Node, parse_yaml
from tuneforge.storage.url import DEFAULT_URL

_STORAGE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")


@dataclass(frozen=True)
class DataSpec:
    """Where the table is (resolved against the config's folder), its target and format,
    and the column that orders its rows in time (None: the rows have no time order)."""

    path: Path
    target: str
    format: str
    time_column: str | None = None
    drop: tuple[str, ...] = ()  # columns left out (e.g. ones recorded after the outcome)


@dataclass(frozen=True)
class RunConfig:
    """A checked config: everything `tuneforge.automl.select` needs, plus where it came from."""

    source: str
    study: str
    storage: str
    data: DataSpec
    task: str | None
    models: tuple[Preset, ...] | None   # None: every available preset of the task
    metric: str | list[str] | None    # a list: the first optimized, the rest recorded
    cv: int
    holdout: float | None
    trials: int
    timeout: float | None
    sampler: StrategySpec | None        # None: select's default
    pruner: StrategySpec | None
    seed: int
    n_jobs: int
    lines: Mapping[str, int]            # key path -> line, for errors found while running
    stopping: Mapping[str, Any] | None = None  # NoiseAwareStopping options; None: no rule
    nested_cv: int | None = None        # outer folds of a nested estimate; None: none
    objectives: tuple[str, ...] | None = None  # metrics optimized together (a front)
    time_budget: float | None = None    # seconds for the whole selection (select's)
    trials_default: bool = False        # budget.trials not given (no limit under seconds)

    def with_overrides(self, *, storage: str | None = None,
                       trials: int | None = None) -> RunConfig:
        """This config with the command line's --storage / --trials applied."""
        return replace(self, storage=self.storage if storage is None else storage,
                       trials=self.trials if trials is None else trials,
                       trials_default=self.trials_default and trials is None)

    def load_xy(self) -> tuple[Any, Any]:
        """The features and the target column, as pandas objects; a problem with the file
        is reported at the config's `data.path` line."""
        try:
            frame = data_io.read_table(self.data.path, self.data.format)
            X, y = data_io.split_target(frame.drop(columns=list(self.data.drop)),
                                        self.data.target, self.data.path,
                                        self.data.time_column)
        except data_io.DataError as exc:
            raise ConfigError(self.source, [ConfigIssue(self.lines.get("data.path"),
                                                        "data.path", str(exc))]) from None
        self._check_cells(X, y)
        return X, y

    def _check_cells(self, X: Any, y: Any) -> None:
        """The target's problems (with their data rows and split) and a table no column of
        which can be used are reported before any trial runs. Text, dates and gaps in the
        features are data: `select` prepares them inside the folds."""
        from tuneforge.automl.preprocess import TableError, column_types
        from tuneforge.automl.tasks import target_problems

        target = target_problems(y, self.task)
        if target:  # a regression split is not stratified: the split select would use
            target = target_problems(y, self.task, self._holdout_rows(X, None), first=1,
                                     word="data row")  # the task, split, models need it
            raise ConfigError(self.source, [
                ConfigIssue(self.lines.get("data.target"), "data.target",
                            f"{self.data.path}: {text}") for text in target])
        features = X.drop(columns=[self.data.time_column]) if self.data.time_column else X
        try:
            column_types(features)
        except TableError as exc:
            raise ConfigError(self.source, [ConfigIssue(self.lines.get("data.path"),
                                                        "data.path",
                                                        f"{self.data.path}: {exc}")]) from None

    def _holdout_rows(self, X: Any, y: Any) -> Any:
        """The row positions `select` will hold out (the same split, seed and time order);
        None without a hold-out or when the split is impossible (select reports that)."""
        if self.holdout is None:
            return None
        from tuneforge.automl.splits import time_keys
        from tuneforge.evaluate.holdout import holdout_split

        try:
            _, times = time_keys(X, self.data.time_column)
            with warnings.catch_warnings():  # sklearn's target-type guess on a bad target
                warnings.simplefilter("ignore")
                return holdout_split(X, y, test_size=self.holdout, seed=self.seed,
                                     times=times).holdout_index
        except (ValueError, TypeError):
            return None

    def check_target(self, y: Any) -> None:
        """The metric must fit the task inferred from the target when no task is given;
        reported at the `metric` line (or the target's, when the metric is the default)."""
        from tuneforge.automl.tasks import check_task

        try:
            check_task(self.task, y, self.metric)
        except ValueError as exc:
            key = "metric" if self.metric is not None else "data.target"
            raise ConfigError(self.source, [ConfigIssue(self.lines.get(key), key,
                                                        str(exc))]) from None

    def select_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `tuneforge.automl.select`, with a fresh sampler, pruner and
        stopping rule."""
        from tuneforge.evaluate import NoiseAwareStopping

        return {"task": self.task, "models": None if self.models is None else list(self.models),
                "budget": None if self.time_budget is not None and self.trials_default
                else self.trials,
                "timeout": self.timeout, "time_budget": self.time_budget,
                "scoring": self.metric,
                "cv": self.cv, "holdout": self.holdout, "time_column": self.data.time_column,
                "sampler": None if self.sampler is None else _unseeded(self.sampler).build(),
                "pruner": None if self.pruner is None else self.pruner.build(),
                "storage": self.storage, "study_name": self.study, "seed": self.seed,
                "n_jobs": self.n_jobs,
                **({"objectives": list(self.objectives)} if self.objectives else {}),
                "callbacks": [] if self.stopping is None else
                [NoiseAwareStopping(**self.stopping)]}


def _unseeded(spec: StrategySpec) -> StrategySpec:
    """`spec` without its seed: the config's seed (the sampler's, or 0) is passed as the
    study seed, and a sampler seed too would clash with nested CV's per-fold seeds."""
    return replace(spec, options={k: v for k, v in spec.options.items() if k != "seed"})


def _storage(node: Node, path: str, issues: Issues) -> Any:
    url = string()(node, path, issues)
    if url is not INVALID and not url.strip().startswith(_STORAGE_SCHEMES):
        return issues.add(node.line, path, f"unsupported storage URL {url!r}: use "
                                           "sqlite:///file.db or postgresql://user@host/db")
    return url


def _metrics(node: Node, path: str, issues: Issues) -> Any:
    """One metric name, or a list of them: the first is optimized, the rest recorded."""
    if not node.is_sequence:
        return _metric(node, path, issues)
    names = sequence(_metric)(node, path, issues)
    if names is INVALID or INVALID in names:
        return INVALID
    if len(set(names)) != len(names):
        return issues.add(node.line, path, f"a metric is listed twice: {names}")
    return names if len(names) > 1 else names[0]


def _objectives(node: Node, path: str, issues: Issues) -> Any:
    """Two or more metric names optimized together (a Pareto front)."""
    if not node.is_sequence:
        return issues.add(node.line, path, f"must be a list of two or more metric names "
                                           f"optimized together, {got(node)}")
    names = sequence(_metric)(node, path, issues)
    if names is INVALID or INVALID in names:
        return INVALID
    if len(set(names)) != len(names) or len(names) < 2:
        return issues.add(node.line, path, f"must name two or more distinct metrics, got "
                                           f"{names}")
    return tuple(names)


def _metric(node: Node, path: str, issues: Issues) -> Any:
    from tuneforge.evaluate import metric_names

    name = string()(node, path, issues)
    if name is not INVALID and name not in metric_names():
        return issues.add(node.line, path, f"unknown metric {name!r}"
                                           f"{did_you_mean(name, metric_names())}; e.g. "
                                           "accuracy, roc_auc, f1_macro, log_loss, rmse, mae, "
                                           "r2, or any scikit-learn scorer name")
    return name


def _n_jobs(node: Node, path: str, issues: Issues) -> Any:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, int) or (v < 1 and v != -1):
        return issues.add(node.line, path, f"must be a positive number of worker processes "
                                           f"or -1 (one per core), {got(node)}")
    return v


_DATA = {
    "path": Field(string(), required=True, help="the CSV or Parquet file, relative to the "
                                                "config's folder"),
    "target": Field(string(), required=True, help="the column to predict"),
    "format": Field(nullable(string(data_io.FORMATS, "format"))),
    "drop": Field(nullable(sequence(string())), help="columns to leave out, such as ones "
                                                       "recorded after the outcome"),
    "time_column": Field(nullable(string()), help="a column of times: the hold-out is then "
                                                  "the latest rows and CV folds are forward"),
}


def _threshold(node: Node, path: str, issues: Issues) -> Any:
    """A number of CV standard errors, >= 0."""
    what = "a number >= 0 (of CV standard errors)"
    v = number(None, None, what=what)(node, path, issues)
    if v is not INVALID and v < 0:
        return issues.add(node.line, path, f"must be {what}, {got(node)}")
    return v


_STOPPING = {
    "patience": Field(integer(minimum=1), default=10),
    "threshold": Field(_threshold, default=1.0),
    "min_trials": Field(integer(minimum=0), default=10),
}
_BUDGET = {
    "trials": Field(nullable(integer(minimum=1)), default=None),
    "seconds": Field(nullable(number(0, None, what="a positive number of seconds or null")),
                     default=None, help="a time budget for the whole selection"),
    "timeout": Field(nullable(number(0, None, what="a positive number of seconds or null")),
                     default=None),
}


def _root(task: str | None, why: str = "") -> dict[str, Field]:
    return {
        "study": Field(string(), required=True, help="the study's name in the storage"),
        "storage": Field(nullable(_storage), default=None),
        "data": Field(section(_DATA), required=True, help="path and target of the table"),
        "task": Field(nullable(string(TASKS, "task"))),
        "models": Field(nullable(sequence(model_entry(task, why)))),
        "metric": Field(nullable(_metrics)),
        "cv": Field(integer(minimum=2), default=5),
        "holdout": Field(nullable(number(0, 1, what="a fraction in (0, 1) or null (no "
                                                   "hold-out)")), default=0.2),
        "budget": Field(section(_BUDGET), default={"trials": None, "timeout": None,
                                                   "seconds": None}),
        "sampler": Field(nullable(strategy("sampler", SAMPLERS))),
        "pruner": Field(nullable(strategy("pruner", PRUNERS))),
        "n_jobs": Field(_n_jobs, default=1),
        "stopping": Field(nullable(section(_STOPPING, "stopping takes (NoiseAwareStopping)"))),
        "nested_cv": Field(nullable(integer(minimum=2))),
        "objectives": Field(nullable(_objectives), help="metrics optimized together: the "
                                                         "result is a Pareto front and its knee"),
    }


MAX_CONFIG_BYTES = 1024 * 1024  # a run config is a few KiB; anything past this is refused


def load_run_config(path: str | Path) -> RunConfig:
    """Read and check a run config; raises ConfigError listing every problem found."""
    source = str(path)
    try:
        with Path(path).open("rb") as file:  # at most one byte past the cap: /dev/zero ends
            raw = file.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            line = raw.count(b"\n", 0, MAX_CONFIG_BYTES) + 1
            raise ConfigError(source, [ConfigIssue(line, "", f"the config is larger than "
                                                             f"{MAX_CONFIG_BYTES // 1024} KiB "
                                                             "(the cap falls on this line); a "
                                                             "run config is a few hundred lines")])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigIssue(None, "", f"cannot read the config: "
                                                         f"{getattr(exc, 'strerror', exc)}")]
                          ) from None
    root, found = parse_yaml(text, source)
    issues = Issues(found)
    if root is None or not root.is_mapping:
        what = "the file is empty" if root is None else "the top level is not a mapping"
        issues.add(1 if root is None else root.line, "",
                   f"{what}; expected keys such as {', '.join(list(_root(None))[:4])}, ...")
        raise ConfigError(source, issues)
    values = section(_root(*task_hint(root)))(root, "", issues)
    data = _check_data(values.get("data"), root, Path(path).parent, issues)
    _check_metric_task(values, root, issues)
    if values.get("objectives") and values.get("nested_cv"):
        issues.add(root.value["nested_cv"].line, "nested_cv", "a nested estimate scores one "
                   "metric; it cannot be combined with objectives")
    if issues:
        raise ConfigError(source, issues)
    budget, sampler = values["budget"], values["sampler"]
    return RunConfig(
        source=source, study=values["study"], storage=values["storage"] or DEFAULT_URL,
        data=data, task=values["task"],
        models=None if values["models"] is None else tuple(values["models"]),
        metric=values["metric"], cv=values["cv"], holdout=values["holdout"],
        trials=budget["trials"] or 50, timeout=budget["timeout"], sampler=sampler,
        time_budget=budget["seconds"], trials_default=budget["trials"] is None,
        pruner=values["pruner"], seed=(sampler.options.get("seed") if sampler else None) or 0,
        n_jobs=values["n_jobs"], lines=_lines(root), stopping=values["stopping"],
        nested_cv=values["nested_cv"], objectives=values["objectives"])


def _check_data(spec: Any, root: Node, folder: Path, issues: Issues) -> Any:
    """Resolve the file, its format and its columns; the target must be one of them."""
    if not isinstance(spec, dict) or INVALID in (spec["path"], spec["format"]):
        return INVALID
    nodes = root.value["data"].value
    path = Path(spec["path"]).expanduser()
    path = path if path.is_absolute() else folder / path
    if not path.is_file():
        where = "" if Path(spec["path"]).is_absolute() else " (a relative path starts " \
                                                             "from the config's folder)"
        return issues.add(nodes["path"].line, "data.path", f"no such file: {path}{where}")
    fmt = spec["format"] or data_io.infer_format(path)
    if fmt is None:
        return issues.add(nodes["path"].line, "data.path", f"cannot tell the format from the "
                                                           f"name {path.name!r}; set "
                                                           "data.format: csv or parquet")
    try:
        columns = [str(c) for c in data_io.read_table(path, fmt, header_only=True).columns]
    except data_io.DataError as exc:
        return issues.add(nodes["path"].line, "data.path", str(exc))
    if spec["target"] is INVALID:
        return INVALID
    if spec["target"] not in columns:
        return issues.add(nodes["target"].line, "data.target",
                          f"no column {spec['target']!r} in {path.name}; "
                          f"{data_io.columns_hint(columns)}")
    time = spec.get("time_column")
    if time is INVALID:
        return INVALID
    if time is not None and (time not in columns or time == spec["target"]):
        what = "it is the target" if time == spec["target"] else \
            f"no column {time!r} in {path.name}; {data_io.columns_hint(columns)}"
        return issues.add(nodes["time_column"].line, "data.time_column", what)
    drop = spec.get("drop") or []
    if drop is INVALID:
        return INVALID
    unknown_drop = [c for c in drop if c not in columns or c == spec["target"]]
    if unknown_drop:
        return issues.add(nodes["drop"].line, "data.drop",
                          f"cannot drop {unknown_drop}: not a feature column of {path.name}; "
                          f"{data_io.columns_hint(columns)}")
    return DataSpec(path, spec["target"], fmt, time, tuple(drop))


def _check_metric_task(values: dict[str, Any], root: Node, issues: Issues) -> None:
    """A named metric must fit the declared task (``rmse`` is not for classification)."""
    from tuneforge.evaluate import metric_task

    metric, task = values.get("metric"), values.get("task")
    if metric is None or metric is INVALID or task in (None, INVALID):
        return
    for i, name in enumerate(metric if isinstance(metric, list) else [metric]):
        kind = metric_task(name)
        if kind is not None and kind != task:
            node = root.value["metric"]
            line = node.value[i].line if node.is_sequence else node.line
            issues.add(line, f"metric[{i}]" if node.is_sequence else "metric",
                       f"{name!r} is a {kind} metric but task is {task}")


def _lines(node: Node, path: str = "") -> dict[str, int]:
    """Every key path of the tree -> the line it starts on."""
    out = {path: node.decl_line} if path else {}
    if node.is_mapping:
        for key, child in node.value.items():
            out.update(_lines(child, f"{path}.{key}" if path else key))
    elif node.is_sequence:
        for i, child in enumerate(node.value):
            out.update(_lines(child, f"{path}[{i}]"))
    return out
