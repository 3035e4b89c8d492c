"""Review findings: signs, fractions, implausible amounts and unreadable serving sizes.

A label reading must never understate magnesium and never lead to absurd dosing: a
negative amount is refused (not read as its absolute value), "½ mg" is half a milligram
(not 2 mg through NFKC's "1⁄2"), amounts no supplement could hold are treated as unknown,
and an unreadable serving size is named rather than reported as missing.
"""

from __future__ import annotations

import json

import pytest

from magnerve.core.labels import MAX_SERVING_MG, WARNING_CODES, LabelResult, parse_label
from magnerve.core.plan import TitrationStep
from magnerve.core.product import MAX_UNITS_PER_DOSE, product_plan
from magnerve.errors import LabelError
from magnerve.knowledge import Knowledge

TITRATION = [TitrationStep(1, 150, 1), TitrationStep(8, 300, 2)]


def _codes(result: LabelResult | dict) -> set[str]:
    warnings = result["warnings"] if isinstance(result, dict) else result.to_dict()["warnings"]
    return {w["code"] for w in warnings}


def _one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message.endswith(".")
    assert message.count(". ") == 0, message


# --------------------------------------------------------------------------------------------
# 1. Negative amounts


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Magnesium (as citrate) -200 mg", id="elemental"),
        pytest.param("Magnesium (as citrate) \u2212200 mg", id="unicode-minus"),
        pytest.param("Magnesium citrate -1,000 mg", id="compound"),
        pytest.param("Magnesium -8 mmol", id="mmol"),
        pytest.param("Serving Size 2 Capsules\nMagnesium (as oxide) -0.2 g 48%", id="grams"),
        pytest.param("Magnesium (as citrate) 100 mg\nMagnesium (as oxide) -200 mg",
                     id="beside-a-positive-line"),
    ],
)
def test_negative_amount_is_refused_naming_the_line(text: str, knowledge: Knowledge) -> None:
    """Never read as 200 mg, and never silently dropped while other lines are counted."""
    with pytest.raises(LabelError) as caught:
        parse_label(text, knowledge)
    message = str(caught.value)
    _one_sentence(message)
    assert "negative amount" in message
    assert caught.value.field == "label"
    assert caught.value.expected == "a positive amount of magnesium"


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        pytest.param("Magnesium - 200 mg", 200, id="dash-separator"),
        pytest.param("Magnesium \u2013 200 mg", 200, id="en-dash-separator"),
        pytest.param("Magnesium 100-200 mg", 200, id="range"),
        pytest.param("Serving Size - 2 Capsules\nMagnesium (as citrate) 200 mg", 200,
                     id="serving-separator"),
    ],
)
def test_dashes_that_are_not_signs_still_read(text: str, mg: float,
                                             knowledge: Knowledge) -> None:
    assert parse_label(text, knowledge).elemental_mg_per_serving == mg


# --------------------------------------------------------------------------------------------
# 2. Fractions


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        pytest.param("Magnesium (as citrate) ½ mg", 0.5, id="half"),
        pytest.param("Magnesium (as citrate) ¼ mg", 0.25, id="quarter"),
        pytest.param("Magnesium (as citrate) ¾ g", 750, id="three-quarter-gram"),
        pytest.param("Magnesium (as citrate) ⅛ g", 125, id="eighth-gram"),
        pytest.param("Magnesium (as citrate) 1\u20442 mg", 0.5, id="fraction-slash"),
        pytest.param("Magnesium (as citrate) 1½ g", 1500, id="mixed-number"),
        pytest.param("Magnesium (as citrate) 1 ½ g", 1500, id="mixed-number-spaced"),
        pytest.param("Magnesium (as citrate) \u215f4 g", 250, id="numerator-one"),
    ],
)
def test_fractions_are_their_decimal_value(text: str, mg: float, knowledge: Knowledge) -> None:
    result = parse_label(text, knowledge)
    assert result.elemental_mg_per_serving == pytest.approx(mg)


