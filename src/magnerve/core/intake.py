"""Reference intakes and supplemental upper limits for a person.

The jurisdiction's own value is used where it has one. Where it has none for an age (the UK
gives adult values only), the US IOM value is used and the result says so. For anyone under
18 the limit is never above the US age-specific upper limit: IOM 1997 is the only
age-specific table in magnerve's sources, and a child-size limit must not be replaced by an
adult one.
"""

from __future__ import annotations

from dataclasses import dataclass

from magnerve.knowledge import Knowledge
from magnerve.knowledge.models import ReferenceIntake, UpperLimit

__all__ = ["Intake", "reference_intake", "upper_limit"]


@dataclass(frozen=True, slots=True)
class Intake:
    """A value in mg/day and where it came from."""

    mg: int | None
    jurisdiction: str
    sources: tuple[str, ...]
    note: str | None = None


def _band(bands: tuple[UpperLimit, ...], age: int) -> UpperLimit | None:
    return next((b for b in bands if b.covers(age)), None)


def upper_limit(knowledge: Knowledge, jurisdiction: str, age: int) -> Intake:
    """Supplemental upper limit (elemental mg/day); ``mg`` is None when none is established."""
    own = _band(knowledge.jurisdictions[jurisdiction].upper_limit, age)
    us = _band(knowledge.jurisdictions["US"].upper_limit, age)
    adult = age >= knowledge.threshold("adult_age")
    if own is not None and own.mg is not None:
        if adult or us is None or us.mg is None or own.mg <= us.mg:
            return Intake(own.mg, jurisdiction, own.sources)
        return Intake(
            us.mg, "US", own.sources + us.sources,
            f"{jurisdiction} sets {own.mg} mg/day from age {own.age_min}; the lower US IOM "
            f"value for age {age} is used for children.",
        )
    if us is not None and us.mg is not None:
        note = None
        if jurisdiction != "US":
            note = f"{jurisdiction} sets no upper limit for age {age}; the US IOM value is used."
        return Intake(us.mg, "US", us.sources, note)
    sources = us.sources if us is not None else ("iom1997",)
    return Intake(None, jurisdiction, sources, "No upper limit is established for this age.")


def _reference_band(
    bands: tuple[ReferenceIntake, ...], age: int, sex: str, state: str
) -> ReferenceIntake | None:
    return next(
        (b for b in bands if b.covers(age) and b.sex in (sex, "any") and b.state == state), None
    )


def reference_intake(
    knowledge: Knowledge, jurisdiction: str, age: int, sex: str, state: str = "none"
) -> Intake:
    """The daily reference intake (RDA/RNI/AI, all sources) for age, sex and pregnancy state."""
    own = _reference_band(knowledge.jurisdictions[jurisdiction].reference, age, sex, state)
    if own is not None:
        return Intake(own.mg, jurisdiction, own.sources, own.note)
    us = _reference_band(knowledge.jurisdictions["US"].reference, age, sex, state)
    if us is None and state != "none":
        us = _reference_band(knowledge.jurisdictions["US"].reference, age, sex, "none")
    if us is None:  # pragma: no cover - the US table covers every age and sex
        return Intake(None, jurisdiction, ("iom1997",), "No reference intake found.")
    note = None
    if jurisdiction != "US":
        note = (f"{jurisdiction} gives no reference intake for this age or state in magnerve's "
                "sources; the US RDA is used.")
    return Intake(us.mg, "US", us.sources, note)
