"""Real failure injection on the local pool: hangs, kills, exits, memory, start-up deaths,
killed drivers, notebook-style objectives."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tuneforge as tf
from tuneforge import TrialState
from tuneforge.execution import LocalPool, local
from tuneforge.execution.processes import WorkerProcess

ROOT = Path(__file__).resolve().parents[2]


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def hang_first(trial):
    """Trial 1 hangs on its first attempt (a marker file), the rest are quick."""
    x = trial.suggest_float("x", 0, 1)
    marker = os.environ["TF_TEST_MARKER"]
    if trial.number == 1 and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(600)
    return x


def test_trial_timeout_kills_a_hung_trial_and_retry_reruns_its_params(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_TEST_MARKER", str(tmp_path / "hung"))
    study = tf.create_study(seed=0, sampler=tf.RandomSampler())
    t0 = time.monotonic()
    study.optimize(hang_first, n_trials=4, n_jobs=2, trial_timeout=1.0, retry=1)
    assert time.monotonic() - t0 < 30
    trials = study.trials
    assert len(trials) == 5  # the retry does not eat the budget
    hung = trials[1]
    assert hung.state is TrialState.FAIL
    assert hung.system_attrs["fail_reason"].startswith("timeout")
    again = [t for t in trials if t.system_attrs.get("retry_of") == 1]
    assert len(again) == 1 and again[0].state is TrialState.COMPLETE
    assert again[0].params == hung.params
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 4


def hang_always(trial):
    trial.suggest_float("x", 0, 1)
    time.sleep(600)


def test_trial_timeout_with_n_jobs_1_runs_where_it_can_be_killed():
    study = tf.create_study()
    t0 = time.monotonic()
    study.optimize(hang_always, n_trials=2, trial_timeout=0.5)
    assert time.monotonic() - t0 < 20
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert all("timeout" in t.system_attrs["fail_reason"] for t in study.trials)


def allocate_forever(trial):
    """Grows its memory until it is killed (about 40 MB every 50 ms)."""
    trial.suggest_float("x", 0, 1)
    hoard = []
    while True:
        hoard.append(bytearray(40 << 20))
        time.sleep(0.05)
        if len(hoard) > 40:  # never past ~1.6 GB on a shared machine
            hoard.clear()


def test_trial_that_allocates_until_its_limit_is_killed_and_freed():
    study = tf.create_study()
    study.optimize(allocate_forever, n_trials=1, trial_timeout=0.6)
    (trial,) = study.trials
    assert trial.state is TrialState.FAIL and "timeout" in trial.system_attrs["fail_reason"]
    pid = int(trial.system_attrs["worker"].rpartition(":")[2])
    with pytest.raises(ProcessLookupError):  # the process, and its memory, are gone
        os.kill(pid, 0)


def exit_process(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 1:
        os._exit(3)
    return x


def test_objective_os_exit_is_a_failed_trial_not_a_worker_error():
    study = tf.create_study(seed=1, sampler=tf.RandomSampler())
    study.optimize(exit_process, n_trials=6, n_jobs=2)
    trials = study.trials
    assert len(trials) == 6 and TrialState.RUNNING not in [t.state for t in trials]
    assert trials[1].state is TrialState.FAIL
    assert "exit code 3" in trials[1].system_attrs["fail_reason"]
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 5


def sys_exit(trial):
    trial.suggest_float("x", 0, 1)
    if trial.number == 2:
        sys.exit(3)
    time.sleep(0.05)
    return 1.0


def test_objective_sys_exit_reaches_the_driver_like_with_one_process():
    study = tf.create_study(sampler=tf.RandomSampler())
    with pytest.raises(SystemExit) as info:
        study.optimize(sys_exit, n_trials=8, n_jobs=2)
    assert info.value.code == 3
    states = [t.state for t in study.trials]
    assert TrialState.RUNNING not in states
    assert study.trials[2].system_attrs["fail_reason"] == "SystemExit(3)"


def kill_self(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 2 and trial.record.system_attrs.get("retry_count") is None:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_sigkilled_worker_trial_is_retried_once_with_its_params():
    study = tf.create_study(seed=5, sampler=tf.RandomSampler())
    study.optimize(kill_self, n_trials=6, n_jobs=2, retry=1)
    trials = study.trials
    assert trials[2].state is TrialState.FAIL
    assert "SIGKILL" in trials[2].system_attrs["fail_reason"]
    (retried,) = [t for t in trials if t.system_attrs.get("retry_of") == 2]
    assert retried.state is TrialState.COMPLETE and retried.params == trials[2].params
    assert sum(t.state is TrialState.COMPLETE for t in trials) == 6


def test_workers_are_reused_across_optimize_calls():
    study = tf.create_study(sampler=tf.RandomSampler())
    pool = LocalPool(2, start_method="fork")  # quick to start even beside other threads
    study.optimize(lambda t: time.sleep(0.2) or t.suggest_float("x", 0, 1), n_trials=4,
                   executor=pool)
    first = {t.system_attrs["worker"] for t in study.trials}
    study.optimize(lambda t: time.sleep(0.2) or t.suggest_float("x", 0, 1) + 1, n_trials=4,
                   executor=LocalPool(2, start_method="fork"))
    second = {t.system_attrs["worker"] for t in study.trials[4:]}
    assert first == second and len(first) == 2


def _dead_on_arrival(method="auto"):
    popen = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(7)"])
    import socket
    from multiprocessing.connection import Connection

    a, b = socket.socketpair()
    b.close()
    return WorkerProcess(popen.pid, Connection(a.detach()), popen, "spawn")


def test_workers_dying_at_start_up_stop_the_run_with_their_error(monkeypatch):
    starts = []

    def start(method):
        starts.append(method)
        return _dead_on_arrival()

    monkeypatch.setattr(local, "start_worker", start)
    monkeypatch.setattr(local.REGISTRY, "acquire", lambda n, m: [start(m) for _ in range(n)])
    study = tf.create_study()
    t0 = time.monotonic()
    with pytest.raises(tf.TuneforgeError, match="ended before they could run a trial.*exit code 7"):
        study.optimize(lambda t: 1.0, n_trials=5, n_jobs=2)
    assert time.monotonic() - t0 < 20
    assert len(starts) <= 2 + local.START_TRIES  # a few tries, not a restart loop


def test_objective_the_worker_cannot_load_is_the_workers_own_error():
    import types

    ghost = types.ModuleType("tf_ghost_module")  # importable here, not in a fresh worker
    exec("def objective(trial):\n    return trial.suggest_float('x', 0, 1)", ghost.__dict__)
    sys.modules["tf_ghost_module"] = ghost
    try:
        study = tf.create_study()
        with pytest.raises(tf.TuneforgeError, match="tf_ghost_module"):
            study.optimize(ghost.objective, n_trials=2,
                           executor=LocalPool(2, start_method="spawn"))
    finally:
        del sys.modules["tf_ghost_module"]


NOTEBOOK = """
import tuneforge as tf
from tuneforge.execution import LocalPool
print("script body ran", flush=True)
scale = 3.0
def objective(trial):
    return scale * trial.suggest_float("x", -1, 1) ** 2
