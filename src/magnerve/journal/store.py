"""The journal store: one SQLite file, and every SQL string magnerve uses.

Why these settings:

- **WAL** (write-ahead log): readers never block the writer and the writer never blocks
  readers, so ``magnerve review`` or the web app can read while an entry is being logged.
- **synchronous=FULL**: each commit fsyncs the WAL before ``add`` returns. With WAL,
  NORMAL would already survive a killed process, but not a power cut or an OS crash; the
  journal contract says an entry is durable once the command exits 0, and at a few
  milliseconds per entry a person logging by hand cannot notice the difference.
- **busy_timeout** (5 s) plus ``BEGIN IMMEDIATE`` for every write: two writers queue
  instead of failing, and a write never has to upgrade a read lock (the classic SQLite
  deadlock that ``SQLITE_BUSY`` would otherwise surface mid-transaction).
- **secure_delete**: ``delete`` really deletes; freed pages are zeroed, so a deleted note
  cannot be recovered from the file with a hex editor.
- **Permissions**: the file is created 0600 and any directory the store creates 0700: the
  journal is health data. SQLite gives its ``-wal`` and ``-shm`` files the database's mode.

Times are stored as fixed-width UTC text plus the offset they were logged in (see
:mod:`magnerve.journal.times`); values as compact JSON in the documented key order.

A :class:`Journal` is safe to share between threads (one connection behind a lock); several
processes may open the same file at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from magnerve.core.entries import Entry, EntryKind, StoredPlan
from magnerve.errors import InputError, JournalError
from magnerve.journal import io as journal_io
from magnerve.journal.migrations import Migrations
from magnerve.journal.paths import resolve_db_path
from magnerve.journal.times import from_storage, require_aware, to_storage
from magnerve.journal.values import check_kind, validate_values

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge

__all__ = ["MIGRATIONS", "EntryNotFoundError", "Journal", "open_journal"]


def _reason(exc: BaseException) -> str:
    """An exception's text without its own final full stop (we end the sentence)."""
    return str(exc).strip().rstrip(".")


BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"

MIGRATIONS: Migrations[sqlite3.Connection] = Migrations("journal")


class EntryNotFoundError(JournalError, LookupError):
    """No entry has the given id (also a LookupError, so APIs can answer 404)."""

    def __init__(self, entry_id: str) -> None:
        self.entry_id = entry_id
        shown = entry_id if len(entry_id) <= 64 else entry_id[:61] + "..."
        super().__init__(f"No journal entry has the id '{shown}'.")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entry_id,))


# --------------------------------------------------------------------------------------------
# Schema history. Never edit a released migration: add a new one. Tests rebuild files with
# each earlier version's DDL and check that they upgrade in place.

_LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS _migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_utc TEXT NOT NULL
)"""


@MIGRATIONS(1, "entries")
def _v1_entries(conn: sqlite3.Connection) -> None:
    """v1: entries only, with the time as ISO 8601 text in the offset it was logged in."""
    conn.execute("""
        CREATE TABLE entries (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            values_json TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX entries_at ON entries (at)")


@MIGRATIONS(2, "entries_utc_and_offset")
def _v2_utc_and_offset(conn: sqlite3.Connection) -> None:
    """v2: split each time into sortable UTC text plus the logged offset.

    v1 sorted by local text, which puts 08:00-05:00 before 07:00-08:00 although it happened
    later; time-range queries were wrong across a daylight-saving change or a trip.
    """
    conn.execute("""
        CREATE TABLE entries_v2 (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL
                CHECK (kind IN ('dose', 'pain', 'gi', 'sleep', 'note', 'med')),
            at_utc TEXT NOT NULL,
            utc_offset_s INTEGER NOT NULL,
            values_json TEXT NOT NULL
        )""")
    rows = conn.execute("SELECT id, kind, at, values_json FROM entries").fetchall()
    for entry_id, kind, at_text, values_json in rows:
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:  # v1 always wrote an offset; a hand-made row gets UTC
            at = at.replace(tzinfo=UTC)
        at_utc, offset = to_storage(at)
        conn.execute(
            "INSERT INTO entries_v2 (id, kind, at_utc, utc_offset_s, values_json) "
            "VALUES (?, ?, ?, ?, ?)",
            (entry_id, kind, at_utc, offset, values_json),
        )
    conn.execute("DROP TABLE entries")
    conn.execute("ALTER TABLE entries_v2 RENAME TO entries")
    conn.execute("CREATE INDEX entries_time ON entries (at_utc, id)")
    conn.execute("CREATE INDEX entries_kind_time ON entries (kind, at_utc, id)")


@MIGRATIONS(3, "plans")
def _v3_plans(conn: sqlite3.Connection) -> None:
    """v3: plan versions, each with the profile (canonical JSON) that produced it."""
    conn.execute("""
        CREATE TABLE plans (
            version INTEGER PRIMARY KEY,
            created_utc TEXT NOT NULL,
            utc_offset_s INTEGER NOT NULL,
            profile_json TEXT NOT NULL,
            plan_json TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX plans_time ON plans (created_utc, version)")


# --------------------------------------------------------------------------------------------
# SQL used by the Journal

_ENTRY_COLUMNS = "id, kind, at_utc, utc_offset_s, values_json"
_PLAN_COLUMNS = "version, created_utc, utc_offset_s, profile_json, plan_json"
_SQL_INSERT_ENTRY = (
    "INSERT INTO entries (id, kind, at_utc, utc_offset_s, values_json) VALUES (?, ?, ?, ?, ?)"
)
_SQL_GET_ENTRY = f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?"
_SQL_UPDATE_ENTRY = "UPDATE entries SET at_utc = ?, utc_offset_s = ?, values_json = ? WHERE id = ?"
_SQL_DELETE_ENTRY = "DELETE FROM entries WHERE id = ?"
_SQL_SAME_TIME = "SELECT id, values_json FROM entries WHERE kind = ? AND at_utc = ?"
_SQL_ID_PREFIX = "SELECT id FROM entries WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 2"
_SQL_INSERT_PLAN = f"INSERT INTO plans ({_PLAN_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
_SQL_CURRENT_PLAN = (
    f"SELECT {_PLAN_COLUMNS} FROM plans ORDER BY created_utc DESC, version DESC LIMIT 1"
)
_SQL_PLANS = f"SELECT {_PLAN_COLUMNS} FROM plans ORDER BY created_utc, version"
_SQL_GET_PLAN = f"SELECT {_PLAN_COLUMNS} FROM plans WHERE version = ?"
_SQL_NEXT_PLAN_VERSION = "SELECT coalesce(max(version), 0) + 1 FROM plans"
_SQL_SAME_PLAN = "SELECT 1 FROM plans WHERE created_utc = ? AND profile_json = ? AND plan_json = ?"
_SQL_HAS_LEDGER = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
_SQL_USER_TABLES = "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
_SQL_VERSION = "SELECT coalesce(max(version), 0) FROM _migrations"
_SQL_RECORD_MIGRATION = "INSERT INTO _migrations (version, name, applied_utc) VALUES (?, ?, ?)"


def _where(
    kinds: Iterable[str] | None, since: datetime | None, until: datetime | None
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters shared by ``entries`` and ``count``."""
    clauses: list[str] = []
    params: list[Any] = []
    if kinds is not None:
        checked = sorted({check_kind(k) for k in ([kinds] if isinstance(kinds, str) else kinds)})
        if not checked:
            return " WHERE 0", []
        clauses.append(f"kind IN ({', '.join('?' * len(checked))})")
        params.extend(checked)
    if since is not None:
        clauses.append("at_utc >= ?")
        params.append(to_storage(since, "since")[0])
    if until is not None:
        clauses.append("at_utc < ?")
        params.append(to_storage(until, "until")[0])
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _new_id() -> str:
    """A random 128-bit id as 32 hex digits: unique without coordination (imports merge
    journals from several devices) and easy to shorten to a unique prefix on the CLI."""
    return uuid.uuid4().hex


def _entry(row: Sequence[Any]) -> Entry:
    entry_id, kind, at_utc, offset, values_json = row
    return Entry(
        entry_id, cast("EntryKind", kind), from_storage(at_utc, offset), json.loads(values_json)
    )


def _plan(row: Sequence[Any]) -> StoredPlan:
    version, created_utc, offset, profile_json, plan_json = row
    return StoredPlan(
        version, from_storage(created_utc, offset), json.loads(profile_json), json.loads(plan_json)
    )


def _now_utc_text() -> str:
    return to_storage(datetime.now(UTC))[0]


def _create_private(path: Path) -> None:
    """Create missing parent directories (0700) and the empty file (0600) before SQLite.

    Only directories created here get 0700: an existing directory named with ``--db``
    (a home directory, a shared folder) is left as it is.
    """
    missing: list[Path] = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _tighten(path: Path) -> None:
    """Journals made by hand or copied with a loose mode are made private again."""
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & 0o600)


class Journal:
    """A person's journal: entries and plan versions in one SQLite file.

    Open with :meth:`Journal.open` (or :func:`open_journal`) and use as a context manager::

        with Journal.open(path) as journal:
            entry = journal.add("pain", {"score": 6}, datetime.now().astimezone())
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Journal:
        """Open (creating if needed) and migrate the journal at ``path``.

        ``":memory:"`` opens a private in-memory journal (for tests and previews).

        Raises:
            JournalError: the path is a directory, cannot be created, is not a magnerve
                journal, or was written by a newer magnerve.
        """
        memory = str(path) == MEMORY
        file = None if memory else Path(path).expanduser().absolute()
        if file is not None:
            if file.is_dir():
                raise JournalError(
                    f"The journal path {file} is a directory; give a file "
                    "name such as journal.sqlite3."
                )
            try:
                _create_private(file)
            except OSError as exc:
                raise JournalError(
                    f"Cannot create the journal at {file}: {exc.strerror or exc}."
                ) from None
            _tighten(file)
        try:
            conn = sqlite3.connect(
                MEMORY if file is None else str(file),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise JournalError(f"Cannot open the journal at {file}: {_reason(exc)}.") from None
        journal = cls(conn, file)
        try:
            journal._configure()
            journal._migrate()
        except BaseException:
            conn.close()
            raise
        return journal

    def _configure(self) -> None:
        with self._guard("open"):
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if self.path is not None:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise JournalError(
                        f"The journal at {self._name} cannot use write-ahead "
                        f"logging (journal mode {mode!r}); is it on a network "
                        "drive? Keep it on a local disk."
                    )
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA secure_delete = ON")
            self._conn.execute("PRAGMA foreign_keys = ON")

    def _stored_version(self) -> int:
        if self._conn.execute(_SQL_HAS_LEDGER).fetchone() is not None:
            return int(self._conn.execute(_SQL_VERSION).fetchone()[0])
        if self._conn.execute(_SQL_USER_TABLES).fetchone()[0]:
            raise JournalError(
                f"{self._name} is an SQLite database but not a magnerve "
                "journal; give another --db path."
            )
        return 0

    def _migrate(self) -> None:
        with self._guard("open"):
            version = self._stored_version()
            if version == MIGRATIONS.latest:
                return
        with self._write("upgrade") as conn:
            version = self._stored_version()  # another process may have migrated meanwhile
            if version > MIGRATIONS.latest:
                raise JournalError(
                    f"The journal at {self._name} has schema version {version}, newer than "
                    f"this magnerve understands ({MIGRATIONS.latest}); upgrade magnerve."
                )
            conn.execute(_LEDGER_DDL)
            for step in MIGRATIONS.pending(version):
                step.apply(conn)
                conn.execute(_SQL_RECORD_MIGRATION, (step.version, step.name, _now_utc_text()))

    @property
    def schema_version(self) -> int:
        """The schema version of the open file (always the latest once open)."""
        with self._guard("read"):
            return int(self._conn.execute(_SQL_VERSION).fetchone()[0])

    def close(self) -> None:
        """Close the connection. The last connection to close checkpoints the WAL."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _name(self) -> str:
        """The journal as named in messages."""
        return str(self.path) if self.path is not None else "(in memory)"

    def __repr__(self) -> str:
        return f"Journal({str(self.path or MEMORY)!r})"

    # ---- transactions and error translation --------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[sqlite3.Connection]:
        """Hold the lock; turn SQLite failures into one-sentence JournalErrors."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise JournalError(
                        f"The journal at {self._name} is busy (another program is writing "
                        f"to it); nothing was changed. Try again in a moment."
                    ) from None
                raise JournalError(
                    f"Cannot {action} the journal at {self._name}: {_reason(exc)}."
                ) from None
            except sqlite3.ProgrammingError as exc:
                raise JournalError(
                    f"Cannot {action} the journal at {self._name}: {_reason(exc)}."
                ) from None
            except sqlite3.DatabaseError as exc:
                raise JournalError(
                    f"Cannot {action} the journal at {self._name}: {_reason(exc)}. "
                    "Is it a magnerve journal?"
                ) from None

    @contextlib.contextmanager
    def _write(self, action: str = "write to") -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored and synced, or none of it."""
        with self._guard(action) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # Includes a failed COMMIT (disk full, I/O error): roll back so the
                # connection is usable again and nothing half-done stays pending.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so several SELECTs see the same state (for exports)."""
        with self._guard("read") as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    # ---- entries ---------------------------------------------------------------------------

    def add(
        self,
        kind: EntryKind | str,
        values: Mapping[str, Any],
        at: datetime,
        *,
        knowledge: Knowledge | None = None,
    ) -> Entry:
        """Validate and store one entry; it is on disk (fsynced) when this returns.

        Raises:
            InputError: a value is out of range, or ``at`` is naive.
        """
        checked = check_kind(kind)
        clean = validate_values(checked, values, knowledge=knowledge)
        at_utc, offset = to_storage(at)
        entry_id = _new_id()
        with self._write() as conn:
            conn.execute(
                _SQL_INSERT_ENTRY,
                (entry_id, checked, at_utc, offset, journal_io.compact_json(clean)),
            )
        return Entry(entry_id, checked, from_storage(at_utc, offset), clean)

    def get(self, entry_id: str) -> Entry:
        """The entry with this id.

        Raises:
            EntryNotFoundError: no entry has that id.
        """
        with self._guard("read") as conn:
            row = conn.execute(_SQL_GET_ENTRY, (entry_id,)).fetchone()
        if row is None:
            raise EntryNotFoundError(entry_id)
        return _entry(row)

    def resolve_id(self, prefix: str) -> str:
        """The full id of the one entry whose id starts with ``prefix`` (CLI convenience).

        Raises:
            EntryNotFoundError: no id starts with it.
            InputError: several ids start with it (give more characters).
        """
        wanted = prefix.strip()
        if not wanted:
            raise InputError("ID", prefix, "an entry id (see 'magnerve journal list')")
        with self._guard("read") as conn:
            if conn.execute(_SQL_GET_ENTRY, (wanted,)).fetchone() is not None:
                return wanted
            rows = conn.execute(_SQL_ID_PREFIX, (len(wanted), wanted)).fetchall()
        if not rows:
            raise EntryNotFoundError(wanted)
        if len(rows) > 1:
            raise InputError(
                "ID",
                wanted,
                "an id prefix that matches one entry",
                message=f"More than one entry id starts with '{wanted}'; give more of the id.",
            )
        return str(rows[0][0])

    def entries(
        self,
        *,
        kinds: Iterable[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[Entry]:
        """Entries ordered by time, then id (``newest_first`` reverses the order).

        ``since`` is inclusive and ``until`` exclusive, both aware datetimes. ``limit`` and
        ``offset`` page through the ordered result.
        """
        where, params = _where(kinds, since, until)
        if limit is not None and limit < 0:
            raise InputError("limit", limit, "a whole number of entries, 0 or more")
        if offset < 0:
            raise InputError("offset", offset, "a whole number of entries, 0 or more")
        order = " DESC" if newest_first else ""
        sql = (
            f"SELECT {_ENTRY_COLUMNS} FROM entries{where} "
            f"ORDER BY at_utc{order}, id{order} LIMIT ? OFFSET ?"
        )
        params += [-1 if limit is None else limit, offset]
        with self._guard("read") as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def count(
        self,
        *,
        kinds: Iterable[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """How many entries match (same filters as :meth:`entries`)."""
        where, params = _where(kinds, since, until)
        with self._guard("read") as conn:
            return int(conn.execute(f"SELECT count(*) FROM entries{where}", params).fetchone()[0])

    def edit(
        self,
        entry_id: str,
        *,
        at: datetime | None = None,
        values: Mapping[str, Any] | None = None,
        knowledge: Knowledge | None = None,
    ) -> Entry:
        """Change an entry's time and/or some of its values; returns the stored entry.

        ``values`` is merged into the stored values: keys given replace those keys (give
        None to clear an optional one), the rest stay. Renaming a medicine resolves it
        again. The kind cannot change: delete and add instead.
        """
        if at is None and not values:
            return self.get(entry_id)
        with self._write() as conn:
            row = conn.execute(_SQL_GET_ENTRY, (entry_id,)).fetchone()
            if row is None:
                raise EntryNotFoundError(entry_id)
            old = _entry(row)
            merged = dict(old.values)
            if values:
                merged.update(values)
                if old.kind == "med" and "name" in values and not ({"drug", "drugs"} & set(values)):
                    merged.pop("drug", None)
                    merged.pop("drugs", None)
            clean = validate_values(old.kind, merged, knowledge=knowledge)
            at_utc, offset = to_storage(old.at if at is None else at)
            conn.execute(
                _SQL_UPDATE_ENTRY, (at_utc, offset, journal_io.compact_json(clean), entry_id)
            )
        return Entry(entry_id, old.kind, from_storage(at_utc, offset), clean)

    def delete(self, entry_id: str) -> None:
        """Delete an entry for good (no soft delete; freed pages are zeroed).

        Raises:
            EntryNotFoundError: no entry has that id.
        """
        with self._write("delete from") as conn:
            if conn.execute(_SQL_DELETE_ENTRY, (entry_id,)).rowcount == 0:
                raise EntryNotFoundError(entry_id)
        if self.path is not None:
            # Copy the zeroed pages into the file and empty the WAL now, so the deleted text
            # does not linger in the -wal file. Best effort: busy readers just delay it.
            with self._guard("delete from") as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- plans -----------------------------------------------------------------------------

    def save_plan(
        self, profile: Mapping[str, Any], plan: Mapping[str, Any], created_at: datetime
    ) -> StoredPlan:
        """Keep a plan version; a new version only when the profile changed.

        The profile is compared as canonical JSON (sorted keys), so key order and
        formatting do not make a new version; a real change (a new medicine, a new eGFR)
        does. Earlier versions are kept for the report's history.
        """
        require_aware(created_at, "created_at")
        try:
            profile_json = journal_io.canonical_json(profile)
            plan_json = journal_io.canonical_json(plan)
        except (TypeError, ValueError) as exc:
            raise InputError(
                "plan",
                None,
                "JSON-ready data",
                message=f"The plan or profile is not JSON data: {_reason(exc)}.",
            ) from None
        created_utc, offset = to_storage(created_at, "created_at")
        with self._write() as conn:
            row = conn.execute(_SQL_CURRENT_PLAN).fetchone()
            if row is not None and row[3] == profile_json:
                return _plan(row)
            version = int(conn.execute(_SQL_NEXT_PLAN_VERSION).fetchone()[0])
            conn.execute(_SQL_INSERT_PLAN, (version, created_utc, offset, profile_json, plan_json))
            stored = conn.execute(_SQL_GET_PLAN, (version,)).fetchone()
        return _plan(stored)

    def current_plan(self) -> StoredPlan | None:
        """The latest plan version (by time made), or None before ``journal start``."""
        with self._guard("read") as conn:
            row = conn.execute(_SQL_CURRENT_PLAN).fetchone()
        return None if row is None else _plan(row)

    def plans(self) -> list[StoredPlan]:
        """Every plan version, oldest first."""
        with self._guard("read") as conn:
            rows = conn.execute(_SQL_PLANS).fetchall()
        return [_plan(row) for row in rows]

    # ---- export and import -----------------------------------------------------------------

    def export_json(self) -> dict[str, Any]:
        """The whole journal (entries and plans) as one JSON-ready dict, from one snapshot."""
        with self._snapshot() as conn:
            entries = [
                _entry(r)
                for r in conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries ORDER BY at_utc, id")
            ]
            plans = [_plan(r) for r in conn.execute(_SQL_PLANS)]
            version = int(conn.execute(_SQL_VERSION).fetchone()[0])
        return journal_io.export_document(entries, plans, version)

    def export_csv(self) -> str:
        """The whole journal as CSV (see :mod:`magnerve.journal.io` for the columns)."""
        return journal_io.render_csv(self.export_json())

    def import_json(
        self,
        source: str | bytes | Mapping[str, Any] | list[Any],
        *,
        knowledge: Knowledge | None = None,
    ) -> journal_io.ImportReport:
        """Merge a JSON export (text, bytes, or parsed data) into this journal.

        Raises:
            InputError: the text is not JSON or not a journal export (nothing imported).
        """
        if isinstance(source, bytes):
            source = source.decode("utf-8-sig")
        parsed = (
            journal_io.parse_json_text(source)
            if isinstance(source, str)
            else journal_io.parse_json_data(source)
        )
        return self._import(parsed, knowledge)

    def import_csv(
        self, text: str, *, knowledge: Knowledge | None = None
    ) -> journal_io.ImportReport:
        """Merge a CSV export into this journal."""
        return self._import(journal_io.parse_csv_text(text), knowledge)

    def _import(
        self, parsed: journal_io.ParsedImport, knowledge: Knowledge | None
    ) -> journal_io.ImportReport:
        """Validate every row, then store the good ones in one transaction.

        Idempotent: a row whose id is stored, or whose kind, time and values equal a stored
        entry's, is a duplicate. Content matching is one-to-one and ignores rows added by
        this same import, so two identical entries (two capsules logged separately at the
        same minute) survive an export/import round trip as two entries, and importing the
        same file twice still adds nothing the second time.

        A row whose id is stored with *different* content is a conflict: the stored entry
        wins (an import never overwrites). Bad rows are reported by line and skipped. If
        anything fails while writing, nothing is stored.
        """
        report = journal_io.ImportReport(errors=list(parsed.errors))
        entries: list[tuple[int, journal_io.EntryCandidate]] = []
        plans: list[tuple[int, journal_io.PlanCandidate]] = []
        if knowledge is None and any(
            r.record == "entry" and r.data.get("kind") == "med" for r in parsed.rows
        ):
            from magnerve.knowledge import load_knowledge

            knowledge = load_knowledge()
        for row in parsed.rows:
            try:
                if row.record == "entry":
                    entries.append((row.line, journal_io.entry_candidate(row.data, knowledge)))
                else:
                    plans.append((row.line, journal_io.plan_candidate(row.data)))
            except InputError as exc:
                report.errors.append((row.line, str(exc)))
        report.errors.sort(key=lambda item: item[0])
        matched: set[str] = set()  # stored or just-added ids no other row may match
        with self._write("import into") as conn:
            for line, entry in entries:
                self._import_entry(conn, line, entry, report, matched)
            for _line, plan in plans:
                self._import_plan(conn, plan, report)
        return report

    @staticmethod
    def _import_entry(
        conn: sqlite3.Connection,
        line: int,
        entry: journal_io.EntryCandidate,
        report: journal_io.ImportReport,
        matched: set[str],
    ) -> None:
        at_utc, offset = to_storage(entry.at)
        if entry.id is not None:
            row = conn.execute(_SQL_GET_ENTRY, (entry.id,)).fetchone()
            if row is not None:
                stored = _entry(row)
                if (stored.kind, stored.at, stored.values) == (entry.kind, entry.at, entry.values):
                    report.duplicates += 1
                    matched.add(stored.id)
                else:
                    report.conflicts.append(
                        (
                            line,
                            f"id '{entry.id}' is already used by a "
                            "different entry; kept the stored one",
                        )
                    )
                return
        for stored_id, values_json in conn.execute(_SQL_SAME_TIME, (entry.kind, at_utc)).fetchall():
            if stored_id not in matched and json.loads(values_json) == entry.values:
                report.duplicates += 1
                matched.add(stored_id)
                return
        new_id = entry.id or _new_id()
        conn.execute(
            _SQL_INSERT_ENTRY,
            (new_id, entry.kind, at_utc, offset, journal_io.compact_json(entry.values)),
        )
        matched.add(new_id)
        report.added += 1

    @staticmethod
    def _import_plan(
        conn: sqlite3.Connection, plan: journal_io.PlanCandidate, report: journal_io.ImportReport
    ) -> None:
        created_utc, offset = to_storage(plan.created_at, "created_at")
        profile_json = journal_io.canonical_json(plan.profile)
        plan_json = journal_io.canonical_json(plan.plan)
        if conn.execute(_SQL_SAME_PLAN, (created_utc, profile_json, plan_json)).fetchone():
            report.duplicates += 1
            return
        version = plan.version
        if version is None or conn.execute(_SQL_GET_PLAN, (version,)).fetchone() is not None:
            version = int(conn.execute(_SQL_NEXT_PLAN_VERSION).fetchone()[0])
        conn.execute(_SQL_INSERT_PLAN, (version, created_utc, offset, profile_json, plan_json))
        report.added += 1
        report.plans_added += 1

    # ---- maintenance -----------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """SQLite's own consistency check: ``["ok"]`` when the file is sound."""
        with self._guard("check") as conn:
            return [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]


def open_journal(db: str | os.PathLike[str] | None) -> Journal:
    """Open the journal named by ``--db``, else ``MAGNERVE_DB``, else the user data dir."""
    return Journal.open(resolve_db_path(db))
