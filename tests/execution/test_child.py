"""The worker side: a job by value, one trial per order, errors as messages."""

import cloudpickle

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution.base import Run
from tuneforge.execution.processes import start_worker


def _context():
    import os
    import sys

    return {"path": list(sys.path), "env": dict(os.environ), "cwd": os.getcwd()}


def test_worker_runs_a_closure_objective_by_value_on_a_shared_study(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    study = tf.create_study(study_name="c", storage=url, sampler=tf.RandomSampler())
    shift = 2.0

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if x < 0:  # never: a closure over `shift` is what is being sent
            raise ValueError
        return x + shift

    payload = cloudpickle.dumps((Run(objective=objective), study.sampler, study.pruner,
                                 None, ()))
    w = start_worker("auto")
    try:
        assert w.conn.poll(60) and w.conn.recv()[0] == "ready"
        w.conn.send(("job", 7, payload, url, "c", _context()))
        assert w.conn.recv() == ("loaded", 7)
        w.conn.send(("trial", 7))
        started = w.conn.recv()
        assert started[0] == "started" and started[1] == 0
        assert w.conn.recv() == ("finished", 0)
        (trial,) = study.trials
        assert trial.state is TrialState.COMPLETE and trial.values[0] == trial.params["x"] + 2
        assert trial.system_attrs["worker"].endswith(f":{w.pid}")
        w.conn.send(("job", 8, b"not a pickle", url, "c", _context()))
        kind, job, text = w.conn.recv()
        assert (kind, job) == ("job_error", 8) and "UnpicklingError" in text
    finally:
        w.close()
