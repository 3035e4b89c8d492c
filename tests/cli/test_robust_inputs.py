"""Hostile profile and food-log input: one sentence, exit 1, never a traceback (review)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from magnerve.cli.app import run


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("magnerve: error:")
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param('{"age": ' + "1" * 5000 + ', "sex": "female"}', "far too long",
                     id="5000-digit-number"),
        pytest.param('{"age": 40, "sex": "female", "conditions": ["CKD\\ud800"]}',
                     "conditions[0]", id="lone-surrogate"),
        pytest.param('{"age": 40, "sex": "female", "medications": [{"name": "x\\u001b[2J"}]}',
                     "control characters", id="terminal-escape"),
        pytest.param('{"a\\u200bge": 40, "sex": "female"}', "Did you mean 'age'",
                     id="zero-width-space-key"),
        pytest.param('{"age": 40, "sex": "female", "serum_magnesium": '
                     '{"value": 0.8, "unit": "mmol/L", "extra": 1}}', "Unknown key 'extra'",
                     id="serum-extra-key"),
        pytest.param("[" * 100_000, "nested too deeply", id="deep-nesting"),
    ],
)
def test_hostile_profiles(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                          needle: str) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(text, encoding="utf-8")
    assert run(["plan", str(profile)]) == 1
    assert needle in _one_line_error(capsys)


def test_deeply_nested_diet_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diet = tmp_path / "deep.json"
    diet.write_text("[" * 100_000)
    assert run(["diet", str(diet)]) == 1
    assert "nested too deeply" in _one_line_error(capsys)


def test_unknown_long_medicine_name_is_echoed_short(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["interactions", "x" * 10_000]) == 1
    message = _one_line_error(capsys)
    assert len(message) < 300


def test_profile_with_a_toml_date_shows_it_plainly(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('age = 1979-05-27\nsex = "female"\n')
    assert run(["plan", str(profile)]) == 1
    message = _one_line_error(capsys)
    assert "1979-05-27" in message
    assert "datetime" not in message


def test_plan_json_from_every_hostile_case_keeps_stdout_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"age": -1, "sex": "female"}))
    assert run(["plan", str(profile), "--format", "json"]) == 1
    assert capsys.readouterr().out == ""
