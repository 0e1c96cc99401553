"""Files that belong to trials (checkpoints), kept in a folder beside the storage.

A checkpoint is a folder with at most three files and never a pickle: `state.json`
(the structure and every plain value), `numpy.safetensors` and `torch.safetensors`
(the arrays and tensors, by name). A state is a dict with string keys whose values are
JSON values (None, bool, int, float, str, lists, dicts), numpy arrays, torch tensors,
or dicts and lists of those; dicts with integer keys (an optimizer's `state_dict()`)
keep their integer keys. Anything else is refused with the path of the value.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tuneforge.exceptions import TuneforgeError, missing_extra

STATE_FILE = "state.json"
NUMPY_FILE = "numpy.safetensors"
TORCH_FILE = "torch.safetensors"
FORMAT_VERSION = 1
_TAG = "__tuneforge__"  # marks an encoded value inside state.json


class CheckpointError(TuneforgeError, ValueError):
    """A state that cannot be stored as a checkpoint, or a checkpoint that cannot be read."""


class ArtifactStore:
    """Checkpoints of trials under `root/<study>/<trial key>/checkpoint/`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    def checkpoint_dir(self, study_name: str, trial_key: str) -> Path:
        """Where the checkpoint of trial `trial_key` of `study_name` lives."""
        return self.root / quote(study_name, safe="") / quote(trial_key, safe="") / "checkpoint"

    def save(self, study_name: str, trial_key: str, state: Mapping[str, Any]) -> Path:
        """Write `state` (replacing an earlier checkpoint of the trial); returns its folder.
        The new files are written beside it and swapped in by renames, so a reader sees
        the old checkpoint or the new one, never half of one."""
        structure, arrays, tensors = encode_state(state)
        target = self.checkpoint_dir(study_name, trial_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".checkpoint-", dir=target.parent))
        try:
            if arrays:
                _safetensors_numpy().save_file(arrays, str(tmp / NUMPY_FILE))
            if tensors:
                _safetensors_torch().save_file(tensors, str(tmp / TORCH_FILE))
            (tmp / STATE_FILE).write_text(json.dumps(
                {"format": FORMAT_VERSION, "state": structure}, allow_nan=False))
            old = target.with_name(f".old-{os.getpid()}-{tmp.name}")
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def load(self, study_name: str, trial_key: str) -> dict[str, Any] | None:
        """The checkpoint of the trial, or None when it has none."""
        folder = self.checkpoint_dir(study_name, trial_key)
        if not (folder / STATE_FILE).is_file():
            return None
        return load_checkpoint_dir(folder)

    def has(self, study_name: str, trial_key: str) -> bool:
        return (self.checkpoint_dir(study_name, trial_key) / STATE_FILE).is_file()


def load_checkpoint_dir(folder: Path) -> dict[str, Any]:
    """Read a checkpoint folder written by `ArtifactStore.save`."""
    try:
        doc = json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read checkpoint {str(folder)!r}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"checkpoint {str(folder)!r} has an unknown format "
                              f"({doc.get('format') if isinstance(doc, dict) else doc!r})")
    arrays: dict[str, Any] = {}
    tensors: dict[str, Any] = {}
    if (folder / NUMPY_FILE).is_file():
        arrays = _safetensors_numpy().load_file(str(folder / NUMPY_FILE))
    if (folder / TORCH_FILE).is_file():
        tensors = _safetensors_torch().load_file(str(folder / TORCH_FILE))
    return dict(_decode(doc["state"], arrays, tensors, str(folder)))


