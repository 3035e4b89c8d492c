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

Reading never fails on one damaged row (JSON or a time broken by a disk error, another
program or a hand edit): the row is left out of what a read returns and listed in
:attr:`Journal.damaged`, and stays in the file untouched, so an export rescues everything
else. The one exception fails closed: when the *latest* plan version is damaged,
:meth:`Journal.current_plan` raises :class:`DamagedPlanError` rather than fall back to an
older plan that may be less safe.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from magnerve.core.entries import ENTRY_KINDS, Entry, EntryKind, StoredPlan
from magnerve.errors import InputError, JournalError
from magnerve.journal import io as journal_io
from magnerve.journal.migrations import Migrations
from magnerve.journal.paths import resolve_db_path, shown_path
from magnerve.journal.times import FUTURE_SLACK, from_storage, require_aware, to_storage
from magnerve.journal.values import check_kind, stored_problem, validate_values

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge

__all__ = [
    "MAX_LIMIT",
    "MIGRATIONS",
    "DamagedEntryError",
    "DamagedPlanError",
    "EntryNotFoundError",
    "Journal",
    "open_journal",
]


def _reason(exc: BaseException) -> str:
    """An exception's text without its own final full stop (we end the sentence)."""
    return str(exc).strip().rstrip(".")


BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"
#: Most entries one read may ask for, and the largest offset SQLite can take.
MAX_LIMIT = 10_000_000
MAX_OFFSET = 2**63 - 1
#: Rows per ``IN (...)`` query when an import looks up what is stored (SQLite's variable
#: limit is 32766 on current builds, 999 on old ones).
_CHUNK = 500

MIGRATIONS: Migrations[sqlite3.Connection] = Migrations("journal")


class EntryNotFoundError(JournalError, LookupError):
    """No entry has the given id (also a LookupError, so APIs can answer 404)."""

    def __init__(self, entry_id: str) -> None:
        self.entry_id = entry_id
        super().__init__(f"No journal entry has the id '{_short_id(entry_id)}'.")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entry_id,))


class DamagedEntryError(JournalError):
    """A stored entry cannot be read back (its JSON or time was damaged outside magnerve)."""

    def __init__(self, entry_id: str, reason: str) -> None:
        self.entry_id = entry_id
        self.reason = reason
        super().__init__(
            f"The journal entry '{_short_id(entry_id)}' is damaged ({reason}) and cannot be "
            "read or edited; delete it with 'magnerve journal delete' and log it again."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.entry_id, self.reason))


class DamagedPlanError(JournalError):
    """The latest plan version cannot be read; an older one is not used in its place."""

    def __init__(self, journal: str, version: object, reason: str) -> None:
        self.journal = journal
        self.version = version
        self.reason = reason
        super().__init__(
            f"The latest plan (version {version}) in the journal at {journal} is damaged "
            f"({reason}); magnerve will not fall back to an older plan that may be less safe, "
            "so run 'magnerve journal start PROFILE' again to make a new plan."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.journal, self.version, self.reason))


class _UpgradeError(JournalError, ValueError):
    """A row an upgrade cannot convert (also a ValueError, what the upgrade raised before)."""


def _short_id(entry_id: str) -> str:
    text = entry_id if len(entry_id) <= 64 else entry_id[:61] + "..."
    return text if text.isprintable() else repr(text)[1:-1]


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
        try:
            at = datetime.fromisoformat(at_text)
            if at.tzinfo is None:  # v1 always wrote an offset; a hand-made row gets UTC
                at = at.replace(tzinfo=UTC)
            at_utc, offset = to_storage(at)
        except (TypeError, ValueError, OverflowError):  # InputError is a ValueError
            raise _UpgradeError(
                f"Cannot upgrade the journal: the time {str(at_text)[:40]!r} of entry "
                f"'{_short_id(str(entry_id))}' cannot be read; nothing was changed (fix or "
                "delete that row with an SQLite tool, then try again)."
            ) from None
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
_SQL_ID_PREFIX = "SELECT id FROM entries WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 2"
_SQL_INSERT_PLAN = f"INSERT INTO plans ({_PLAN_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
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


