"""The `tuneforge` command: look at, export and delete studies; run the demo.

    tuneforge studies                      # every study in ./tuneforge.db
    tuneforge trials my-study --limit 20   # its most recent trials
    tuneforge best my-study
    tuneforge front my-study               # several objectives: the Pareto front, knee marked
    tuneforge export my-study --format json
    tuneforge delete my-study --yes
    tuneforge doctor --repair-to fixed.db  # find damaged events; copy the rest
    tuneforge demo --fast
    tuneforge run config.yaml --trials 20  # the model selection a YAML file declares
    tuneforge retune --study S --data new.csv --target y --reference old.csv  # on drift

`--storage` (or the TUNEFORGE_STORAGE variable) picks the database: ``sqlite:///file.db``
(the default is ``sqlite:///tuneforge.db``) or ``postgresql://user@host/db``. Read-only
commands open it read-only. A tuneforge error is one red line on stderr and exit code 1.
"""

from __future__ import annotations

import enum
import functools
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tuneforge import __version__
from tuneforge.display import plain
from tuneforge.exceptions import CorruptEventError, StorageError, TuneforgeError
from tuneforge.storage.base import (
    DamagedStudy,
    Storage,
    StudyRef,
    damaged_studies,
    find_study,
    redact,
)
from tuneforge.storage.cached import StudyView
from tuneforge.storage.url import DEFAULT_URL, open_storage
from tuneforge.study import analysis
from tuneforge.trial.constraints import constraints_of
from tuneforge.trial.records import Direction, TrialRecord, TrialState

if TYPE_CHECKING:
    from tuneforge.automl import Selection
    from tuneforge.runspec import RunConfig

app = typer.Typer(
    name="tuneforge",
    help="Inspect, export and delete tuneforge studies, or run the demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StorageOption = Annotated[str, typer.Option(
    "--storage", "-s", envvar="TUNEFORGE_STORAGE", show_envvar=True,
    help="Storage URL: sqlite:///file.db or postgresql://user@host/db.")]
StudyArgument = Annotated[str, typer.Argument(help="Name of the study.", show_default=False)]

F = TypeVar("F", bound=Callable[..., Any])


def _stdout() -> Console:
    """Rich console on stdout; 120 columns when piped (rich would assume 80)."""
    console = Console()
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(width=120)
    return console


def _fail(message: str, code: int = 1) -> typer.Exit:
    """Print one red line on stderr; return the Exit to raise."""
    line = " ".join(str(message).split())  # one line, whatever the message holds
    Console(stderr=True).print(plain(f"error: {line}", style="bold red"), soft_wrap=True)
    return typer.Exit(code)


