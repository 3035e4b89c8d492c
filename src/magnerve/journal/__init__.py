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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from magnerve.core.entries import ENTRY_KINDS, Entry, EntryKind, StoredPlan
    from magnerve.journal.io import ImportReport
    from magnerve.journal.paths import DB_ENV, resolve_db_path
    from magnerve.journal.store import (
        MIGRATIONS,
        DamagedEntryError,
        DamagedPlanError,
        EntryNotFoundError,
        Journal,
        open_journal,
    )
    from magnerve.journal.values import KIND_FIELDS, MAX_DOSE_MG, check_kind, validate_values

# Imported on first use (PEP 562) so that importing a light submodule such as
# magnerve.journal.summary, which every CLI start does, does not open the SQLite machinery.
_HOMES = {
    "ENTRY_KINDS": "magnerve.core.entries",
    "Entry": "magnerve.core.entries",
    "EntryKind": "magnerve.core.entries",
    "StoredPlan": "magnerve.core.entries",
    "ImportReport": "magnerve.journal.io",
    "DB_ENV": "magnerve.journal.paths",
    "resolve_db_path": "magnerve.journal.paths",
    "MIGRATIONS": "magnerve.journal.store",
    "DamagedEntryError": "magnerve.journal.store",
    "DamagedPlanError": "magnerve.journal.store",
    "EntryNotFoundError": "magnerve.journal.store",
    "Journal": "magnerve.journal.store",
    "open_journal": "magnerve.journal.store",
    "KIND_FIELDS": "magnerve.journal.values",
    "MAX_DOSE_MG": "magnerve.journal.values",
    "check_kind": "magnerve.journal.values",
    "validate_values": "magnerve.journal.values",
}


def __getattr__(name: str) -> Any:
    try:
        home = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module 'magnerve.journal' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "DB_ENV",
    "ENTRY_KINDS",
    "KIND_FIELDS",
    "MAX_DOSE_MG",
    "MIGRATIONS",
    "DamagedEntryError",
    "DamagedPlanError",
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
