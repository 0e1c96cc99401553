"""Stored text is shown exactly as stored by every command (issue 21, item 1).

Names, parameters, values and error messages holding rich markup (`[/]`, `[red]`), emoji
codes (`:smile:`) or escape sequences once crashed `tuneforge studies` with MarkupError,
or were silently cut or replaced.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

import tuneforge as tf
from tests.conftest import require_module
from tests.test_cli import invoke
from tuneforge.display import plain

NAME = "run[/]"
PARAM = "opt[/]"
VALUE = "[/tmp]"
ERROR = "no data at [/data/train.csv]"
RED = "exp[red]"
EMOJI = "a:smile:b"
ESC = "bell\x07 esc\x1b[2J"


def _fails(trial: tf.Trial) -> float:
    trial.suggest_categorical(PARAM, [VALUE, RED])
    raise ValueError(ERROR)


def _values(trial: tf.Trial) -> tuple[float, float]:
    v = trial.suggest_categorical("p[bold]", [VALUE, EMOJI])
    return (1.0, 2.0) if v == VALUE else (2.0, 1.0)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """Studies whose names, params, values and errors are all markup-like."""
    folder = tmp_path / "db[red]"
    folder.mkdir()
    url = f"sqlite:///{folder / 'a.db'}"
    failing = tf.create_study(NAME, storage=url)
    failing.enqueue_trial({PARAM: VALUE})
    failing.optimize(_fails, n_trials=1, catch=(ValueError,))
    red = tf.create_study(RED, storage=url)
    red.enqueue_trial({PARAM: RED, EMOJI: EMOJI})
    red.optimize(lambda t: len(t.suggest_categorical(PARAM, [VALUE, RED]))
                 + len(t.suggest_categorical(EMOJI, [EMOJI, ESC])), n_trials=1)
    multi = tf.create_study(EMOJI, directions=["minimize", "minimize"], storage=url)
    for v in (VALUE, EMOJI):
        multi.enqueue_trial({"p[bold]": v})
    multi.optimize(_values, n_trials=2)
    esc = tf.create_study(ESC, storage=url)
    esc.enqueue_trial({ESC: ESC})
    esc.optimize(lambda t: len(t.suggest_categorical(ESC, [ESC, RED])), n_trials=1)
    return url


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_plain_keeps_text_and_escapes_control_characters() -> None:
    assert plain("[/] exp[red] :smile:").plain == "[/] exp[red] :smile:"
    assert plain("a\x1b[2Jb\rc\x07").plain == "a\\x1b[2Jb\\rc\\x07"
    assert plain("two\nlines\tand a tab").plain == "two\nlines\tand a tab"
    assert plain(3.5, style="red").style == "red"


def test_studies_lists_every_name_exactly(url: str) -> None:
    out = ok("studies", "--storage", url)
    for name in (NAME, RED, EMOJI):
        assert f"│ {name} " in out
    assert "bell\\x07 esc\\x1b[2J" in out and "\x1b" not in out
    assert f"studiesin{url}" in "".join(out.split())  # the title wraps, even mid-word


def test_trials_shows_params_values_and_errors_exactly(url: str) -> None:
    out = ok("trials", NAME, "--storage", url)
    assert f"{NAME} (minimize): 1 of 1 trials" in out
    assert f'{PARAM}="{VALUE}"' in out
    assert f"ValueError: {ERROR}" in out
    out = ok("trials", RED, "--storage", url)
    assert f"{RED} (minimize)" in out
    assert f'{PARAM}="{RED}", {EMOJI}="{EMOJI}"' in out


def test_trials_escapes_terminal_codes(url: str) -> None:
    out = ok("trials", ESC, "--storage", url)
    assert "\x1b" not in out and "\x07" not in out
    shown = "bell\\x07 esc\\x1b[2J"
    # the value is JSON ("\u0007"), the name shown with its control characters escaped
    assert f'{shown}="bell\\u0007 esc\\u001b[2J"' in out


def test_best_single_objective(url: str) -> None:
    out = ok("best", RED, "--storage", url)
    assert f"best trial of {RED!r}: #0" in out
    assert f"│ {PARAM} " in out and f'"{RED}"' in out
    assert f"│ {EMOJI} " in out and f'"{EMOJI}"' in out


def test_best_multi_objective(url: str) -> None:
    out = ok("best", EMOJI, "--storage", url)
    assert f"2 Pareto-optimal trials of {EMOJI} (minimize, minimize)" in out
    assert f'p[bold]="{VALUE}"' in out and f'p[bold]="{EMOJI}"' in out


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_message_and_file(url: str, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out[red].{fmt}"
    out = ok("export", NAME, "--format", fmt, "--output", str(path), "--storage", url)
    assert f"wrote 1 trials of {NAME!r} to {path}" in " ".join(out.split())
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert doc["study"] == NAME
        assert doc["trials"][0]["params"] == {PARAM: VALUE}
        assert doc["trials"][0]["system_attrs"]["fail_reason"] == f"ValueError: {ERROR}"
    else:
        assert f"params_{PARAM}" in text and VALUE in text and ERROR in text


def test_delete_message(url: str) -> None:
    out = ok("delete", RED, "--yes", "--storage", url)
    assert f"deleted study {RED!r} (1 trials)" in out
    assert RED not in ok("studies", "--storage", url)


def test_an_error_naming_user_text_is_shown_exactly(url: str) -> None:
    result = invoke("trials", "nope[/]", "--storage", url)
    assert result.exit_code == 1
    assert "nope[/]" in result.stderr and "Traceback" not in result.output


def test_run_shows_the_study_and_paths_exactly(tmp_path: Path) -> None:
    """`tuneforge run`: the config path, study name and leaderboard keep their brackets."""
    require_module("sklearn", "sklearn")
    require_module("pandas", "pandas")
    example = Path(__file__).resolve().parents[1] / "examples" / "run"
    folder = tmp_path / "cfg[bold]"
    folder.mkdir()
    shutil.copy(example / "wine.csv", folder / "wine.csv")
    config = folder / "config.yaml"
    config.write_text(textwrap.dedent(f"""\
        study: "{RED}"
        data: {{path: wine.csv, target: cultivar}}
        models: [logreg]
        metric: accuracy
        cv: 2
        budget: {{trials: 1}}
        """))
    url = f"sqlite:///{folder / 'runs.db'}"
    out = ok("run", "--check", str(config), "--storage", url)
    assert f"{config}: OK" in out and f"study {RED!r} in {url}" in out
    out = " ".join(ok("run", str(config), "--storage", url, "--quiet").split())
    assert f"study {RED!r}" in out and "│ logreg │" in out
    assert f"study {RED!r} stored in {url}; see: tuneforge trials {RED}" in out