# -- encoding ----------------------------------------------------------------------------
def encode_state(state: Mapping[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(JSON structure, numpy arrays by name, torch tensors by name) for `state`; a
    CheckpointError names the first value that cannot be stored, by its path."""
    if not isinstance(state, Mapping):
        raise CheckpointError(f"a checkpoint state must be a dict, got {type(state).__name__}")
    arrays: dict[str, Any] = {}
    tensors: dict[str, Any] = {}
    structure = _encode(state, "state", arrays, tensors)
    return structure, arrays, tensors


def _encode(value: Any, path: str, arrays: dict[str, Any], tensors: dict[str, Any]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return {_TAG: "float", "value": repr(value)}
        return value
    kind = _array_kind(value)
    if kind == "numpy":
        import numpy as np

        if value.ndim == 0 and value.dtype != object:  # a numpy scalar: a plain number
            return _encode(value.item(), path, arrays, tensors)
        if value.dtype == object or not (value.dtype.isnative or value.dtype.itemsize == 1):
            raise CheckpointError(f"{path}: a numpy array of dtype {value.dtype} cannot be "
                                  "stored (numbers and bools only)")
        name = f"a{len(arrays)}"
        arrays[name] = np.ascontiguousarray(value)
        return {_TAG: "numpy", "name": name}
    if kind == "torch":
        name = f"t{len(tensors)}"
        # a private, contiguous CPU copy: safetensors refuses tensors that share memory
        tensors[name] = value.detach().to("cpu").contiguous().clone()
        return {_TAG: "torch", "name": name}
    if isinstance(value, Mapping):
        keys = list(value)
        if all(isinstance(k, str) for k in keys):
            if _TAG in value:
                raise CheckpointError(f"{path}: the key {_TAG!r} is reserved")
            return {k: _encode(v, f"{path}[{k!r}]", arrays, tensors) for k, v in value.items()}
        if all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in keys):
            return {_TAG: "items", "items": [[k, _encode(v, f"{path}[{k!r}]", arrays, tensors)]
                                              for k, v in value.items()]}
        bad = next(k for k in keys if not isinstance(k, (str, int)) or isinstance(k, bool))
        raise CheckpointError(f"{path}: dict key {bad!r} ({type(bad).__name__}) is not a "
                              "string or an integer")
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{path}[{i}]", arrays, tensors) for i, v in enumerate(value)]
    raise CheckpointError(
        f"{path}: a {type(value).__module__}.{type(value).__qualname__} cannot be stored in a "
        "checkpoint; store JSON values, numpy arrays or torch tensors (for a model, its "
        "state_dict() or its parameters as arrays) - checkpoints are never pickled")


def _array_kind(value: Any) -> str | None:
    module = type(value).__module__
    if module == "numpy" and hasattr(value, "dtype") and hasattr(value, "ndim"):
        return "numpy"  # ndarray or a numpy scalar
    if module.startswith("torch") and type(value).__name__ in ("Tensor", "Parameter"):
        return "torch"
    return None


def _decode(value: Any, arrays: Mapping[str, Any], tensors: Mapping[str, Any],
            where: str) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays, tensors, where) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode(v, arrays, tensors, where) for k, v in value.items()}
    source = {"numpy": arrays, "torch": tensors}.get(tag)
    if source is not None:
        if value["name"] not in source:
            raise CheckpointError(f"checkpoint {where!r}: {tag} value {value['name']!r} is "
                                  "missing from its safetensors file")
        return source[value["name"]]
    if tag == "float":
        return float(value["value"])
    if tag == "items":
        return {k: _decode(v, arrays, tensors, where) for k, v in value["items"]}
    raise CheckpointError(f"checkpoint {where!r}: unknown value tag {tag!r}")


def _safetensors_numpy() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise missing_extra("safetensors", "checkpoints") from None
    return safetensors.numpy


def _safetensors_torch() -> Any:
    try:
        import torch  # noqa: F401  # safetensors.torch needs it; name the extra first
    except ImportError:
        raise missing_extra("torch", "torch") from None
    try:
        import safetensors.torch
    except ImportError:
        raise missing_extra("safetensors", "checkpoints") from None
    return safetensors.torch


# -- where a study's artifacts live ------------------------------------------------------
_TEMP_ROOTS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def default_root(storage: Any) -> Path:
    """The folder beside `storage`: ``x.db`` -> ``x.artifacts/`` for SQLite; a temporary
    folder (removed with the storage object) in memory; other storages need a folder named
    with `Study.set_artifact_root`."""
    path = getattr(storage, "path", None)
    if isinstance(path, Path):  # SQLite
        return path.with_name(path.stem + ".artifacts")
    if getattr(storage, "url", "") is None:  # in memory: lives as long as the storage
        try:
            return Path(_TEMP_ROOTS[storage])
        except KeyError:
            folder = tempfile.mkdtemp(prefix="tuneforge-artifacts-")
            weakref.finalize(storage, shutil.rmtree, folder, True)
            _TEMP_ROOTS[storage] = folder
            return Path(folder)
    raise TuneforgeError(
        f"{storage!r} has no folder beside it for checkpoints; name one that every worker "
        "can reach with study.set_artifact_root(path)")


__all__ = ["ArtifactStore", "CheckpointError", "default_root", "encode_state",
           "load_checkpoint_dir"]
