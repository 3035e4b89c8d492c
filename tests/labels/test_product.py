"""The plan's product field: whole units per dose, rounded down, never above a step."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magnerve.core.labels import parse_label
from magnerve.core.plan import TitrationStep
from magnerve.core.product import MAX_UNITS_PER_DOSE, MIN_MG_PER_UNIT, product_plan, units_for
from magnerve.knowledge import Knowledge, load_knowledge

KNOWLEDGE = load_knowledge()
TITRATION = [TitrationStep(1, 100, 1), TitrationStep(8, 200, 2), TitrationStep(15, 300, 2)]


def test_units_per_step(knowledge: Knowledge) -> None:
    """100 mg capsules: 1, then 1 twice a day, then 1 + 2 (300 mg in two doses, no dose above
    200 mg), exactly the step each time."""
    label = parse_label("Serving Size 2 Capsules\nMagnesium (as glycinate) 200 mg 48%", knowledge)
    product = product_plan(label, TITRATION)
    json.dumps(product, allow_nan=False)
    assert product["elemental_mg_per_unit"] == 100
    assert product["unit"] == "capsule"
    steps = product["steps"]
    assert [s["units_by_dose"] for s in steps] == [[1], [1, 1], [1, 2]]
    assert [s["units_per_day"] for s in steps] == [1, 2, 3]
    assert [s["elemental_mg_per_day_actual"] for s in steps] == [100, 200, 300]
    assert all(s["warnings"] == [] for s in steps)


def test_rounding_down_is_said_out_loud(knowledge: Knowledge) -> None:
    """120 mg tablets cannot make 300 mg: two tablets (240 mg), with a rounded_down warning."""
    label = parse_label("Serving Size 1 Tablet\nMagnesium (as citrate) 120 mg", knowledge)
    [step] = product_plan(label, [TitrationStep(1, 300, 2)])["steps"]
    assert step["units_by_dose"] == [1, 1]
    assert step["elemental_mg_per_day_actual"] == 240
    assert [w["code"] for w in step["warnings"]] == ["rounded_down"]


def test_unit_stronger_than_a_dose_is_never_rounded_up(knowledge: Knowledge) -> None:
    """A 400 mg tablet cannot give a 100 mg step: zero units and a warning, not 400 mg."""
    label = parse_label("Serving Size 1 Tablet\nMagnesium (as oxide) 400 mg", knowledge)
    product = product_plan(label, [TitrationStep(1, 100, 1), TitrationStep(8, 400, 1)])
    first, second = product["steps"]
    assert first["units_per_dose"] == 0
    assert first["elemental_mg_per_day_actual"] == 0
    assert [w["code"] for w in first["warnings"]] == ["unit_exceeds_dose"]
    assert second["units_per_dose"] == 1
    assert "unit_exceeds_dose" in {w["code"] for w in product["warnings"]}


def test_label_warnings_are_carried(knowledge: Knowledge) -> None:
    """The plan shows the label's own warnings (dv_mismatch, buffered_with_oxide...)."""
    label = parse_label(
        "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate, magnesium oxide) 200 mg 20%",
        knowledge,
    )
    codes = {w["code"] for w in product_plan(label, TITRATION)["warnings"]}
    assert {"buffered_with_oxide", "dv_mismatch"} <= codes


def test_ambiguous_label_doses_from_the_higher_reading(knowledge: Knowledge) -> None:
    """ "Magnesium glycinate 500 mg" may be 70 mg or 500 mg of magnesium: units are worked
    out from 500 mg so the step holds whichever is true."""
    label = parse_label("Serving Size 1 Capsule\nMagnesium Glycinate 500 mg", knowledge)
    product = product_plan(label, [TitrationStep(1, 300, 1), TitrationStep(8, 1000, 2)])
    assert product["elemental_mg_per_unit"] == pytest.approx(70.48)
    assert product["elemental_mg_per_unit_for_dosing"] == 500
    first, second = product["steps"]
    assert first["units_per_dose"] == 0
    assert second["units_per_dose"] == 1
    assert second["elemental_mg_per_day_if_lower_reading"] == pytest.approx(140.96)
    assert "units_from_higher_reading" in {w["code"] for w in product["warnings"]}


