"""`select`: tune several model families in one study and pick the best, honestly.

The rows of a hold-out are put aside before anything else (the latest rows, when the rows
are time-ordered: a time column, or a forward cv such as TimeSeriesSplit); one study searches a
conditional space (family, then its hyperparameters) by cross-validation on the other rows,
starting from each family's library defaults; then each family's best is refitted on the
search rows and scored once on the hold-out, and the winner's CV-vs-hold-out gap is checked
against the CV noise.
"""

from __future__ import annotations

import copy
import math
import secrets
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tuneforge.automl.baseline import apply_baseline_rule
from tuneforge.automl.blend import (
    BLEND,
    BLEND_SHARE,
    FoldPredictions,
    affordable,
    blend_cost,
    blend_row,
    build_blend,
    candidates,
    is_blend,
    not_weighed,
    weigh_blend,
)
from tuneforge.automl.budget import (
    BudgetedObjective,
    family_order,
    fold_pruner,
    refit_seconds,
)
from tuneforge.automl.families import MODEL_PARAM, Families, resolve_models
from tuneforge.automl.preprocess import as_frame, column_types, needs_preprocessing
from tuneforge.automl.quiet import ConvergenceCounter, QuietObjective
from tuneforge.automl.selection import (
    Selection,
    family_rows,
    fit_flags,
    front_rows,
    trial_row,
)
from tuneforge.automl.splits import in_time_order, splitter, time_keys, time_ordered
from tuneforge.automl.tasks import check_task, target_problems
from tuneforge.evaluate import (
    NestedCVResult,
    cross_val_objective,
    holdout_sem_estimate,
    holdout_split,
    overtuning_check,
    resolve_metrics,
)
from tuneforge.evaluate.nested import fold_seed, take_rows
from tuneforge.evaluate.tables import as_xy
from tuneforge.exceptions import TuneforgeError
from tuneforge.presets import Preset
from tuneforge.pruners import Pruner
from tuneforge.samplers import Sampler, TPESampler
from tuneforge.study import Study, create_study
from tuneforge.study.warm import WarmStart, as_warm_start
from tuneforge.trial.records import TrialState

CONFIG_ATTR = "automl"            # study user attr: what the study compares (checked on resume)
DEFAULT_ATTR = "automl_default"   # trial user attr: the family whose defaults it runs
END_MARGIN = 0.03  # of a time budget, kept free after the refits (scoring, the report)
LARGE_ROWS = 10_000  # under a time budget, the default 5 folds become 3 above this
HOLDOUT_ATTR = "holdout_check"    # study user attr: CV vs hold-out of the winner (reports)
BASELINE_ATTR = "baseline_rule"   # study user attr: the winner against the default baseline


class OvertuningWarning(UserWarning):
    """The winner's hold-out score is worse than its CV score by more than the CV noise."""