study = tf.create_study(seed=0, sampler=tf.RandomSampler())
study.optimize(objective, n_trials=6, executor=LocalPool(2, start_method=METHOD))
print("done", len(study.trials), sum(t.state.value == "COMPLETE" for t in study.trials))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_notebook_style_objective_in_python_c_and_unguarded_script(tmp_path, method):
    code = NOTEBOOK.replace("METHOD", repr(method))
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["script body ran", "done 6 6"]
    script = tmp_path / "no_main_guard.py"  # no `if __name__ == "__main__"`
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], env=_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("script body ran") == 1  # no worker re-ran the script


DRIVER = """
import sys, time, tuneforge as tf
def slow(trial):
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.2 if trial.number < 4 else 600)
    return x
study = tf.create_study(study_name="d", storage=sys.argv[1], load_if_exists=True)
study.optimize(slow, n_trials=100, n_jobs=2)
"""


def _start_driver(url):
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(DRIVER), url],
                            env=_env(), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            trials = tf.load_study("d", storage=url).trials
        except tf.TuneforgeError:
            continue
        done = sum(t.state is TrialState.COMPLETE for t in trials)
        running = [t for t in trials if t.state is TrialState.RUNNING]
        if done >= 4 and len(running) == 2:
            return proc, running
    proc.kill()
    pytest.fail(f"the driver did not reach 4 trials: {proc.stderr.read()}")