_STORED_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _decode_text(data: bytes) -> str:
    """SQLite text as str. Bytes that are not UTF-8 (a file damaged or written by another
    program) are kept as lone surrogates, so the row is reported as damaged instead of the
    whole query failing."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def _time(at_utc: object, offset: object) -> datetime:
    """A stored time, or ValueError saying why it cannot be read."""
    if not isinstance(at_utc, str) or not _STORED_UTC.match(at_utc):
        raise ValueError(f"its time {str(at_utc)[:40]!r} cannot be read")
    if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) >= 86400:
        raise ValueError(f"its UTC offset {str(offset)[:20]!r} cannot be read")
    try:
        instant = datetime.fromisoformat(at_utc)
        return instant.astimezone(timezone(timedelta(seconds=offset)))
    except (ValueError, OverflowError):
        raise ValueError(f"its time {at_utc!r} cannot be read") from None


def _json_object(text: object, what: str) -> dict[str, Any]:
    """A stored JSON object, or ValueError saying why it cannot be read."""
    verb = "are" if what.endswith("s") else "is"
    if not isinstance(text, str):
        raise ValueError(f"its {what} {verb} not text")
    if _SURROGATE.search(text):
        raise ValueError(f"its {what} {verb} not valid UTF-8")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError(f"its {what} {verb} not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"its {what} {verb} not a JSON object")
    if "\\u" in text and _SURROGATE.search(json.dumps(data, ensure_ascii=False)):
        raise ValueError(f"its {what} {verb} not valid Unicode")
    return data


def _decode_entry(row: Sequence[Any]) -> Entry:
    """One stored entry, or ValueError saying why it cannot be read."""
    entry_id, kind, at_utc, offset, values_json = row
    if not isinstance(entry_id, str) or not entry_id or _SURROGATE.search(entry_id):
        raise ValueError("its id cannot be read")
    if kind not in ENTRY_KINDS:
        raise ValueError(f"its kind {str(kind)[:20]!r} is unknown")
    at = _time(at_utc, offset)
    values = _json_object(values_json, "values")
    problem = stored_problem(kind, values)
    if problem is not None:
        raise ValueError(problem)
    return Entry(entry_id, cast("EntryKind", kind), at, values)


def _decode_plan(row: Sequence[Any]) -> StoredPlan:
    """One stored plan version, or ValueError saying why it cannot be read."""
    version, created_utc, offset, profile_json, plan_json = row
    created = _time(created_utc, offset)
    profile = _json_object(profile_json, "profile")
    plan = _json_object(plan_json, "plan")
    try:
        journal_io.check_plan_shape(plan, strict=False)
    except InputError as exc:
        raise ValueError(f"its plan does not have the plan shape: {_reason(exc)}") from None
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("its version cannot be read")
    return StoredPlan(version, created, profile, plan)


def _entry_or_error(row: Sequence[Any]) -> Entry:
    try:
        return _decode_entry(row)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise DamagedEntryError(_row_id(row), str(exc)) from None


def _row_id(row: Sequence[Any]) -> str:
    text = str(row[0])
    return text if text.isprintable() else repr(text)[1:-1]


def _plan_sort_key(row: Sequence[Any]) -> tuple[int, str, int]:
    """Where a plan row sits in time order: readable times by time; an unreadable time
    counts as newest so it is never silently passed over for an older plan."""
    version = row[0] if isinstance(row[0], int) and not isinstance(row[0], bool) else 0
    created = row[1]
    if isinstance(created, str) and _STORED_UTC.match(created):
        return (0, created, version)
    return (1, "", version)


def _signature(values: object) -> str | None:
    """Values as comparable text: sorted keys, and 200 equal to 200.0 (what ``==`` says)."""

    def normal(value: object) -> object:
        if isinstance(value, dict):
            return {str(k): normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                return value
        return value

    try:
        return journal_io.canonical_json(normal(values))
    except (TypeError, ValueError):  # NaN never equals anything, so it matches nothing
        return None


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


def _prepare_file(file: Path, create: bool) -> None:
    """Check the journal path before SQLite sees it, and create the file when asked."""
    if file.is_dir():
        raise JournalError(
            f"The journal path {shown_path(file)} is a directory; give a file "
            "name such as journal.sqlite3."
        )
    if not file.exists():
        if not create:
            raise JournalError(
                f"There is no journal at {shown_path(file)}; start one with 'magnerve "
                "journal start PROFILE' or check --db."
            )
        existing = file.parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
            raise JournalError(
                f"Cannot create the journal at {shown_path(file)}: the directory "
                f"{shown_path(existing)} is not writable."
            )
        try:
            _create_private(file)
        except OSError as exc:
            raise JournalError(
                f"Cannot create the journal at {shown_path(file)}: {exc.strerror or exc}."
            ) from None
    else:
        directory = file.parent
        companions = [file.with_name(file.name + s) for s in ("-wal", "-shm")]
        if not os.access(directory, os.W_OK | os.X_OK) and not all(
            c.exists() and os.access(c, os.W_OK) for c in companions
        ):
            raise JournalError(
                f"The directory {shown_path(directory)} that holds the journal is not "
                f"writable, and magnerve needs to create the journal's -wal and -shm files "
                "there; make the directory writable or move the journal."
            )
    _tighten(file)


def _tighten(path: Path) -> None:
    """Journals made by hand or copied with a loose mode are made private again."""
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & 0o600)


@dataclass(frozen=True, slots=True)
class _EntryRow:
    """An import row that passed every check, with its storage form worked out."""

    line: int
    entry: journal_io.EntryCandidate
    at_utc: str
    offset: int
    values_json: str


@dataclass(frozen=True, slots=True)
class _PlanRow:
    plan: journal_io.PlanCandidate
    created_utc: str
    offset: int
    profile_json: str
    plan_json: str


def _not_future(at: datetime, latest: datetime, field: str) -> None:
    if at > latest:
        raise InputError(
            field,
            at.isoformat(),
            f"a time that is not in the future (at most {FUTURE_SLACK.seconds // 60} minutes "
            "ahead of this computer's clock)",
        )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _loads_or_none(text: object) -> Any:
    """Stored values as data; None when damaged (a damaged row matches nothing)."""
    if not isinstance(text, str) or _SURROGATE.search(text):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


class Journal:
    """A person's journal: entries and plan versions in one SQLite file.

    Open with :meth:`Journal.open` (or :func:`open_journal`) and use as a context manager::

        with Journal.open(path) as journal:
            entry = journal.add("pain", {"score": 6}, datetime.now().astimezone())
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self._conn.text_factory = _decode_text
        self._lock = threading.RLock()
        self.path = path
        self._damaged: dict[str, str] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> Journal:
        """Open (creating if needed) and migrate the journal at ``path``.

        ``":memory:"`` opens a private in-memory journal (for tests and previews). With
        ``create=False`` a journal that does not exist yet is an error instead of a new
        empty file (commands that only read or change entries: a typo in ``--db`` must
        not look like an empty journal).

        Raises:
            JournalError: the path is a directory, does not exist (``create=False``),
                cannot be created, is in a directory that is not writable, is not a
                magnerve journal, or was written by a newer magnerve.
        """
        memory = str(path) == MEMORY
        file: Path | None = None
        if not memory:
            try:
                file = Path(path).expanduser().absolute()
                _prepare_file(file, create)
            except (OSError, RuntimeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise JournalError(
                    f"Cannot open the journal at {shown_path(file or path)}: {reason}."
                ) from None
            except ValueError as exc:  # a NUL character in the path
                raise JournalError(
                    f"Cannot open the journal at {shown_path(path)}: {_reason(exc)}."
                ) from None
        try:
            conn = sqlite3.connect(
                MEMORY if file is None else str(file),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise JournalError(
                f"Cannot open the journal at {shown_path(str(file))}: {_reason(exc)}."
            ) from None
        journal = cls(conn, file)
        try:
            journal._configure()
            journal._migrate()
        except BaseException:
            conn.close()
            raise
        return journal

    @property
    def damaged(self) -> list[tuple[str, str]]:
        """Rows skipped because they could not be read, as (id, reason), in the order met.

        Entries are named by their id, plan versions as ``plan version N``. Reads never
        fail on one damaged row: the row stays in the file untouched (nothing is deleted)
        and is left out of what is returned; commands warn about it.
        """
        with self._lock:
            return list(self._damaged.items())

    def _skip(self, key: str, reason: object) -> None:
        with self._lock:
            self._damaged.setdefault(key, str(reason))

    def _read_entries(self, rows: Iterable[Sequence[Any]]) -> list[Entry]:
        out: list[Entry] = []
        for row in rows:
            try:
                out.append(_decode_entry(row))
            except (ValueError, TypeError, OverflowError, RecursionError) as exc:
                self._skip(_row_id(row), exc)
        return out

    def _read_plans(self, rows: Iterable[Sequence[Any]]) -> list[StoredPlan]:
        out: list[StoredPlan] = []
        for row in rows:
            try:
                out.append(_decode_plan(row))
            except (ValueError, TypeError, OverflowError, RecursionError) as exc:
                self._skip(f"plan version {_row_id(row)}", exc)
        return out

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
        return _entry_or_error(row)

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
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT
        ):
            raise InputError("limit", limit, f"a whole number of entries from 0 to {MAX_LIMIT}")
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
            raise InputError("offset", offset, "a whole number of entries, 0 or more")
        order = " DESC" if newest_first else ""
        sql = (
            f"SELECT {_ENTRY_COLUMNS} FROM entries{where} "
            f"ORDER BY at_utc{order}, id{order} LIMIT ? OFFSET ?"
        )
        params += [-1 if limit is None else limit, offset]
        with self._guard("read") as conn:
            rows = conn.execute(sql, params).fetchall()
        return self._read_entries(rows)

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
            old = _entry_or_error(row)
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
        with self._lock:
            self._damaged.pop(entry_id, None)
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
        if not isinstance(profile, Mapping):
            raise InputError("profile", profile, "a profile object")
        journal_io.check_plan_shape(dict(plan), strict=False)
        for name, text in (("profile", profile_json), ("plan", plan_json)):
            if _SURROGATE.search(text):
                raise InputError(
                    name,
                    None,
                    "valid UTF-8 text",
                    message=f"The {name} holds text that is not valid UTF-8.",
                )
        created_utc, offset = to_storage(created_at, "created_at")
        with self._write() as conn:
            try:
                current = self._current(conn)
            except DamagedPlanError:  # a new version replaces the damaged one as current
                current = None
            if current is not None and journal_io.canonical_json(current.profile) == profile_json:
                return current
            version = int(conn.execute(_SQL_NEXT_PLAN_VERSION).fetchone()[0])
            conn.execute(_SQL_INSERT_PLAN, (version, created_utc, offset, profile_json, plan_json))
            stored = conn.execute(_SQL_GET_PLAN, (version,)).fetchone()
        return _decode_plan(stored)

    def _current(self, conn: sqlite3.Connection) -> StoredPlan | None:
        """The latest readable plan, unless a damaged row is (or may be) newer than it."""
        rows = conn.execute(_SQL_PLANS).fetchall()
        if not rows:
            return None
        ordered = sorted(rows, key=_plan_sort_key)
        latest = ordered[-1]
        try:
            return _decode_plan(latest)
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            self._skip(f"plan version {_row_id(latest)}", exc)
            # Fail closed: the damaged version may have been the stricter one (a new
            # stop rule), so an older readable plan is not used in its place.
            raise DamagedPlanError(self._name, _row_id(latest), str(exc)) from None

    def current_plan(self) -> StoredPlan | None:
        """The latest plan version (by time made), or None before ``journal start``.

        Raises:
            DamagedPlanError: the latest version cannot be read (an older one is never
                used instead: it may be less safe).
        """
        with self._guard("read") as conn:
            return self._current(conn)

    def plans(self) -> list[StoredPlan]:
        """Every readable plan version, oldest first (damaged ones are in ``damaged``)."""
        with self._guard("read") as conn:
            rows = conn.execute(_SQL_PLANS).fetchall()
        return self._read_plans(rows)

    # ---- export and import -----------------------------------------------------------------

    def export_json(self) -> dict[str, Any]:
        """The whole journal (entries and plans) as one JSON-ready dict, from one snapshot."""
        with self._snapshot() as conn:
            entries = self._read_entries(
                conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries ORDER BY at_utc, id")
            )
            plans = self._read_plans(conn.execute(_SQL_PLANS))
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
        now: datetime | None = None,
    ) -> journal_io.ImportReport:
        """Merge a JSON export (text, bytes, or parsed data) into this journal.

        ``now`` (default: the clock) is when entries and plans may be dated at the latest,
        plus a few minutes of slack: a row dated later is a bad row.

        Raises:
            InputError: the text is not JSON or not a journal export (nothing imported).
        """
        if isinstance(source, bytes):
            try:
                source = source.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise InputError(
                    "FILE",
                    None,
                    "UTF-8 text",
                    message=f"The file is not UTF-8 text (invalid byte at position {exc.start}).",
                ) from None
        parsed = (
            journal_io.parse_json_text(source)
            if isinstance(source, str)
            else journal_io.parse_json_data(source)
        )
        return self._import(parsed, knowledge, now)

    def import_csv(
        self, text: str, *, knowledge: Knowledge | None = None, now: datetime | None = None
    ) -> journal_io.ImportReport:
        """Merge a CSV export into this journal (``now`` as for :meth:`import_json`)."""
        return self._import(journal_io.parse_csv_text(text), knowledge, now)

    def _import(
        self,
        parsed: journal_io.ParsedImport,
        knowledge: Knowledge | None,
        now: datetime | None = None,
    ) -> journal_io.ImportReport:
        """Validate every row, then store the good ones in one transaction.

        Every check that can refuse a row (values, the time's year range and storage form,
        a time in the future, a plan's shape and safety) runs here, row by row, *before*
        the transaction: a bad row is reported by its line and skipped, and the good rows
        are still imported.

        Idempotent: a row whose id is stored, or whose kind, time and values equal a stored
        entry's, is a duplicate. Content matching is one-to-one and ignores rows added by
        this same import, so two identical entries (two capsules logged separately at the
        same minute) survive an export/import round trip as two entries, and importing the
        same file twice still adds nothing the second time.

        A row whose id is stored with *different* content is a conflict: the stored entry
        wins (an import never overwrites). If anything fails while writing, nothing is
        stored.
        """
        report = journal_io.ImportReport(errors=list(parsed.errors))
        if now is not None:
            require_aware(now, "now")
        latest = (now if now is not None else datetime.now(UTC)) + FUTURE_SLACK
        entries: list[_EntryRow] = []
        plans: list[_PlanRow] = []
        if knowledge is None and any(
            r.record == "plan" or (r.record == "entry" and r.data.get("kind") == "med")
            for r in parsed.rows
        ):
            from magnerve.knowledge import load_knowledge

            knowledge = load_knowledge()
        for row in parsed.rows:
            try:
                if row.record == "entry":
                    entry = journal_io.entry_candidate(row.data, knowledge)
                    _not_future(entry.at, latest, "at")
                    at_utc, offset = to_storage(entry.at)
                    entries.append(
                        _EntryRow(
                            row.line, entry, at_utc, offset, journal_io.compact_json(entry.values)
                        )
                    )
                else:
                    plan = journal_io.plan_candidate(row.data, knowledge)
                    _not_future(plan.created_at, latest, "created_at")
                    created_utc, offset = to_storage(plan.created_at, "created_at")
                    plans.append(
                        _PlanRow(
                            plan,
                            created_utc,
                            offset,
                            journal_io.canonical_json(plan.profile),
                            journal_io.canonical_json(plan.plan),
                        )
                    )
            except InputError as exc:
                where = f"{row.where}: " if row.where else ""
                report.errors.append((row.line, f"{where}{exc}"))
        report.errors.sort(key=lambda item: item[0])
        with self._write("import into") as conn:
            self._import_entries(conn, entries, report)
            for plan_row in plans:
                self._import_plan(conn, plan_row, report)
        return report

    @staticmethod
    def _import_entries(
        conn: sqlite3.Connection, rows: list[_EntryRow], report: journal_io.ImportReport
    ) -> None:
        """Decide each row in memory, then insert the new ones: O(n) lookups in total.

        What is stored is read once: the rows with the ids the file names, and the rows at
        the times the file names (by ``IN`` queries on the indexed columns, in chunks),
        indexed by (kind, time, values) so each content match is one dict lookup.
        """
        by_id: dict[str, tuple[str, str, Any]] = {}
        wanted_ids = sorted({r.entry.id for r in rows if r.entry.id is not None})
        for chunk in _chunks(wanted_ids):
            sql = (
                "SELECT id, kind, at_utc, values_json FROM entries "
                f"WHERE id IN ({', '.join('?' * len(chunk))})"
            )
            for stored_id, kind, at_utc, values_json in conn.execute(sql, chunk):
                by_id[stored_id] = (kind, at_utc, _loads_or_none(values_json))
        same: dict[tuple[str, str, str], list[str]] = {}
        times = sorted({r.at_utc for r in rows})
        for chunk in _chunks(times):
            sql = (
                "SELECT id, kind, at_utc, values_json FROM entries "
                f"WHERE at_utc IN ({', '.join('?' * len(chunk))}) ORDER BY at_utc, id DESC"
            )
            for stored_id, kind, at_utc, values_json in conn.execute(sql, chunk):
                signature = _signature(_loads_or_none(values_json))
                if signature is not None:
                    same.setdefault((kind, at_utc, signature), []).append(stored_id)
        matched: set[str] = set()  # stored or just-added ids no other row may match
        added: dict[str, tuple[str, str, Any]] = {}
        inserts: list[tuple[str, str, str, int, str]] = []
        for row in rows:
            entry = row.entry
            if entry.id is not None:
                known = added.get(entry.id) or by_id.get(entry.id)
                if known is not None:
                    if known == (entry.kind, row.at_utc, entry.values):
                        report.duplicates += 1
                        matched.add(entry.id)
                    else:
                        report.conflicts.append(
                            (
                                row.line,
                                f"id '{entry.id}' is already used by a "
                                "different entry; kept the stored one",
                            )
                        )
                    continue
            signature = _signature(entry.values)
            candidates = same.get((entry.kind, row.at_utc, signature or ""))
            found = None
            while candidates:
                stored_id = candidates.pop()
                if stored_id not in matched:
                    found = stored_id
                    break
            if found is not None:
                report.duplicates += 1
                matched.add(found)
                continue
            new_id = entry.id or _new_id()
            inserts.append((new_id, entry.kind, row.at_utc, row.offset, row.values_json))
            added[new_id] = (entry.kind, row.at_utc, entry.values)
            matched.add(new_id)
            report.added += 1
        conn.executemany(_SQL_INSERT_ENTRY, inserts)

    @staticmethod
    def _import_plan(
        conn: sqlite3.Connection, row: _PlanRow, report: journal_io.ImportReport
    ) -> None:
        same = (row.created_utc, row.profile_json, row.plan_json)
        if conn.execute(_SQL_SAME_PLAN, same).fetchone():
            report.duplicates += 1
            return
        version = row.plan.version
        if version is None or conn.execute(_SQL_GET_PLAN, (version,)).fetchone() is not None:
            version = int(conn.execute(_SQL_NEXT_PLAN_VERSION).fetchone()[0])
        conn.execute(
            _SQL_INSERT_PLAN,
            (version, row.created_utc, row.offset, row.profile_json, row.plan_json),
        )
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
