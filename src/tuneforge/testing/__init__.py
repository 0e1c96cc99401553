"""Public test helpers: conformance suites for plugin authors (imports pytest).

Never imported by ``import tuneforge``; import it from your tests only.
"""

from tuneforge.testing.contracts import StorageContract, run_process_appends
from tuneforge.testing.strategy_contracts import (
    PrunerContract,
    QueueingSamplerContract,
    SamplerContract,
)

__all__ = ["PrunerContract", "QueueingSamplerContract", "SamplerContract", "StorageContract",
           "run_process_appends"]
