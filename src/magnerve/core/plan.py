"""The plan (design.md 3.2): immutable records and their JSON shape.

Field names here are a public contract; add fields, never rename them. ``Plan.to_dict()``
is the one place the JSON shape is written, so the CLI, the REST API and the web pages all
print the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "caution", "see_clinician", "stop"]
Status = Literal["start", "start_with_caution", "see_clinician_first", "do_not_start"]

SCHEMA_VERSION = "1"
SEVERITY_ORDER: dict[str, int] = {"info": 0, "caution": 1, "see_clinician": 2, "stop": 3}
STATUS_BY_SEVERITY: dict[str, Status] = {
    "info": "start",
    "caution": "start_with_caution",
    "see_clinician": "see_clinician_first",
    "stop": "do_not_start",
}


def status_for(severities: list[str]) -> Status:
    """Plan status from reason severities: the worst one wins (design.md 3.2)."""
    worst = max((SEVERITY_ORDER[s] for s in severities), default=0)
    return STATUS_BY_SEVERITY[next(k for k, v in SEVERITY_ORDER.items() if v == worst)]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    severity: Severity
    message: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class RankedForm:
    form: str
    name: str
    score: int
    reasons: tuple[str, ...]
    elemental_fraction: float | None
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "name": self.name,
            "score": self.score,
            "reasons": list(self.reasons),
            "elemental_fraction": (
                None if self.elemental_fraction is None else round(self.elemental_fraction, 4)
            ),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class TitrationStep:
    day: int
    elemental_mg_per_day: int
    doses_per_day: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "elemental_mg_per_day": self.elemental_mg_per_day,
            "doses_per_day": self.doses_per_day,
        }


@dataclass(frozen=True, slots=True)
class Dose:
    time: str
    elemental_mg: int
    form: str
    with_food: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "elemental_mg": self.elemental_mg,
            "form": self.form,
            "with_food": self.with_food,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class InteractionFinding:
    medication: str
    drug: str
    drug_class: str
    severity: Literal["major", "moderate", "minor"]
    effect: Literal["chelation", "depletion", "retention", "toxicity_risk", "additive"]
    management: str
    drug_then_mg_h: float | None
    mg_then_drug_h: float | None
    sources: tuple[str, ...]
    times: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "medication": self.medication,
            "drug": self.drug,
            "class": self.drug_class,
            "severity": self.severity,
            "effect": self.effect,
            "management": self.management,
            "drug_then_mg_h": self.drug_then_mg_h,
            "mg_then_drug_h": self.mg_then_drug_h,
            "times": list(self.times),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    condition: str
    summary: str
    grade: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "summary": self.summary,
            "grade": self.grade,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class FollowUp:
    day: int
    action: str

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "action": self.action}


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    citation: str
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "citation": self.citation}
        if self.url:
            data["url"] = self.url
        return data


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule the planner evaluated: what it looked at and what it concluded."""

    rule: str
    fired: bool
    inputs: dict[str, Any]
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "fired": self.fired, "inputs": self.inputs,
                "outcome": self.outcome}


@dataclass(frozen=True)
class Plan:
    status: Status
    reasons: tuple[Reason, ...]
    daily_target_mg: int
    upper_limit_mg: int | None
    recommended_form: str | None
    forms: tuple[RankedForm, ...]
    titration: tuple[TitrationStep, ...]
    schedule: tuple[Dose, ...]
    interactions: tuple[InteractionFinding, ...]
    evidence: tuple[EvidenceItem, ...]
    follow_up: tuple[FollowUp, ...]
    sources: tuple[SourceRef, ...]
    disclaimer: str
    jurisdiction: str
    assumptions: tuple[str, ...] = ()
    current_supplement_mg: float = 0.0
    trace: tuple[TraceStep, ...] = field(default=(), compare=False)
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self, *, explain: bool = False) -> dict[str, Any]:
        """The plan in its JSON contract shape; ``explain`` adds the rule trace."""
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "daily_target_mg": self.daily_target_mg,
            "upper_limit_mg": self.upper_limit_mg,
            "jurisdiction": self.jurisdiction,
        }
        if self.recommended_form is not None:
            data["recommended_form"] = self.recommended_form
        data.update(
            {
                "forms": [f.to_dict() for f in self.forms],
                "titration": [t.to_dict() for t in self.titration],
                "schedule": [d.to_dict() for d in self.schedule],
                "interactions": [i.to_dict() for i in self.interactions],
                "evidence": [e.to_dict() for e in self.evidence],
                "follow_up": [f.to_dict() for f in self.follow_up],
                "assumptions": list(self.assumptions),
                "current_supplement_mg": round(self.current_supplement_mg, 1),
            }
        )
        data.update(self.extras)
        data["sources"] = [s.to_dict() for s in self.sources]
        data["disclaimer"] = self.disclaimer
        if explain:
            data["trace"] = [t.to_dict() for t in self.trace]
        return data
