"""Robustness of the journal library: bad input is one InputError, damaged rows never stop a
read, imports validate row by row, and nothing stored is ever lost.

Each test names the review finding it covers (A1-A5, B, D, E/F).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from magnerve.errors import InputError, JournalError
from magnerve.journal import Journal
from magnerve.journal.io import check_plan_shape
from magnerve.journal.store import DamagedEntryError, DamagedPlanError
from magnerve.journal.summary import describe_entry, printable
from magnerve.journal.times import parse_bound, parse_iso, parse_when
from magnerve.journal.values import stored_problem, validate_values

from .conftest import NEW_YORK

T0 = datetime(2024, 3, 12, 8, 0, tzinfo=NEW_YORK)
NOW = datetime(2024, 3, 12, 9, 30, tzinfo=NEW_YORK)


def real_plan(profile: dict[str, Any]) -> dict[str, Any]:
    from magnerve.core.profile import parse_profile
    from magnerve.knowledge import load_knowledge
    from magnerve.planning import make_plan

    knowledge = load_knowledge()
    return make_plan(parse_profile(profile, knowledge), knowledge).to_dict()


PROFILE: dict[str, Any] = {"age": 50, "sex": "female", "egfr": 90}
CKD: dict[str, Any] = {"age": 50, "sex": "female", "egfr": 20}  # a stop rule: do_not_start


def export_with_plan(profile: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": "magnerve.journal",
        "entries": [{"kind": "pain", "at": "2024-03-12T08:00:00-04:00", "values": {"score": 4}}],
        "plans": [
            {
                "version": 1,
                "created_at": "2024-03-01T08:00:00-05:00",
                "profile": profile,
                "plan": plan,
            }
        ],
    }


def sql(path: Path, statement: str, *params: object) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement, params)
    conn.commit()
    conn.close()


# --- B, E/F: times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("0001-01-01T00:00", "between the years 1900 and 9998", id="year-1"),
        pytest.param("9999-12-31T23:59", "between the years 1900 and 9998", id="year-9999"),
        pytest.param("1800-01-01T08:00", "between the years 1900 and 9998", id="year-1800"),
        pytest.param("1900-01-01T00:00+05:00", "between the years 1900 and 9998", id="utc-1899"),
        pytest.param("2026-13-40", "a real calendar date", id="month-13"),
        pytest.param("2024-02-30T08:00", "a real calendar date", id="feb-30"),
    ],
)
def test_when_out_of_range_or_unreal_is_one_input_error(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_when(text, NOW)
    assert fragment in str(caught.value)
    assert caught.value.field == "--at"
    assert f"(got {text!r})" in str(caught.value)  # what was typed, not a reinterpretation
    assert "Add the time of day" not in str(caught.value)


def test_a_real_date_without_a_time_still_gets_the_hint() -> None:
    with pytest.raises(InputError, match=r'Add the time of day, e\.g\. "2024-03-10T08:30"'):
        parse_when("2024-03-10", NOW)


def test_a_very_long_time_is_echoed_truncated() -> None:
    text = "2024-01-01T08:00" + "0" * 500
    with pytest.raises(InputError) as caught:
        parse_when(text, NOW)
    message = str(caught.value)
    assert len(message) < 300
    assert "..." in message


@pytest.mark.parametrize(
    ("text", "end"),
    [
        pytest.param("0001-01-01", False, id="since-year-1"),
        pytest.param("9999-12-31", True, id="until-year-9999"),
        pytest.param("9998-12-31", True, id="until-last-day"),
        pytest.param("99999d", False, id="days-ago"),
        pytest.param("0001-01-01T00:00", False, id="datetime"),
        pytest.param("2024-02-30", False, id="not-a-date"),
    ],
)
def test_bounds_out_of_range_are_input_errors(text: str, end: bool) -> None:
    with pytest.raises(InputError) as caught:
        parse_bound(text, NOW, "--until" if end else "--since", end=end)
    assert caught.value.field == ("--until" if end else "--since")


def test_bounds_in_range_still_work() -> None:
    assert parse_bound("1900-01-02", NOW, "--since").date() == date(1900, 1, 2)
    assert parse_bound("9998-12-30", NOW, "--until", end=True).date() == date(9998, 12, 31)
    assert parse_iso("2024-03-10T08:30Z", "at").utcoffset() == timedelta(0)


# --- B, D: values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        pytest.param("note", {"text": "\udcff"}, "text", id="note-invalid-utf8"),
        pytest.param("note", {"text": "x\ud800"}, "text", id="note-surrogate"),
        pytest.param("note", {"text": "hi \x1b[31mred"}, "text", id="note-escape"),
        pytest.param("note", {"text": "ring\x07"}, "text", id="note-bell"),
        pytest.param("note", {"text": "c1\x9b31m"}, "text", id="note-c1"),
        pytest.param("med", {"name": "\x07"}, "name", id="med-only-bell"),
        pytest.param("med", {"name": "levo\x1b]0;x\x07"}, "name", id="med-osc"),
        pytest.param("med", {"name": "levo\udcff"}, "name", id="med-invalid-utf8"),
        pytest.param("med", {"name": "a\nb"}, "name", id="med-newline"),
        pytest.param("pain", {"score": 3, "location": "feet\x1b[2J"}, "location", id="location"),
        pytest.param("dose", {"mg": 100, "product": "caps\x08\x08"}, "product", id="product"),
        pytest.param(
            "med", {"name": "x", "drug": "levo\x1b", "drugs": ["levo\x1b"]}, "drugs", id="drugs"
        ),
    ],
)
def test_control_characters_and_invalid_text_are_refused(
    kind: str, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        validate_values(kind, values)
    assert caught.value.field == field
    message = str(caught.value)
    assert "\x1b" not in message
    assert "\x07" not in message
    assert "U+" in message


def test_notes_keep_line_breaks_and_tabs() -> None:
    text = "line one\r\nline two\n\ttabbed"
    assert validate_values("note", {"text": text}) == {"text": text}
    assert validate_values("pain", {"score": 1, "location": "left\tfoot"})["location"] == (
        "left foot"
    )


def test_unknown_field_names_are_escaped_in_messages() -> None:
    with pytest.raises(InputError) as caught:
        validate_values("pain", {"score": 1, "\x1b[31m": 2})
    assert "\x1b" not in str(caught.value)


def test_summaries_never_print_control_characters() -> None:
    from magnerve.core.entries import Entry

    stored = Entry("x", "med", T0, {"name": "levo\x1b[31m\x07", "drug": None, "drugs": []})
    shown = describe_entry(stored)
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "\\x1b[31m\\x07" in shown
    assert printable("ok\ttext") == "ok\\ttext"


def test_stored_problem_names_what_readers_need() -> None:
    assert stored_problem("sleep", {}) == "a sleep entry without 'quality'"
    assert stored_problem("dose", {"mg": float("nan")}) == "'mg' is not a finite number"
    assert stored_problem("dose", {"mg": 10**400}) == "'mg' is not a finite number"
    assert stored_problem("pain", {"score": 3, "qualities": "burning"}) is not None
    assert stored_problem("med", {"name": "x"}) is None  # older med rows had no 'drugs'
    assert stored_problem("gi", {"bristol": "6"}) is not None
    assert stored_problem("note", {"text": "x", "extra": float("inf")}) is not None
    assert stored_problem("pain", {"score": 1e308}) == "'score' is 1e+308, outside 0-10"
    assert stored_problem("dose", {"mg": -5}) == "'mg' is -5, outside 0-1,000,000"
    assert stored_problem("gi", {"bristol": 99}) is not None
    assert stored_problem("sleep", {"quality": 7.5}) is None


# --- A4: damaged rows ----------------------------------------------------------------------------


@pytest.fixture
def damaged(db_path: Path) -> dict[str, str]:
    """A journal with a plan, three good entries and four damaged ones (made outside
    magnerve, as a disk error or a hand edit would)."""
    with Journal.open(db_path) as journal:
        journal.save_plan(PROFILE, real_plan(PROFILE), T0 - timedelta(days=3))
        ids = {
            name: journal.add("pain", {"score": score}, T0 + timedelta(minutes=score)).id
            for name, score in (
                ("good1", 1),
                ("good2", 2),
                ("good3", 3),
                ("json", 4),
                ("time", 5),
                ("bytes", 6),
            )
        }
        ids["sleep"] = journal.add("sleep", {"quality": 6}, T0).id
    sql(db_path, "UPDATE entries SET values_json = '{not json' WHERE id = ?", ids["json"])
    sql(db_path, "UPDATE entries SET at_utc = 'garbage' WHERE id = ?", ids["time"])
    sql(
        db_path,
        "UPDATE entries SET values_json = CAST(x'7b22ff22' AS TEXT) WHERE id = ?",
        ids["bytes"],
    )
    sql(db_path, "UPDATE entries SET values_json = '{}' WHERE id = ?", ids["sleep"])
    return ids


def test_damaged_entries_are_skipped_and_remembered(db_path: Path, damaged: dict[str, str]) -> None:
    with Journal.open(db_path) as journal:
        found = [e.id for e in journal.entries()]
        assert found == [damaged["good1"], damaged["good2"], damaged["good3"]]
        bad = dict(journal.damaged)
        assert set(bad) == {damaged[k] for k in ("json", "time", "bytes", "sleep")}
        assert "not valid JSON" in bad[damaged["json"]]
        assert "time 'garbage'" in bad[damaged["time"]]
        assert "UTF-8" in bad[damaged["bytes"]]
        assert "without 'quality'" in bad[damaged["sleep"]]
        assert journal.count() == 7  # nothing is deleted or hidden from the file
        document = journal.export_json()
        assert [e["id"] for e in document["entries"]] == found
        assert journal.export_csv().count("\nentry,") == 3
        with pytest.raises(DamagedEntryError, match="is damaged"):
            journal.get(damaged["json"])
        with pytest.raises(DamagedEntryError):
            journal.edit(damaged["sleep"], values={"quality": 5})
        journal.delete(damaged["json"])  # a damaged row can be deleted
        assert journal.count() == 6
        assert damaged["json"] not in dict(journal.damaged)


def test_a_damaged_latest_plan_fails_closed(db_path: Path) -> None:
    with Journal.open(db_path) as journal:
        journal.save_plan(PROFILE, real_plan(PROFILE), T0 - timedelta(days=3))
        journal.save_plan(CKD, real_plan(CKD), T0 - timedelta(days=1))  # do_not_start
    sql(db_path, "UPDATE plans SET plan_json = '{' WHERE version = 2")
    with Journal.open(db_path) as journal:
        # the older, less safe plan (start) is not resurrected
        with pytest.raises(DamagedPlanError, match="run 'magnerve journal start PROFILE'"):
            journal.current_plan()
        assert [p.version for p in journal.plans()] == [1]
        assert "plan version 2" in dict(journal.damaged)
        assert [p["version"] for p in journal.export_json()["plans"]] == [1]
        # making the plan again replaces it as current, even with the same profile
        again = journal.save_plan(CKD, real_plan(CKD), T0)
        assert again.version == 3
        current = journal.current_plan()
        assert current is not None
        assert current.plan["status"] == "do_not_start"


def test_an_unreadable_plan_time_counts_as_newest(db_path: Path) -> None:
    with Journal.open(db_path) as journal:
        journal.save_plan(PROFILE, real_plan(PROFILE), T0 - timedelta(days=3))
        journal.save_plan(CKD, real_plan(CKD), T0 - timedelta(days=1))
    sql(db_path, "UPDATE plans SET created_utc = '0000' WHERE version = 2")
    with Journal.open(db_path) as journal, pytest.raises(DamagedPlanError):
        journal.current_plan()


def test_an_older_damaged_plan_does_not_block_the_current_one(db_path: Path) -> None:
    with Journal.open(db_path) as journal:
        journal.save_plan(CKD, real_plan(CKD), T0 - timedelta(days=3))
        journal.save_plan(PROFILE, real_plan(PROFILE), T0 - timedelta(days=1))
    sql(db_path, "UPDATE plans SET profile_json = '[' WHERE version = 1")
    with Journal.open(db_path) as journal:
        current = journal.current_plan()
        assert current is not None
        assert current.version == 2
        assert [p.version for p in journal.plans()] == [2]


def test_a_junk_stored_plan_shape_is_damaged(db_path: Path) -> None:
    with Journal.open(db_path) as journal:
        journal.save_plan(PROFILE, real_plan(PROFILE), T0)
    junk = json.dumps({"status": "start", "titration": "lots", "schedule": 5})
    sql(db_path, "UPDATE plans SET plan_json = ?", junk)
    with Journal.open(db_path) as journal, pytest.raises(DamagedPlanError, match="titration"):
        journal.current_plan()


def test_save_plan_refuses_a_plan_readers_could_not_use(journal: Journal) -> None:
    with pytest.raises(InputError, match=r"plan\.titration"):
        journal.save_plan(PROFILE, {"status": "start", "titration": "lots"}, T0)
    assert journal.plans() == []


# --- B, E/F: opening -----------------------------------------------------------------------------


def test_create_false_refuses_a_missing_journal_and_makes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "journal.sqlite3"
    with pytest.raises(JournalError, match=r"There is no journal at .*check --db"):
        Journal.open(target, create=False)
    assert not target.parent.exists()


def test_a_name_too_long_is_a_journal_error(tmp_path: Path) -> None:
    with pytest.raises(JournalError) as caught:
        Journal.open(tmp_path / ("a" * 5000))
    message = str(caught.value)
    assert "File name too long" in message
    assert len(message) < 300  # the path is shortened


def test_a_nul_character_in_the_path_is_a_journal_error(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="Cannot open the journal"):
        Journal.open(str(tmp_path / "a\x00b"))


def test_a_read_only_directory_is_named(
    tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Journal.open(db_path).close()
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if Path(path) == db_path.parent and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(JournalError, match="that holds the journal is not writable"):
        Journal.open(db_path)
    with pytest.raises(JournalError, match="is not writable"):
        Journal.open(tmp_path / "new.sqlite3")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_a_really_read_only_directory(tmp_path: Path) -> None:  # pragma: no cover - non-root
    folder = tmp_path / "ro"
    folder.mkdir()
    Journal.open(folder / "j.sqlite3").close()
    folder.chmod(0o500)
    try:
        with pytest.raises(JournalError, match="not writable"):
            Journal.open(folder / "j.sqlite3")
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize(
    ("limit", "offset"),
    [(-1, 0), (10_000_001, 0), (10**30, 0), (None, -1), (None, 2**64), (True, 0)],
)
def test_limit_and_offset_are_checked(journal: Journal, limit: Any, offset: Any) -> None:
    with pytest.raises(InputError):
        journal.entries(limit=limit, offset=offset)


# --- A2: imported plans --------------------------------------------------------------------------


def test_a_junk_plan_is_a_bad_row_and_the_rest_imports(journal: Journal) -> None:
    junk = {"status": "start", "titration": "lots", "schedule": 5}
    report = journal.import_json(export_with_plan({"age": 50, "sex": "female"}, junk))
    assert report.added == 1
    assert report.plans_added == 0
    assert len(report.errors) == 1
    assert "plans[0]" in report.errors[0][1]
    assert journal.plans() == []
    assert journal.current_plan() is None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param({"status": "bogus"}, "'plan.status' must be one of", id="status"),
        pytest.param({"daily_target_mg": "lots"}, "'plan.daily_target_mg'", id="target"),
        pytest.param({"daily_target_mg": -5}, "'plan.daily_target_mg'", id="negative-target"),
        pytest.param(
            {"titration": [{"day": 0, "elemental_mg_per_day": 5, "doses_per_day": 1}]},
            "'plan.titration[0].day'",
            id="day-0",
        ),
        pytest.param({"titration": [5]}, "'plan.titration[0]'", id="step-not-object"),
        pytest.param({"schedule": {}}, "'plan.schedule' must be a list", id="schedule"),
        pytest.param({"reasons": None}, "'plan.reasons' must be a list", id="reasons"),
        pytest.param({"interactions": "x"}, "'plan.interactions'", id="interactions"),
    ],
)
def test_plan_shape_is_the_contract(change: dict[str, Any], fragment: str) -> None:
    plan = {**real_plan(PROFILE), **change}
    with pytest.raises(InputError, match=fragment.replace("[", "\\[").replace("]", "\\]")):
        check_plan_shape(plan)


def test_a_plan_less_safe_than_planning_again_is_refused(journal: Journal) -> None:
    unsafe = {**real_plan(CKD), "status": "start"}  # a stop rule says do_not_start
    report = journal.import_json(export_with_plan(CKD, unsafe))
    assert report.plans_added == 0
    message = report.errors[0][1]
    assert "less cautious than 'do_not_start'" in message
    assert "must never make a plan less safe" in message
    assert "magnerve journal start" in message
    assert journal.current_plan() is None


def test_a_plan_with_a_higher_target_is_refused(journal: Journal) -> None:
    plan = real_plan(PROFILE)
    report = journal.import_json(
        export_with_plan(PROFILE, {**plan, "daily_target_mg": plan["daily_target_mg"] + 1})
    )
    assert report.plans_added == 0
    assert "higher than" in report.errors[0][1]


def test_a_plan_with_an_unreadable_profile_is_refused(journal: Journal) -> None:
    report = journal.import_json(export_with_plan({"age": 500}, real_plan(PROFILE)))
    assert report.plans_added == 0
    assert "profile cannot be read" in report.errors[0][1]


def test_a_more_cautious_plan_imports(journal: Journal) -> None:
    plan = {**real_plan(PROFILE), "status": "do_not_start", "daily_target_mg": 0}
    report = journal.import_json(export_with_plan(PROFILE, plan))
    assert (report.plans_added, report.errors) == (1, [])
    current = journal.current_plan()
    assert current is not None
    assert current.plan["status"] == "do_not_start"


def test_invalid_unicode_in_an_imported_plan_is_a_bad_row(journal: Journal) -> None:
    plan = {**real_plan(PROFILE), "disclaimer": "\ud800"}
    report = journal.import_json(export_with_plan(PROFILE, plan))
    assert report.plans_added == 0
    assert "not valid UTF-8" in report.errors[0][1]


# --- A3, B, E/F: imported entries ----------------------------------------------------------------


def test_an_out_of_range_row_is_skipped_and_the_good_rows_import(journal: Journal) -> None:
    csv_text = (
        "kind,at,values\n"
        'pain,2024-03-12T08:00,"{""score"": 3}"\n'
        'pain,1800-01-01T08:00,"{""score"": 3}"\n'
        'pain,2024-03-12T09:00,"{""score"": 4}"\n'
        'pain,1900-01-01T00:00+05:00,"{""score"": 5}"\n'
    )
    report = journal.import_csv(csv_text)
    assert report.added == 2
    assert [line for line, _ in report.errors] == [3, 5]
    assert "1900 and 9998" in report.errors[0][1]


def test_future_rows_are_bad_rows(journal: Journal) -> None:
    now = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
    rows = [
        {"kind": "pain", "at": "2024-03-12T12:04:00Z", "values": {"score": 1}},  # within slack
        {"kind": "pain", "at": "2024-03-12T12:06:00Z", "values": {"score": 2}},
        {"kind": "pain", "at": "2099-01-01T00:00:00Z", "values": {"score": 3}},
    ]
    report = journal.import_json(rows, now=now)
    assert report.added == 1
    assert len(report.errors) == 2
    assert all("not in the future" in message for _, message in report.errors)
    plan_doc = export_with_plan(PROFILE, real_plan(PROFILE))
    plan_doc["plans"][0]["created_at"] = "2099-01-01T00:00:00Z"
    plan_doc["entries"] = []
    report = journal.import_json(plan_doc, now=now)
    assert report.plans_added == 0
    assert "not in the future" in report.errors[0][1]


def test_invalid_unicode_and_control_characters_in_imported_entries(journal: Journal) -> None:
    text = json.dumps(
        [
            {"kind": "note", "at": "2024-03-12T08:00:00Z", "values": {"text": "\ud800"}},
            {"kind": "med", "at": "2024-03-12T08:00:00Z", "values": {"name": "\u0007"}},
            {"kind": "note", "at": "2024-03-12T08:00:00Z", "values": {"text": "fine"}},
        ]
    )
    report = journal.import_json(text)
    assert report.added == 1
    assert len(report.errors) == 2
    assert journal.import_json(b'[{"kind": "note"}]').added == 0
    with pytest.raises(InputError, match="not UTF-8"):
        journal.import_json(b"\xff[]")


# --- A5: import speed ----------------------------------------------------------------------------


def test_many_entries_at_one_time_import_in_linear_time(tmp_path: Path) -> None:
    """20,000 rows at one timestamp took 121 s with one query per row; now one pass."""
    rows = ["kind,at,values"] + [
        f'pain,2024-03-12T08:00:00-04:00,"{{""score"": {i % 11}}}"' for i in range(20_000)
    ]
    text = "\n".join(rows) + "\n"
    with Journal.open(tmp_path / "big.sqlite3") as journal:
        started = time.monotonic()
        first = journal.import_csv(text)
        again = journal.import_csv(text)
        elapsed = time.monotonic() - started
        assert (first.added, first.duplicates) == (20_000, 0)
        assert (again.added, again.duplicates) == (0, 20_000)
        assert journal.count() == 20_000
    assert elapsed < 30


def test_duplicate_matching_is_one_to_one_across_ids_and_content(journal: Journal) -> None:
    first = journal.add("pain", {"score": 4}, T0)
    journal.add("pain", {"score": 4}, T0)
    rows = [
        {"id": first.id, "kind": "pain", "at": T0.isoformat(), "values": {"score": 4}},
        {"kind": "pain", "at": T0.isoformat(), "values": {"score": 4}},
        {"kind": "pain", "at": T0.isoformat(), "values": {"score": 4}},
        {"id": "new-1", "kind": "pain", "at": T0.isoformat(), "values": {"score": 5}},
        {"id": "new-1", "kind": "pain", "at": T0.isoformat(), "values": {"score": 5}},
        {"id": "new-1", "kind": "pain", "at": T0.isoformat(), "values": {"score": 6}},
    ]
    report = journal.import_json(rows)
    # first.id by id; the other stored one by content; one new; new-1 once, then a
    # duplicate of itself, then a conflict
    assert (report.added, report.duplicates, len(report.conflicts)) == (2, 3, 1)
    assert journal.count() == 4
