"""export_schedules writes JSON; replay_schedule re-runs a lineage to the same result."""

import json

import tuneforge as tf
from tests.schedulers._toy import quadratic
from tests.schedulers.test_pbt import toy_study


def test_export_then_replay_reproduces_the_best_members_final_value(tmp_path):
    study = toy_study()
    study.optimize(quadratic, n_trials=10)
    path = tmp_path / "schedule.json"
    doc = tf.export_schedules(study, path)
    assert json.loads(path.read_text()) == doc
    replayed = tf.replay_schedule(quadratic, path)
    chain = doc["members"][str(doc["best_member"])]["lineage"]
    assert len(replayed.trials) == len(chain)
    assert [t.params for t in replayed.trials] == [s["params"] for s in chain]
    assert replayed.trials[-1].value == study.best_value  # deterministic objective: exact
    assert [t.system_attrs["pbt_event"] for t in replayed.trials] == ["replay"] * len(chain)


def test_replaying_another_member_gives_its_value():
    study = toy_study()
    study.optimize(quadratic, n_trials=6)
    doc = tf.export_schedules(study)
    other = 1 - doc["best_member"]
    replayed = tf.replay_schedule(quadratic, doc, member=other)
    assert replayed.trials[-1].value == doc["members"][str(other)]["final_value"]
