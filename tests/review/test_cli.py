"""`magnerve review` and `magnerve report` end to end: a real SQLite journal in tmp_path,
the clock frozen in New York after the spring clock change."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
import typer
from fhir.resources.R4B.bundle import Bundle
from tests.review.journals import NEW_YORK
from typer.testing import CliRunner

from magnerve.cli.review_cmd import report_command, review_command
from magnerve.core.planner import plan
from magnerve.core.profile import parse_profile
from magnerve.errors import JournalError
from magnerve.journal import Journal
from magnerve.knowledge import Knowledge

NOW = datetime(2024, 4, 12, 21, 0, tzinfo=NEW_YORK)
DAY1 = NOW - timedelta(days=30)          # 2024-03-13, after the clock change


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.delenv("MAGNERVE_DB", raising=False)
    time.tzset()
    with time_machine.travel(NOW, tick=False):
        yield
    monkeypatch.undo()
    time.tzset()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("review")(review_command)
    app.command("report")(report_command)
    return app


def _journal(path: Path, kb: Knowledge) -> None:
    """A month: a week of baseline, the plan followed, gabapentin at 08:00, pain falling."""
    profile = parse_profile({"age": 50, "sex": "female", "egfr": 90,
                             "medications": [{"name": "gabapentin", "times": ["08:00"]}]}, kb)
    steps = {1: 150, 4: 200, 7: 250, 10: 300}
    with Journal.open(path) as journal:
        journal.save_plan(profile.to_dict(), plan(profile, kb).to_dict(),
                          DAY1 - timedelta(days=10))
        for n in range(-9, 31):
            day = DAY1 + timedelta(days=n - 1)
            journal.add("pain", {"score": 6.0 if n < 1 else 2.5}, day.replace(hour=20))
            if n < 1:
                continue
            journal.add("med", {"name": "gabapentin"}, day.replace(hour=8))
            mg = steps[max(d for d in steps if d <= n)]
            for hour in ((12,) if mg <= 200 else (12, 18)):
                journal.add("dose", {"mg": mg / (1 if mg <= 200 else 2), "form": "glycinate"},
                            day.replace(hour=hour))
        journal.add("dose", {"mg": 150, "form": "glycinate"}, (NOW - timedelta(days=1))
                    .replace(hour=8, minute=30))


@pytest.fixture
def db(tmp_path: Path, kb: Knowledge) -> Path:
    path = tmp_path / "journal.sqlite3"
    _journal(path, kb)
    return path


def test_review_json_through_the_store(db: Path) -> None:
    result = CliRunner().invoke(_app(), ["review", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "start_with_caution"
    assert data["today"] == "2024-04-12"
    assert data["as_of"].endswith("-04:00")
    assert data["step"] == {"elemental_mg_per_day": 300, "doses_per_day": 2,
                            "since": "2024-03-22"}
    assert data["next_step"] is None
    assert data["baseline_pain"] == 6.0
    assert data["current_pain"] == 2.5
    assert data["response"] == "substantial"
    assert data["pain_change_pct"] == pytest.approx(-58.3, abs=0.1)
    # The extra 150 mg at 08:30 yesterday: too close to gabapentin, and 450 mg that day.
    assert [(a["code"], a["severity"]) for a in data["advice"]] == [
        ("dose_above_plan", "see_clinician"), ("separation_violated", "caution")]


def test_review_text_through_the_store(db: Path) -> None:
    result = CliRunner().invoke(_app(), ["review", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "300 mg/day" in result.stdout
    assert "Substantial benefit" in result.stdout
    assert "Gabapentin" in result.stdout


@pytest.mark.parametrize("fmt", ["html", "pdf", "fhir"])
def test_report_files(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(_app(), ["report", "--db", str(db), "--format", fmt, "-o",
                                         str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert out.stat().st_mode & 0o077 == 0          # health data: owner only
    if fmt == "html":
        assert data.startswith(b"<!DOCTYPE html>")
    elif fmt == "pdf":
        assert data.startswith(b"%PDF-")
        assert "page" in result.stderr
    else:
        bundle = json.loads(data)
        Bundle.model_validate(bundle)
        assert any(e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "72514-3"
                   for e in bundle["entry"])


def test_report_to_stdout(db: Path) -> None:
    result = CliRunner().invoke(_app(), ["report", "--db", str(db), "-f", "fhir", "-o", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["resourceType"] == "Bundle"


def test_missing_journal_is_one_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite3"
    result = CliRunner().invoke(_app(), ["review", "--db", str(missing)])
    assert result.exit_code == 1
    assert isinstance(result.exception, JournalError)
    assert "There is no journal at" in str(result.exception)
    assert not missing.exists()


def test_journal_without_a_plan_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    Journal.open(path).close()
    result = CliRunner().invoke(_app(), ["report", "--db", str(path), "-o",
                                         str(tmp_path / "r.html")])
    assert isinstance(result.exception, JournalError)
    assert "magnerve journal start" in str(result.exception)


def test_report_into_a_missing_directory(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["report", "--db", str(db), "-o",
                                         str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 1
    assert "existing directory" in str(result.exception)


def test_text_output_does_not_interpret_journal_text_as_markup(db: Path) -> None:
    with Journal.open(db) as journal:
        journal.add("med", {"name": "[red]zorbatrexil[/red]"}, NOW - timedelta(hours=2))
    result = CliRunner().invoke(_app(), ["review", "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "'[red]zorbatrexil[/red]'" in result.stdout
