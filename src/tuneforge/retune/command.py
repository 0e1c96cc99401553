"""`tuneforge retune`: check new data for drift against a study's reference data and
re-tune its model when it drifted (registered on the CLI by tuneforge.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tuneforge.display import plain


def _table(path: Path, target: str) -> tuple[object, object]:
    from tuneforge.runspec.data import DataError, infer_format, read_table, split_target

    fmt = infer_format(path)
    if fmt is None:
        raise DataError(f"{path}: unknown file type (use .csv, .tsv or .parquet)")
    return split_target(read_table(path, fmt), target, path)


def retune_command(
        study: Annotated[str, typer.Option("--study", help="The study whose model to re-tune.",
                                           show_default=False)],
        data: Annotated[Path, typer.Option("--data", help="New labelled rows (CSV/Parquet).",
                                           show_default=False)],
        target: Annotated[str, typer.Option("--target", help="The label column.",
                                            show_default=False)],
        reference: Annotated[Path | None, typer.Option(
            "--reference", help="The rows the study was tuned on (for the drift tests).")] = None,
        storage: Annotated[str, typer.Option(
            "--storage", "-s", envvar="TUNEFORGE_STORAGE", show_envvar=True,
            help="Storage URL.")] = "sqlite:///tuneforge.db",
        budget: Annotated[int, typer.Option("--budget", "-n", min=1,
                                            help="Trials of the re-tuning study.")] = 30,
        holdout: Annotated[float, typer.Option(
            "--holdout", help="Share of the new rows kept out for champion vs challenger.")
        ] = 0.3,
        alpha: Annotated[float, typer.Option("--alpha", help="Test level.")] = 0.05,
        force: Annotated[bool, typer.Option("--force", help="Re-tune without drift.")] = False,
        seed: Annotated[int, typer.Option("--seed")] = 0,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Test new data for drift and, when it drifted, re-tune the study's model on it:
    a warm-started study, then champion vs challenger on fresh hold-out rows."""
    from tuneforge.retune import retune

    X_new, y_new = _table(data, target)
    X_ref = None
    if reference is not None:
        X_ref, _ = _table(reference, target)
    console = Console()
    try:
        decision = retune(study, X_new, y_new, storage=storage, X_reference=X_ref,
                          budget=budget, holdout=holdout, alpha=alpha, force=force, seed=seed,
                          show_progress=not quiet)
    except ValueError as exc:
        from tuneforge.exceptions import TuneforgeError

        raise TuneforgeError(f"retune {study!r}: {exc}") from None
    if decision.drift is not None and not quiet:
        drifted = decision.drift.get("drifted_features") or []
        console.print(plain(f"drift: {len(drifted)} feature(s) drifted"
                            + (f" ({', '.join(drifted[:10])})" if drifted else "")))
    console.print(plain(str(decision)))


__all__ = ["retune_command"]
