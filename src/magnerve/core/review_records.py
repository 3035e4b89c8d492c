"""The review's records and their JSON shape (design.md 3.7).

``Review.to_dict()`` is the one place the ``magnerve review --format json`` contract is
written: status, step {elemental_mg_per_day, doses_per_day, since}, next_step {elemental_mg_
per_day, on} or null, adherence_pct, baseline_pain, current_pain, pain_change_pct, response
and advice [{code, severity, message}] are binding; everything else is added detail that may
grow but is never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from magnerve.core.plan import Status
from magnerve.core.response import BootstrapInterval, LagEffect, PainWindow, ResponseCategory
from magnerve.core.spacing import SpacingViolation
from magnerve.core.tolerance import GIEpisode, Segment

__all__ = [
    "RESPONSE_SOURCES",
    "REVIEW_SCHEMA_VERSION",
    "Adherence",
    "Advice",
    "DayRecord",
    "GIEvent",
    "NextStep",
    "Review",
    "Severity",
    "Step",
    "WeekAdherence",
]

REVIEW_SCHEMA_VERSION = "1"
Severity = Literal["info", "caution", "see_clinician", "stop"]
#: IMMPACT (Dworkin 2008) and Farrar 2001: the response thresholds' sources.
RESPONSE_SOURCES = ("dworkin2008", "farrar2001")


@dataclass(frozen=True, slots=True)
class Step:
    """The dose to take today; ``since`` is when this step began (None before day 1)."""

    elemental_mg_per_day: int
    doses_per_day: int
    since: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "elemental_mg_per_day": self.elemental_mg_per_day,
            "doses_per_day": self.doses_per_day,
            "since": None if self.since is None else self.since.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class NextStep:
    elemental_mg_per_day: int
    on: date

    def to_dict(self) -> dict[str, Any]:
        return {"elemental_mg_per_day": self.elemental_mg_per_day, "on": self.on.isoformat()}


@dataclass(frozen=True, slots=True)
class Advice:
    """One thing to do or know, with a plan-style severity and the sources behind it."""

    code: str
    severity: Severity
    message: str
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "sources": list(self.sources)}


@dataclass(frozen=True, slots=True)
class WeekAdherence:
    """Week ``week`` of the plan (days 7w-6 .. 7w), counting full days before today."""

    week: int
    start: date
    end: date
    taken: int
    planned: int

    @property
    def pct(self) -> float | None:
        return None if self.planned <= 0 else 100.0 * self.taken / self.planned

    def to_dict(self) -> dict[str, Any]:
        pct = self.pct
        return {"week": self.week, "from": self.start.isoformat(), "to": self.end.isoformat(),
                "taken": self.taken, "planned": self.planned,
                "pct": None if pct is None else round(pct, 1)}


@dataclass(frozen=True, slots=True)
class Adherence:
    """Doses logged / planned. Each day counts at most its planned doses, so an extra dose
    one day cannot make up for a missed one another day."""

    start: date
    end: date
    taken: int
    planned: int
    missed_days: int
    today_taken: int
    today_planned: int
    weekly: tuple[WeekAdherence, ...]

    @property
    def pct(self) -> float | None:
        return None if self.planned <= 0 else 100.0 * self.taken / self.planned

    def to_dict(self) -> dict[str, Any]:
        pct = self.pct
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "taken": self.taken,
            "planned": self.planned,
            "pct": None if pct is None else round(pct, 1),
            "days_without_a_dose": self.missed_days,
            "today": {"taken": self.today_taken, "planned": self.today_planned},
            "weekly": [w.to_dict() for w in self.weekly],
        }


@dataclass(frozen=True, slots=True)
class GIEvent:
    """A logged stool or stomach entry; ``intolerance`` when it counts against the dose."""

    at: datetime
    bristol: int | None
    diarrhea: bool
    nausea: bool
    cramps: bool
    mg_per_day: int | None

    @property
    def intolerance(self) -> bool:
        return self.diarrhea or (self.bristol is not None and self.bristol >= 6)

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "bristol": self.bristol, "diarrhea": self.diarrhea,
                "nausea": self.nausea, "cramps": self.cramps, "intolerance": self.intolerance,
                "step_mg_per_day": self.mg_per_day}


@dataclass(frozen=True, slots=True)
class DayRecord:
    """One local day, for plots and reports."""

    day: date
    plan_day: int | None
    planned_mg: int
    planned_doses: int
    taken_mg: float
    taken_doses: int
    pain: float | None
    intolerance: bool

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "plan_day": self.plan_day,
                "planned_mg": self.planned_mg, "planned_doses": self.planned_doses,
                "taken_mg": round(self.taken_mg, 1), "taken_doses": self.taken_doses,
                "pain": None if self.pain is None else round(self.pain, 2),
                "intolerance": self.intolerance}


@dataclass(frozen=True)
class Review:
    """Everything the review found; ``to_dict()`` is the design.md 3.7 JSON."""

    as_of: datetime
    today: date
    status: Status
    started: bool
    start_date: date | None
    plan_day: int | None
    plan_version: int
    form: str | None
    target_mg: int
    tolerated_target_mg: int
    step: Step
    next_step: NextStep | None
    adherence: Adherence | None
    baseline: PainWindow
    current: PainWindow | None
    change_pct: float | None
    change_points: float | None
    response: ResponseCategory
    interval: BootstrapInterval | None
    interval_categories: tuple[str, ...]
    weeks_at_target: float
    response_notes: tuple[str, ...]
    dose_response: tuple[LagEffect, ...]
    segments: tuple[Segment, ...]
    gi_episodes: tuple[GIEpisode, ...]
    gi_events: tuple[GIEvent, ...]
    violations: tuple[SpacingViolation, ...]
    advice: tuple[Advice, ...]
    days: tuple[DayRecord, ...] = field(default=(), repr=False)
    plan: dict[str, Any] = field(default_factory=dict, repr=False)
    profile: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def baseline_pain(self) -> float | None:
        return self.baseline.mean if self.baseline.sufficient else None

    @property
    def current_pain(self) -> float | None:
        if self.current is None or not self.current.sufficient:
            return None
        return self.current.mean

    @property
    def adherence_pct(self) -> float | None:
        return None if self.adherence is None else self.adherence.pct

    def source_ids(self) -> list[str]:
        """Every source id the review itself relies on (the plan lists its own)."""
        ids = [s for a in self.advice for s in a.sources]
        ids.extend(RESPONSE_SOURCES)
        return list(dict.fromkeys(ids))

    def to_dict(self, *, days: bool = False) -> dict[str, Any]:
        """The review JSON; ``days`` adds the per-day series used by the plots."""

        def _round(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        data: dict[str, Any] = {
            "schema_version": REVIEW_SCHEMA_VERSION,
            "as_of": self.as_of.isoformat(),
            "today": self.today.isoformat(),
            "status": self.status,
            "started": self.started,
            "start_date": None if self.start_date is None else self.start_date.isoformat(),
            "plan_day": self.plan_day,
            "plan_version": self.plan_version,
            "form": self.form,
            "target_mg": self.target_mg,
            "tolerated_target_mg": self.tolerated_target_mg,
            "step": self.step.to_dict(),
            "next_step": None if self.next_step is None else self.next_step.to_dict(),
            "adherence_pct": _round(self.adherence_pct, 1),
            "adherence": None if self.adherence is None else self.adherence.to_dict(),
            "baseline_pain": _round(self.baseline_pain, 2),
            "current_pain": _round(self.current_pain, 2),
            "pain_change_pct": _round(self.change_pct, 1),
            "pain_change_points": _round(self.change_points, 2),
            "pain_change_interval": None if self.interval is None else self.interval.to_dict(),
            "response": self.response,
            "response_detail": {
                "baseline": self.baseline.to_dict(),
                "current": None if self.current is None else self.current.to_dict(),
                "weeks_at_target": round(self.weeks_at_target, 1),
                "interval_spans": list(self.interval_categories),
                "notes": list(self.response_notes),
            },
            "dose_response": [lag.to_dict() for lag in self.dose_response],
            "dose_history": [s.to_dict() for s in self.segments],
            "gi_episodes": [e.to_dict() for e in self.gi_episodes],
            "separation_violations": [v.to_dict() for v in self.violations],
            "advice": [a.to_dict() for a in self.advice],
        }
        if days:
            data["days"] = [d.to_dict() for d in self.days]
        return data
