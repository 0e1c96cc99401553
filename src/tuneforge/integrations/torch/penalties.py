"""L2-SP: a penalty on the distance from the pretrained weights, against forgetting.

Li, Grandvalet and Davoine (2018), "Explicit inductive bias for transfer learning with
convolutional networks", eq. (3): ``alpha/2 * ||w_S - w_S^0||^2`` over the parameters
that came from the pretrained model (the new head is not pulled anywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tuneforge.integrations.torch._torch import torch


def starting_point(model: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Detached copies of the model's trainable-or-not parameters (the reference of
    L2-SP), leaving out names that start with one of `exclude` (the new head)."""
    return {n: p.detach().clone() for n, p in model.named_parameters()
            if not any(n == e or n.startswith(e + ".") for e in exclude)}


def l2sp_penalty(model: Any, reference: Mapping[str, Any], alpha: float) -> Any:
    """``alpha / 2 * sum ||w - w0||^2`` over the model's trainable parameters that have a
    same-shaped entry in `reference` (a 0-dim tensor on the model's device)."""
    if alpha < 0:
        raise ValueError(f"l2sp_penalty: alpha must be >= 0, got {alpha!r}")
    terms = [((p - reference[n].to(p.device)) ** 2).sum()
             for n, p in model.named_parameters()
             if p.requires_grad and n in reference and reference[n].shape == p.shape]
    if not terms:
        device = next(model.parameters()).device
        return torch.zeros((), device=device)
    return 0.5 * float(alpha) * torch.stack(terms).sum()


__all__ = ["l2sp_penalty", "starting_point"]
