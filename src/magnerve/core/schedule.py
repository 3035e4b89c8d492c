"""The maintenance-day timetable: when to take each dose around medicines and meals.

Separation semantics (design.md 3.2): for a medicine taken at d and a magnesium dose at m on
a 24-hour clock that wraps at midnight, m is allowed when the time from the latest dose of
the medicine forward to m is at least ``drug_then_mg_h`` and the time from m forward to the
medicine's next dose is at least ``mg_then_drug_h``. Candidate times are meals first, then
every ``grid_minutes`` while awake; doses are kept ``min_gap_hours`` apart. When no set of
times satisfies every rule, the result says so instead of printing an unsafe timetable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations, pairwise

from magnerve.core.plan import Dose
from magnerve.core.units import format_clock, parse_clock
from magnerve.knowledge.models import Dosing

__all__ = ["Separation", "TimetableResult", "build_timetable", "is_separated", "split_dose"]

DAY = 1440


@dataclass(frozen=True, slots=True)
class Separation:
    """A medicine the timetable must keep magnesium away from."""

    drug: str
    times: tuple[int, ...]
    drug_then_mg_min: int
    mg_then_drug_min: int
    separable: bool = True

    @classmethod
    def from_hours(
        cls, drug: str, times: tuple[int, ...], drug_then_mg_h: float, mg_then_drug_h: float,
        separable: bool = True,
    ) -> Separation:
        return cls(drug, times, math.ceil(drug_then_mg_h * 60), math.ceil(mg_then_drug_h * 60),
                   separable)

    def since_and_until(self, minute: int) -> tuple[int, int]:
        """Minutes since the latest dose of the medicine, and until its next dose."""
        since = min((minute - d) % DAY for d in self.times)
        until = min((d - minute) % DAY for d in self.times)
        return since, until


def is_separated(minute: int, separation: Separation) -> bool:
    """Whether a magnesium dose at ``minute`` respects this medicine's rule."""
    if not separation.separable:
        return False
    if not separation.times:
        return True
    since, until = separation.since_and_until(minute)
    return since >= separation.drug_then_mg_min and until >= separation.mg_then_drug_min


@dataclass(frozen=True, slots=True)
class TimetableResult:
    doses: tuple[Dose, ...]
    feasible: bool
    blocking: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


def split_dose(total_mg: int, doses: int, unit: int) -> list[int]:
    """Split a daily amount into ``doses`` parts in whole ``unit`` steps; later parts larger.

    >>> split_dose(300, 2, 25)
    [150, 150]
    >>> split_dose(225, 2, 25)
    [100, 125]
    """
    if doses <= 0:
        return []
    steps = total_mg // unit
    base, extra = divmod(steps, doses)
    parts = [base * unit] * doses
    for i in range(extra):
        parts[doses - 1 - i] += unit
    remainder = total_mg - steps * unit
    parts[-1] += remainder
    return parts


def _meal_name(minute: int) -> str:
    if minute < 11 * 60:
        return "breakfast"
    if minute < 16 * 60:
        return "lunch"
    return "the evening meal"


@dataclass(frozen=True, slots=True)
class _Slot:
    offset: int  # minutes after waking
    minute: int  # clock minute
    meal: bool


def _slots(wake: int, sleep: int, meals: tuple[int, ...], grid: int) -> list[_Slot]:
    span = (sleep - wake) % DAY or DAY
    slots = {
        (m - wake) % DAY: _Slot((m - wake) % DAY, m % DAY, True)
        for m in meals
        if (m - wake) % DAY <= span  # a meal outside the waking day is not a dose time
    }
    # A full-day span (wake == sleep) must not list midnight-to-midnight twice.
    last = span if span < DAY else DAY - 1
    for offset in range(0, last + 1, grid):
        slots.setdefault(offset, _Slot(offset, (wake + offset) % DAY, False))
    return sorted(slots.values(), key=lambda s: s.offset)


