"""Scripted journals: simulated weeks of entries for tests, benchmarks and README figures.

Real journals are private, so every test, benchmark and figure in magnerve runs on journals
written by this module: deterministic (a seeded ``random.Random``), in a real time zone
(``zoneinfo``) so daylight-saving changes happen where they would, and built from the same
``Entry`` values the journal store returns. Nothing here decides anything clinical.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from magnerve.core.entries import Entry, EntryKind

__all__ = ["JournalScript", "simulated_journal"]


@dataclass
class JournalScript:
    """Write entries at local wall-clock times in ``zone``; ids are sequential and stable."""

    zone: tzinfo
    entries: list[Entry] = field(default_factory=list)

    def at(self, day: date, clock: str) -> datetime:
        """The aware instant for a local date and "HH:MM" in this script's zone."""
        hour, minute = (int(p) for p in clock.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def add(self, kind: EntryKind, day: date, clock: str, **values: Any) -> Entry:
        entry = Entry(f"e{len(self.entries) + 1:06d}", kind, self.at(day, clock), dict(values))
        self.entries.append(entry)
        return entry

    def pain(self, day: date, score: float, clock: str = "21:00") -> Entry:
        return self.add("pain", day, clock, score=score, worst=None, qualities=[], location=None)

    def dose(self, day: date, mg: float, clock: str = "08:00", form: str | None = None) -> Entry:
        return self.add("dose", day, clock, mg=mg, form=form, product=None)

    def gi(self, day: date, clock: str = "10:00", *, bristol: int | None = None,
           diarrhea: bool = False, nausea: bool = False, cramps: bool = False) -> Entry:
        return self.add("gi", day, clock, bristol=bristol, diarrhea=diarrhea, nausea=nausea,
                        cramps=cramps)

    def med(self, day: date, name: str, clock: str, drug: str | None = None) -> Entry:
        return self.add("med", day, clock, name=name, drug=drug,
                        drugs=[] if drug is None else [drug])

    def sleep(self, day: date, quality: float, clock: str = "07:00") -> Entry:
        return self.add("sleep", day, clock, quality=quality)

    def note(self, day: date, text: str, clock: str = "20:00") -> Entry:
        return self.add("note", day, clock, text=text)


def _split(mg: int, doses: int) -> list[float]:
    each = mg / doses
    return [each] * doses


def simulated_journal(
    titration: Sequence[dict[str, Any]],
    *,
    zone: tzinfo,
    start: date,
    baseline_days: int = 10,
    days_on: int = 70,
    baseline_pain: float = 6.0,
    effect_pct: float = -50.0,
    noise: float = 0.6,
    seed: int = 7,
    form: str | None = None,
    dose_clocks: Sequence[str] = ("12:30", "18:30", "21:00"),
    meds: Sequence[tuple[str, str, str | None]] = (),
    gi_days: Sequence[int] = (),
    missed_days: Sequence[int] = (),
    sleep: bool = False,
) -> list[Entry]:
    """A person who scores pain nightly, takes the plan's titration, and responds by
    ``effect_pct`` (reached gradually over the first 28 days on magnesium).

    Args:
        titration: the plan JSON's titration steps (day, elemental_mg_per_day, doses_per_day).
        start: day 1, the first dose; baseline scores are logged on the days before it.
        meds: (name, "HH:MM", drug id or None) logged every day at that local time.
        gi_days: plan days with a loose stool (Bristol 6) in the morning.
        missed_days: plan days without any dose logged.
    """
    rng = random.Random(seed)
    script = JournalScript(zone)
    for offset in range(baseline_days, 0, -1):
        day = start - timedelta(days=offset)
        score = baseline_pain + rng.gauss(0, noise)
        script.pain(day, round(min(10.0, max(0.0, score)), 1))
        for name, clock, drug in meds:
            script.med(day, name, clock, drug)
    steps = sorted(titration, key=lambda s: int(s["day"]))
    for n in range(1, days_on + 1):
        day = start + timedelta(days=n - 1)
        for name, clock, drug in meds:
            script.med(day, name, clock, drug)
        current = [s for s in steps if int(s["day"]) <= n]
        if current and n not in missed_days:
            step = current[-1]
            amounts = _split(int(step["elemental_mg_per_day"]), int(step["doses_per_day"]))
            for clock, mg in zip(dose_clocks, amounts, strict=False):
                script.dose(day, mg, clock, form)
        if n in gi_days:
            script.gi(day, "07:30", bristol=6, diarrhea=True)
        build = min(1.0, n / 28)
        score = baseline_pain * (1 + effect_pct / 100 * build) + rng.gauss(0, noise)
        script.pain(day, round(min(10.0, max(0.0, score)), 1))
        if sleep:
            script.sleep(day, round(min(10.0, max(0.0, 6 + rng.gauss(0, 1))), 1))
    return script.entries
