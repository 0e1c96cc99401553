"""Provenance: where, with what code and on which data a study and each trial ran.

A study records its environment once (Python, package versions, host, git commit and
dirty flag, seed); every trial records its host and process, the environment's id, the
git state, a hash of the objective's source and, when an evaluation helper saw data, a
fingerprint of that data. All of it is JSON in the study's system attributes, shown by
``tuneforge provenance`` and kept in exports.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import marshal
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

# packages named in every environment record when they are loaded in the process
TRACKED = ("tuneforge", "numpy", "scipy", "scikit-learn", "pandas", "torch", "xgboost",
           "lightgbm", "cmaes", "ray", "cloudpickle")
_MODULE_OF = {"scikit-learn": "sklearn"}


def package_versions() -> dict[str, str]:
    """Versions of the tracked packages this process has loaded (tuneforge, numpy and
    scipy always)."""
    out = {}
    for dist in TRACKED:
        module = _MODULE_OF.get(dist, dist)
        if dist not in ("tuneforge", "numpy", "scipy") and module not in sys.modules:
            continue
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = getattr(sys.modules.get(module), "__version__", None)
            if isinstance(version, str):
                out[dist] = version
    return out


def environment() -> dict[str, Any]:
    """Python, platform and package versions of this process, and their short id."""
    env: dict[str, Any] = {"python": platform.python_version(),
                           "implementation": platform.python_implementation(),
                           "platform": platform.platform(terse=True),
                           "packages": package_versions()}
    env["id"] = _digest(env)[:12]
    return env


@lru_cache(maxsize=64)
def git_state(folder: str) -> dict[str, Any] | None:
    """The git commit of the repository holding `folder`, and whether its tracked files
    differ from it (dirty); None outside a repository or without git."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", folder, *args], capture_output=True,
                                 text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def source_folder(objective: Any) -> str:
    """The folder of the file defining `objective` (for its git state); the working
    folder when it has none (a notebook, ``python -c``)."""
    target = objective if inspect.isroutine(objective) else type(objective)
    try:
        path = inspect.getsourcefile(target)
    except TypeError:
        path = None
    if path and os.path.isfile(path):
        return str(Path(path).resolve().parent)
    return os.getcwd()


def objective_hash(objective: Any) -> str:
    """A hash of the objective's source code (its bytecode when the source is not
    available, as for a function typed into ``python -c``)."""
    target: Any = objective
    if not inspect.isroutine(objective) and not inspect.isclass(objective):
        target = type(objective)
    target = inspect.unwrap(target)
    try:
        text = inspect.getsource(target)
        return "source:" + hashlib.sha256(text.encode()).hexdigest()[:16]
    except (OSError, TypeError):
        pass
    code = getattr(target, "__code__", None)
    if code is not None:
        return "bytecode:" + hashlib.sha256(marshal.dumps(code)).hexdigest()[:16]
    return "unknown:" + getattr(target, "__qualname__", type(target).__name__)


def study_provenance(seed: int | None) -> dict[str, Any]:
    """What a study records once, at creation."""
    return {"environment": environment(), "host": socket.gethostname(),
            "git": git_state(os.getcwd()), "seed": seed,
            "argv": [str(a) for a in sys.argv[:8]]}


_objective_cache: dict[int, tuple[Any, dict[str, Any]]] = {}


def trial_provenance(objective: Callable[..., Any] | None, seed: int | None) -> dict[str, Any]:
    """What each trial records as it starts: host and process, environment id, git state
    of the objective's code, the hash of its source, and the seed its randomness derives
    from (with the trial number)."""
    code = {} if objective is None else objective_code(objective)
    return {"host": socket.gethostname(), "pid": os.getpid(), "env": _env_id(),
            "seed": seed, **code}


def objective_code(objective: Callable[..., Any]) -> dict[str, Any]:
    """The hash of the objective's source and the git state of its folder, computed once
    per objective object (it runs git and reads the source)."""
    cached = _objective_cache.get(id(objective))
    if cached is not None and cached[0] is objective:
        return dict(cached[1])
    code = {"objective": objective_hash(objective), "git": git_state(source_folder(objective))}
    _objective_cache[id(objective)] = (objective, code)
    return dict(code)


def remember_objective_code(objective: Callable[..., Any], code: dict[str, Any]) -> None:
    """Take `objective_code` as computed elsewhere for the same code: a worker process
    that received the objective by value gets it from its driver, not from git again."""
    _objective_cache[id(objective)] = (objective, dict(code))


@lru_cache(maxsize=1)
def _env_id() -> str:
    return str(environment()["id"])


def data_fingerprint(*arrays: Any) -> str:
    """A short hash of the data (arrays, DataFrames, lists): its values, shapes and
    dtypes, so that two trials can be said to have seen the same data."""
    import numpy as np

    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        values = getattr(a, "values", a)  # pandas: the underlying array
        try:
            arr = np.ascontiguousarray(np.asarray(values))
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.dtype != object:
            h.update(f"{arr.shape}{arr.dtype.str}".encode())
            h.update(arr.tobytes())
        elif hasattr(values, "tocsr"):  # scipy sparse
            m = values.tocsr()
            h.update(f"{m.shape}".encode())
            for part in (m.data, m.indices, m.indptr):
                h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(values).encode())
    return h.hexdigest()[:16]


def provenance_rows(study_attrs: Mapping[str, Any],
                    trial_attrs: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """(field, value) pairs to show: the study's provenance, or one trial's (given its
    system attributes) with the environment it names."""
    rows: list[tuple[str, str]] = []

    def git_text(git: Any) -> str:
        if not isinstance(git, Mapping):
            return "not in a git repository"
        return f"{git.get('commit')}" + (" (dirty)" if git.get("dirty") else "")

    def env_rows(env: Any) -> None:
        if not isinstance(env, Mapping):
            return
        rows.append(("python", f"{env.get('python')} ({env.get('implementation')}), "
                               f"{env.get('platform')}"))
        for name, version in dict(env.get("packages") or {}).items():
            rows.append((f"  {name}", str(version)))

    if trial_attrs is None:
        info = study_attrs.get("provenance")
        if not isinstance(info, Mapping):
            return [("provenance", "none recorded (a study made before provenance existed)")]
        rows += [("created on", str(info.get("host"))), ("seed", str(info.get("seed"))),
                 ("git", git_text(info.get("git"))),
                 ("command", " ".join(info.get("argv") or []))]
        env_rows(info.get("environment"))
        return rows
    info = trial_attrs.get("provenance")
    if not isinstance(info, Mapping):
        return [("provenance", "none recorded for this trial")]
    rows += [("host", f"{info.get('host')} (pid {info.get('pid')})"),
             ("seed", f"{info.get('seed')} (with the trial number)"),
             ("objective", str(info.get("objective"))), ("git", git_text(info.get("git")))]
    if "data_fingerprint" in trial_attrs:
        rows.append(("data", str(trial_attrs["data_fingerprint"])))
    rows.append(("environment", str(info.get("env"))))
    env_rows(study_attrs.get(f"environment:{info.get('env')}"))
    return rows


def _digest(value: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


__all__ = ["data_fingerprint", "environment", "git_state", "objective_hash",
           "package_versions", "provenance_rows", "study_provenance", "trial_provenance"]
