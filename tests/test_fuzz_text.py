"""Fuzz (issue 21): random study names, parameter names, string values, attribute texts and
error messages go through SQLite storage, the CLI's tables and the CSV/JSON exports;
nothing crashes and everything reads back exactly."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import tuneforge as tf
from tests.test_cli import ENV
from tuneforge.cli import app
from tuneforge.display import plain

# Any unicode but lone surrogates (not text) and newline/tab (they wrap a table cell, so a
# shown value could not be found verbatim); other control characters are included: the
# CLI shows them escaped. Markup and emoji look-alikes are drawn often.
CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\n\t")
TRICKY = st.sampled_from(["[", "]", "[/]", "[red]", "[bold]", ":smile:", "\\", '"', "'",
                          "\x1b[2J", "\r", "\x00", ",", "=", "-", "é", "表", " ", "%s", "{x}"])
TEXT = st.lists(st.one_of(st.text(CHARS, min_size=1, max_size=4), TRICKY),
                max_size=4).map("".join)
NAME = TEXT.filter(lambda s: s.strip() != "")
FULL = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # not shown by the CLI
PARAMS = st.dictionaries(TEXT.filter(bool), TEXT, min_size=1, max_size=3)
ENV_WIDE = dict(ENV, COLUMNS="1000")  # no table cell wraps


def shown(text: str) -> str:
    """What the CLI prints for `text`."""
    return plain(text).plain


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=ENV_WIDE)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output, result.output
    return result.stdout


@settings(max_examples=25, deadline=None, database=None,  # about 10 s
          suppress_health_check=[HealthCheck.too_slow])
@given(name=NAME, params=PARAMS, attr=FULL, error=TEXT)
def test_random_text_survives_storage_cli_and_exports(name: str, params: dict[str, str],
                                                      attr: str, error: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'fuzz.db'}"
        study = tf.create_study(name, storage=url)

        def objective(trial: tf.Trial) -> float:
            for key, value in params.items():
                trial.suggest_categorical(key, [value])
            trial.set_user_attr("note", attr)
            if trial.number == 1:
                raise ValueError(error)
            return 1.5

        study.optimize(objective, n_trials=2, catch=(ValueError,))
        reason = f"ValueError: {error}"

        # storage: a fresh handle reads back every text exactly
        loaded = tf.load_study(name, storage=url)
        assert loaded.study_name == name
        done, failed = loaded.trials
        assert dict(done.params) == params and dict(failed.params) == params
        assert done.user_attrs["note"] == attr
        assert failed.system_attrs["fail_reason"] == reason

        # the CLI tables show each text as stored (control characters escaped)
        storage = ["--storage", url]
        out = cli("studies", *storage)
        assert shown(name) in out
        pairs = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in params.items())
        out = cli("trials", *storage, "--", name)
        assert shown(pairs) in out and shown(reason) in out
        out = cli("best", *storage, "--", name)
        assert f"best trial of {shown(repr(name))}: #0" in out
        for key, value in params.items():
            assert shown(key) in out and shown(json.dumps(value, ensure_ascii=False)) in out

        # the exports read back exactly
        base = Path(folder) / "export"
        cli("export", *storage, "--format", "json", "--output", f"{base}.json", "--", name)
        doc = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
        assert doc["study"] == name
        assert [t["params"] for t in doc["trials"]] == [params, params]
        assert doc["trials"][1]["system_attrs"]["fail_reason"] == reason
        assert doc["trials"][0]["user_attrs"]["note"] == attr
        cli("export", *storage, "--output", f"{base}.csv", "--", name)
        with open(f"{base}.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            assert {k: row[f"params_{k}"] for k in params} == params
            assert row["user_attrs_note"] == attr
        assert rows[1]["fail_reason"] == reason
