"""trial.checkpoint / trial.load_checkpoint and the study's artifact store."""

import numpy as np
import pytest

import tuneforge as tf


def test_a_trial_loads_its_own_checkpoint_else_the_one_it_continues_from(tmp_path):
    study = tf.create_study(storage=f"sqlite:///{tmp_path / 'x.db'}")
    first = study.ask()
    assert first.load_checkpoint() is None
    first.checkpoint({"w": np.ones(3), "epoch": 1})
    assert first.record.system_attrs["checkpoint"].endswith("/checkpoint")
    study.tell(first, 1.0)
    second = study.ask()
    second.set_system_attr("checkpoint_from", first.key)
    np.testing.assert_array_equal(second.load_checkpoint()["w"], np.ones(3))
    second.checkpoint({"w": np.zeros(3), "epoch": 2})
    assert second.load_checkpoint()["epoch"] == 2  # its own, once it has one
    assert (tmp_path / "x.artifacts").is_dir()
    loaded = tf.load_study(study.study_name, storage=f"sqlite:///{tmp_path / 'x.db'}")
    assert loaded.artifacts.load(study.study_name, first.key)["epoch"] == 1


def test_a_missing_parent_checkpoint_is_named():
    study = tf.create_study()
    trial = study.ask()
    trial.set_system_attr("checkpoint_from", "feedbeef")
    with pytest.raises(tf.TrialStateError, match="feedbeef"):
        trial.load_checkpoint()


def test_the_artifact_root_is_configurable_and_stored_in_the_study(tmp_path):
    study = tf.create_study()
    study.set_artifact_root(tmp_path / "ckpt")
    trial = study.ask()
    trial.checkpoint({"a": 1})
    assert study.artifacts.root == (tmp_path / "ckpt").resolve()
    assert study.system_attrs["artifact_root"] == str((tmp_path / "ckpt").resolve())
    assert (tmp_path / "ckpt" / study.study_name / trial.key / "checkpoint").is_dir()


def test_an_unserializable_state_fails_and_records_nothing():
    study = tf.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match="never pickled"):
        trial.checkpoint({"model": object()})
    assert "checkpoint" not in trial.record.system_attrs
