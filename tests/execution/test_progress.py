"""The progress bar: trials done out of the expected total, and the best value so far."""

from tuneforge.execution.progress import ProgressBar
from tuneforge.trial.records import Direction, TrialRecord, TrialState


def _record(number, value, state=TrialState.COMPLETE):
    return TrialRecord(number=number, key=str(number), state=state,
                       values=None if value is None else (value,))


def test_the_bar_shows_the_count_and_the_best_value_for_the_direction(capsys):
    for direction, best in ((Direction.MAXIMIZE, "best 0.9"), (Direction.MINIMIZE, "best 0.5")):
        bar = ProgressBar(enabled=True, n_trials=4, timeout=None, directions=(direction,))
        for i, v in enumerate([0.5, 0.9, 0.7]):
            bar.advance(_record(i, v))
        bar.advance(_record(3, None, TrialState.FAIL))  # counted, not a best
        bar.close()
        out = capsys.readouterr().out
        assert "4/4" in out and best in out


def test_a_disabled_bar_prints_nothing(capsys):
    bar = ProgressBar(enabled=False, n_trials=2, timeout=None, directions=(Direction.MINIMIZE,))
    bar.advance(_record(0, 1.0))
    bar.close()
    bar.close()  # closing twice is harmless
    assert capsys.readouterr() == ("", "")