def select(X: Any, y: Any, *, task: str | None = None,
           models: Sequence[str | Preset] | None = None, budget: int | None = None,
           timeout: float | None = None, time_budget: float | None = None,
           scoring: Any = None, cv: Any = 5,
           holdout: float | None = 0.2, time_column: Any = None,
           sampler: Sampler | None = None, pruner: Pruner | None = None,
           storage: Any = None, study_name: str | None = None, seed: int | None = None,
           n_jobs: int = 1, show_progress: bool = False,
           callbacks: Sequence[Callable[[Study, Any], None]] = (),
           objectives: Sequence[str] | None = None,
           keep_baseline: bool = True, blend: bool = True,
           warm_start: WarmStart | Sequence[Any] | str | None = None) -> Selection:
    """Compare model families (preset names, default: every available preset of the task)
    with `budget` trials of one study, and return the leaderboard and the refitted winner.

    `task` is inferred from `y` when None; `scoring` defaults to accuracy / RMSE; `holdout`
    is the fraction of rows kept out of the search for the final check (None: no check).
    Time-ordered rows, given by `time_column` (a column of a DataFrame `X`, which then
    orders the rows instead of being a feature, or one time per row) or by a forward `cv`
    (a TimeSeriesSplit: the rows are already in time order), are never shuffled: the
    hold-out is the latest rows, an int `cv` becomes a TimeSeriesSplit, and every model is
    trained on rows earlier than those it is scored on.
    `callbacks` are study callbacks, e.g. ``NoiseAwareStopping()`` to stop once the gains
    are within the CV noise. An existing study of the same name in `storage` is resumed:
    `budget` more trials. `seed` defaults to the sampler's seed, else 0.

    `objectives` (e.g. ``["accuracy", "model_size"]``) optimizes several metrics together:
    the study has one direction each, the result's `front` lists the Pareto-optimal trials
    and the winner (`choice`, `best_model`, refitted on the search rows and scored on the
    hold-out in every objective) is the front's knee; the leaderboard ranks each family by
    the first objective, and there is no over-tuning check (it compares one score).

    `X` may be a DataFrame or a CSV/Parquet path, and `y` the name of its target column
    (labels may be strings). A table with text, dates or gaps gets its preprocessing
    (imputation, encoding, scaling; `tuneforge.automl.preprocess`) inside each model's
    pipeline, fit within every fold, its choices searched with the model's own; free-text
    columns are left out with a note (`Selection.columns`).

    `time_budget` (seconds) bounds the whole selection, refits included: families run
    cheapest first, an expensive family only while it looks promising, and no trial starts
    that is not expected to finish in time (`tuneforge.automl.budget`); on more than
    10,000 search rows the default 5 folds become 3. Without a `pruner`, a trial worse than
    the best trial on each of its first folds stops there (`budget.fold_pruner`). `budget`
    then defaults to no trial limit; without a time budget it defaults to 50 trials.

    `keep_baseline` (one metric): the library defaults of HistGradientBoosting stay the
    winner unless the CV leader beats them on the same folds by more than one standard
    error of the paired difference (`tuneforge.automl.baseline`): a lead within the noise
    of many compared families is not worth the risk. ``Selection.baseline`` says what
    was decided.

    `blend` (one metric): the search keeps the fold predictions of the best trial of
    each family and of those HistGradientBoosting defaults (for a classification, those
    whose model gives class probabilities), and greedy ensemble selection picks, on the
    same folds, a weighted average of them (class probabilities, or predictions); it
    becomes the winner, family ``"blend"``, when it has two members or more and its mean
    beats every member's and the CV leader's (`automl.blend`); ``Selection.blend`` says
    what was weighed. Under a time budget the check (the members' refits, and the CV of
    any candidate whose predictions were not kept) is kept free up to 15 % of the budget.

    `warm_start` (past study names in `storage`, `WarmSource`s or studies, or a
    `WarmStart`; as `create_study` takes them) gives the sampler the best trials of past
    selections as a prior, matched by parameter name (``model`` and the families'
    prefixed parameters), without running them again; one objective only.
    """
    started = time.time()
    if y is None:
        raise ValueError("select needs a target y")
    X, y = as_xy(X, y)
    if time_budget is not None and (isinstance(time_budget, bool) or not isinstance(
            time_budget, (int, float)) or not time_budget > 0):
        raise ValueError(f"time_budget must be a positive number of seconds, got "
                         f"{time_budget!r}")
    if budget is None:
        budget = 50 if time_budget is None else 10**6
    seed = default_seed(seed, sampler)
    _check_target(X, y, task, holdout=holdout, seed=seed, time_column=time_column, cv=cv)
    if objectives is not None:
        objectives = list(objectives)
        check_task(task, y, objectives)  # every objective must fit the task
    warm = None if warm_start is None else as_warm_start(warm_start)
    if warm is not None and objectives is not None and len(objectives) > 1:
        raise ValueError(f"select(warm_start=...) transfers single-objective studies; it "
                         f"cannot warm-start a search over {len(objectives)} objectives")
    task, scoring = check_task(task, y, scoring if scoring is not None or objectives is None
                               else objectives)
    presets = resolve_models(models, task)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"budget must be a positive number of trials, got {budget!r}")
    X, times = time_keys(X, time_column)
    n_rows, n_features = _shape(X, y)
    columns = column_types(X) if needs_preprocessing(X) else None
    if columns is not None:
        X = as_frame(X)
        n_features = columns.n_inputs
    families = Families(presets, random_state=seed, tables=columns)
    ordered = time_ordered(cv, X, y, times)
    split = holdout_split(X, y, test_size=holdout, seed=seed, ordered=ordered,
                          times=times) if holdout else None
    X_search, y_search = split.search(X, y) if split is not None else \
        (in_time_order(X, times), in_time_order(y, times))
    if time_budget is not None and cv == 5 and len(y_search) > LARGE_ROWS:
        cv = 3  # a time budget on many rows: three folds buy more trials than five
    objective = cross_val_objective(families, X_search, y_search,
                                    cv=splitter(cv, task, seed, ordered=ordered),
                                    scoring=scoring, objectives=objectives,
                                    return_train_score=True)
    multi = len(objective.objectives) > 1
    stored = None
    if blend and not multi:  # each family's best fold predictions, for the blend's check
        stored = FoldPredictions(task, objective.y, len(objective.splits),
                                 objective.metric.greater_is_better, DEFAULT_ATTR)
        objective.keep = stored
    if pruner is None and time_budget is not None and not multi:
        pruner = fold_pruner()  # a trial behind the leader fold by fold stops early
    study = create_study(study_name, directions=objective.directions, storage=storage,
                         sampler=sampler if sampler is not None else TPESampler(seed=seed),
                         pruner=pruner, seed=seed, load_if_exists=True, warm_start=warm)
    config = {"task": task, "models": families.names, "metric": objective.metric.name,
              "holdout": holdout or None, "seed": seed, "n_rows": n_rows,
              "n_features": n_features, "cv": cv if isinstance(cv, int) else None,
              "order": "time" if ordered else None,
              "objectives": list(objective.objectives) if multi else None,
              **({"columns": columns.to_json()} if columns is not None else {})}
    _check_resume(study, config)
    if multi and study.metric_names != list(objective.objectives):
        study.set_metric_names(list(objective.objectives))
    deadline = None if time_budget is None else started + time_budget
    margin = 0.0 if time_budget is None else END_MARGIN * time_budget
    enqueue_defaults(study, families, n_features,
                     order=None if deadline is None else family_order(families.names,
                                                                      len(y_search)))
    threads = None if n_jobs == 1 else 1
    run: Any = objective
    if deadline is not None:
        k = len(objective.splits)
        run = BudgetedObjective(objective, deadline, len(y_search), objective.metric,
                                families.names, refit_scale=k / (k - 1) if k > 1 else 1.0,
                                margin=margin,
                                blend_limit=BLEND_SHARE * (deadline - started)
                                if blend and not multi else 0.0, stored=stored)
        left = deadline - margin - time.time()
        timeout = left if timeout is None else min(timeout, left)
        if timeout <= 0:
            raise TuneforgeError(f"time_budget={time_budget} s was used up before the "
                                 "search could start (reading and checking the table)")
    study.optimize(QuietObjective(run, threads), n_trials=budget, timeout=timeout,
                   n_jobs=n_jobs, show_progress=show_progress, callbacks=list(callbacks))

    rows = family_rows(study.trials, families, objective.metric)
    if rows[0]["cv_score"] is None and time_budget is not None:  # the folds that ran
        rows = family_rows(study.trials, families, objective.metric, partial=True)
    if rows[0]["cv_score"] is None:
        raise TuneforgeError(f"study {study.study_name!r}: no trial completed; "
                             f"{_failures(study)}")
    k = len(objective.splits)
    scale = k / (k - 1) if k > 1 else 1.0
    by_number = {t.number: t for t in study.trials}
    ranked = [by_number[r["trial"]] for r in rows if r["trial"] in by_number]  # CV order
    decision = None
    if keep_baseline and not multi:
        decision = apply_baseline_rule(
            rows, study.trials, objective.metric, DEFAULT_ATTR,
            lambda t: trial_row(t, families, objective.metric))
        if decision is not None:
            study.set_user_attr(BASELINE_ATTR, decision)
    blended = None
    default = _defaults_trial(study) if blend and not multi else None
    if default is not None:
        left = math.inf if deadline is None else deadline - margin - time.time()
        kept = stored if stored is not None else ()
        pool = candidates(ranked, default, families, task)
        fits = affordable(pool, left, k, scale, kept)
        if len(pool) >= 2 and len(fits) < 2:  # candidates, but no check fits in the time
            blended = not_weighed(pool[:2], families, (
                f"its check takes about {blend_cost(pool[:2], k, scale, kept):.1f} s, "
                f"more than the {max(left, 0.0):.1f} s left"))
        elif len(fits) >= 2:
            blended = weigh_blend(
                fits, families=families, objective=objective, task=task,
                refit_scale=scale, leader=ranked[0], stored=stored,
                deadline=None if deadline is None else deadline - margin)
        if blended is not None:
            study.set_user_attr(BLEND, blended)
            if blended["chosen"]:
                rows.insert(0, blend_row(blended))
    best_model = _refit_and_score(rows, families, objective.metric, X_search, y_search,
                                  None if split is None else split.holdout(X, y),
                                  deadline=None if deadline is None else deadline - margin,
                                  refit_times={t.number: refit_seconds(t, scale)
                                               for t in study.trials}, task=task)
    fit_flags(rows, objective.metric)  # after the refit, which gives a blend its train score
    gap = None
    if multi:
        knee = study.knee_trial()
        front = front_rows(study.best_trials, knee, families, objective.objectives,
                           best_first=objective.metric.greater_is_better)
        choice = next(r for r in front if r["knee"])
        best_model = _refit_choice(choice, families, objective, X_search, y_search,
                                   None if split is None else split.holdout(X, y))
        return Selection(study=study, task=task, metric=objective.metric, families=families,
                         leaderboard=rows, best_model=best_model, gap=None,
                         holdout_split=split, front=front, choice=choice, columns=columns)
    if split is not None:
        top = rows[0]
        cv_sem = float("nan") if top["cv_sem"] is None else top["cv_sem"]
        # the hold-out score is noisy too (small hold-outs very much so): count both
        hold_sem = holdout_sem_estimate(cv_sem, len(objective.splits),
                                        len(split.search_index), len(split.holdout_index))
        gap = overtuning_check(objective.metric, top["cv_score"], cv_sem,
                               top["holdout_score"], holdout_sem=hold_sem)
        if gap.overtuned:
            warnings.warn(f"model selection ({top['family']}): {gap.message}",
                          OvertuningWarning, stacklevel=2)
        study.set_user_attr(HOLDOUT_ATTR, {  # read back by the dashboard and the report
            **gap.to_json(), "family": top["family"], "trial": _trial_of(top),
            "message": gap.message,
            "families": [{"family": r["family"], "trial": _trial_of(r),
                          "cv_score": r["cv_score"], "holdout_score": r.get("holdout_score")}
                         for r in rows]})
    return Selection(study=study, task=task, metric=objective.metric, families=families,
                     leaderboard=rows, best_model=best_model, gap=gap, holdout_split=split,
                     columns=columns, baseline=decision, blend=blended)


