"""create_study, load_study and delete_study: the entry points, and the errors they
name."""

import pytest

import tuneforge as tf
from tests.study._objectives import quadratic


def test_studies_in_sqlite_survive_reopening(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    study = tf.create_study(study_name="s", storage=url, seed=5)
    study.optimize(quadratic, n_trials=5)
    again = tf.load_study("s", storage=url)
    assert [t.params for t in again.trials] == [t.params for t in study.trials]
    assert again.seed == 5
    again.optimize(quadratic, n_trials=2)
    assert len(tf.load_study("s", storage=url).trials) == 7
    with pytest.raises(tf.DuplicatedStudyError, match="'s' already exists"):
        tf.create_study(study_name="s", storage=url)
    same = tf.create_study(study_name="s", storage=url, load_if_exists=True)
    assert len(same.trials) == 7
    with pytest.raises(tf.StudyNotFoundError, match="no study named 'nope'.*'s'"):
        tf.load_study("nope", storage=url)
    tf.delete_study("s", storage=url)
    with pytest.raises(tf.StudyNotFoundError):
        tf.load_study("s", storage=url)


def test_load_study_does_not_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    tf.create_study(study_name="s", storage=url, seed=3).optimize(quadratic, n_trials=3)
    ro = tf.load_study("s", storage=tf.open_storage(url, read_only=True))
    assert len(ro.trials) == 3 and ro.best_value == min(t.value for t in ro.trials)
    assert ro.seed == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"direction": "minimize", "directions": ["minimize"]}, "not both"),
    ({"study_name": "  "}, "study_name must be a non-empty string"),
    ({"direction": "sideways"}, "'minimize' or 'maximize', got 'sideways'"),
])
def test_create_study_names_a_bad_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tf.create_study(**kwargs)


def test_create_study_names_itself_and_stores_its_seed():
    a, b = tf.create_study(), tf.create_study()
    assert a.study_name.startswith("study-") and a.study_name != b.study_name
    study = tf.create_study("named", directions=["minimize", "maximize"], seed=11)
    assert study.study_name == "named" and study.seed == 11
    assert [d.value for d in study.directions] == ["minimize", "maximize"]
    assert study.system_attrs["seed"] == 11  # stored at once, for every later process


def test_load_if_exists_refuses_other_directions(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.db'}"
    tf.create_study(study_name="d", storage=url)
    with pytest.raises(tf.DuplicatedStudyError, match=r"exists with directions \['minimize'\]"):
        tf.create_study(study_name="d", storage=url, direction="maximize", load_if_exists=True)


def test_an_empty_directions_list_is_refused():
    with pytest.raises(ValueError, match="at least one objective"):
        tf.create_study(directions=[])
