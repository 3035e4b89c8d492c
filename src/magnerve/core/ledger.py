"""The magnesium ledger: food, supplements, and how they compare with the reference values.

Two different yardsticks, kept apart on purpose (IOM 1997; SCF 2001; EVM 2003):

- the **reference intake** (RDA/RNI/AI) covers magnesium from *all* sources, so food and
  supplements are added up against it;
- the **upper limit** covers supplements and medicines *only*; food never counts toward it.

Food suggestions to close a gap come from the questionnaire foods of domain.md §8 (pinned
USDA SR28 values), richest per serving first.
"""

from __future__ import annotations

from typing import Any

from magnerve.core.diet import QUESTIONNAIRE, DietEstimate
from magnerve.core.foods import FoodTable
from magnerve.core.intake import Intake

__all__ = ["build_ledger"]

MAX_SUGGESTIONS = 3


def _suggestions(gap_mg: float, table: FoodTable, eaten: set[str]) -> list[dict[str, Any]]:
    """Up to three servings of magnesium-rich foods that together close ``gap_mg``."""
    options = []
    for item in QUESTIONNAIRE.values():
        food = table.get(item.food_id)
        mg = food.mg_in(item.grams)
        if mg is None or item.note:  # brand-dependent foods are not suggested
            continue
        options.append((-mg, item.key, item, food, mg))
    options.sort(key=lambda o: (o[0], o[1]))
    out: list[dict[str, Any]] = []
    remaining = gap_mg
    for _, key, item, food, mg in options:
        if remaining <= 0 or len(out) >= MAX_SUGGESTIONS:
            break
        out.append(
            {
                "food": item.label,
                "food_id": food.id,
                "serving": item.serving,
                "grams": item.grams,
                "mg": round(mg, 1),
                "already_eaten": key in eaten,
            }
        )
        remaining -= mg
    return out


def build_ledger(
    diet: DietEstimate,
    table: FoodTable,
    *,
    current_supplement_mg: float,
    planned_supplement_mg: int,
    reference: Intake,
    reference_kind: str,
    upper_limit: Intake,
    supervised: bool,
) -> dict[str, Any]:
    """The plan's ``ledger``: food mg, supplement mg, totals against the reference intake,
    supplements against the upper limit, and food suggestions for any gap."""
    notes: list[str] = []
    eaten: set[str] = set()
    if diet.log is not None and diet.log.items:
        food_mg = diet.log.total_mg
        source = "food log"
        if diet.log.unresolved:
            notes.append(
                f"{len(diet.log.unresolved)} food line(s) could not be read and are not "
                "counted, so food magnesium may be higher."
            )
        if diet.questionnaire is not None:
            notes.append("A food log and a questionnaire were both given; the log is used.")
    elif diet.questionnaire is not None:
        food_mg = diet.questionnaire.mg_per_day
        source = "questionnaire"
        eaten = {line.item.key for line in diet.questionnaire.lines if line.servings_per_day}
    else:
        food_mg = 0.0
        source = "food log"
        notes.append("No food line could be read, so food magnesium is unknown.")
    supplements = current_supplement_mg + planned_supplement_mg
    total = food_mg + supplements
    ref = reference.mg
    gap = max(0.0, ref - total) if ref is not None else None
    limit = upper_limit.mg
    within = None if limit is None else supplements <= limit
    if limit is not None and not within and supervised:
        notes.append("Supplements exceed the upper limit under clinician supervision.")
    notes.append("Food never counts toward the upper limit; it applies to supplements and "
                 "medicines only.")
    if reference.note:
        notes.append(reference.note)
    return {
        "food_mg": round(food_mg, 1),
        "food_source": source,
        "current_supplement_mg": round(current_supplement_mg, 1),
        "planned_supplement_mg": planned_supplement_mg,
        "supplement_mg": round(supplements, 1),
        "total_mg": round(total, 1),
        "reference_mg": ref,
        "reference_kind": reference_kind,
        "reference_jurisdiction": reference.jurisdiction,
        "percent_of_reference": None if not ref else round(total / ref * 100),
        "gap_mg": None if gap is None else round(gap, 1),
        "upper_limit_mg": limit,
        "supplemental_mg": round(supplements, 1),
        "within_upper_limit": within,
        "suggestions": _suggestions(gap, table, eaten) if gap else [],
        "diet": diet.to_dict(),
        "notes": notes,
        "sources": sorted({"usda_sr28", *diet.to_dict()["sources"], *reference.sources,
                           *upper_limit.sources}),
    }
