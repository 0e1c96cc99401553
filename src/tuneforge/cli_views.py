"""`tuneforge importance`, `tuneforge dashboard` and `tuneforge report`: the commands that
show a study as numbers, in a browser, or in one HTML file. Registered on the CLI by
`register()`; each imports its extra only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tuneforge.display import plain
from tuneforge.exceptions import TuneforgeError
from tuneforge.storage.url import DEFAULT_URL

# the same options as cli.py's (typer reads these annotations by name in this module)
StorageOption = Annotated[str, typer.Option(
    "--storage", "-s", envvar="TUNEFORGE_STORAGE", show_envvar=True,
    help="Storage URL: sqlite:///file.db or postgresql://user@host/db.")]
StudyArgument = Annotated[str, typer.Argument(help="Name of the study.", show_default=False)]


_HELPERS: dict[str, Any] = {}  # cli.py's open-read and console helpers (no import cycle)


def register(_command: Any, *, open_read: Any, stdout: Any) -> None:
    """Add the commands through cli.py's `_command` decorator (called once, at the end of
    cli.py, which passes its own decorator: under ``python -m tuneforge.cli`` that module is
    ``__main__``, not ``tuneforge.cli``), and its helpers: `open_read(url)` opens a storage
    read-only with a clear error for a missing file, `stdout()` is its console."""
    _HELPERS.update(open_read=open_read, stdout=stdout)

    @_command("importance")
    def importance(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
                   method: Annotated[str, typer.Option(
                       "--method", "-m",
                       help="fanova (forests, exact variance shares) or permutation "
                            "(faster on large studies).")] = "fanova",
                   objective: Annotated[int, typer.Option(
                       "--objective", min=0, help="Which objective (0-based).")] = 0,
                   repeats: Annotated[int, typer.Option(
                       "--repeats", min=1, help="Forests (or shuffles) for the interval.")] = 5,
                   seed: Annotated[int, typer.Option("--seed")] = 0) -> None:
        """Which hyperparameters matter: importance with a 95 % interval over repeats."""
        show_importance(storage, study, method=method, objective=objective, repeats=repeats,
                        seed=seed)

    @_command("dashboard")
    def dashboard(storage: StorageOption = DEFAULT_URL,
                  host: Annotated[str, typer.Option(
                      "--host", help="Address to listen on; 127.0.0.1 keeps it on this "
                                     "machine.")] = "127.0.0.1",
                  port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8080,
                  poll: Annotated[float, typer.Option(
                      "--poll", min=0.1, help="Seconds between the study list's and a "
                      "running trial's update checks (a study page long-polls: it sees a "
                      "change at once).")
                  ] = 1.0) -> None:
        """Serve a read-only live dashboard of the studies in STORAGE (needs the
        dashboard extra)."""
        from tuneforge.dashboard.serve import serve

        serve(storage, host=host, port=port, poll_seconds=poll)

    @_command("report")
    def report(study: StudyArgument, storage: StorageOption = DEFAULT_URL,
               out: Annotated[Path, typer.Option(
                   "--out", "-o", help="The HTML file to write.")] = Path("report.html"),
               importance_: Annotated[bool, typer.Option(
                   "--importance/--no-importance",
                   help="Include hyperparameter importance (needs scikit-learn).")] = True,
               ) -> None:
        """Write one self-contained HTML report of a study (opens offline)."""
        from tuneforge.report import write_report

        written = write_report(_HELPERS["open_read"](storage), study, out,
                               importance=importance_)
        _HELPERS["stdout"]().print(plain(f"wrote {written}"))


def show_importance(storage: str, study: str, *, method: str, objective: int, repeats: int,
                    seed: int) -> None:
    """Print the importance table of `study` in `storage`."""
    from tuneforge.importance import METHODS, fanova_importance, permutation_importance
    from tuneforge.storage.base import find_study
    from tuneforge.storage.cached import StudyView

    if method not in METHODS:
        raise TuneforgeError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    store = _HELPERS["open_read"](storage)
    ref = find_study(store, study)
    trials = StudyView(store, ref).trials()
    fn = fanova_importance if method == "fanova" else permutation_importance
    try:
        imp = fn(trials, ref.directions, objective=objective, repeats=repeats, seed=seed,
                 study_name=study)
    except ValueError as exc:
        raise TuneforgeError(str(exc)) from None
    what = ("share of variance (main effect)" if method == "fanova"
            else "held-out R2 lost when shuffled")
    table = Table(title=plain(f"importance in {study!r}: {method}, {imp.n_trials} trials, "
                              f"{imp.repeats} repeats"))
    table.add_column("parameter")
    table.add_column(what, justify="right")
    table.add_column("95 % interval", justify="right")
    for p in imp.params:
        table.add_row(plain(p.name), f"{p.mean:.4f}", f"{p.low:.4f} - {p.high:.4f}")
    if method == "fanova":
        table.caption = f"interactions and noise: {max(1 - sum(imp.as_dict().values()), 0):.4f}"
    _HELPERS["stdout"]().print(table)


__all__ = ["register", "show_importance"]
