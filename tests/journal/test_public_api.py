"""The journal's public face: what review, report and the web app build on."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone

import magnerve.journal as journal_pkg
from magnerve.core.entries import Entry
from magnerve.journal import Journal
from magnerve.journal.summary import describe_entry, format_stamp, summarize


def test_all_names_exist() -> None:
    for name in journal_pkg.__all__:
        assert hasattr(journal_pkg, name), name


def test_journal_has_the_agreed_methods() -> None:
    expected = {
        "open",
        "close",
        "add",
        "get",
        "entries",
        "count",
        "edit",
        "delete",
        "save_plan",
        "current_plan",
        "plans",
        "export_json",
        "export_csv",
        "import_json",
        "import_csv",
    }
    assert expected <= {name for name, _ in inspect.getmembers(Journal)}
    params = inspect.signature(Journal.entries).parameters
    assert {"kinds", "since", "until", "limit", "offset"} <= set(params)
    assert all(params[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("kinds", "limit"))


def test_summaries_are_plain_one_liners() -> None:
    at = datetime(2024, 3, 12, 8, 30, tzinfo=timezone(timedelta(hours=5, minutes=45, seconds=30)))
    assert format_stamp(at) == "2024-03-12 08:30 +05:45:30"
    pain = Entry(
        "x", "pain", at, {"score": 6.0, "worst": 8.0, "qualities": ["burning"], "location": "feet"}
    )
    assert describe_entry(pain) == "pain 6/10 (worst 8) burning; feet"
    assert (
        summarize(pain) == "pain at 2024-03-12 08:30 +05:45:30: pain 6/10 (worst 8) burning; feet"
    )
    med = Entry("y", "med", at, {"name": "frobnicol", "drug": None, "drugs": []})
    assert "not recognised" in describe_entry(med)
    note = Entry("z", "note", at, {"text": "a\nb " + "x" * 100})
    assert "\n" not in describe_entry(note)
    assert describe_entry(note).endswith("...")
