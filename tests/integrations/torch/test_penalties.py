"""L2-SP: the penalty is alpha/2 times the squared distance to the starting point."""

import pytest

from tests.conftest import require_module

torch = require_module("torch", "torch")

from tests.integrations.torch._models import mlp  # noqa: E402
from tuneforge.integrations.torch.penalties import l2sp_penalty, starting_point  # noqa: E402


def test_penalty_matches_the_formula_and_skips_the_head_and_frozen_tensors():
    model = mlp()
    reference = starting_point(model, exclude=("4",))
    assert "4.weight" not in reference and "0.weight" in reference
    assert float(l2sp_penalty(model, reference, 3.0).detach()) == 0.0
    with torch.no_grad():
        model[0].weight.add_(0.5)
        model[4].weight.add_(10.0)  # the head: not pulled back
    expected = 0.5 * 3.0 * 0.25 * model[0].weight.numel()
    assert float(l2sp_penalty(model, reference, 3.0).detach()) == pytest.approx(expected)
    model[0].weight.requires_grad_(False)
    assert float(l2sp_penalty(model, reference, 3.0).detach()) == 0.0
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        l2sp_penalty(model, reference, -1.0)
