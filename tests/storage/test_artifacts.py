"""Checkpoint files: safetensors for arrays and tensors, JSON for the rest, never pickle."""

import json
import pickle

import numpy as np
import pytest

from tests.conftest import require_module
from tuneforge.exceptions import TuneforgeError
from tuneforge.storage.artifacts import (
    NUMPY_FILE,
    STATE_FILE,
    TORCH_FILE,
    ArtifactStore,
    CheckpointError,
    default_root,
)
from tuneforge.storage.memory import InMemoryStorage
from tuneforge.storage.sqlite import SQLiteStorage

torch = require_module("torch", "torch")


@pytest.fixture
def no_pickle(monkeypatch):
    """Any use of pickle while saving or loading fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")
    for name in ("dumps", "loads", "dump", "load"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(torch, "save", refuse)


def test_numpy_torch_and_json_values_round_trip(tmp_path, no_pickle):
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net(torch.ones(4, 3)).sum().backward()
    opt.step()
    state = {"model": net.state_dict(), "optimizer": opt.state_dict(),
             "theta": np.arange(6, dtype=np.float32).reshape(2, 3), "flags": np.array([True]),
             "epoch": 3, "lr": 0.5, "name": "run", "none": None, "inf": float("inf"),
             "nested": {"history": [1.0, 2.5, np.float64(3.25)], "pair": (1, "a")}}
    store = ArtifactStore(tmp_path)
    folder = store.save("my study/1", "abc", state)
    assert sorted(p.name for p in folder.iterdir()) == [NUMPY_FILE, STATE_FILE, TORCH_FILE]
    back = store.load("my study/1", "abc")
    assert back["epoch"] == 3 and back["lr"] == 0.5 and back["name"] == "run"
    assert back["none"] is None and back["inf"] == float("inf")
    assert back["nested"] == {"history": [1.0, 2.5, 3.25], "pair": [1, "a"]}
    np.testing.assert_array_equal(back["theta"], state["theta"])
    assert back["theta"].dtype == np.float32 and back["flags"].dtype == np.bool_
    for k, v in net.state_dict().items():
        assert torch.equal(back["model"][k], v)
    restored = torch.optim.Adam(torch.nn.Linear(3, 2).parameters(), lr=0.1)
    restored.load_state_dict(back["optimizer"])  # integer keys survive the round trip
    assert list(back["optimizer"]["state"]) == [0, 1]
    assert restored.state_dict()["param_groups"][0]["lr"] == 0.01
    doc = json.loads((folder / STATE_FILE).read_text())  # the structure is plain JSON
    assert doc["format"] == 1 and doc["state"]["epoch"] == 3


def test_saving_again_replaces_the_checkpoint(tmp_path):
    store = ArtifactStore(tmp_path)
    store.save("s", "k", {"w": np.zeros(2), "step": 1})
    store.save("s", "k", {"step": 2})
    assert store.load("s", "k") == {"step": 2}
    folder = store.checkpoint_dir("s", "k")
    assert [p.name for p in folder.iterdir()] == [STATE_FILE]  # the old array file is gone
    assert sorted(p.name for p in folder.parent.iterdir()) == ["checkpoint"]  # no leftovers
    assert store.load("s", "other") is None and not store.has("s", "other")


@pytest.mark.parametrize("state, where", [
    ({"model": object()}, r"state\['model'\]: a builtins.object"),
    ({"a": {"b": [1, {2, 3}]}}, r"state\['a'\]\['b'\]\[1\]: a builtins.set"),
    ({"x": np.array([object()], dtype=object)}, "dtype object"),
    ({"d": {(1, 2): 3}}, r"dict key \(1, 2\)"),
    ({"__tuneforge__": 1}, "reserved"),
])
def test_unserializable_state_is_refused_naming_the_value(tmp_path, state, where):
    store = ArtifactStore(tmp_path)
    with pytest.raises(CheckpointError, match=where):
        store.save("s", "k", state)
    assert not store.has("s", "k") and not (tmp_path / "s").exists()  # checked first


def test_a_state_must_be_a_dict(tmp_path):
    with pytest.raises(CheckpointError, match="must be a dict"):
        ArtifactStore(tmp_path).save("s", "k", [1, 2])


def test_a_damaged_checkpoint_is_a_clear_error(tmp_path):
    store = ArtifactStore(tmp_path)
    folder = store.save("s", "k", {"a": 1})
    (folder / STATE_FILE).write_text("{not json")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        store.load("s", "k")
    (folder / STATE_FILE).write_text(json.dumps({"format": 99, "state": {}}))
    with pytest.raises(CheckpointError, match="unknown format"):
        store.load("s", "k")


def test_default_roots(tmp_path):
    sqlite = SQLiteStorage(tmp_path / "runs.db")
    assert default_root(sqlite) == tmp_path / "runs.artifacts"
    memory = InMemoryStorage()
    root = default_root(memory)
    assert root.is_dir() and default_root(memory) == root  # one folder per storage
    del memory
    import gc
    gc.collect()
    assert not root.exists()  # removed with its storage

    class Remote:
        url = "postgresql://db"
    with pytest.raises(TuneforgeError, match="set_artifact_root"):
        default_root(Remote())
