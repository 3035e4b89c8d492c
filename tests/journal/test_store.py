"""The journal store: add/get/list/edit/delete, plans, files, permissions, settings."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from magnerve.errors import InputError, JournalError
from magnerve.journal import (
    DB_ENV,
    Entry,
    EntryNotFoundError,
    Journal,
    open_journal,
    resolve_db_path,
)

from .conftest import NEW_YORK

T0 = datetime(2024, 3, 12, 8, 0, tzinfo=NEW_YORK)


def test_add_returns_the_stored_entry_and_get_reads_it_back(journal: Journal) -> None:
    entry = journal.add("dose", {"mg": 200, "form": "glycinate"}, T0)
    assert isinstance(entry, Entry)
    assert len(entry.id) == 32
    assert entry.values == {"mg": 200.0, "form": "glycinate", "product": None}
    assert entry.at == T0
    assert entry.at.utcoffset() == timedelta(hours=-4)
    assert journal.get(entry.id) == entry


def test_values_are_completed_to_the_documented_shape(journal: Journal) -> None:
    """Every key of a kind is present, so readers (the review) index instead of guessing."""
    assert journal.add("pain", {"score": 5}, T0).values == {
        "score": 5.0,
        "worst": None,
        "qualities": [],
        "location": None,
    }
    assert journal.add("gi", {"nausea": True}, T0).values == {
        "bristol": None,
        "diarrhea": False,
        "nausea": True,
        "cramps": False,
    }
    assert journal.add("sleep", {"quality": 7}, T0).values == {"quality": 7.0}
    assert journal.add("note", {"text": "  as typed  "}, T0).values == {"text": "  as typed  "}


def test_med_entries_store_the_generic_when_recognised(journal: Journal) -> None:
    lasix = journal.add("med", {"name": "Lasix 40 mg"}, T0)
    assert lasix.values == {"name": "Lasix 40 mg", "drug": "furosemide", "drugs": ["furosemide"]}
    unknown = journal.add("med", {"name": "frobnicol"}, T0)
    assert unknown.values == {"name": "frobnicol", "drug": None, "drugs": []}


def test_ids_are_unique(journal: Journal) -> None:
    ids = {journal.add("sleep", {"quality": 5}, T0).id for _ in range(200)}
    assert len(ids) == 200


def test_entries_are_ordered_by_instant_not_by_local_text(journal: Journal) -> None:
    """07:00 on the 12th in Tokyo happened before 23:00 on the 11th in UTC."""
    tokyo = journal.add(
        "note", {"text": "tokyo"}, datetime(2024, 3, 12, 7, 0, tzinfo=timezone(timedelta(hours=9)))
    )
    ny = journal.add("note", {"text": "ny"}, T0)
    utc = journal.add("note", {"text": "utc"}, datetime(2024, 3, 11, 23, 0, tzinfo=UTC))
    assert [e.id for e in journal.entries()] == [tokyo.id, utc.id, ny.id]
    # and each comes back in the offset it was logged in
    assert [e.at.isoformat() for e in journal.entries()] == [
        "2024-03-12T07:00:00+09:00",
        "2024-03-11T23:00:00+00:00",
        "2024-03-12T08:00:00-04:00",
    ]


def test_ties_in_time_are_ordered_by_id(journal: Journal) -> None:
    added = [journal.add("note", {"text": str(i)}, T0).id for i in range(20)]
    assert [e.id for e in journal.entries()] == sorted(added)


def test_filters_by_kind_and_time_window(journal: Journal) -> None:
    for day in range(10):
        at = T0 + timedelta(days=day)
        journal.add("dose", {"mg": 100}, at)
        journal.add("pain", {"score": day % 11}, at)
    assert journal.count() == 20
    assert journal.count(kinds=["pain"]) == 10
    assert journal.count(kinds=["pain", "dose"]) == 20
    assert journal.count(kinds=[]) == 0
    week = journal.entries(
        kinds=["pain"], since=T0 + timedelta(days=3), until=T0 + timedelta(days=7)
    )
    assert [e.values["score"] for e in week] == [3, 4, 5, 6]  # since inclusive, until not
    assert journal.count(since=T0 + timedelta(days=3), until=T0 + timedelta(days=7)) == 8


def test_limit_offset_and_newest_first(journal: Journal) -> None:
    for i in range(10):
        journal.add("sleep", {"quality": i}, T0 + timedelta(hours=i))
    quality = [e.values["quality"] for e in journal.entries(limit=3, offset=2)]
    assert quality == [2, 3, 4]
    assert [e.values["quality"] for e in journal.entries(limit=2, newest_first=True)] == [9, 8]
    with pytest.raises(InputError):
        journal.entries(limit=-1)


def test_unknown_kind_filter_suggests_the_nearest(journal: Journal) -> None:
    with pytest.raises(InputError, match="Did you mean 'pain'"):
        journal.entries(kinds=["pian"])


def test_naive_times_are_refused(journal: Journal) -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        journal.add("note", {"text": "x"}, datetime(2024, 3, 12, 8, 0))
    with pytest.raises(InputError, match="'since'"):
        journal.entries(since=datetime(2024, 3, 12))


def test_edit_merges_values_and_moves_time(journal: Journal) -> None:
    entry = journal.add("pain", {"score": 6, "qualities": ["burning"]}, T0)
    edited = journal.edit(entry.id, values={"worst": 8})
    assert edited.values == {"score": 6.0, "worst": 8.0, "qualities": ["burning"], "location": None}
    later = T0 + timedelta(hours=2)
    moved = journal.edit(entry.id, at=later)
    assert moved.at == later
    assert moved.values == edited.values
    assert journal.get(entry.id) == moved


def test_edit_validates_like_add_and_changes_nothing_on_error(journal: Journal) -> None:
    entry = journal.add("dose", {"mg": 200}, T0)
    with pytest.raises(InputError, match="'mg'"):
        journal.edit(entry.id, values={"mg": 0})
    assert journal.get(entry.id) == entry


def test_editing_a_medicine_name_resolves_it_again(journal: Journal) -> None:
    entry = journal.add("med", {"name": "frobnicol"}, T0)
    assert journal.edit(entry.id, values={"name": "omeprazole"}).values["drug"] == "omeprazole"


def test_edit_or_delete_of_a_missing_id(journal: Journal) -> None:
    with pytest.raises(EntryNotFoundError) as info:
        journal.edit("nope", values={"mg": 1})
    assert isinstance(info.value, LookupError)
    with pytest.raises(EntryNotFoundError):
        journal.delete("nope")
    with pytest.raises(EntryNotFoundError):
        journal.get("nope")


def test_delete_really_deletes(journal: Journal, db_path: Path) -> None:
    """No soft delete: the text is gone from the file and the WAL, not just hidden."""
    keep = journal.add("note", {"text": "keep me"}, T0)
    secret = journal.add("note", {"text": "SECRET-7f3a-do-not-keep"}, T0)
    journal.delete(secret.id)
    assert journal.entries() == [keep]
    with pytest.raises(EntryNotFoundError):
        journal.get(secret.id)
    journal.close()
    for path in db_path.parent.iterdir():
        assert b"SECRET-7f3a" not in path.read_bytes(), path.name


def test_resolve_id_accepts_a_unique_prefix(journal: Journal) -> None:
    entries = [journal.add("note", {"text": str(i)}, T0) for i in range(20)]
    target = entries[2]
    assert journal.resolve_id(target.id) == target.id
    assert journal.resolve_id(target.id[:12]) == target.id
    with pytest.raises(EntryNotFoundError):
        journal.resolve_id("zzzz")
    # 20 ids over 16 hex digits: at least two share their first character
    firsts = [e.id[0] for e in entries]
    shared = next(c for c in firsts if firsts.count(c) > 1)
    with pytest.raises(InputError, match="More than one"):
        journal.resolve_id(shared)


# --- plans ------------------------------------------------------------------------------------


def test_plan_versions_change_only_when_the_profile_changes(journal: Journal) -> None:
    assert journal.current_plan() is None
    first = journal.save_plan({"age": 50, "sex": "female"}, {"status": "start"}, T0)
    assert first.version == 1
    # same profile, keys in another order: not a new version
    again = journal.save_plan(
        {"sex": "female", "age": 50}, {"status": "start"}, T0 + timedelta(days=1)
    )
    assert again == first
    second = journal.save_plan(
        {"age": 50, "sex": "female", "egfr": 45},
        {"status": "see_clinician_first"},
        T0 + timedelta(days=2),
    )
    assert second.version == 2
    assert journal.current_plan() == second
    # back to the first profile: a new version again, history kept
    third = journal.save_plan(
        {"age": 50, "sex": "female"}, {"status": "start"}, T0 + timedelta(days=3)
    )
    assert third.version == 3
    assert [p.version for p in journal.plans()] == [1, 2, 3]
    assert journal.plans()[1].plan == {"status": "see_clinician_first"}
    assert journal.plans()[0].created_at == T0
    assert journal.plans()[0].created_at.utcoffset() == timedelta(hours=-4)


def test_save_plan_refuses_data_that_is_not_json(journal: Journal) -> None:
    with pytest.raises(InputError):
        journal.save_plan({"age": float("nan")}, {}, T0)
    with pytest.raises(InputError):
        journal.save_plan({"age": 50}, {"x": object()}, T0)


def test_real_plan_round_trips(journal: Journal, plan_for: object) -> None:
    plan = plan_for()  # type: ignore[operator]
    stored = journal.save_plan({"age": 45, "sex": "female", "egfr": 90}, plan, T0)
    assert journal.current_plan() == stored
    assert stored.plan == plan


# --- files, permissions, settings ---------------------------------------------------------


def test_new_journal_is_private(tmp_path: Path) -> None:
    old = os.umask(0)  # even with a permissive umask
    try:
        path = tmp_path / "new" / "deeper" / "journal.sqlite3"
        with Journal.open(path) as journal:
            journal.add("note", {"text": "private"}, T0)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        os.umask(old)
    assert modes["journal.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes  # -wal and -shm too
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


def test_existing_directory_permissions_are_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with Journal.open(tmp_path / "journal.sqlite3"):
        pass
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_a_loose_journal_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal.open(path).close()
    path.chmod(0o644)
    Journal.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_durability_settings(journal: Journal) -> None:
    """WAL, synchronous=FULL (2), a busy timeout and secure_delete, as the docstring says."""
    conn = journal._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_directory_as_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="is a directory"):
        Journal.open(tmp_path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some text, not a database\n" * 100)
    with pytest.raises(JournalError, match="journal"):
        Journal.open(path)
    assert path.read_text().startswith("just some text")


def test_another_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    with pytest.raises(JournalError, match="not a magnerve journal"):
        Journal.open(path)


def test_memory_journal_works_for_previews() -> None:
    with Journal.open(":memory:") as journal:
        journal.add("note", {"text": "x"}, T0)
        assert journal.count() == 1


def test_use_after_close_is_a_journal_error(db_path: Path) -> None:
    journal = Journal.open(db_path)
    journal.close()
    with pytest.raises(JournalError, match="closed"):
        journal.count()


def test_one_journal_shared_by_threads(journal: Journal) -> None:
    """The web app may share one Journal between request threads."""

    def work(n: int) -> None:
        for i in range(25):
            journal.add("note", {"text": f"{n}-{i}"}, T0)
            journal.entries(limit=5, newest_first=True)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert journal.count() == 100
    assert journal.integrity_check() == ["ok"]


# --- where the journal lives ---------------------------------------------------------------


def test_db_path_order_is_flag_then_env_then_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(DB_ENV, raising=False)
    default = resolve_db_path(None)
    assert default.name == "journal.sqlite3"
    assert default.parent.name == "magnerve"
    assert default.is_relative_to(tmp_path / "xdg")
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.sqlite3"))
    assert resolve_db_path(None) == tmp_path / "env.sqlite3"
    assert resolve_db_path("") == tmp_path / "env.sqlite3"
    assert resolve_db_path(str(tmp_path / "flag.sqlite3")) == tmp_path / "flag.sqlite3"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_db_path("~/x.sqlite3") == tmp_path / "x.sqlite3"


def test_open_journal_uses_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DB_ENV, str(tmp_path / "env.sqlite3"))
    with open_journal(None) as journal:
        journal.add("note", {"text": "x"}, T0)
    assert (tmp_path / "env.sqlite3").exists()
