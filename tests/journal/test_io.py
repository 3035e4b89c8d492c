"""Export and import: lossless round trips, idempotent merges, bad rows by line."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from magnerve.errors import InputError
from magnerve.journal import Journal

from .conftest import NEW_YORK

T0 = datetime(2024, 3, 9, 21, 0, tzinfo=NEW_YORK)  # EST, the day before the change


def real_plan(profile: dict[str, Any]) -> dict[str, Any]:
    """The plan magnerve makes for ``profile`` (imports refuse anything else: A2)."""
    from magnerve.core.profile import parse_profile
    from magnerve.knowledge import load_knowledge
    from magnerve.planning import make_plan

    knowledge = load_knowledge()
    return make_plan(parse_profile(profile, knowledge), knowledge).to_dict()


def fill(journal: Journal) -> None:
    """A small journal using every kind, two zones, both sides of a DST change, two plans."""
    journal.save_plan(
        {"age": 60, "sex": "male"},
        real_plan({"age": 60, "sex": "male"}),
        T0 - timedelta(days=2),
    )
    journal.add("dose", {"mg": 200, "form": "glycinate", "product": 'Brand "Calm", 2 caps'}, T0)
    journal.add(
        "pain",
        {
            "score": 6.5,
            "worst": 8,
            "qualities": ["burning", "pins and needles"],
            "location": "both feet",
        },
        T0 + timedelta(hours=12),
    )
    journal.add("gi", {"bristol": 6, "cramps": True}, T0 + timedelta(days=1))
    journal.add("sleep", {"quality": 7}, T0 + timedelta(days=1, hours=1))
    journal.add(
        "note",
        {"text": 'line one\nline two, with "quotes" and ünïcödé ✓\r\n\ttab'},
        T0 + timedelta(days=1, hours=2),
    )
    journal.add(
        "med",
        {"name": "Lasix 40 mg"},
        datetime(2024, 3, 11, 7, 0, tzinfo=timezone(timedelta(hours=9))),
    )
    journal.add("med", {"name": "frobnicol"}, T0 + timedelta(days=2))
    journal.save_plan(
        {"age": 60, "sex": "male", "egfr": 55},
        real_plan({"age": 60, "sex": "male", "egfr": 55}),
        T0 + timedelta(days=3),
    )


@pytest.fixture
def filled(journal: Journal) -> Journal:
    fill(journal)
    return journal


def test_export_json_holds_the_whole_history(filled: Journal) -> None:
    doc = filled.export_json()
    assert doc["format"] == "magnerve.journal"
    assert doc["schema_version"] == 3
    assert len(doc["entries"]) == 7
    assert [p["version"] for p in doc["plans"]] == [1, 2]
    assert doc["entries"][0]["at"] == "2024-03-09T21:00:00-05:00"
    assert set(doc["entries"][0]) == {"id", "kind", "at", "values"}
    assert json.loads(json.dumps(doc)) == doc  # JSON-ready as is
    assert filled.export_json() == doc  # deterministic


@pytest.mark.parametrize("fmt", ["json", "json-text", "csv"])
def test_export_then_import_into_an_empty_journal_is_identical(
    filled: Journal, tmp_path: Path, fmt: str
) -> None:
    original = filled.export_json()
    with Journal.open(tmp_path / "copy.sqlite3") as copy:
        if fmt == "json":
            report = copy.import_json(original)
        elif fmt == "json-text":
            report = copy.import_json(json.dumps(original, indent=2, ensure_ascii=False))
        else:
            report = copy.import_csv(filled.export_csv())
        assert report.errors == []
        assert report.conflicts == []
        assert (report.added, report.plans_added, report.duplicates) == (9, 2, 0)
        assert copy.export_json() == original
        assert copy.export_csv() == filled.export_csv()
        assert [e.at.utcoffset() for e in copy.entries()] == [
            e.at.utcoffset() for e in filled.entries()
        ]
        assert copy.current_plan() == filled.current_plan()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_is_idempotent(filled: Journal, fmt: str) -> None:
    before = filled.export_json()
    data: Any = before if fmt == "json" else filled.export_csv()
    for _ in range(2):
        report = filled.import_json(data) if fmt == "json" else filled.import_csv(data)
        assert (report.added, report.duplicates, report.errors) == (0, 9, [])
    assert filled.export_json() == before


def test_same_content_with_another_id_is_a_duplicate(filled: Journal) -> None:
    """A hand-made or re-exported row without our id still matches kind + time + values."""
    doc = filled.export_json()
    for entry in doc["entries"]:
        entry["id"] = "other-" + entry["id"][:8]
    report = filled.import_json(doc)
    assert (report.added, report.duplicates) == (0, 9)


def test_same_id_with_other_content_keeps_the_stored_entry(filled: Journal) -> None:
    doc = filled.export_json()
    doc["entries"][0]["values"]["mg"] = 999
    report = filled.import_json(doc)
    assert report.added == 0
    assert report.errors == []
    assert len(report.conflicts) == 1
    assert "kept the stored one" in report.conflicts[0][1]
    assert filled.get(doc["entries"][0]["id"]).values["mg"] == 200.0


def test_merge_adds_only_new_rows(filled: Journal, tmp_path: Path) -> None:
    with Journal.open(tmp_path / "phone.sqlite3") as phone:
        phone.import_json(filled.export_json())
        phone.add("pain", {"score": 3}, T0 + timedelta(days=4))
        older = {"age": 61, "sex": "male"}
        phone.save_plan(older, real_plan(older), T0 + timedelta(days=5))
        report = filled.import_json(phone.export_json())
    assert (report.added, report.plans_added, report.duplicates) == (2, 1, 9)
    assert filled.count() == 8
    assert [p.version for p in filled.plans()] == [1, 2, 3]
    assert filled.current_plan() is not None
    assert filled.current_plan().profile == {"age": 61, "sex": "male"}  # type: ignore[union-attr]


CSV_WITH_BAD_ROWS = """record,id,kind,at,values
entry,,pain,2024-03-12T08:00-04:00,"{""score"": 4}"
entry,,pain,2024-03-12T09:00-04:00,"{""score"": 14}"
entry,,dose,not-a-time,"{""mg"": 100}"
entry,,sleeep,2024-03-12T07:00,"{""quality"": 5}"
entry,,note,2024-03-12T10:00,{not json
entry,,gi,2024-03-12T11:00,"{""bristol"": 5}",extra

entry,,note,2024-03-12T12:00,"{""text"": ""multi
line cell""}"
entry,,gi,2024-03-12T13:00,"{}"
banana,,note,2024-03-12T14:00,"{""text"": ""x""}"
entry,,sleep,2024-03-12T07:30,"{""quality"": 6}"
"""


def test_bad_csv_rows_are_reported_by_line_and_the_rest_imported(filled: Journal) -> None:
    stored = filled.export_json()
    report = filled.import_csv(CSV_WITH_BAD_ROWS)
    lines = [line for line, _ in report.errors]
    assert lines == [3, 4, 5, 6, 7, 11, 12]
    messages = dict(report.errors)
    assert "'score' must be a pain score from 0 to 10 (got 14)" in messages[3]
    assert "'at'" in messages[4]
    assert "Did you mean 'sleep'" in messages[5]
    assert "'values' must be a JSON object" in messages[6]
    assert "expected 5 columns" in messages[7]
    assert "needs a Bristol" in messages[11]
    assert "'record'" in messages[12]
    assert report.added == 3  # line 2, the multi-line note (lines 9-10), line 13
    after = filled.export_json()
    assert [
        e for e in after["entries"] if e["id"] in {x["id"] for x in stored["entries"]}
    ] == stored["entries"]  # nothing stored is lost
    assert after["plans"] == stored["plans"]
    notes = [e for e in filled.entries(kinds=["note"]) if "multi" in e.values["text"]]
    assert notes[0].values["text"] == "multi\nline cell"
    # hand-written rows without an offset are local (New York) time
    assert filled.entries(kinds=["sleep"])[-1].at.isoformat() == "2024-03-12T07:30:00-04:00"


def test_bad_json_rows_are_reported_by_their_line(journal: Journal) -> None:
    text = """{
  "format": "magnerve.journal",
  "entries": [
    {"kind": "pain", "at": "2024-03-12T08:00:00-04:00", "values": {"score": 4}},
    {"kind": "pain",
     "at": "2024-03-12T09:00:00-04:00",
     "values": {"score": -1}},
    "not an object",
    {"kind": "dose", "at": "2024-03-12T10:00:00", "values": {"mg": 100}, "colour": "red"},
    {"id": "has spaces", "kind": "note", "at": "2024-03-12T10:00:00", "values": {"text": "x"}}
  ],
  "plans": [
    {"version": 1, "created_at": "2024-03-01T00:00:00Z", "profile": {}, "plan": {}},
    {"version": 0, "created_at": "2024-03-01T00:00:00Z", "profile": {}, "plan": {}}
  ]
}
"""
    report = journal.import_json(text)
    assert [line for line, _ in report.errors] == [5, 8, 9, 10, 13, 14]
    assert "'score'" in report.errors[0][1]
    assert "expected an entry" in report.errors[1][1]
    assert "'colour' is not a field of an entry" in report.errors[2][1]
    assert "'id'" in report.errors[3][1]
    assert "'plan.status'" in report.errors[4][1]  # an empty plan is not a plan
    assert "'version'" in report.errors[5][1]
    assert (report.added, report.plans_added) == (1, 0)


def test_a_list_of_entries_imports(journal: Journal, tmp_path: Path) -> None:
    """What ``journal list --format json`` prints can be imported elsewhere."""
    journal.add("pain", {"score": 2}, T0)
    listed = json.dumps([e.to_dict() for e in journal.entries()])
    with Journal.open(tmp_path / "other.sqlite3") as other:
        assert other.import_json(listed).added == 1
        assert other.entries() == journal.entries()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("{", "Not valid JSON at line 1", id="truncated"),
        pytest.param("42", "journal export", id="number"),
        pytest.param('{"format": "something.else", "entries": []}', "'format'", id="format"),
        pytest.param('{"format_version": 9, "entries": []}', "newer magnerve", id="newer"),
        pytest.param('{"hello": 1}', "journal export", id="no-entries"),
        pytest.param('{"entries": {}}', "'entries' must be a list", id="entries-object"),
        pytest.param("[" * 100000, "nested too deeply", id="deep"),
        pytest.param('{"entries": [' + "1" * 5000 + "]}", "Not valid JSON", id="huge-number"),
    ],
)
def test_a_file_that_is_not_an_export_imports_nothing(
    journal: Journal, text: str, match: str
) -> None:
    journal.add("note", {"text": "kept"}, T0)
    with pytest.raises(InputError, match=match):
        journal.import_json(text)
    assert journal.count() == 1


@pytest.mark.parametrize(
    "text",
    ["", "id,kind,at\n", "kind,at,values,colour\n", "kind,kind,at,values\n"],
)
def test_csv_without_the_right_header_imports_nothing(journal: Journal, text: str) -> None:
    with pytest.raises(InputError):
        journal.import_csv(text)


def test_csv_is_spreadsheet_readable(filled: Journal) -> None:
    rows = list(csv.DictReader(io.StringIO(filled.export_csv())))
    assert [r["record"] for r in rows] == ["entry"] * 7 + ["plan"] * 2
    assert rows[0]["kind"] == "dose"
    assert rows[0]["at"] == "2024-03-09T21:00:00-05:00"
    assert json.loads(rows[0]["values"])["mg"] == 200.0
    assert rows[-1]["id"] == "2"


def test_minimal_hand_written_csv(journal: Journal) -> None:
    report = journal.import_csv('kind,at,values\npain,2024-03-12 08:00,"{""score"": 3}"\n')
    assert (report.added, report.errors) == (1, [])
    assert journal.entries()[0].at.isoformat() == "2024-03-12T08:00:00-04:00"


def test_identical_entries_survive_a_round_trip(journal: Journal, tmp_path: Path) -> None:
    """Two capsules logged separately at the same minute are two doses, not one."""
    for _ in range(2):
        journal.add("dose", {"mg": 100}, T0)
    doc, csv_text = journal.export_json(), journal.export_csv()
    for importer in ("json", "csv"):
        with Journal.open(tmp_path / f"{importer}.sqlite3") as copy:
            first = copy.import_json(doc) if importer == "json" else copy.import_csv(csv_text)
            assert first.added == 2
            again = copy.import_json(doc) if importer == "json" else copy.import_csv(csv_text)
            assert (again.added, again.duplicates) == (0, 2)
            assert copy.export_json() == doc


def test_id_less_rows_match_stored_entries_one_to_one(journal: Journal) -> None:
    journal.add("dose", {"mg": 100}, T0)
    rows = "kind,at,values\n" + 'dose,2024-03-09T21:00:00-05:00,"{""mg"": 100}"\n' * 3
    report = journal.import_csv(rows)
    assert (report.added, report.duplicates) == (2, 1)
    assert journal.count() == 3
    assert journal.import_csv(rows).added == 0
