"""One torch thread: these models are tiny, and on a busy two-core machine torch's
intra-op threads made a 40-epoch test 20x slower (measured: 31 s instead of 1.4 s)."""

import importlib.util

if importlib.util.find_spec("torch") is not None:
    import torch

    torch.set_num_threads(1)
