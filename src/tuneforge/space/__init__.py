"""Search spaces: distributions, declared spaces and the unit-cube encoding."""

from tuneforge.space.distributions import (
    Categorical,
    Distribution,
    Float,
    Int,
    distribution_from_json,
)
from tuneforge.space.narrowing import (
    ParamChange,
    project_params,
    refine_space,
    refine_space_report,
)
from tuneforge.space.search_space import SearchSpace, intersection_space

__all__ = [
    "Categorical",
    "Distribution",
    "Float",
    "Int",
    "ParamChange",
    "SearchSpace",
    "distribution_from_json",
    "intersection_space",
    "project_params",
    "refine_space",
    "refine_space_report",
]
