"""magnerve's private journal: doses, pain, GI effects, sleep, notes, medicines, plans.

One SQLite file per person, in the user data directory unless ``--db``/``MAGNERVE_DB``
says otherwise. The public API (what the CLI, ``review``, ``report`` and the web app use)::

    from magnerve.journal import open_journal

    with open_journal(None) as journal:
        journal.add("dose", {"mg": 200, "form": "glycinate"}, datetime.now().astimezone())
        recent = journal.entries(kinds=["pain"], since=week_ago)

Everything that touches SQL lives in :mod:`magnerve.journal.store`; value rules in
:mod:`magnerve.journal.values`; file formats in :mod:`magnerve.journal.io`; time handling
in :mod:`magnerve.journal.times`.
"""

from magnerve.core.entries import ENTRY_KINDS, Entry, EntryKind, StoredPlan
from magnerve.journal.io import ImportReport
from magnerve.journal.paths import DB_ENV, resolve_db_path
from magnerve.journal.store import MIGRATIONS, EntryNotFoundError, Journal, open_journal
from magnerve.journal.values import KIND_FIELDS, MAX_DOSE_MG, check_kind, validate_values

__all__ = [
    "DB_ENV",
    "ENTRY_KINDS",
    "KIND_FIELDS",
    "MAX_DOSE_MG",
    "MIGRATIONS",
    "Entry",
    "EntryKind",
    "EntryNotFoundError",
    "ImportReport",
    "Journal",
    "StoredPlan",
    "check_kind",
    "open_journal",
    "resolve_db_path",
    "validate_values",
]