@pytest.mark.parametrize(
    ("text", "units"),
    [
        pytest.param("Serving size ½ tablet\nMagnesium (as oxide) 100 mg", 0.5, id="half"),
        pytest.param("Serving size 1½ tablets\nMagnesium (as oxide) 300 mg", 1.5,
                     id="one-and-a-half"),
        pytest.param("Serving size 1 \u00bd teaspoons\nMagnesium (as citrate) 300 mg", 1.5,
                     id="spaced"),
    ],
)
def test_fractional_servings(text: str, units: float, knowledge: Knowledge) -> None:
    result = parse_label(text, knowledge)
    assert result.serving.units_per_serving == pytest.approx(units)


# --------------------------------------------------------------------------------------------
# 3. Implausible amounts


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("Magnesium (as citrate) 200 g", "200,000 mg", id="grams-for-mg"),
        pytest.param("Serving Size 2 Capsules\nMagnesium (as citrate) 6,000 mg", "6,000 mg",
                     id="just-above"),
        pytest.param("Magnesium (as citrate) 1,000,000,000 mg", "1,000,000,000 mg",
                     id="a-billion"),
        pytest.param("Magnesium oxide 20 g", "12,060.7 mg", id="compound-weight"),
        pytest.param("Magnesium (as citrate) 3,000 mg\nMagnesium (as oxide) 3,000 mg",
                     "6,000 mg", id="sum-of-lines"),
    ],
)
def test_implausible_serving_is_unknown(text: str, shown: str, knowledge: Knowledge) -> None:
    """Above 5,000 mg a serving the total is unknown (not a dose), with a warning naming it."""
    result = parse_label(text, knowledge)
    assert result.elemental_mg_per_serving is None
    assert result.elemental_mg_per_unit is None
    [warning] = [w for w in result.warnings if w.code == "implausible_amount"]
    assert shown in warning.message
    _one_sentence(warning.message)
    json.dumps(result.to_dict(), allow_nan=False)
    product = product_plan(result, TITRATION)
    assert all(step["units_per_day"] is None for step in product["steps"])
    assert {"implausible_amount", "product_amount_unknown"} <= _codes(product)


def test_the_ceiling_itself_is_plausible(knowledge: Knowledge) -> None:
    result = parse_label(f"Magnesium (as citrate) {MAX_SERVING_MG:,.0f} mg", knowledge)
    assert result.elemental_mg_per_serving == MAX_SERVING_MG
    assert "implausible_amount" not in _codes(result)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("Magnesium (as oxide) 0.0001 mg", "0.0001 mg", id="trace"),
        pytest.param("Magnesium (as citrate) 0 mg", "0 mg", id="zero"),
        pytest.param("Magnesium (as citrate) ½ mg", "0.5 mg", id="half-mg"),
        pytest.param("Serving Size 6 Tablets\nMagnesium (as citrate) 5 mg", "0.83 mg",
                     id="under-1-mg-a-tablet"),
    ],
)
def test_unit_under_one_mg_gives_no_units(text: str, shown: str, knowledge: Knowledge) -> None:
    """Never 1,500,000 units a dose, never "one serving (0 mg) is more than this step"."""
    product = product_plan(parse_label(text, knowledge), TITRATION)
    assert all(step["units_per_day"] is None for step in product["steps"])
    assert all(step["units_per_dose"] is None for step in product["steps"])
    [warning] = [w for w in product["warnings"] if w["code"] == "implausible_amount"]
    assert shown in warning["message"]
    assert "unit_exceeds_dose" not in _codes(product)
    _one_sentence(warning["message"])


