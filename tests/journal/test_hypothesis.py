"""Property tests: whatever a person can log comes back exactly (sqlite-utils habit).

Any note text, any in-range number, any time in any UTC offset survives storing, reading,
JSON export/import and CSV export/import unchanged, offset included.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magnerve.journal import Journal

offsets = st.integers(min_value=-14 * 3600 + 1, max_value=14 * 3600 - 1).map(
    lambda s: timezone(timedelta(seconds=s))
)
times = st.builds(
    lambda instant, tz: instant.replace(tzinfo=UTC).astimezone(tz),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)),
    offsets,
)
#: Any text a person can type: everything but control characters (refused: they drive the
#: terminal when printed), except the tab and the line breaks a note may hold.
typed = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r")
notes = st.text(typed, min_size=1, max_size=5000).filter(lambda t: t.strip() != "")
labels = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\t"), min_size=1, max_size=50
)
unit = st.floats(min_value=0, max_value=10, allow_nan=False)
words = st.lists(
    st.from_regex(r"[a-z]{1,12}( [a-z]{1,12})?", fullmatch=True), max_size=5, unique=True
)

kinds_and_values = st.one_of(
    st.tuples(st.just("note"), st.fixed_dictionaries({"text": notes})),
    st.tuples(
        st.just("dose"),
        st.fixed_dictionaries(
            {"mg": st.floats(min_value=0, max_value=5000, exclude_min=True, allow_nan=False)}
        ),
    ),
    st.tuples(
        st.just("pain"),
        st.fixed_dictionaries(
            {"score": unit},
            optional={
                "worst": unit,
                "qualities": words,
                "location": labels,
            },
        ),
    ),
    st.tuples(st.just("sleep"), st.fixed_dictionaries({"quality": unit})),
    st.tuples(
        st.just("gi"),
        st.fixed_dictionaries(
            {"bristol": st.integers(1, 7)},
            optional={"diarrhea": st.booleans(), "nausea": st.booleans()},
        ),
    ),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    with Journal.open(tmp_path_factory.mktemp("hyp") / "journal.sqlite3") as journal:
        yield journal


@settings(max_examples=150)
@given(text=notes, at=times)
def test_any_note_and_time_round_trip(store: Journal, text: str, at: datetime) -> None:
    entry = store.add("note", {"text": text}, at)
    back = store.get(entry.id)
    assert back.values["text"] == text
    assert back.at == at
    assert back.at.utcoffset() == at.utcoffset()
    assert back.at.isoformat() == at.isoformat()


@settings(max_examples=60)
@given(items=st.lists(st.tuples(kinds_and_values, times), min_size=1, max_size=8))
def test_any_journal_survives_json_and_csv_export_import(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[tuple[tuple[str, dict[str, Any]], datetime]],
) -> None:
    path: Path = tmp_path_factory.mktemp("rt") / "journal.sqlite3"
    with Journal.open(path) as original:
        for (kind, values), at in items:
            added = original.add(kind, values, at)
            for key, value in values.items():
                if key == "location":
                    assert added.values[key] == " ".join(value.split()) or None
                elif key != "qualities":
                    assert added.values[key] == value
        document = original.export_json()
        csv_text = original.export_csv()
        listed = original.entries()
    assert listed == sorted(listed, key=lambda e: (e.at, e.id))
    later = datetime(2300, 1, 1, tzinfo=UTC)  # times up to 2200 are not "in the future" here
    for importer in ("json", "csv"):
        with Journal.open(":memory:") as copy:
            report = (
                copy.import_json(document, now=later)
                if importer == "json"
                else copy.import_csv(csv_text, now=later)
            )
            assert report.errors == []
            assert copy.export_json() == document
            assert [e.at.utcoffset() for e in copy.entries()] == [e.at.utcoffset() for e in listed]