def _check_target(X: Any, y: Any, task: str | None, *, holdout: float | None, seed: int,
                  time_column: Any, cv: Any) -> None:
    """A missing target, or a regression target that is text or infinite, is an error
    naming its rows and their split before any trial runs (it used to fail at the refit)."""
    if not target_problems(y, task):
        return
    held = None
    if holdout:
        try:  # the rows `select` would hold out, to say which split a bad row is in
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # sklearn's target-type guess on an inf
                X, times = time_keys(X, time_column)
                ordered = time_ordered(cv, X, y, times)
                # a regression split is not stratified: no y gives the split select uses
                held = holdout_split(X, None, test_size=holdout, seed=seed, ordered=ordered,
                                     times=times).holdout_index
        except (ValueError, TypeError, TuneforgeError):
            held = None
    raise ValueError("; ".join(target_problems(y, task, held)))


def default_seed(seed: int | None, sampler: Sampler | None) -> int:
    """`seed`, else the sampler's own seed (Optuna users seed the sampler), else 0."""
    if seed is not None:
        return seed
    return sampler.seed if sampler is not None and sampler.seed is not None else 0


def nested_select(X: Any, y: Any, *, outer_cv: int = 5, seed: int | None = None,
                  storage: Any = None, study_name: str | None = None,
                  **select_kwargs: Any) -> NestedCVResult:
    """An unbiased estimate of what `select` delivers: the whole model selection (every
    family, its search and the choice of the winner) runs inside each of `outer_cv` folds,
    on that fold's training rows only (no hold-out), and its winner is scored once on the
    fold's test rows. Its mean is the estimate; ``best_params`` per fold hold the family
    (key ``model``) and its parameters, so an unstable choice shows.

    Time-ordered rows (`time_column`, or a forward `cv`, as in `select`) get forward
    outer folds (a TimeSeriesSplit): each fold's selection sees only rows earlier than its
    test rows, and its inner CV is forward too. The fold studies are named
    ``<study_name>-outer<i>`` (default: a fresh prefix) in `storage`; other keywords go to
    `select` (task, models, budget, scoring, cv, warm_start, ...): a `warm_start` prior
    (from studies outside this estimate) is given to every fold's selection alike.
    """
    if isinstance(outer_cv, bool) or not isinstance(outer_cv, int) or outer_cv < 2:
        raise ValueError(f"outer_cv must be an integer >= 2, got {outer_cv!r}")
    if "holdout" in select_kwargs:
        raise TypeError("nested_select takes no holdout: each outer test fold is the hold-out")
    if len(select_kwargs.get("objectives") or ()) > 1:
        raise TypeError("nested_select estimates one metric; it takes no objectives (run "
                        "select(objectives=...) for a front)")
    seed = default_seed(seed, select_kwargs.get("sampler"))
    X, y = as_xy(X, y)
    _check_target(X, y, select_kwargs.get("task"), holdout=None, seed=seed,
                  time_column=None, cv=None)  # named by the caller's rows, not a fold's
    task, scoring = check_task(select_kwargs.pop("task", None), y,
                               select_kwargs.pop("scoring", None))
    metric = resolve_metrics(scoring)
    primary = next(iter(metric.values()))
    prefix = study_name or f"nested-select-{secrets.token_hex(4)}"
    X, times = time_keys(X, select_kwargs.pop("time_column", None))
    _shape(X, y)
    ordered = time_ordered(select_kwargs.get("cv", 5), X, y, times)
    rows = np.arange(len(y)) if times is None else np.argsort(times, kind="stable")
    if ordered:  # time order from here on; the inner CV forward too
        X, y = take_rows(X, rows), take_rows(y, rows)
        select_kwargs["cv"] = splitter(select_kwargs.get("cv", 5), task, seed, ordered=True)
    outer, inner, params, tests, names = [], [], [], [], []
    splits = list(splitter(outer_cv, task, seed, ordered=ordered).split(X, y))
    for i, (train, test) in enumerate(splits):
        s = fold_seed(seed, i)
        fresh = {k: copy.deepcopy(v) if k in ("sampler", "pruner", "callbacks") else v
                 for k, v in select_kwargs.items()}  # no state shared between folds
        if fresh.get("sampler") is not None:
            fresh["sampler"].seed = None  # the fold's seed drives its study
        chosen = select(take_rows(X, train), take_rows(y, train), task=task, scoring=scoring,
                        holdout=None, seed=s, storage=storage,
                        study_name=f"{prefix}-outer{i}", **fresh)
        outer.append(float(primary(chosen.best_model, take_rows(X, test),
                                   take_rows(y, test))))
        inner.append(float(chosen.leaderboard[0]["cv_score"]))
        params.append({MODEL_PARAM: chosen.best_family, **chosen.best_params})
        tests.append(np.asarray(rows[test]))  # the caller's row numbers
        names.append(chosen.study.study_name)
    return NestedCVResult(primary.name, primary.greater_is_better, tuple(outer), tuple(inner),
                          tuple(params), tuple(tests), tuple(names))


