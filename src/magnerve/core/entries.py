"""Journal entries as plain, immutable values (design.md 3.7).

The journal store (magnerve.journal) persists these; the review and response analysis
(pure core code) read them. Times are timezone-aware datetimes; the store keeps UTC and the
offset the person logged in, so a review in another zone or across a daylight-saving change
still puts every entry on the right local day.

``values`` by kind (all magnesium amounts are elemental mg):

- ``dose``:  {"mg": float, "form": str | None, "product": str | None}
- ``pain``:  {"score": float 0-10, "worst": float | None, "qualities": [str],
             "location": str | None}
- ``gi``:    {"bristol": int 1-7 | None, "diarrhea": bool, "nausea": bool, "cramps": bool}
- ``sleep``: {"quality": float 0-10}
- ``note``:  {"text": str}
- ``med``:   {"name": str (as given), "drug": str | None (generic id when recognised)}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = ["ENTRY_KINDS", "Entry", "EntryKind", "StoredPlan"]

EntryKind = Literal["dose", "pain", "gi", "sleep", "note", "med"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("dose", "pain", "gi", "sleep", "note", "med")


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry: what happened (kind, values) and when (aware datetime)."""

    id: str
    kind: EntryKind
    at: datetime
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("Entry.at must be timezone-aware")

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract shape: {id, kind, at (ISO 8601 with offset), values}."""
        return {"id": self.id, "kind": self.kind, "at": self.at.isoformat(),
                "values": dict(self.values)}


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A plan version kept in the journal with the profile that produced it."""

    version: int
    created_at: datetime
    profile: dict[str, Any]
    plan: dict[str, Any]
