"""Layer groups of any `torch.nn.Module`, freezing (by group count or name pattern),
gradual unfreezing and head replacement: the structural half of fine-tuning.

A layer group is an ordered slice of the model's parameters, from the input (group 0)
to the head (the last group). Freezing sets ``requires_grad=False``, so frozen tensors get
no gradient and no optimizer moves them (torch's optimizers skip a parameter whose
``grad`` is None, weight decay and momentum included).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tuneforge.integrations.torch._torch import nn

#: module types whose parameters are normalization scales and shifts (no weight decay,
#: and their running statistics are kept fixed while the group is frozen)
NORM_TYPES: tuple[type, ...] = tuple(
    t for t in (getattr(nn.modules.batchnorm, "_NormBase", None), nn.LayerNorm, nn.GroupNorm,
                getattr(nn, "RMSNorm", None), nn.LocalResponseNorm) if t is not None)


def _is_norm(module: Any) -> bool:
    return isinstance(module, NORM_TYPES)


@dataclass(frozen=True)
class LayerGroup:
    """A named, ordered set of parameter names (``"features.0.weight"``, ...)."""

    name: str
    params: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.params)


def layer_groups(model: Any, *, patterns: Sequence[str] | None = None,
                 depth: int = 1) -> list[LayerGroup]:
    """The model's parameters split into groups ordered from input to head.

    Without `patterns`, one group per submodule at `depth` in the module tree (in the
    order the modules were registered, which is the order of `__init__` and, for
    `nn.Sequential`, the order data flows), skipping submodules without parameters;
    parameters owned directly by a shallower module form their own group before them.
    With `patterns` (shell globs such as ``"layer1.*"`` or regular expressions
    ``"re:^blocks\\.(0|1)\\."``), group i holds the parameters whose name the i-th pattern
    matches first; a parameter no pattern matches is an error naming it.
    """
    named = [name for name, _ in model.named_parameters()]
    if not named:
        raise ValueError(f"layer_groups: {type(model).__name__} has no parameters")
    if patterns is not None:
        return _by_patterns(named, list(patterns))
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"layer_groups: depth must be an integer >= 1, got {depth!r}")
    order: list[str] = []
    members: dict[str, list[str]] = {}
    for name in named:
        parts = name.split(".")
        key = ".".join(parts[:min(depth, len(parts) - 1)]) or "<root>"
        if key not in members:
            members[key] = []
            order.append(key)
        members[key].append(name)
    return [LayerGroup(key, tuple(members[key])) for key in order]


def _by_patterns(named: list[str], patterns: list[str]) -> list[LayerGroup]:
    if not patterns:
        raise ValueError("layer_groups: patterns must name at least one group")
    matchers = [_matcher(p) for p in patterns]
    members: list[list[str]] = [[] for _ in patterns]
    unmatched = []
    for name in named:
        for i, match in enumerate(matchers):
            if match(name):
                members[i].append(name)
                break
        else:
            unmatched.append(name)
    if unmatched:
        shown = ", ".join(unmatched[:8]) + (" ..." if len(unmatched) > 8 else "")
        raise ValueError(f"layer_groups: {len(unmatched)} parameter(s) match no pattern of "
                         f"{patterns}: {shown}")
    empty = [p for p, m in zip(patterns, members, strict=True) if not m]
    if empty:
        raise ValueError(f"layer_groups: pattern(s) {empty} match no parameter (or only "
                         "parameters an earlier pattern already took)")
    return [LayerGroup(p, tuple(m)) for p, m in zip(patterns, members, strict=True)]


def _matcher(pattern: str) -> Any:
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"layer_groups: a pattern must be a non-empty string, got {pattern!r}")
    if pattern.startswith("re:"):
        try:
            rx = re.compile(pattern[3:])
        except re.error as exc:
            raise ValueError(f"layer_groups: bad regular expression {pattern!r}: {exc}") from None
        return lambda name: rx.search(name) is not None
    # a bare module name ("fc") also takes its parameters ("fc.weight")
    return lambda name: fnmatch.fnmatchcase(name, pattern) or \
        fnmatch.fnmatchcase(name, pattern + ".*")


def _resolve_groups(model: Any, groups: Sequence[LayerGroup] | None) -> list[LayerGroup]:
    return list(groups) if groups is not None else layer_groups(model)


def _set_grad(model: Any, names: Iterable[str], flag: bool) -> list[str]:
    params = dict(model.named_parameters())
    done = []
    for name in names:
        if name not in params:
            raise KeyError(f"{type(model).__name__} has no parameter {name!r}")
        params[name].requires_grad_(flag)
        if not flag:
            params[name].grad = None
        done.append(name)
    return done


def freeze(model: Any, n_groups: int | None = None, *,
           patterns: Sequence[str] | None = None,
           groups: Sequence[LayerGroup] | None = None) -> list[str]:
    """Freeze the first `n_groups` layer groups (from the input) or every parameter whose
    name matches one of `patterns`; returns the names frozen. Other parameters are left
    as they are (use `unfreeze` to make them trainable)."""
    if (n_groups is None) == (patterns is None):
        raise ValueError("freeze: give exactly one of n_groups and patterns")
    if patterns is not None:
        matchers = [_matcher(p) for p in patterns]
        names = [n for n, _ in model.named_parameters() if any(m(n) for m in matchers)]
        if not names:
            raise ValueError(f"freeze: patterns {list(patterns)} match no parameter of "
                             f"{type(model).__name__}")
        return _set_grad(model, names, False)
    all_groups = _resolve_groups(model, groups)
    if isinstance(n_groups, bool) or not isinstance(n_groups, int) or \
            not 0 <= n_groups <= len(all_groups):
        raise ValueError(f"freeze: n_groups must be an integer in [0, {len(all_groups)}] "
                         f"(the model has {len(all_groups)} layer groups), got {n_groups!r}")
    return _set_grad(model, [n for g in all_groups[:n_groups] for n in g.params], False)


def unfreeze(model: Any, n_groups: int | None = None, *,
             groups: Sequence[LayerGroup] | None = None) -> list[str]:
    """Make the last `n_groups` layer groups (from the head) trainable, or every parameter
    when `n_groups` is None; returns the names unfrozen."""
    all_groups = _resolve_groups(model, groups)
    if n_groups is None:
        n_groups = len(all_groups)
    if isinstance(n_groups, bool) or not isinstance(n_groups, int) or \
            not 0 <= n_groups <= len(all_groups):
        raise ValueError(f"unfreeze: n_groups must be an integer in [0, {len(all_groups)}], "
                         f"got {n_groups!r}")
    chosen = all_groups[len(all_groups) - n_groups:]
    return _set_grad(model, [n for g in chosen for n in g.params], True)


def trainable_names(model: Any) -> list[str]:
    """Names of the parameters that currently require gradients."""
    return [n for n, p in model.named_parameters() if p.requires_grad]


def frozen_norms_to_eval(model: Any) -> int:
    """Put every normalization layer whose parameters are all frozen in eval mode, so its
    running statistics stay the pretrained ones (call after ``model.train()``); returns
    how many were switched."""
    count = 0
    for module in model.modules():
        if _is_norm(module):
            params = list(module.parameters(recurse=False))
            if params and not any(p.requires_grad for p in params):
                module.eval()
                count += 1
    return count


def norms_to_eval(model: Any) -> int:
    """Put every normalization layer in eval mode (running statistics fixed, scales and
    shifts still trainable): for small batches or inputs far from the pretraining data;
    returns how many were switched."""
    count = 0
    for module in model.modules():
        if _is_norm(module) and module.training:
            module.eval()
            count += 1
    return count


class GradualUnfreezing:
    """Unfreeze one more layer group, from the head towards the input, every `every`
    epochs (ULMFiT's schedule): at epoch e (from 1) the last ``trainable + (e-1)//every``
    groups are trainable, where `trainable` is how many were trainable at the start."""

    def __init__(self, groups: Sequence[LayerGroup], *, frozen: int, every: int) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"GradualUnfreezing: every must be an integer >= 1, got {every!r}")
        if not 0 <= frozen <= len(groups):
            raise ValueError(f"GradualUnfreezing: frozen must be in [0, {len(groups)}], "
                             f"got {frozen!r}")
        self.groups = list(groups)
        self.frozen = frozen
        self.every = every

    def frozen_at(self, epoch: int) -> int:
        """How many groups (from the input) are frozen during `epoch` (from 1)."""
        return max(self.frozen - (max(epoch, 1) - 1) // self.every, 0)

    def apply(self, model: Any, epoch: int) -> list[str]:
        """Set the model's trainable groups for `epoch`; returns the names unfrozen now."""
        n_trainable = len(self.groups) - self.frozen_at(epoch)
        before = set(trainable_names(model))
        unfreeze(model, n_trainable, groups=self.groups)
        return [n for n in trainable_names(model) if n not in before]


@dataclass(frozen=True)
class HeadSwap:
    """What `replace_head` did: the attribute path, the old head and the new one."""

    path: str
    old: Any
    new: Any


def _get(model: Any, path: str) -> Any:
    try:
        return model.get_submodule(path)
    except AttributeError:
        raise AttributeError(f"{type(model).__name__} has no submodule {path!r}") from None


def set_submodule(model: Any, path: str, module: Any) -> None:
    """Replace the submodule at dotted `path` (``"fc"``, ``"classifier.1"``)."""
    parent_path, _, last = path.rpartition(".")
    parent = _get(model, parent_path) if parent_path else model
    if last.isdigit() and isinstance(parent, (nn.Sequential, nn.ModuleList)):
        parent[int(last)] = module
    else:
        setattr(parent, last, module)


def find_head(model: Any) -> str:
    """The dotted path of the model's last `nn.Linear` in registration order (the usual
    classifier head), or of the ``Sequential(Dropout, Linear)`` holding it."""
    last = None
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            last = name
    if last is None:
        raise ValueError(f"replace_head: {type(model).__name__} has no nn.Linear; name the "
                         "head with path=...")
    parent, _, _ = last.rpartition(".")
    if parent:  # a head `replace_head` made earlier: Sequential(Dropout, Linear)
        outer = model.get_submodule(parent)
        if isinstance(outer, nn.Sequential) and len(outer) == 2 and \
                isinstance(outer[0], nn.Dropout) and isinstance(outer[1], nn.Linear):
            return parent
    return last


def replace_head(model: Any, num_classes: int, *, path: str | None = None,
                 dropout: float = 0.0) -> HeadSwap:
    """Swap the classifier head for a fresh ``Sequential(Dropout(dropout), Linear(in,
    num_classes))`` (the same structure for every `dropout`, so state dicts line up).
    `path` names the head (default: the last `nn.Linear`)."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes must be an integer >= 1, "
                         f"got {num_classes!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"replace_head: dropout must be in [0, 1), got {dropout!r}")
    path = path if path is not None else find_head(model)
    old = _get(model, path)
    linear = old[-1] if isinstance(old, nn.Sequential) and len(old) else old
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"replace_head: {path!r} is a {type(old).__name__}, not an nn.Linear "
                        "(or a Sequential ending in one)")
    weight = linear.weight
    new = nn.Sequential(nn.Dropout(float(dropout)),
                        nn.Linear(linear.in_features, num_classes,
                                  bias=linear.bias is not None))
    new.to(device=weight.device, dtype=weight.dtype)
    set_submodule(model, path, new)
    return HeadSwap(path, old, new)


def count_parameters(model: Any, *, trainable_only: bool = False) -> int:
    """Number of scalar parameters (all, or only those that require gradients)."""
    return int(sum(p.numel() for p in model.parameters()
                   if p.requires_grad or not trainable_only))


__all__ = ["NORM_TYPES", "GradualUnfreezing", "HeadSwap", "LayerGroup", "count_parameters",
           "find_head", "freeze", "frozen_norms_to_eval", "layer_groups", "norms_to_eval",
           "replace_head",
           "set_submodule", "trainable_names", "unfreeze"]
