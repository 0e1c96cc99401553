"""Learning from past studies: the study catalog (task meta-features and spaces),
retrieval of the most similar past studies, and warm-starting a new study from them
(`create_study(warm_start=...)`; docs: tutorials/warm-start)."""

from tuneforge.samplers.prior import PriorPoint, TransferPrior, map_params
from tuneforge.study.warm import WarmSource, WarmStart
from tuneforge.warmstart.catalog import (
    CatalogEntry,
    catalog,
    record_task,
    similar_studies,
    space_overlap,
)
from tuneforge.warmstart.meta import meta_distance, meta_features, meta_vector

__all__ = ["CatalogEntry", "PriorPoint", "TransferPrior", "WarmSource", "WarmStart",
           "catalog", "map_params", "meta_distance", "meta_features", "meta_vector",
           "record_task", "similar_studies", "space_overlap"]