@pytest.mark.parametrize(
    ("mg", "step_mg", "doses"),
    [
        pytest.param(1, 150, 1, id="1-mg-tablets"),
        pytest.param(5, 300, 2, id="5-mg-tablets"),
        pytest.param(2, 1200, 4, id="many-doses"),
    ],
)
def test_units_per_dose_are_capped(mg: int, step_mg: int, doses: int,
                                   knowledge: Knowledge) -> None:
    label = parse_label(f"Serving Size 1 Tablet\nMagnesium (as citrate) {mg} mg", knowledge)
    product = product_plan(label, [TitrationStep(1, step_mg, doses)])
    [step] = product["steps"]
    assert max(step["units_by_dose"]) == MAX_UNITS_PER_DOSE
    assert step["elemental_mg_per_day_actual"] == MAX_UNITS_PER_DOSE * doses * mg
    assert step["elemental_mg_per_day_actual"] < step_mg
    assert [w["code"] for w in step["warnings"]] == ["units_capped"]
    assert "units_capped" in _codes(product)


# --------------------------------------------------------------------------------------------
# 4. Unreadable serving sizes


@pytest.mark.parametrize(
    "serving",
    ["0 Capsules", "-2 Capsules", "1/0 Capsules", "1e300 Capsules", "nan Capsules",
     "2000 Capsules", "one bottle"],
)
def test_unreadable_serving_is_named(serving: str, knowledge: Knowledge) -> None:
    result = parse_label(f"Serving Size {serving}\nMagnesium (as citrate) 200 mg", knowledge)
    assert result.serving.units_per_serving is None
    assert result.elemental_mg_per_serving == 200
    codes = _codes(result)
    assert "serving_unreadable" in codes
    assert "serving_unknown" not in codes
    [warning] = [w for w in result.warnings if w.code == "serving_unreadable"]
    assert f"Serving Size {serving}" in warning.message
    _one_sentence(warning.message)


def test_unreadable_serving_size_beside_a_readable_one(knowledge: Knowledge) -> None:
    """"per 2 capsules" still gives the serving; the unreadable line is still named."""
    result = parse_label("Serving Size 0 Capsules\nAmount per 2 capsules\n"
                         "Magnesium (as citrate) 200 mg", knowledge)
    assert result.serving.units_per_serving == 2
    [warning] = [w for w in result.warnings if w.code == "serving_unreadable"]
    assert "'2 capsules'" in warning.message


@pytest.mark.parametrize(
    "text",
    ["Serving Size 2 Capsules\nMagnesium (as citrate) 200 mg",
     "Nutrition per 100 g\nServing size 100 g\nMagnesium 120 mg",
     "Magnesium (as citrate) 200 mg"],
)
def test_readable_or_missing_servings_are_not_unreadable(text: str,
                                                        knowledge: Knowledge) -> None:
    assert "serving_unreadable" not in _codes(parse_label(text, knowledge))


# --------------------------------------------------------------------------------------------
# 5. Amounts that cannot be read get a message naming them


@pytest.mark.parametrize(
    ("text", "stated", "why"),
    [
        pytest.param("Magnesium (as citrate) 200 kg", "200 kg", "unit", id="kilograms"),
        pytest.param("Magnesium (as citrate) 2 oz", "2 oz", "unit", id="ounces"),
        pytest.param("Magnesium (as citrate) 1e5 mg", "1e5 mg", "scientific notation",
                     id="scientific"),
        pytest.param("Magnesium (as citrate) 2.5E3 mg", "2.5E3 mg", "scientific notation",
                     id="scientific-upper"),
        pytest.param("Magnesium (as citrate) 1" + ",000" * 8 + " mg", "1,000", "plausible",
                     id="beyond-any-number"),
    ],
)
def test_unreadable_amount_is_named(text: str, stated: str, why: str,
                                    knowledge: Knowledge) -> None:
    with pytest.raises(LabelError) as caught:
        parse_label(text, knowledge)
    message = str(caught.value)
    _one_sentence(message)
    assert f"'{stated}" in message
    assert why in message
    assert "gives no amount" not in message


def test_new_warning_codes_are_listed() -> None:
    assert {"implausible_amount", "serving_unreadable", "units_capped"} <= set(WARNING_CODES)
