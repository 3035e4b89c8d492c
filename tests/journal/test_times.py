"""Times as people type them, and offsets across daylight-saving changes (New York)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from magnerve.errors import InputError
from magnerve.journal import Journal
from magnerve.journal.times import from_storage, local_now, parse_bound, parse_when, to_storage

from .conftest import NEW_YORK

EST = timedelta(hours=-5)
EDT = timedelta(hours=-4)
#: Sunday 10 March 2024, 15:00 EDT: clocks went from 02:00 EST to 03:00 EDT this morning.
AFTER_SPRING_CHANGE = datetime(2024, 3, 10, 15, 0, tzinfo=NEW_YORK)


def test_storage_round_trips_instant_and_offset() -> None:
    at = datetime(2024, 3, 12, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    text, offset = to_storage(at)
    assert text == "2024-03-12T02:45:15.123456Z"
    assert offset == 20700
    back = from_storage(text, offset)
    assert back == at
    assert back.utcoffset() == at.utcoffset()
    assert back.isoformat() == "2024-03-12T08:30:15.123456+05:45"


def test_storage_text_sorts_as_time() -> None:
    times = [
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=d, seconds=s)
        for d, s in ((0, 0), (1, 5), (365 * 30, 1), (365 * 100, 0))
    ]
    texts = [to_storage(t)[0] for t in times]
    assert texts == sorted(texts)
    assert len({len(t) for t in texts}) == 1


def test_local_now_is_aware_and_local(frozen: object) -> None:
    now = local_now()
    assert now.utcoffset() == EDT
    assert now == datetime(2024, 3, 12, 9, 30, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("now", "2024-03-10T15:00:00-04:00", id="now"),
        pytest.param("08:00", "2024-03-10T08:00:00-04:00", id="today-after-change"),
        pytest.param("01:30", "2024-03-10T01:30:00-05:00", id="today-before-change"),
        pytest.param("yesterday 08:00", "2024-03-09T08:00:00-05:00", id="yesterday-est"),
        pytest.param("Today 9:05", "2024-03-10T09:05:00-04:00", id="today-word"),
        pytest.param("2024-03-09T22:15", "2024-03-09T22:15:00-05:00", id="iso-naive-est"),
        pytest.param("2024-03-10 12:00", "2024-03-10T12:00:00-04:00", id="iso-space"),
        pytest.param("2024-03-10T12:00+09:00", "2024-03-10T12:00:00+09:00", id="iso-offset"),
        pytest.param("2024-03-10T12:00Z", "2024-03-10T12:00:00+00:00", id="iso-z"),
    ],
)
def test_parse_when_uses_the_offset_in_force_at_that_time(text: str, expected: str) -> None:
    with time_machine.travel(AFTER_SPRING_CHANGE, tick=False):
        assert parse_when(text, local_now()).isoformat() == expected


@pytest.mark.parametrize("text", ["", "25:00", "12:60", "tomorrow", "2024-03-10", "8h", "12"])
def test_parse_when_rejects_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_when(text, datetime(2024, 3, 10, 15, tzinfo=NEW_YORK))
    assert info.value.field == "--at"


def test_fall_back_ambiguous_time_takes_the_first_occurrence() -> None:
    """01:30 on 3 Nov 2024 happens twice in New York; the first (EDT) is used."""
    with time_machine.travel(datetime(2024, 11, 3, 12, 0, tzinfo=NEW_YORK), tick=False):
        at = parse_when("01:30", local_now())
    assert at.utcoffset() == EDT
    assert parse_when("2024-11-03T01:30-05:00", local_now()).utcoffset() == EST


def test_parse_bound_dates_cover_whole_local_days() -> None:
    now = datetime(2024, 3, 12, 9, 30, tzinfo=NEW_YORK)
    assert parse_bound("2024-03-10", now, "--since").isoformat() == "2024-03-10T00:00:00-05:00"
    assert (
        parse_bound("2024-03-10", now, "--until", end=True).isoformat()
        == "2024-03-11T00:00:00-04:00"
    )
    assert parse_bound("today", now, "--since").isoformat() == "2024-03-12T00:00:00-04:00"
    assert parse_bound("yesterday", now, "--since").isoformat() == "2024-03-11T00:00:00-04:00"
    assert parse_bound("7d", now, "--since") == now - timedelta(days=7)
    assert (
        parse_bound("2024-03-11T06:00", now, "--until").isoformat() == "2024-03-11T06:00:00-04:00"
    )
    with pytest.raises(InputError, match="--since"):
        parse_bound("last week", now, "--since")
    with pytest.raises(InputError):
        parse_bound("2024-02-30", now, "--since")


def test_daylight_saving_change_keeps_every_offset(tmp_path: Path) -> None:
    """Entries logged either side of the change keep their own offsets and their order."""
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        with time_machine.travel(datetime(2024, 3, 9, 22, 0, tzinfo=NEW_YORK), tick=False):
            before = journal.add("pain", {"score": 6}, local_now())
        with time_machine.travel(AFTER_SPRING_CHANGE, tick=False):
            now = local_now()
            late = journal.add("dose", {"mg": 100}, parse_when("yesterday 23:30", now))
            early = journal.add("dose", {"mg": 100}, parse_when("01:45", now))
            after = journal.add("dose", {"mg": 100}, parse_when("03:15", now))
            listed = journal.entries()
    assert [e.id for e in listed] == [before.id, late.id, early.id, after.id]
    assert [e.at.utcoffset() for e in listed] == [EST, EST, EST, EDT]
    assert [e.at.strftime("%H:%M") for e in listed] == ["22:00", "23:30", "01:45", "03:15"]
    # 01:45 EST and 03:15 EDT are 30 minutes apart, not 90
    assert after.at - early.at == timedelta(minutes=30)
    # the day window of 10 March (local) holds exactly the two early-morning doses
    with Journal.open(tmp_path / "j.sqlite3") as journal:
        day = journal.entries(
            since=parse_bound("2024-03-10", now, "--since"),
            until=parse_bound("2024-03-10", now, "--until", end=True),
        )
    assert [e.id for e in day] == [early.id, after.id]
