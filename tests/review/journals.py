"""Scripted journals for review and report tests: a person, a plan and simulated weeks.

Every journal lives in a real, non-UTC zone (America/New_York unless a test needs London),
so a test that silently assumed UTC days, or a fixed offset across the March and November
clock changes, fails here first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from magnerve.core.entries import Entry, StoredPlan
from magnerve.core.planner import plan
from magnerve.core.profile import parse_profile
from magnerve.core.review import Review, review
from magnerve.knowledge import Knowledge
from magnerve.report.scripted import JournalScript

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
#: day 1 of most scripted journals: a Friday a week before the 2024 US spring clock change.
START = date(2024, 3, 1)
BASE_PROFILE: dict[str, Any] = {"age": 50, "sex": "female", "egfr": 90}
#: The plan for BASE_PROFILE (checked in test_plan_assumptions): glycinate, 150 mg on day 1,
#: then 200 (day 4), 250 in two doses (day 7), 300 in two doses (day 10).
STEPS = {1: (150, 1), 4: (200, 1), 7: (250, 2), 10: (300, 2)}


def step_for(n: int) -> tuple[int, int]:
    """The plan's (mg/day, doses/day) on plan day ``n`` without any adjustment."""
    return STEPS[max(d for d in STEPS if d <= n)]


@dataclass
class Person:
    """A scripted person following a plan; days are plan days (1 = START)."""

    kb: Knowledge
    profile: dict[str, Any] = field(default_factory=lambda: dict(BASE_PROFILE))
    zone: ZoneInfo = NEW_YORK
    start: date = START
    form: str | None = "glycinate"
    script: JournalScript = field(init=False)

    def __post_init__(self) -> None:
        self.script = JournalScript(self.zone)
        person = parse_profile(self.profile, self.kb)
        self.plan_json = plan(person, self.kb).to_dict()
        self.stored_profile = person.to_dict()

    # -- dates ------------------------------------------------------------------------------
    def day(self, n: int) -> date:
        return self.start + timedelta(days=n - 1)

    def at(self, n: int, clock: str = "20:00") -> datetime:
        return self.script.at(self.day(n), clock)

    @property
    def entries(self) -> list[Entry]:
        return self.script.entries

    # -- logging ----------------------------------------------------------------------------
    def baseline(self, scores: Sequence[float], clock: str = "21:00") -> None:
        """Pain scores on the days just before day 1 (the last score on day 0)."""
        for offset, score in enumerate(reversed(scores)):
            self.script.pain(self.day(0 - offset), score, clock)

    def dose(self, n: int, mg: float, clock: str = "08:00", form: str | None = None) -> None:
        self.script.dose(self.day(n), mg, clock, form or self.form)

    def take(self, n: int, mg_per_day: int, doses: int,
             clocks: Sequence[str] = ("08:00", "18:00", "21:30")) -> None:
        for clock in clocks[:doses]:
            self.dose(n, mg_per_day / doses, clock)

    def follow(self, days: Iterable[int], *, skip: Iterable[int] = ()) -> None:
        """Take the plan's unadjusted step on each day (except ``skip``)."""
        skipped = set(skip)
        for n in days:
            if n not in skipped:
                self.take(n, *step_for(n))

    def pain(self, n: int, score: float, clock: str = "21:00") -> None:
        self.script.pain(self.day(n), score, clock)

    def pains(self, days: Iterable[int], score: float) -> None:
        for n in days:
            self.pain(n, score)

    def loose(self, n: int, clock: str = "07:30", *, bristol: int | None = 6,
              diarrhea: bool = True, nausea: bool = False) -> None:
        self.script.gi(self.day(n), clock, bristol=bristol, diarrhea=diarrhea, nausea=nausea)

    def med(self, n: int, name: str, clock: str, drug: str | None = None) -> None:
        self.script.med(self.day(n), name, clock, drug)

    # -- reviewing --------------------------------------------------------------------------
    def stored(self, created: datetime | None = None, *, plan_json: dict[str, Any] | None = None,
               profile: dict[str, Any] | None = None, version: int = 1) -> StoredPlan:
        return StoredPlan(
            version,
            created or datetime.combine(self.day(-14), time(9, 0), tzinfo=self.zone),
            profile if profile is not None else self.stored_profile,
            plan_json if plan_json is not None else self.plan_json,
        )

    def review(self, n: int, clock: str = "20:00", **kwargs: Any) -> Review:
        stored = kwargs.pop("stored", None) or self.stored()
        return review(self.entries, stored, self.kb, now=self.at(n, clock), **kwargs)


def codes(result: Review) -> list[str]:
    return [a.code for a in result.advice]


def advice(result: Review, code: str) -> str:
    found = [a for a in result.advice if a.code == code]
    assert found, f"no {code!r} advice in {codes(result)}"
    return found[0].message