def _choose(
    feasible: list[_Slot], count: int, min_gap: int, prefer_evening: bool
) -> tuple[_Slot, ...] | None:
    if count == 1:
        if not feasible:
            return None
        meals = [s for s in feasible if s.meal] or feasible
        return (meals[-1],) if prefer_evening else (meals[0],)
    best: tuple[tuple[int, int, int], tuple[_Slot, ...]] | None = None
    for combo in combinations(feasible, count):
        # Gaps within the day and across the night to the next day's first dose: doses are
        # taken every day, so a short night counts too.
        gaps = [b.offset - a.offset for a, b in pairwise(combo)]
        gaps.append(DAY - (combo[-1].offset - combo[0].offset))
        smallest = min(gaps)
        if smallest < min_gap:
            continue
        spread = combo[-1].offset - combo[0].offset
        key = (sum(s.meal for s in combo), min(smallest, 8 * 60), spread)
        if best is None or key > best[0]:
            best = (key, combo)
    return None if best is None else best[1]


def _note(slot: _Slot, separations: list[Separation]) -> str:
    parts = [f"with {_meal_name(slot.minute)}" if slot.meal else "with a snack or food"]
    for sep in separations:
        if not sep.times:
            continue
        since, until = sep.since_and_until(slot.minute)
        parts.append(
            f"{sep.drug}: {since / 60:g} h after, {until / 60:g} h before its next dose "
            f"(needs {sep.drug_then_mg_min / 60:g} h / {sep.mg_then_drug_min / 60:g} h)"
        )
    return "; ".join(parts)


def build_timetable(
    total_mg: int,
    doses: int,
    form: str,
    separations: list[Separation],
    dosing: Dosing,
    *,
    wake: int | None = None,
    sleep: int | None = None,
    meals: tuple[int, ...] = (),
    prefer_evening: bool = False,
) -> TimetableResult:
    """Place ``doses`` doses adding up to ``total_mg`` in the waking day."""
    routine = dosing.routine
    assumptions: list[str] = []
    if wake is None:
        wake = parse_clock(routine.wake, "routine.wake")
        assumptions.append(f"Wake time assumed {routine.wake} (not given).")
    if sleep is None:
        sleep = parse_clock(routine.sleep, "routine.sleep")
        assumptions.append(f"Bedtime assumed {routine.sleep} (not given).")
    if not meals:
        span = (sleep - wake) % DAY or DAY
        offsets = [round(h * 60) for h in routine.meal_offsets_hours]
        meals = tuple((wake + o) % DAY for o in offsets if o <= span)
        if meals:
            shown = ", ".join(format_clock(m) for m in meals)
            assumptions.append(f"Meal times assumed {shown} (not given).")
    if total_mg <= 0 or doses <= 0:
        return TimetableResult((), True, (), tuple(assumptions))
    blocking = tuple(s.drug for s in separations if not s.separable)
    if blocking:
        return TimetableResult((), False, blocking, tuple(assumptions))
    slots = _slots(wake, sleep, meals, routine.grid_minutes)
    feasible = [s for s in slots if all(is_separated(s.minute, sep) for sep in separations)]
    min_gap = round(routine.min_gap_hours * 60)
    chosen = _choose(feasible, doses, min_gap, prefer_evening)
    if chosen is None and doses > 1:
        chosen = _choose(feasible, doses, min(min_gap, 120), prefer_evening)
    if chosen is None:
        timed = tuple(s.drug for s in separations if s.times)
        return TimetableResult((), False, timed, tuple(assumptions))
    amounts = split_dose(total_mg, doses, dosing.target.round_mg)
    placed = sorted(zip(chosen, amounts, strict=True), key=lambda pair: pair[0].minute)
    result = tuple(
        Dose(
            time=format_clock(slot.minute),
            elemental_mg=mg,
            form=form,
            with_food=dosing.split.with_food,
            note=_note(slot, separations),
        )
        for slot, mg in placed
    )
    return TimetableResult(result, True, (), tuple(assumptions))
