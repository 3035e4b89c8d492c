"""Logged magnesium doses checked against logged medicines (design.md 3.2 semantics).

For a medicine taken at instant d and a magnesium dose at instant m, the pair is fine when
the hours from d forward to m are at least ``drug_then_mg_h`` (the medicine first) and the
hours from m forward to the medicine's next logged dose are at least ``mg_then_drug_h``.
Only the *nearest* logged dose of the medicine on each side of a magnesium dose is checked:
that is the one that sets the gap. Times are real instants (aware datetimes), so a
daylight-saving change never makes two doses look an hour closer or further apart than they
were.

A medicine that spacing cannot make safe (raltegravir: ``separable = false``) is reported
whenever a magnesium dose falls within a day of it. Logged medicines magnerve does not know
are returned too: an unknown medicine is never silently treated as safe.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from magnerve.core.entries import Entry
from magnerve.core.medications import resolve_medication
from magnerve.knowledge import Knowledge
from magnerve.knowledge.models import Interaction

__all__ = ["SpacingCheck", "SpacingViolation", "check_spacing"]

#: How close (hours) a dose must be to a non-separable medicine to be reported.
NOT_SEPARABLE_WINDOW_H = 24.0


@dataclass(frozen=True, slots=True)
class SpacingViolation:
    """A logged magnesium dose too close to a logged interacting medicine."""

    drug: str
    drug_name: str
    dose_at: datetime
    med_at: datetime
    order: Literal["drug_then_mg", "mg_then_drug", "not_separable"]
    hours_apart: float
    needed_h: float | None
    rule: Interaction

    def to_dict(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "drug_name": self.drug_name,
            "dose_at": self.dose_at.isoformat(),
            "medicine_at": self.med_at.isoformat(),
            "order": self.order,
            "hours_apart": round(self.hours_apart, 2),
            "needed_h": self.needed_h,
            "drug_then_mg_h": self.rule.drug_then_mg_h,
            "mg_then_drug_h": self.rule.mg_then_drug_h,
            "management": self.rule.management,
            "sources": list(self.rule.sources),
        }


@dataclass(frozen=True, slots=True)
class SpacingCheck:
    violations: tuple[SpacingViolation, ...]
    #: (name as logged, when) for logged medicines magnerve could not recognise
    unrecognised: tuple[tuple[str, datetime], ...]


def _drug_ids(
    entry: Entry, knowledge: Knowledge, cache: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """Generic ids of a logged medicine: as resolved when logged, else resolved now by name
    (the knowledge may have learnt the name since)."""
    drugs = entry.values.get("drugs")
    if isinstance(drugs, list):
        known = tuple(d for d in drugs if isinstance(d, str) and d in knowledge.drugs)
        if known:
            return known
    drug = entry.values.get("drug")
    if isinstance(drug, str) and drug in knowledge.drugs:
        return (drug,)
    name = entry.values.get("name")
    if not isinstance(name, str) or not name.strip():
        return ()
    if name not in cache:
        ids: list[str] = []
        for resolved in resolve_medication(name, (), knowledge):
            ids.extend(e.drug.id for e in resolved.entries if e.drug.id not in ids)
        cache[name] = tuple(ids)
    return cache[name]


def check_spacing(
    doses: Iterable[Entry], meds: Iterable[Entry], knowledge: Knowledge
) -> SpacingCheck:
    """Every logged dose that breaks a separation rule, oldest first."""
    cache: dict[str, tuple[str, ...]] = {}
    times: dict[str, list[float]] = {}
    stamps: dict[str, list[datetime]] = {}
    unrecognised: list[tuple[str, datetime]] = []
    for med in sorted(meds, key=lambda e: e.at):
        ids = _drug_ids(med, knowledge, cache)
        if not ids:
            name = med.values.get("name")
            unrecognised.append((str(name) if name else "(unnamed medicine)", med.at))
            continue
        for drug_id in ids:
            rule = knowledge.drugs[drug_id].interaction
            if not rule.needs_separation:
                continue
            times.setdefault(drug_id, []).append(med.at.timestamp())
            stamps.setdefault(drug_id, []).append(med.at)

    violations: list[SpacingViolation] = []
    if times:
        for dose in sorted(doses, key=lambda e: e.at):
            t = dose.at.timestamp()
            for drug_id, drug_times in times.items():
                entry = knowledge.drugs[drug_id]
                rule = entry.interaction
                index = bisect_right(drug_times, t)
                before = index - 1 if index > 0 else None
                after = index if index < len(drug_times) else None
                if not rule.separable:
                    near = [i for i in (before, after) if i is not None
                            and abs(t - drug_times[i]) / 3600 < NOT_SEPARABLE_WINDOW_H]
                    if near:
                        i = min(near, key=lambda k: abs(t - drug_times[k]))
                        violations.append(SpacingViolation(
                            drug_id, entry.drug.name, dose.at, stamps[drug_id][i],
                            "not_separable", abs(t - drug_times[i]) / 3600, None, rule))
                    continue
                first_h = rule.drug_then_mg_h or 0.0
                then_h = rule.mg_then_drug_h or 0.0
                if before is not None:
                    gap = (t - drug_times[before]) / 3600
                    if gap < first_h:
                        violations.append(SpacingViolation(
                            drug_id, entry.drug.name, dose.at, stamps[drug_id][before],
                            "drug_then_mg", gap, first_h, rule))
                if after is not None:
                    gap = (drug_times[after] - t) / 3600
                    if gap < then_h:
                        violations.append(SpacingViolation(
                            drug_id, entry.drug.name, dose.at, stamps[drug_id][after],
                            "mg_then_drug", gap, then_h, rule))
    return SpacingCheck(tuple(violations), tuple(unrecognised))