def enqueue_defaults(study: Study, families: Families, n_features: int,
                     order: Sequence[str] | None = None) -> list[str]:
    """Queue each family's library defaults (in `order`, default the families' own) unless
    the study already has that trial (a resumed study); returns the families queued now."""
    done = {t.user_attrs.get(DEFAULT_ATTR) for t in study.trials}
    queued = []
    for family in order or families.names:
        if family not in done:
            study.enqueue_trial(families.default_params(family, n_features),
                                user_attrs={DEFAULT_ATTR: family})
            queued.append(family)
    return queued


def _check_resume(study: Study, config: dict[str, Any]) -> None:
    """A resumed study must compare the same families on the same data split and metric."""
    stored = study.user_attrs.get(CONFIG_ATTR)
    if stored is None:
        if study.trials:
            raise TuneforgeError(f"study {study.study_name!r} already has trials that select() "
                                 "did not make; choose another study_name")
        study.set_user_attr(CONFIG_ATTR, config)
        return
    differ = {k: (stored.get(k), v) for k, v in config.items() if stored.get(k) != v}
    if differ:
        what = "; ".join(f"{k}: stored {a!r}, now {b!r}" for k, (a, b) in differ.items())
        raise TuneforgeError(f"study {study.study_name!r} was made by select() with other "
                             f"settings ({what}); resume it with the same ones or choose "
                             "another study_name")


