"""The toy problem of the PBT paper (Jaderberg et al. 2017, section 4.1), as a PBT objective.

theta starts at (0.9, 0.9); the true objective is Q(theta) = 1.2 - theta_0^2 - theta_1^2.
A segment takes gradient steps on the surrogate 1.2 - h_0 theta_0^2 - h_1 theta_1^2, where
h is (1, 0) for "x" and (0, 1) for "y": a fixed h shrinks one coordinate only, so every
fixed schedule ends at Q <= 1.2 - 0.81 = 0.39, while alternating reaches about 1.2.
"""

import numpy as np

import tuneforge as tf

STEPS_PER_SEGMENT = 4
LEARNING_RATE = 0.1
BEST_FIXED = 1.2 - 0.9 ** 2


def quadratic(trial):
    seg = tf.pbt_segment(trial)
    h = trial.suggest_categorical("h", ["x", "y"])
    state = trial.load_checkpoint()
    theta = np.array([0.9, 0.9]) if state is None else state["theta"]
    mask = np.array([1.0, 0.0]) if h == "x" else np.array([0.0, 1.0])
    for _ in range(seg.end_step - seg.start_step):
        theta = theta - LEARNING_RATE * 2 * mask * theta
    trial.checkpoint({"theta": theta, "step": seg.end_step})
    return 1.2 - float(np.sum(theta ** 2))
