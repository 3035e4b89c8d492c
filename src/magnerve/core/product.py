"""Turn a plan's titration into units of a real product ("2 capsules twice a day").

A plan speaks in elemental milligrams; people take capsules. This module converts each
titration step into whole units per dose and per day for the product a label describes. Two
rules keep it safe:

- **Round down, never up.** Units per day are the most whole units whose magnesium does not
  exceed the step, spread over the step's doses as evenly as possible (later doses take any
  extra unit, e.g. 300 mg of 100 mg capsules in two doses is 1 + 2), and no single dose may
  exceed the plan's largest single dose. The day's actual magnesium never exceeds the step
  (the upper limit and the gut's tolerance are what titration protects). When even one unit
  is more than a dose, the step gets zero units and a warning rather than an overdose;
  splitting tablets is left to a pharmacist because many supplements are not scored.
- **Ambiguous labels use the higher reading.** When a label names a compound without "as"
  (``ambiguous_basis``), its amount may be the compound or the magnesium itself. Units are
  worked out from the higher reading, so the dose stays within the step whichever reading is
  true; the lower reading is reported beside it.

The module is pure: it takes a :class:`~magnerve.core.labels.LabelResult` and the plan's
titration steps and returns the plan's ``product`` field as plain data. Besides the label's
own warnings it adds: ``units_are_servings`` (no serving size, so the unit is a serving),
``product_amount_unknown`` (no elemental amount, or an implausible one, so no units),
``implausible_amount`` (under 1 mg a unit: no units rather than thousands of them),
``units_from_higher_reading`` (ambiguous basis, see above), and per step
``unit_exceeds_dose``, ``units_capped`` (more than :data:`MAX_UNITS_PER_DOSE` units a dose
would be needed) and ``rounded_down``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from magnerve.core.labels import LabelItem, LabelResult, LabelWarning
from magnerve.core.plan import TitrationStep

__all__ = ["MAX_UNITS_PER_DOSE", "MIN_MG_PER_UNIT", "label_readings", "product_plan", "units_for"]

#: Slack for floating-point division so 300 mg of 100 mg capsules is 3, not 2.999...
_EPSILON = 1e-9
#: A unit (capsule, tablet, mL...) with less magnesium than this is not dosed: a plan would
#: mean hundreds of units, and such a reading is nearly always a misread label (magnerve
#: policy).
MIN_MG_PER_UNIT = 1.0
#: The most units magnerve ever advises in one dose (magnerve policy: nobody should be told
#: to swallow more than this at once; a step needing more asks for a stronger product).
MAX_UNITS_PER_DOSE = 20


def _floor2(value: float) -> float | int:
    """Round down to 0.01 mg (never shows more than the real amount); whole numbers as int."""
    floored = math.floor(value * 100 + _EPSILON) / 100
    return int(floored) if floored.is_integer() else floored


def _show(value: float) -> str:
    if 0 < abs(value) < 1:
        return f"{value:.2g}"  # 0.0001 mg is not "0 mg"
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def units_for(target_mg: float, mg_per_unit: float) -> int:
    """The most whole units whose magnesium does not exceed ``target_mg``.

    >>> units_for(300, 100), units_for(250, 100), units_for(50, 100)
    (3, 2, 0)
    """
    if mg_per_unit <= 0 or target_mg <= 0 or not math.isfinite(target_mg / mg_per_unit):
        return 0
    units = math.floor(target_mg / mg_per_unit + _EPSILON)
    while units > 0 and units * mg_per_unit > target_mg * (1 + _EPSILON):
        units -= 1
    return units


def _ambiguous(item: LabelItem) -> bool:
    return any(w.code == "ambiguous_basis" for w in item.warnings)


def label_readings(label: LabelResult) -> tuple[float | None, float | None]:
    """Elemental mg per serving as the label was read, and the higher reading used for units
    (the stated amount taken as magnesium itself wherever the basis is ambiguous)."""
    if label.elemental_mg_per_serving is None:
        return None, None
    high = 0.0
    for item in label.items:
        if not item.counted or item.elemental_mg is None:
            continue
        if _ambiguous(item) and item.compound_mg is not None:
            high += max(item.elemental_mg, item.compound_mg)
        else:
            high += item.elemental_mg
    return label.elemental_mg_per_serving, high


def _plural(unit: str, count: int) -> str:
    if count == 1 or unit in ("mL", "g"):
        return unit
    return unit[:-1] + "ies" if unit.endswith("y") else unit + "s"


def _spread(units: int, doses: int) -> list[int]:
    """Whole units over ``doses`` doses, as evenly as possible, later doses larger."""
    base, extra = divmod(units, doses)
    return [base + (1 if i >= doses - extra else 0) for i in range(doses)]


def product_plan(
    label: LabelResult,
    titration: Sequence[TitrationStep],
    *,
    single_dose_max_mg: float = 200.0,
) -> dict[str, Any]:
    """The plan's ``product`` field: units per dose and per day for each titration step.

    Every step's ``elemental_mg_per_day_actual`` is at most its ``elemental_mg_per_day``,
    and no dose holds more than ``single_dose_max_mg`` (dosing.toml [split]).
    The label's warnings are carried over, followed by the product's own.
    """
    warnings: list[LabelWarning] = list(label.warnings)
    low, high = label_readings(label)
    units_per_serving = label.serving.units_per_serving
    unit = label.serving.unit
    if high is not None and units_per_serving:
        per_unit: float | None = high / units_per_serving
        per_unit_low = None if low is None else low / units_per_serving
    elif high is not None:
        per_unit, per_unit_low, unit = high, low, "serving"
        warnings.append(LabelWarning(
            "units_are_servings",
            "The label gives no serving size, so doses are counted in servings.",
        ))  # fmt: skip
    elif any(w.code == "implausible_amount" for w in label.warnings):
        per_unit = per_unit_low = None
        warnings.append(LabelWarning(
            "product_amount_unknown",
            "The label's amount of magnesium is not plausible for a supplement (see its "
            "implausible_amount warning), so no number of units is worked out; check the "
            "label's number and unit.",
        ))  # fmt: skip
    else:
        per_unit = per_unit_low = None
        warnings.append(LabelWarning(
            "product_amount_unknown",
            "The label does not say how much elemental magnesium the product gives, so no "
            "number of units can be worked out; use a product that states it.",
        ))  # fmt: skip
    if per_unit is not None and not per_unit >= MIN_MG_PER_UNIT:
        one = unit or "unit"
        warnings.append(LabelWarning(
            "implausible_amount",
            f"One {one} of this product gives {_show(per_unit)} mg of magnesium, too little to "
            f"dose a plan with (magnerve needs at least {_show(MIN_MG_PER_UNIT)} mg a "
            f"{one}), so no number of units is worked out; check the label, or use a "
            "magnesium supplement.",
        ))  # fmt: skip
        per_unit = per_unit_low = None
    ambiguous = per_unit is not None and per_unit_low is not None and per_unit > per_unit_low
    if ambiguous and per_unit is not None and per_unit_low is not None:
        warnings.append(LabelWarning(
            "units_from_higher_reading",
            f"The label may mean {_show(per_unit_low)} or {_show(per_unit)} mg of magnesium per "
            f"{unit}; units are worked out from the higher figure so no step is exceeded. "
            "Ask the maker or a pharmacist which it is.",
        ))  # fmt: skip
    steps: list[dict[str, Any]] = []
    too_strong: list[int] = []
    capped: list[int] = []
    for step in titration:
        doses = max(1, step.doses_per_day)
        entry: dict[str, Any] = {
            "day": step.day,
            "elemental_mg_per_day": step.elemental_mg_per_day,
            "doses_per_day": doses,
            "units_per_dose": None,
            "units_per_day": None,
            "elemental_mg_per_day_actual": None,
            "warnings": [],
        }
        if per_unit is None or unit is None:
            steps.append(entry)
            continue
        per_dose = step.elemental_mg_per_day / doses
        most_per_dose = units_for(max(per_dose, single_dose_max_mg), per_unit)
        fitting = min(units_for(step.elemental_mg_per_day, per_unit), most_per_dose * doses)
        per_day = min(fitting, MAX_UNITS_PER_DOSE * doses)
        by_dose = _spread(per_day, doses)
        units = max(by_dose)
        actual = per_day * per_unit
        entry["units_per_dose"] = units
        entry["units_by_dose"] = by_dose
        entry["units_per_day"] = per_day
        entry["elemental_mg_per_day_actual"] = _floor2(min(actual, step.elemental_mg_per_day))
        if ambiguous and per_unit_low is not None:
            entry["elemental_mg_per_day_if_lower_reading"] = _floor2(per_day * per_unit_low)
        if per_day < fitting:
            capped.append(step.day)
            entry["warnings"].append(LabelWarning(
                "units_capped",
                f"This step would need more than {MAX_UNITS_PER_DOSE} "
                f"{_plural(unit, MAX_UNITS_PER_DOSE)} a dose; magnerve stops at "
                f"{MAX_UNITS_PER_DOSE} a dose ({_show(actual)} mg a day, below the step's "
                f"{_show(step.elemental_mg_per_day)} mg): use a stronger product.",
            ).to_dict())  # fmt: skip
        elif units == 0 and step.elemental_mg_per_day > 0:
            too_strong.append(step.day)
            entry["warnings"].append(LabelWarning(
                "unit_exceeds_dose",
                f"One {unit} ({_show(per_unit)} mg) is more than this step's "
                f"{_show(per_dose)} mg per dose; take none of this product at this step, or "
                "ask a pharmacist about a lower-strength product.",
            ).to_dict())  # fmt: skip
        elif actual < step.elemental_mg_per_day - 0.5:
            entry["warnings"].append(LabelWarning(
                "rounded_down",
                f"Taking {per_day} {_plural(unit, per_day)} a day gives {_show(actual)} mg, "
                f"below the step's {_show(step.elemental_mg_per_day)} mg: whole units are "
                "rounded down so the step is never exceeded.",
            ).to_dict())  # fmt: skip
        steps.append(entry)
    if too_strong:
        days = ", ".join(str(day) for day in too_strong)
        warnings.append(LabelWarning(
            "unit_exceeds_dose",
            f"One {unit} of this product is more than a single dose at the step(s) starting on "
            f"day {days}; magnerve never rounds up, so those steps need a lower-strength "
            "product.",
        ))  # fmt: skip
    if capped:
        days = ", ".join(str(day) for day in capped)
        warnings.append(LabelWarning(
            "units_capped",
            f"At the step(s) starting on day {days} this product would need more than "
            f"{MAX_UNITS_PER_DOSE} {_plural(unit or 'unit', MAX_UNITS_PER_DOSE)} a dose; "
            "magnerve caps the units there, so those steps give less magnesium than planned: "
            "use a stronger product.",
        ))  # fmt: skip
    return {
        "forms": list(label.forms),
        "serving": label.serving.to_dict(),
        "elemental_mg_per_serving": _floor2(low) if low is not None else None,
        "elemental_mg_per_unit": None if per_unit_low is None else _floor2(per_unit_low),
        "elemental_mg_per_unit_for_dosing": None if per_unit is None else _floor2(per_unit),
        "unit": unit,
        "steps": steps,
        "warnings": [w.to_dict() for w in warnings],
    }
