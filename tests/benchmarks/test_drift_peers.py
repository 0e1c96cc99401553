"""The drift peers' script rebuilds drift_story's halves exactly, and drift_story reads
its result only when the halves match."""

import json

import numpy as np
import pytest

from benchmarks import drift_peers, drift_story


def test_peer_halves_are_drift_storys_halves_and_results_are_checked(tmp_path):
    X, _ = drift_story._data()
    digests: dict[str, str] = {}
    for shift in drift_story.SHIFTS:
        rng = np.random.default_rng([0, int(shift * 100)])
        order = rng.permutation(len(X))
        ref, cur = X[order[:284]], drift_story._shifted(X[order[284:]], rng, shift)
        digests[f"{shift:g}/0"] = drift_peers.digest(ref, cur)
        p_ref, p_cur = drift_peers.pair(X, 0, shift)
        assert np.array_equal(ref, p_ref) and np.array_equal(cur, p_cur)
    rows = [{"shift": 0.5, "method": "alibi-ks", "rate": 1.0, "seconds_per_check": 0.01}]
    good = {"benchmark": "drift_peers", "repeats": 1, "detection": rows, "digests": digests,
            "versions": {"alibi-detect": "0.13.0", "evidently": None}}
    got = drift_story.peer_rows(good, digests, tmp_path / "p.json")
    assert got["rows"] == rows and got["versions"] == {"alibi-detect": "0.13.0"}
    bad = json.loads(json.dumps(good))
    bad["digests"]["0.5/0"] = "0" * 16
    with pytest.raises(SystemExit, match=r"p.json: not made on this run's data.*0.5/0"):
        drift_story.peer_rows(bad, digests, tmp_path / "p.json")