def test_liquid_in_whole_millilitres(knowledge: Knowledge) -> None:
    """Milk of magnesia: 1200 mg hydroxide per 15 mL is 33.34 mg magnesium per mL, so a
    100 mg step is 2 mL (3 mL would be 100.02 mg: just over, so not allowed)."""
    label = parse_label(
        "Drug Facts\nActive ingredient (in each 15 mL)\nMagnesium hydroxide 1200 mg", knowledge
    )
    product = product_plan(label, [TitrationStep(1, 100, 1)])
    step = product["steps"][0]
    assert product["unit"] == "mL"
    assert step["units_per_dose"] == 2
    assert step["elemental_mg_per_day_actual"] == pytest.approx(66.68, abs=0.01)


def test_unknown_serving_counts_servings(knowledge: Knowledge) -> None:
    """Without a serving size the unit is the serving, and the plan says so."""
    label = parse_label("Magnesium (as citrate) 100 mg", knowledge)
    product = product_plan(label, [TitrationStep(1, 200, 2)])
    assert product["unit"] == "serving"
    assert product["steps"][0]["units_per_day"] == 2
    assert "units_are_servings" in {w["code"] for w in product["warnings"]}


def test_unknown_amount_gives_no_units(knowledge: Knowledge) -> None:
    """A blend with hidden magnesium: no units, and a warning saying why."""
    label = parse_label("Proprietary Blend 500 mg: magnesium glycinate, L-theanine", knowledge)
    product = product_plan(label, TITRATION)
    assert all(s["units_per_dose"] is None for s in product["steps"])
    assert "product_amount_unknown" in {w["code"] for w in product["warnings"]}


@settings(max_examples=200, deadline=None)
@given(
    mg=st.integers(min_value=1, max_value=1000),
    units=st.integers(min_value=1, max_value=6),
    steps=st.lists(
        st.tuples(st.integers(min_value=0, max_value=1200), st.integers(min_value=1, max_value=4)),
        min_size=1,
        max_size=6,
    ),
)
def test_never_exceeds_a_step(mg: int, units: int, steps: list[tuple[int, int]]) -> None:
    """For any product and titration, the actual magnesium never exceeds the step, and one
    more unit per dose would exceed it or pass the cap on units in a dose (the rounding is
    down, and only down). A unit under 1 mg gets no units at all, with a warning."""
    label = parse_label(
        f"Serving Size {units} Tablets\nMagnesium (as magnesium citrate) {mg} mg", KNOWLEDGE
    )
    titration = [TitrationStep(day * 7 + 1, step, doses) for day, (step, doses) in enumerate(steps)]
    product = product_plan(label, titration)
    per_unit = mg / units
    if per_unit < MIN_MG_PER_UNIT:
        assert all(entry["units_per_day"] is None for entry in product["steps"])
        assert "implausible_amount" in {w["code"] for w in product["warnings"]}
        return
    for step, entry in zip(titration, product["steps"], strict=True):
        assert entry["elemental_mg_per_day_actual"] <= step.elemental_mg_per_day
        assert sum(entry["units_by_dose"]) == entry["units_per_day"]
        assert entry["units_per_day"] * per_unit <= step.elemental_mg_per_day + 1e-6
        assert len(entry["units_by_dose"]) == step.doses_per_day
        biggest = max(200.0, step.elemental_mg_per_day / step.doses_per_day)
        assert max(entry["units_by_dose"]) * per_unit <= biggest + 1e-6
        assert max(entry["units_by_dose"]) <= MAX_UNITS_PER_DOSE
        # Rounding is down and only down: one more unit a day would break a limit.
        one_more = entry["units_per_day"] + 1
        spread_max = -(-one_more // step.doses_per_day)
        assert (one_more * per_unit > step.elemental_mg_per_day - 1e-6
                or spread_max * per_unit > biggest + 1e-6
                or spread_max > MAX_UNITS_PER_DOSE)
        if (one_more * per_unit <= step.elemental_mg_per_day - 1e-6
                and spread_max * per_unit <= biggest - 1e-6):
            # Only the cap stopped it, and the step says so.
            assert "units_capped" in {w["code"] for w in entry["warnings"]}


@given(
    target=st.floats(min_value=0, max_value=1e5), per_unit=st.floats(min_value=0.01, max_value=1e4)
)
def test_units_for_is_the_largest_that_fits(target: float, per_unit: float) -> None:
    """units_for(t, u) * u <= t < (units_for(t, u) + 1) * u."""
    units = units_for(target, per_unit)
    assert units * per_unit <= target * (1 + 1e-9)
    assert (units + 1) * per_unit > target * (1 - 1e-9)