def _pids(trials):
    return [int(t.system_attrs["worker"].rpartition(":")[2]) for t in trials]


def _gone(pids, within=5.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_sigkilled_driver_takes_its_workers_and_a_rerun_reaps_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    proc, running = _start_driver(url)
    proc.kill()
    proc.wait(10)
    assert _gone(_pids(running)), "workers outlived their SIGKILLed driver"
    study = tf.load_study("d", storage=url)
    completed = {t.number for t in study.trials if t.state is TrialState.COMPLETE}
    assert len(completed) >= 4
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)  # an immediate re-run
    trials = study.trials
    assert TrialState.RUNNING not in [t.state for t in trials]
    for t in running:  # closed by the dying worker itself, or reaped by the re-run
        reason = trials[t.number].system_attrs["fail_reason"]
        assert "SIGTERM" in reason or "gone" in reason, reason
    assert completed <= {t.number for t in trials if t.state is TrialState.COMPLETE}


@pytest.mark.slow
def test_sigterm_to_the_driver_closes_its_trials_and_ends_its_workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    proc, running = _start_driver(url)
    proc.terminate()
    assert proc.wait(20) == 143
    assert _gone(_pids(running))
    trials = tf.load_study("d", storage=url).trials
    assert TrialState.RUNNING not in [t.state for t in trials]
    assert all("SIGTERM" in trials[t.number].system_attrs["fail_reason"] for t in running)


def _ask_and_vanish(url):
    study = tf.load_study("r", storage=url)
    study.ask()
    os._exit(0)  # leaves its trial RUNNING, as a SIGKILLed process would


def test_a_rerun_reaps_at_once_a_running_trial_whose_process_is_dead(tmp_path):
    import multiprocessing as mp

    url = f"sqlite:///{tmp_path / 'r.db'}"
    study = tf.create_study(study_name="r", storage=url, sampler=tf.RandomSampler())
    p = mp.get_context("spawn").Process(target=_ask_and_vanish, args=(url,))
    p.start()
    p.join(60)
    assert [t.state for t in study.trials] == [TrialState.RUNNING]
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, retry=1)
    first, *rest = study.trials
    assert first.state is TrialState.FAIL and "gone" in first.system_attrs["fail_reason"]
    assert str(p.pid) in first.system_attrs["fail_reason"]
    # its retry ran first, and did not eat the run's budget of one trial
    assert [t.system_attrs.get("retry_of") for t in rest] == [0, None]
    assert [t.state for t in rest] == [TrialState.COMPLETE] * 2


STUBBORN = """
import signal, sys, time, tuneforge as tf
def stubborn(trial):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ignores the first, forwarded Ctrl-C
    trial.suggest_float("x", 0, 1)
    time.sleep(0.1 if trial.number < 2 else 600)
    return 1.0
study = tf.create_study(study_name="s", storage=sys.argv[1])
try:
    study.optimize(stubborn, n_trials=100, n_jobs=2)
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.slow
def test_ctrl_c_twice_exits_at_once_and_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN, url], env=_env(),
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            states = [t.state for t in tf.load_study("s", storage=url).trials]
        except tf.TuneforgeError:
            continue
        if states.count(TrialState.COMPLETE) >= 2 and states.count(TrialState.RUNNING) == 2:
            break
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 130
    assert time.monotonic() - t0 < 5  # not the 10 s grace of the first Ctrl-C
    trials = tf.load_study("s", storage=url).trials
    assert TrialState.RUNNING not in [t.state for t in trials]
    assert sum(t.state is TrialState.COMPLETE for t in trials) >= 2