def _refit_and_score(rows: list[dict[str, Any]], families: Families, metric: Any,
                     X: Any, y: Any, holdout: tuple[Any, Any] | None,
                     deadline: float | None = None,
                     refit_times: dict[int, float] | None = None,
                     task: str = "classification") -> Any:
    """Refit the winner (and, with a hold-out, every family's best that is expected to
    finish before the `deadline`, its time from `refit_times` by trial number; a blend's
    is its members') on the search rows; fill in the hold-out scores; return the fitted
    winner."""
    winner = None
    times = refit_times or {}
    for i, row in enumerate(rows):
        blended = is_blend(row)
        if (row["trial"] is None and not blended) or (holdout is None and i > 0):
            continue
        trials = [m["trial"] for m in row["params"]["members"]] if blended else [row["trial"]]
        expected = sum(v for v in (times.get(n, 0.0) for n in trials) if v == v)  # NaN: 0
        if i > 0 and deadline is not None and time.time() + expected > deadline:
            row["error"] = "not refitted: the time budget ran out"
            continue
        counter = ConvergenceCounter()
        try:
            with counter:
                model = (build_blend(families, row["params"]["members"], task) if blended
                         else families.build_family(row["family"], row["params"])).fit(X, y)
            if counter.count:
                row["convergence_warnings"] = counter.count
            if blended and row.get("train_score") is None:  # the refitted average, in-sample
                row["train_score"] = float(metric(model, X, y))
            if holdout is not None:
                row["holdout_score"] = float(metric(model, *holdout))
        except Exception as exc:
            if i == 0:
                raise TuneforgeError(f"refitting the best model {row['family']!r} ("
                                     f"{row.get('blend') or 'trial ' + str(row['trial'])}) "
                                     f"on the search rows failed: "
                                     f"{type(exc).__name__}: {exc}") from exc
            row["error"] = f"{type(exc).__name__}: {exc}"
            continue
        if i == 0:
            winner = model
    return winner


