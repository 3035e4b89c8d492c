"""Schema migrations: files written by every earlier release upgrade in place.

Each earlier schema is rebuilt here from the DDL that release shipped (copied, never
imported, so a later edit to a released migration cannot make these tests pass by
accident), filled with entries, and then opened with today's code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from magnerve.errors import JournalError
from magnerve.journal import MIGRATIONS, Journal
from magnerve.journal.migrations import Migrations

LEDGER = """CREATE TABLE _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                      applied_utc TEXT NOT NULL)"""

V1 = [
    LEDGER,
    "CREATE TABLE entries (id TEXT PRIMARY KEY, kind TEXT NOT NULL, at TEXT NOT NULL, "
    "values_json TEXT NOT NULL)",
    "CREATE INDEX entries_at ON entries (at)",
    "INSERT INTO _migrations VALUES (1, 'entries', '2023-01-01T00:00:00.000000Z')",
]
V2 = [
    LEDGER,
    "CREATE TABLE entries (id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('dose', "
    "'pain', 'gi', 'sleep', 'note', 'med')), at_utc TEXT NOT NULL, utc_offset_s INTEGER NOT "
    "NULL, values_json TEXT NOT NULL)",
    "CREATE INDEX entries_time ON entries (at_utc, id)",
    "CREATE INDEX entries_kind_time ON entries (kind, at_utc, id)",
    "INSERT INTO _migrations VALUES (1, 'entries', '2023-01-01T00:00:00.000000Z')",
    "INSERT INTO _migrations VALUES (2, 'entries_utc_and_offset', '2023-06-01T00:00:00.000000Z')",
]

#: (id, kind, logged time as the person saw it, values JSON): deliberately in three zones,
#: so v1's text order (wrong) differs from time order (right).
ROWS = [
    ("a1", "dose", "2023-05-01T08:00:00-04:00", '{"mg":200.0,"form":"glycinate","product":null}'),
    (
        "b2",
        "pain",
        "2023-05-01T07:00:00-08:00",
        '{"score":6.0,"worst":null,"qualities":["burning"],"location":null}',
    ),
    ("c3", "note", "2023-05-01T09:00:00+09:00", '{"text":"in Tokyo"}'),
    (
        "d4",
        "med",
        "2023-05-02T07:00:00-04:00",
        '{"name":"Lasix","drug":"furosemide","drugs":["furosemide"]}',
    ),
]
TIME_ORDER = ["c3", "a1", "b2", "d4"]


def _utc(text: str) -> tuple[str, int]:
    at = datetime.fromisoformat(text)
    offset = at.utcoffset()
    assert offset is not None
    u = at.astimezone(UTC)
    return u.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), int(offset.total_seconds())


def build_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    for sql in V1:
        conn.execute(sql)
    conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?)", ROWS)
    conn.commit()
    conn.close()


def build_v2(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for sql in V2:
        conn.execute(sql)
    conn.executemany(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?)", [(i, k, *_utc(at), v) for i, k, at, v in ROWS]
    )
    conn.commit()
    conn.close()


BUILDERS: dict[int, Callable[[Path], None]] = {1: build_v1, 2: build_v2}


def test_every_earlier_version_has_a_builder() -> None:
    """Adding migration N must come with a test file for version N-1."""
    assert MIGRATIONS.latest == 3
    assert sorted(BUILDERS) == list(range(1, MIGRATIONS.latest))


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_upgrade_in_place_keeps_every_entry_and_offset(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.sqlite3"
    BUILDERS[version](path)
    with Journal.open(path) as journal:
        assert journal.schema_version == MIGRATIONS.latest
        entries = journal.entries()
        assert [e.id for e in entries] == TIME_ORDER
        by_id = {e.id: e for e in entries}
        for entry_id, kind, at, _values in ROWS:
            assert by_id[entry_id].kind == kind
            assert by_id[entry_id].at.isoformat() == at  # same instant, same offset
        assert by_id["a1"].values == {"mg": 200.0, "form": "glycinate", "product": None}
        assert by_id["d4"].values["drug"] == "furosemide"
        # the upgraded file works like a new one: plans, adds, time windows
        assert journal.current_plan() is None
        plan = journal.save_plan({"age": 50}, {"status": "start"}, entries[-1].at)
        assert plan.version == 1
        journal.add("sleep", {"quality": 6}, entries[-1].at + timedelta(hours=1))
        assert journal.count(since=datetime(2023, 5, 1, 12, tzinfo=UTC)) == 4
        assert journal.integrity_check() == ["ok"]
        ledger = journal._conn.execute(
            "SELECT version, name FROM _migrations ORDER BY version"
        ).fetchall()
    assert ledger == [(step.version, step.name) for step in MIGRATIONS]
    # opening again runs nothing new
    with Journal.open(path) as journal:
        assert journal.count() == len(ROWS) + 1


def test_new_file_gets_every_migration(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "new.sqlite3") as journal:
        assert journal.schema_version == MIGRATIONS.latest
        assert journal.count() == 0


def test_a_failed_upgrade_changes_nothing(tmp_path: Path) -> None:
    """One transaction: a v1 file with a bad row stays exactly a v1 file."""
    path = tmp_path / "v1.sqlite3"
    build_v1(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO entries VALUES ('zz', 'note', 'not a time', '{\"text\":\"x\"}')")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="not a time"):
        Journal.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(version) FROM _migrations").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM entries").fetchone() == (5,)
    conn.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Journal.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _migrations VALUES (99, 'from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="newer than this magnerve"):
        Journal.open(path)


def test_registry_refuses_gaps_and_duplicates() -> None:
    registry: Migrations[object] = Migrations("test")

    @registry(1)
    def _first(conn: object) -> None:
        """First."""

    with pytest.raises(ValueError, match="already registered"):
        registry(1)(_first)

    @registry(3, "third")
    def _third(conn: object) -> None:
        """Third."""

    with pytest.raises(ValueError, match="no gaps"):
        _ = registry.latest
    with pytest.raises(ValueError, match="start at 1"):
        registry(0)
    good: Migrations[object] = Migrations("good")
    good(2, "two")(_third)
    good(1)(_first)
    assert [step.name for step in good.pending(0)] == ["first", "two"]
    assert [step.version for step in good.pending(1)] == [2]
    assert good.pending(2) == []
