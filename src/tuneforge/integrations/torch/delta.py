"""Delta artifacts: a fine-tuned model stored as only the tensors that differ from the
model it started from (the trained layers and the new head; frozen layers are not
copied), one safetensors file per model named by the SHA-256 of its content.

Many trials of a study then cost a few megabytes each instead of a full copy each, and
two identical deltas are one file. Loading applies the delta onto a freshly built base
model, after checking that the base's untouched tensors are the ones the delta was made
against (their fingerprint is in the manifest).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneforge.exceptions import TuneforgeError, missing_extra
from tuneforge.integrations.torch._torch import torch

FORMAT_VERSION = 1
ATTR = "finetune_delta"  # the trial user attribute holding the delta's digest


class DeltaError(TuneforgeError, ValueError):
    """A delta that cannot be stored, found or applied to the model given."""


def _safetensors() -> Any:
    try:
        import safetensors.torch
    except ImportError:
        raise missing_extra("safetensors", "checkpoints") from None
    return safetensors.torch


def state_delta(model: Any, base_state: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(tensors of ``model.state_dict()`` that are new or differ from `base_state`,
    names of `base_state` the model no longer has). Equality is exact (bit for bit)."""
    state = model.state_dict()
    changed = {}
    for name, value in state.items():
        base = base_state.get(name)
        if base is None or base.shape != value.shape or base.dtype != value.dtype or \
                not torch.equal(base.to(value.device), value):
            changed[name] = value.detach().to("cpu").contiguous().clone()
    removed = sorted(n for n in base_state if n not in state)
    return changed, removed


def fingerprint(tensors: Mapping[str, Any]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of `tensors`, in name order."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


@dataclass(frozen=True)
class DeltaRef:
    """A stored delta: its content digest, files and size."""

    digest: str
    path: Path
    n_tensors: int
    nbytes: int


class DeltaStore:
    """Content-addressed deltas under `root`: ``<digest>.safetensors`` + ``<digest>.json``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"DeltaStore({str(self.root)!r})"

    def save(self, model: Any, base_state: Mapping[str, Any]) -> DeltaRef:
        """Store what `model` changed from `base_state` (a `state_dict()` taken before
        fine-tuning: pretrained weights with the new head); returns the reference."""
        changed, removed = state_delta(model, base_state)
        untouched = {n: v for n, v in base_state.items() if n not in changed and n not in
                     removed}
        manifest = {"format": FORMAT_VERSION, "tensors": sorted(changed),
                    "removed": removed, "base": fingerprint(untouched)}
        digest = fingerprint(changed)
        digest = hashlib.sha256((digest + json.dumps(manifest, sort_keys=True))
                                .encode()).hexdigest()
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / f"{digest}.safetensors"
        if not target.is_file():  # same content, same name: written once
            self._write(target, lambda tmp: _safetensors().save_file(changed, tmp))
            self._write(self.root / f"{digest}.json",
                        lambda tmp: Path(tmp).write_text(json.dumps(manifest)))
        return DeltaRef(digest, target, len(changed), target.stat().st_size)

    def _write(self, target: Path, write: Callable[[str], Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".delta-", dir=self.root)
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def manifest(self, digest: str) -> dict[str, Any]:
        path = self.root / f"{digest}.json"
        try:
            doc = json.loads(path.read_text())
        except FileNotFoundError:
            raise DeltaError(f"no delta {digest!r} in {self!r}") from None
        except ValueError as exc:
            raise DeltaError(f"delta manifest {str(path)!r} is not JSON: {exc}") from None
        if doc.get("format") != FORMAT_VERSION:
            raise DeltaError(f"delta {digest!r} has unknown format {doc.get('format')!r}")
        return dict(doc)

    def apply(self, digest: str, model: Any, *, verify: bool = True) -> Any:
        """Load delta `digest` into `model` (built as the base was: pretrained weights,
        same head shape) and return it. With `verify`, a base whose untouched tensors
        differ from the delta's base is refused."""
        manifest = self.manifest(digest)
        tensors = _safetensors().load_file(str(self.root / f"{digest}.safetensors"))
        state = model.state_dict()
        missing = [n for n in manifest["tensors"] if n not in state]
        if missing:
            raise DeltaError(f"delta {digest[:12]}: the model has no tensors {missing[:5]}; "
                             "build it as the base was built (same architecture and head)")
        if verify:
            untouched = {n: v for n, v in state.items()
                         if n not in tensors and n not in manifest["removed"]}
            if fingerprint(untouched) != manifest["base"]:
                raise DeltaError(f"delta {digest[:12]}: the model's unchanged tensors are not "
                                 "the ones the delta was made from (another pretrained model "
                                 "or other weights); pass verify=False to apply it anyway")
        with torch.no_grad():
            for name, value in tensors.items():
                state[name].copy_(value.to(state[name].device))
        return model


def save_trial_delta(trial: Any, model: Any, base_state: Mapping[str, Any]) -> DeltaRef:
    """Store the trial's fine-tuned model as a delta in the study's artifact folder
    (``<artifacts>/<study>/deltas``) and record its digest on the trial."""
    store = trial_store(trial.study)
    ref = store.save(model, base_state)
    trial.set_user_attr(ATTR, ref.digest)
    trial.set_user_attr("delta_bytes", ref.nbytes)
    return ref


def trial_store(study: Any) -> DeltaStore:
    """The delta store of `study`, beside its checkpoints."""
    from urllib.parse import quote

    return DeltaStore(study.artifacts.root / quote(study.study_name, safe="") / "deltas")


def load_trial_model(study: Any, build: Callable[[Mapping[str, Any]], Any], *,
                     trial: Any = None, verify: bool = True) -> Any:
    """Rebuild a trial's fine-tuned model (default: the best trial): `build(user_attrs)`
    makes the base model as the objective did (pretrained weights, new head; the trial's
    ``finetune_config`` is in the attrs), then its delta is applied."""
    record = trial if trial is not None else study.best_trial
    digest = record.user_attrs.get(ATTR)
    if digest is None:
        raise DeltaError(f"trial {record.number} stored no delta (call save_trial_delta in "
                         "the objective)")
    return trial_store(study).apply(str(digest), build(record.user_attrs), verify=verify)


__all__ = ["ATTR", "DeltaError", "DeltaRef", "DeltaStore", "fingerprint",
           "load_trial_model", "save_trial_delta", "state_delta", "trial_store"]