def _refit_choice(choice: dict[str, Any], families: Families, objective: Any, X: Any, y: Any,
                  holdout: tuple[Any, Any] | None) -> Any:
    """Refit the trial chosen from the front on the search rows; with a hold-out, store
    its hold-out score in every objective (``choice["holdout_scores"]``)."""
    with ConvergenceCounter():
        model = families.build_family(choice["family"], choice["params"]).fit(X, y)
    if holdout is not None:
        choice["holdout_scores"] = {m: float(objective.metrics[m](model, *holdout))
                                    for m in objective.objectives}
    return model


def _shape(X: Any, y: Any) -> tuple[int, int]:
    shape = getattr(X, "shape", None)
    if shape is None:
        import numpy as np

        shape = np.shape(X)
    if len(shape) != 2:
        raise ValueError(f"X must be two-dimensional (rows, features), got shape {shape}")
    if len(y) != shape[0]:
        raise ValueError(f"X has {shape[0]} rows but y has {len(y)}")
    return int(shape[0]), int(shape[1])


def _trial_of(row: dict[str, Any]) -> Any:
    """A leaderboard row's trial number, or for a blend its members ('hgb (trial 0) + ...')."""
    return row["trial"] if row["trial"] is not None or not is_blend(row) else row["blend"]


def _defaults_trial(study: Study) -> Any:
    """The COMPLETE trial of the baseline family's library defaults, or None."""
    from tuneforge.automl.baseline import BASELINES

    return next((t for t in study.trials if t.user_attrs.get(DEFAULT_ATTR) in BASELINES
                 and t.state is TrialState.COMPLETE), None)


def _failures(study: Study) -> str:
    failed = study.get_trials([TrialState.FAIL])
    if not failed:
        return "no trial ran (is the timeout too short?)"
    reasons = sorted({str(t.system_attrs.get("fail_reason", "?")) for t in failed})
    return f"{len(failed)} failed, e.g. {'; '.join(reasons[:3])}"


__all__ = ["OvertuningWarning", "enqueue_defaults", "nested_select", "select"]
