"""Exports are atomic (issue 21, item 6): a disk that fills, or an interrupt, mid-write
leaves the previous export byte for byte and no temporary file behind."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

import tuneforge as tf
from tests.test_cli import assert_one_line_error, invoke

OLD = "the previous export\n"


def _study(url: str | None = None) -> tf.Study:
    study = tf.create_study(study_name="s", storage=url, seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical(
        "tag", ["a" * 200, "b" * 200])), n_trials=30)
    return study


class _FillingFile:
    """A text file whose writes fail with `exc` once 3,000 characters are written (the
    part that fits is written first, as on a disk that fills)."""

    def __init__(self, fh: Any, exc: BaseException) -> None:
        self._fh, self._exc, self._left = fh, exc, 3000

    def write(self, text: str) -> int:
        self._fh.write(text[:self._left])
        if len(text) > self._left:
            self._left = 0
            raise self._exc
        self._left -= len(text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _FillingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._fh.close()


def _fill_the_disk(monkeypatch: pytest.MonkeyPatch, folder: Path, exc: BaseException) -> None:
    """Every file opened for writing in `folder` fills up after 3,000 characters."""
    real_open = io.open

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(file, mode, *args, **kwargs)
        if "w" in mode and (isinstance(file, int) or Path(file).parent == folder):
            return _FillingFile(fh, exc)
        return fh

    monkeypatch.setattr(io, "open", open_)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device"),
                                 KeyboardInterrupt()])
def test_a_failure_mid_write_keeps_the_previous_export(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, exc: BaseException) -> None:
    study = _study()
    path = tmp_path / f"out.{fmt}"
    path.write_text(OLD)
    _fill_the_disk(monkeypatch, tmp_path, exc)
    with pytest.raises(type(exc)):
        study.export(path, format=fmt)
    assert path.read_text() == OLD
    assert os.listdir(tmp_path) == [path.name]  # the temporary file is gone
    monkeypatch.undo()
    study.export(path, format=fmt)  # and a later export replaces it whole
    assert path.read_text() != OLD and os.listdir(tmp_path) == [path.name]


def test_the_cli_export_keeps_the_previous_file_on_a_full_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _study(url)
    out = tmp_path / "out"
    out.mkdir()
    path = out / "s.csv"
    path.write_text(OLD)
    _fill_the_disk(monkeypatch, out, OSError(errno.ENOSPC, "No space left on device"))
    result = invoke("export", "s", "-o", str(path), "--storage", url)
    assert_one_line_error(result, "No space left on device")
    assert path.read_text() == OLD and os.listdir(out) == ["s.csv"]


def test_export_writes_a_complete_file_with_the_usual_permissions(tmp_path: Path) -> None:
    study = _study()
    fresh = study.export(tmp_path / "new.csv")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0o600
    assert len(list(csv.DictReader(fresh.open()))) == 30
    old = tmp_path / "old.json"
    old.write_text(OLD)
    old.chmod(0o640)
    study.export(old, format="json")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640  # the old file's mode is kept
    assert len(json.loads(old.read_text())["trials"]) == 30


def test_export_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text(OLD)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    _study().export(link)
    assert link.is_symlink() and target.read_text().startswith("number,")


def test_export_to_a_missing_folder_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="x.csv'") as info:
        _study().export(tmp_path / "no" / "x.csv")
    assert ".tmp" not in str(info.value)


def test_the_folder_is_synced_after_the_rename(tmp_path: Path, monkeypatch) -> None:
    """The rename is durable: the target's folder is fsynced after os.replace."""
    study = _study()
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    order: list[str] = []

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced.append(os.path.realpath(f"/proc/self/fd/{fd}"))
        order.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        order.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    study.export(tmp_path / "t.csv")
    assert synced == [os.path.realpath(tmp_path)]
    assert order == ["fsync-file", "replace", "fsync-dir"]
