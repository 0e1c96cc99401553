"""Schedules read from stored PBT trials: segments, lineage across members, best member."""

import pytest

import tuneforge as tf
from tests.schedulers._toy import quadratic
from tests.schedulers.test_pbt import toy_study
from tuneforge.schedulers.schedule import pick_lineage, schedules
from tuneforge.trial.records import Direction


def test_the_lineage_follows_checkpoints_across_members():
    study = toy_study()
    study.optimize(quadratic, n_trials=8)
    doc = schedules(study.trials, Direction.MAXIMIZE)
    best = doc["best_member"]
    entry = doc["members"][str(best)]
    assert entry["final_value"] == study.best_value
    chain = entry["lineage"]
    assert chain[0]["event"] == "init" and chain[0]["parent"] is None
    for prev, seg in zip(chain, chain[1:], strict=False):
        assert seg["parent"] == prev["trial"] and seg["start_step"] == prev["end_step"]
    assert {seg["member"] for seg in chain} == {0, 1}  # its weights came through both
    assert [s["trial"] for s in entry["segments"]] == [n for n in range(8) if n % 2 == best]
    assert pick_lineage(doc, None) == chain


def test_errors_name_the_problem():
    with pytest.raises(tf.TuneforgeError, match="no PBT segments"):
        schedules([], Direction.MINIMIZE)
    with pytest.raises(tf.TuneforgeError, match="not a PBT schedule"):
        pick_lineage({"format": "other"}, None)
    study = toy_study()
    study.optimize(quadratic, n_trials=2)
    with pytest.raises(tf.TuneforgeError, match="member 7"):
        pick_lineage(schedules(study.trials, Direction.MAXIMIZE), 7)