def _command(name: str | None = None) -> Callable[[F], F]:
    """`app.command`, plus: tuneforge errors -> one red line and exit 1; Ctrl-C -> 130."""

    def register(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except (TuneforgeError, OSError) as exc:
                raise _fail(str(exc)) from None
            except KeyboardInterrupt:
                Console(stderr=True).print(plain("interrupted", style="yellow"))
                raise typer.Exit(130) from None

        app.command(name)(wrapper)
        return func

    return register


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tuneforge {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the tuneforge version and exit.")] = False) -> None:
    """Inspect, export and delete tuneforge studies, or run the demo."""


# -- helpers -------------------------------------------------------------------------
def _open_read(url: str) -> Storage:
    """Open the storage read-only; a missing SQLite file is a clear error, not a new file."""
    url = url.strip()
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.is_file():
            raise StorageError(
                f"no tuneforge database at {str(path)!r} (storage {url!r}); pass --storage "
                f"or set TUNEFORGE_STORAGE (default {DEFAULT_URL})")
    return open_storage(url, read_only=True)


def _load(store: Storage, name: str) -> tuple[StudyRef, list[TrialRecord]]:
    ref = find_study(store, name)
    return ref, StudyView(store, ref).trials()


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return str(v) if math.isinf(v) else f"{v:.6g}"


def _values(t: TrialRecord) -> str:
    return "-" if t.values is None else ", ".join(_num(v) for v in t.values)


def _json(v: Any) -> str:
    """A parameter value as JSON (strings quoted, so "1" and 1 differ), unicode kept."""
    return json.dumps(v, ensure_ascii=False)


def _params(params: Any) -> Text:
    return plain(", ".join(f"{k}={_json(v) if isinstance(v, str) else v}"
                           for k, v in params.items()))


def _dirs(directions: Sequence[Direction]) -> str:
    return ", ".join(d.value for d in directions)


def _best_text(ref: StudyRef, trials: list[TrialRecord]) -> str:
    if len(ref.directions) > 1:
        front = analysis.pareto_trials(trials, ref.directions)
        return f"{len(front)} Pareto" if front else "-"
    if not any(t.state is TrialState.COMPLETE and t.values for t in trials):
        return "-"
    return _values(analysis.best_trial(trials, ref.directions, ref.name))


# -- commands ------------------------------------------------------------------------
@_command("studies")
def studies(storage: StorageOption = DEFAULT_URL) -> None:
    """List the studies: directions, trial counts and the best value."""
    store = _open_read(storage)
    refs = store.list_studies()
    rows = damaged_studies(store)
    if not refs and not rows:
        _stdout().print(plain(f"no studies in {storage}"))
        return
    table = Table(title=plain(f"studies in {storage}"))
    for col, just in (("name", "left"), ("directions", "left"), ("trials", "right"),
                      ("complete", "right"), ("best value", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    damaged = []
    for ref in refs:
        try:
            trials = StudyView(store, ref).trials()
        except CorruptEventError:  # one bad event must not hide the other studies
            damaged.append(ref)
            table.add_row(plain(ref.name), _dirs(ref.directions), "?", "?",
                          Text("damaged", style="bold red"))
            continue
        n_done = sum(t.state is TrialState.COMPLETE for t in trials)
        table.add_row(plain(ref.name), _dirs(ref.directions), str(len(trials)), str(n_done),
                      _best_text(ref, trials))
    for row in rows:  # one damaged study row must not hide the others
        table.add_row(plain(row.name if row.name is not None else f"(row {row.study_id})"),
                      "?", "?", "?", Text("damaged", style="bold red"))
    _stdout().print(table)
    orphans: list[Any] = getattr(store, "orphan_events", lambda: [])()
    schema = getattr(store, "schema_problem", None)
    if schema is not None:
        _stdout().print(Text(f"the database's schema row is damaged: {schema}",
                             style="bold red"))
    if damaged or rows or orphans or schema is not None:
        _report_damaged(store, damaged, storage, rows, len(orphans))


_UNKNOWN_TRIAL = re.compile(r"names unknown trial ('[^']*')")


def _seq_ranges(seqs: Sequence[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7": event numbers in short."""
    out: list[str] = []
    for seq in sorted(seqs):
        if out and seq == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{seq}"
        else:
            out.append(str(seq))
    return ", ".join(out)


def _report_damaged(store: Storage, refs: Sequence[StudyRef], url: str,
                    rows: Sequence[DamagedStudy] = (), orphans: int = 0) -> None:
    """Name each damaged study's bad events and the way out (`tuneforge doctor`)."""
    from tuneforge.storage.doctor import check_study

    console = _stdout()
    for row in rows:
        console.print(Text(f"{row.label} is damaged: {row.reason}", style="bold red"))
    if orphans:
        console.print(Text(f"{orphans} event rows belong to no study (a damaged study_id)",
                           style="bold red"))
    for ref in refs:
        found = check_study(store, ref)
        console.print(Text(f"study {ref.name!r} is damaged ({len(found.bad)} of "
                           f"{found.n_events} events unreadable or inconsistent):",
                           style="bold red"))
        # the events of a trial whose creation was lost are one line per trial, so the
        # ten-line limit never hides a damaged event behind its consequences
        orphaned: dict[str, list[int]] = {}
        causes = []
        for bad in found.bad:
            lost = _UNKNOWN_TRIAL.search(bad.reason)
            if lost:
                orphaned.setdefault(lost.group(1), []).append(bad.seq)
            else:
                causes.append(bad)
        for bad in causes[:10]:
            console.print(Text(f"  event {bad.seq}: {bad.reason}"))
        if len(causes) > 10:
            console.print(Text(f"  ... and {len(causes) - 10} more"))
        for key, seqs in orphaned.items():
            console.print(Text(f"  {len(seqs)} event(s) of trial {key} (its creation event "
                               f"is damaged): {_seq_ranges(seqs)}"))
    console.print(Text(f"see: tuneforge doctor --storage {redact(url)} --repair-to NEW.db"))


@_command("trials")
def trials(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
           limit: Annotated[int | None, typer.Option(
               "--limit", "-n", min=1, help="Show only the N most recent trials.")] = None,
           ) -> None:
    """Show a study's trials: state, value(s), params, duration and fail reason."""
    ref, records = _load(_open_read(storage), study)
    shown = records if limit is None else records[-limit:]
    table = Table(title=plain(f"{study} ({_dirs(ref.directions)}): "
                              f"{len(shown)} of {len(records)} trials"))
    table.add_column("#", justify="right")
    table.add_column("state")
    table.add_column("value" if len(ref.directions) == 1 else "values", justify="right")
    table.add_column("params")
    table.add_column("duration", justify="right")
    constrained = any(constraints_of(t) is not None for t in shown)
    if constrained:  # outcome constraints: feasible when every value is <= 0
        table.add_column("feasible")
    table.add_column("fail reason")
    colors = {TrialState.COMPLETE: "green", TrialState.FAIL: "red",
              TrialState.PRUNED: "yellow"}
    from tuneforge.execution.heartbeat import stale_note

    for t in shown:
        note = stale_note(t)  # shown only: the next run (or worker) reaps it
        state = Text(t.state.value, style=colors.get(t.state, "")) if note is None \
            else Text(f"{t.state.value} ({note})", style="magenta")
        cells: list[str | Text] = [
            str(t.number), state, _values(t),
            _params(t.params), "-" if t.duration is None else f"{t.duration:.2f}s"]
        if constrained:
            cells.append("-" if constraints_of(t) is None else
                         Text("yes", style="green") if analysis.feasible(t)
                         else Text("no", style="red"))
        table.add_row(*cells, plain(t.system_attrs.get("fail_reason") or ""))
    _stdout().print(table)


@_command("best")
def best(study: StudyArgument, storage: StorageOption = DEFAULT_URL) -> None:
    """Show the best trial (or, with several objectives, the Pareto front, knee marked)."""
    store = _open_read(storage)
    ref, records = _load(store, study)
    console = _stdout()
    if len(ref.directions) == 1:
        t = analysis.best_trial(records, ref.directions, ref.name)
        console.print(plain(f"best trial of {study!r}: #{t.number}, value {_values(t)} "
                            f"({ref.directions[0].value})"))
        table = Table("param", "value")
        for k, v in t.params.items():
            table.add_row(plain(k), plain(_json(v)))
        console.print(table)
        return
    console.print(_front_table(ref, records, study, _metric_names(store, ref)))


def _front_table(ref: StudyRef, records: list[TrialRecord], study: str,
                 names: list[str] | None) -> Table:
    """The Pareto-optimal trials, by the first objective, the knee marked with *."""
    from tuneforge.study.front import knee_trial

    front = analysis.pareto_trials(records, ref.directions)
    if not front:
        raise TuneforgeError(f"study {study!r} has no COMPLETE trial yet")
    knee = knee_trial(records, ref.directions, study_name=study)
    table = Table(title=plain(f"{len(front)} Pareto-optimal trials of {study} "
                              f"({_dirs(ref.directions)}); * = knee"),
                  caption=plain(f"knee: trial #{knee.number} (farthest from the line "
                                "through the front's extremes, objectives scaled to [0, 1])"))
    table.add_column("#", justify="right")
    for i, d in enumerate(ref.directions):
        table.add_column(plain(f"{names[i] if names else f'values_{i}'} ({d.value})"),
                         justify="right")
    table.add_column("params")
    table.add_column("knee", justify="center")
    front.sort(key=lambda t: (t.values or (0.0,))[0],
               reverse=ref.directions[0] is Direction.MAXIMIZE)
    for t in front:
        table.add_row(str(t.number), *(_num(v) for v in t.values or ()), _params(t.params),
                      "*" if t.number == knee.number else "")
    return table


def _metric_names(store: Storage, ref: StudyRef) -> list[str] | None:
    """The objectives' names (`Study.set_metric_names`), or None."""
    names = StudyView(store, ref).refresh().system_attrs.get("metric_names")
    return [str(n) for n in names] if isinstance(names, list) else None


@_command("front")
def front(study: StudyArgument, storage: StorageOption = DEFAULT_URL) -> None:
    """Show the Pareto front of a study (several objectives) as a table, the knee marked."""
    store = _open_read(storage)
    ref, records = _load(store, study)
    _stdout().print(_front_table(ref, records, study, _metric_names(store, ref)))


class ExportFormat(str, enum.Enum):
    csv = "csv"
    json = "json"


@_command("export")
def export(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
           format: Annotated[ExportFormat, typer.Option(
               "--format", "-f", case_sensitive=False,
               help="csv: one row a trial; json: full records.")] = ExportFormat.csv,
           output: Annotated[Path | None, typer.Option(
               "--output", "-o", help="File to write [default: STUDY.csv / STUDY.json].",
               dir_okay=False)] = None) -> None:
    """Write a study's trials to a CSV or JSON file."""
    store = _open_read(storage)
    ref, records = _load(store, study)
    fmt = format.value
    if output is None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in study) or "study"
        output = Path(f"{safe}.{fmt}")
    analysis.export(records, ref.directions, output, fmt, study_name=ref.name,
                    study_attrs=StudyView(store, ref).refresh().system_attrs)
    _stdout().print(plain(f"wrote {len(records)} trials of {study!r} to {output}"))


@_command("provenance")
def provenance(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
               trial: Annotated[int | None, typer.Option(
                   "--trial", "-t", help="Show this trial's provenance.")] = None) -> None:
    """Show where, with which code and packages a study (or one trial) ran."""
    from tuneforge.study.provenance import provenance_rows

    store = _open_read(storage)
    ref, records = _load(store, study)
    attrs = StudyView(store, ref).refresh().system_attrs
    if trial is not None and not 0 <= trial < len(records):
        raise _fail(f"study {study!r} has no trial {trial} (it has {len(records)} trials)")
    title = f"provenance of {study!r}" + ("" if trial is None else f", trial {trial}")
    table = Table("field", "value", title=plain(title))
    for key, value in provenance_rows(attrs, None if trial is None
                                      else records[trial].system_attrs):
        table.add_row(plain(key), plain(value))
    _stdout().print(table)


@_command("delete")
def delete(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
           yes: Annotated[bool, typer.Option(
               "--yes", "-y", help="Do not ask for confirmation.")] = False) -> None:
    """Delete a study and all its trials."""
    ref, records = _load(_open_read(storage), study)
    if not yes:
        typer.confirm(f"Delete study {study!r} and its {len(records)} trials?", abort=True)
    store = open_storage(storage)
    store.delete_study(find_study(store, ref.name))
    _stdout().print(plain(f"deleted study {study!r} ({len(records)} trials)"))


@_command("doctor")
def doctor(storage: StorageOption = DEFAULT_URL,
           repair_to: Annotated[Path | None, typer.Option(
               "--repair-to", dir_okay=False,
               help="Copy every readable event of every study to this new SQLite file.")
           ] = None) -> None:
    """Check a database event by event; exit code 1 when an event is damaged.

    The database is opened read-only and never changed: --repair-to writes a new file.
    """
    from tuneforge.storage import doctor as doc
    from tuneforge.storage.sqlite import SQLiteStorage

    store = _open_read(storage)
    if repair_to is not None and (repair_to.exists() or repair_to.is_symlink()):
        raise TuneforgeError(f"{str(repair_to)!r} exists; --repair-to writes a new file only")
    found = doc.diagnose(store)
    console = _stdout()
    if found.schema_problem is not None:
        console.print(Text(f"DAMAGED  schema: {found.schema_problem}", style="bold red"))
    for check in found.studies:
        if check.ok:
            console.print(Text(f"ok       {check.label}: {check.n_events} events, "
                               f"{check.n_trials} trials", style="green"))
            continue
        console.print(Text(f"DAMAGED  {check.label}: {check.unreadable} unreadable and "
                           f"{check.dropped} inconsistent of {check.n_events} events; "
                           f"{check.n_trials} trials readable", style="bold red"))
        if check.row_problem is not None:
            console.print(Text(f"  study row {check.study_id}: {check.row_problem}"))
        if check.adopted:
            console.print(Text(f"  {len(check.adopted)} event rows of no study or of another "
                               f"study hold its trials (events {_seqs(check.adopted)}): "
                               "copied back to it"))
        if check.recovered:
            console.print(Text(f"  {len(check.recovered)} distribution definitions its "
                               "params use are lost here but stored by another study "
                               "(same digest): restored in the copy"))
        for bad in check.bad:
            console.print(Text(f"  event {bad.seq}: {bad.reason}"))
    for bad in found.orphans:
        console.print(Text(f"DAMAGED  event {bad.seq}: {bad.reason}", style="bold red"))
    n_bad = sum(not c.ok for c in found.studies)
    console.print(Text(f"{len(found.studies)} studies, {n_bad} damaged"
                       + (f", {len(found.orphans)} event rows of no study" if found.orphans
                          else "")))
    if repair_to is not None:
        target = SQLiteStorage(repair_to)
        try:
            copied = doc.repair(store, target)
        except BaseException:
            target.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{repair_to}{suffix}").unlink(missing_ok=True)
            raise
        target.close()
        kept = sum(len(c.events) for c in copied.studies)
        unreadable = sum(c.unreadable for c in copied.studies) \
            + sum(not b.readable for b in copied.orphans)
        dropped = sum(c.dropped for c in copied.studies) + sum(b.readable for b in copied.orphans)
        console.print(Text(f"copied {kept} events of {len(copied.studies)} studies to "
                           f"{repair_to}; left out {unreadable} unreadable and {dropped} "
                           "inconsistent events"))
        for c in copied.studies:
            if c.row_problem is not None:
                console.print(Text(f"  {c.label} was copied with the name or directions "
                                   "doctor chose: see its study system attribute 'doctor'"))
    if not found.ok:
        raise typer.Exit(1)


def _seqs(seqs: Sequence[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, seqs[:limit]))
    return shown + (f", ... ({len(seqs)} in all)" if len(seqs) > limit else "")


@_command("backup")
def backup(target: Annotated[Path, typer.Argument(
               help="The new file to write (it must not exist).", dir_okay=False)],
           storage: StorageOption = DEFAULT_URL) -> None:
    """Copy a whole SQLite database safely, even while studies run (SQLite's backup API)."""
    url = storage.strip()
    if not url.startswith("sqlite:///"):
        raise StorageError(f"backup copies SQLite databases; {url!r} is not one (for "
                           "PostgreSQL use pg_dump)")
    _open_read(url)  # a missing file is a clear error
    from tuneforge.storage.sqlite import SQLiteStorage

    source = SQLiteStorage(url[len("sqlite:///"):], read_only=True)
    written = source.backup(target)
    _stdout().print(plain(f"copied {url} to {written}"))


@_command("demo")
def demo(storage: StorageOption = DEFAULT_URL,
         fast: Annotated[bool, typer.Option(
             "--fast", help="Tiny budgets (a few seconds), for tests.")] = False) -> None:
    """Tune scikit-learn models on the breast-cancer data (needs the sklearn extra)."""
    from tuneforge.demo import run_demo

    run_demo(storage, fast, console=_stdout())


@_command("run")
def run(config: Annotated[Path, typer.Argument(
            help="YAML file declaring the study: data, models, metric, CV, budget...",
            show_default=False)],
        storage: Annotated[str | None, typer.Option(
            "--storage", "-s", envvar="TUNEFORGE_STORAGE", show_envvar=True,
            help="Storage URL; overrides the config's `storage`.")] = None,
        trials: Annotated[int | None, typer.Option(
            "--trials", "-n", min=1, help="Number of trials; overrides budget.trials.")] = None,
        check: Annotated[bool, typer.Option(
            "--check", help="Only validate the config and its data file; run nothing.")] = False,
        quiet: Annotated[bool, typer.Option(
            "--quiet", "-q", help="No progress bar or preamble; just the results.")] = False,
        ) -> None:
    """Run the model selection a YAML config declares; print the leaderboard and hold-out check.

    Every problem in the config is reported (file:line: key: what) before anything runs.
    """
    from tuneforge.runspec import ConfigError, load_run_config

    try:
        cfg = load_run_config(config).with_overrides(storage=storage, trials=trials)
        X, y = cfg.load_xy()
        cfg.check_target(y)  # the metric must fit the task the target implies
        if check:
            _stdout().print(plain(f"{config}: OK\n{_run_summary(cfg, X.shape)}"))
            return
    except ConfigError as exc:
        err = Console(stderr=True)
        for line in exc.lines:  # one line each, whatever a message holds
            err.print(plain(f"error: {' '.join(line.split())}", style="bold red"),
                      soft_wrap=True)
        raise typer.Exit(1) from None
    console = _stdout()
    if not quiet:
        console.print(plain(_run_summary(cfg, X.shape)))
    selection = _select(X, y, cfg, progress=not quiet)
    table = selection.table()
    table.caption = None  # the gap check is printed below, in colour
    console.print(table)
    if selection.front:  # several objectives: the front, its knee chosen
        console.print(selection.front_table())
    for note in selection.notes:  # the table's columns left out, and why
        console.print(plain(f"note: {note}"))
    if selection.columns is not None and selection.best_model is not None:
        models = [m for _, m in getattr(selection.best_model, "estimators", [])] \
            or [selection.best_model]  # a blend: each member's pipeline
        for model in models:
            steps = getattr(model, "steps", [])
            console.print(plain("pipeline: " + " -> ".join(type(step).__name__
                                                           for _, step in steps)))
    if selection.blend is not None:  # the weighted average of the best trials, as weighed
        from tuneforge.automl.blend import describe

        blend = selection.blend
        score = "" if blend.get("cv_score") is None else f", CV {blend['cv_score']:.4g}"
        weighed = blend["members" if blend["chosen"] else "candidates"]
        console.print(plain(f"blend {'of' if blend['chosen'] else 'weighed over'} "
                            f"{describe(weighed)}"
                            f"{score}: {'chosen' if blend['chosen'] else 'not chosen'}, "
                            f"{blend.get('reason', '')}"))
    if selection.gap is not None:
        style = "bold yellow" if selection.gap.overtuned else "green"
        console.print(plain(f"hold-out check: {selection.gap.message}", style=style))
    best = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in selection.best_params.items())
    if selection.leaderboard and selection.leaderboard[0].get("blend"):
        best = str(selection.leaderboard[0]["blend"])  # the members, by trial
    console.print(plain(f"best: {selection.best_family} ({best})"))
    stopped = selection.study.user_attrs.get("stopped_by")
    if cfg.stopping is not None and isinstance(stopped, dict):
        console.print(plain(f"stopped early: {stopped.get('reason')}"))
    console.print(plain(f"study {cfg.study!r} stored in {cfg.storage}; see: tuneforge trials "
                        f"{cfg.study} --storage {cfg.storage}"))
    if cfg.nested_cv:
        _nested(X, y, cfg, console, outer=cfg.nested_cv, progress=not quiet)


def _nested(X: Any, y: Any, cfg: RunConfig, console: Console, *, outer: int,
            progress: bool) -> None:
    """The nested-CV estimate of the whole selection (`outer`: the config's `nested_cv`)."""
    import warnings

    from tuneforge.automl import nested_select
    from tuneforge.automl.select import OvertuningWarning

    kwargs = cfg.select_kwargs()
    for key in ("holdout", "study_name", "seed", "storage"):
        kwargs.pop(key)
    console.print(plain(f"nested CV: the whole selection again inside {outer} outer folds "
                        f"(studies {cfg.study}-outer0..{outer - 1})"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OvertuningWarning)
        try:
            res = nested_select(X, y, outer_cv=outer, seed=cfg.seed,
                                storage=cfg.storage, study_name=cfg.study,
                                show_progress=progress, **kwargs)
        except ValueError as exc:
            raise TuneforgeError(f"{cfg.source}: nested CV: {exc}") from None
    winners = ", ".join(str(p["model"]) for p in res.best_params)
    console.print(plain(f"nested CV {res.metric}: {res.mean:.4g} ± {res.sem:.2g} (s.e. over "
                        f"{res.n_folds} outer folds; the searches' own CV said "
                        f"{res.inner_mean:.4g}); winner per fold: {winners}"))


def _run_summary(cfg: RunConfig, shape: tuple[int, int] | None = None) -> str:
    """What a run config will do, in three lines (with the data's shape once loaded)."""
    models = "every preset" if cfg.models is None else ", ".join(m.name for m in cfg.models)
    rows = "" if shape is None else f", {shape[0]} rows, {shape[1]} features"
    holdout = "no hold-out" if cfg.holdout is None else f"{cfg.holdout:.0%} hold-out"
    timeout = "" if cfg.timeout is None else f" (at most {cfg.timeout:g} s)"
    extra = []
    if cfg.stopping is not None:
        extra.append(f"stop when {cfg.stopping['patience']} trials gain <= "
                     f"{cfg.stopping['threshold']:g} CV s.e.")
    if cfg.nested_cv:
        extra.append(f"then a {cfg.nested_cv}-fold nested-CV estimate")
    if cfg.objectives:
        extra.append(f"a Pareto front of {', '.join(cfg.objectives)}")
    return (f"study {cfg.study!r} in {cfg.storage}\n"
            f"data: {cfg.data.path} ({cfg.data.format}), target {cfg.data.target!r}{rows}\n"
            f"models: {models}; {cfg.trials} trials{timeout}, {cfg.cv}-fold CV, {holdout}"
            + "".join(f"; {e}" for e in extra))


def _select(X: Any, y: Any, cfg: RunConfig, *, progress: bool) -> Selection:
    """Call `tuneforge.automl.select`; its argument errors become one red line."""
    import warnings

    from tuneforge.automl import select
    from tuneforge.automl.select import OvertuningWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OvertuningWarning)  # printed from the gap report
        try:
            return select(X, y, **cfg.select_kwargs(), show_progress=progress)
        except ValueError as exc:
            raise TuneforgeError(f"{cfg.source}: study {cfg.study!r}: {exc}") from None


ObjectiveOption = Annotated[str, typer.Option(
    "--objective", help="The objective as module:function (its folder on PYTHONPATH).",
    show_default=False)]


@_command("worker")
def worker(objective: ObjectiveOption, study: Annotated[str, typer.Option(
               "--study", help="Name of the study (created if missing).")],
           storage: StorageOption = DEFAULT_URL,
           n_trials: Annotated[int | None, typer.Option(
               "--n-trials", help="Trials of the study's worker run, counted in the "
                                  "storage across every worker and host.")] = None,
           budget: Annotated[str, typer.Option(
               "--budget", help="Name of the shared trial budget (workers of one run "
                                "share it).")] = "workers",
           timeout: Annotated[float | None, typer.Option(
               "--timeout", help="Stop starting trials after this many seconds.")] = None,
           retry: Annotated[int, typer.Option(
               "--retry", help="Re-run a dead worker's trial this many times.")] = 0,
           direction: Annotated[str, typer.Option(
               "--direction", help="Direction when the study is created here.")] = "minimize",
           trial_timeout: Annotated[float | None, typer.Option(
               "--trial-timeout", help="Run each trial in a child process killed after this "
                                       "many seconds (the trial FAIL, reason timeout).")
           ] = None,
           sampler: Annotated[str | None, typer.Option(
               "--sampler", help="Sampler by name: auto, tpe, gp, random, cmaes or ga "
                                 "(every worker of a study should name the same).")] = None,
           seed: Annotated[int | None, typer.Option(
               "--seed", help="Study seed when the study is created here.")] = None,
           reproducible: Annotated[bool, typer.Option(
               "--reproducible", help="Proposals see only earlier batches of 4 trials: the "
                                      "same trials for any number of workers.")] = False,
           ) -> None:
    """Run trials of a shared study in this process (for SLURM, Kubernetes, many hosts)."""
    import tuneforge as tf
    from tuneforge.execution.base import Run
    from tuneforge.execution.standalone import load_objective, serve
    from tuneforge.runspec.strategies import SAMPLERS

    func = load_objective(objective)
    if sampler is not None and sampler not in SAMPLERS:
        raise TuneforgeError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    try:
        run = Run(objective=func, n_trials=n_trials, timeout=timeout, retry=retry,
                  trial_timeout=trial_timeout, reproducible=reproducible)
    except ValueError as exc:
        raise TuneforgeError(f"tuneforge worker: {exc}") from None
    shared = tf.create_study(study, storage=storage, load_if_exists=True, direction=direction,
                             seed=seed, sampler=None if sampler is None else SAMPLERS[sampler]())
    done = serve(shared, run, budget=budget)
    _stdout().print(plain(f"worker {shared.worker_id} ran {done} trial(s) of {study!r}"))


@_command("replay")
def replay(study: StudyArgument,
           trial: Annotated[int, typer.Argument(help="Trial number.", show_default=False)],
           objective: ObjectiveOption, storage: StorageOption = DEFAULT_URL) -> None:
    """Re-run one trial outside the tuner, with its recorded params, and compare."""
    from tuneforge.execution.standalone import load_objective
    from tuneforge.trial.fixed import FixedTrial

    store = _open_read(storage)
    ref, records = _load(store, study)
    if not 0 <= trial < len(records):
        raise _fail(f"study {study!r} has no trial {trial} (it has {len(records)} trials)")
    record = records[trial]
    seed = StudyView(store, ref).refresh().system_attrs.get("seed")
    func = load_objective(objective)
    value = func(FixedTrial({**record.fixed_params, **record.params}, number=record.number))
    console = _stdout()
    console.print(plain(f"trial {trial} of {study!r} (study seed {seed}), params "
                        f"{_json(dict(record.params))}"))
    console.print(plain(f"recorded: {record.state.value} {_values(record)}"))
    console.print(plain(f"replayed: {value!r}"))


def _register_retune() -> None:
    """`tuneforge retune` (its options and logic live in tuneforge.retune.command)."""
    from tuneforge.retune.command import retune_command

    _command("retune")(retune_command)


_register_retune()


# `importance`, `dashboard` and `report` live in cli_views.py (their extras load lazily)
from tuneforge import cli_views as _cli_views  # noqa: E402

_cli_views.register(_command, open_read=_open_read, stdout=_stdout)


def main() -> None:
    """Entry point of the `tuneforge` console script."""
    app(prog_name="tuneforge")


if __name__ == "__main__":
    main()
