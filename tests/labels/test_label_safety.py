"""Label readings that would let a person take more magnesium than planned (review findings)."""

from __future__ import annotations

import pytest

from magnerve.core.labels import parse_label
from magnerve.core.plan import TitrationStep
from magnerve.core.product import product_plan
from magnerve.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()


@pytest.mark.parametrize(
    ("text", "per_serving", "per_unit"),
    [
        pytest.param("Serving Size 2 tablets\nAmount Per Tablet  Amount Per Serving\n"
                     "Magnesium (as oxide) 100 mg  200 mg", 200, 100, id="per-tablet-column"),
        pytest.param("Serving Size 2 tablets\nMagnesium (as oxide) 100 mg per tablet", 200, 100,
                     id="inline-per-tablet"),
        pytest.param("Serving Size 2 capsules\nMagnesium (as citrate) 150 mg/capsule", 300, 150,
                     id="inline-slash-capsule"),
        pytest.param("Per tablet  %NRV  Per 2 tablets  %NRV\nMagnesium  150mg  40%  300mg  80%",
                     150, 150, id="unit-column-when-serving-is-one-unit"),
    ],
)
def test_amount_per_unit_is_never_halved(text: str, per_serving: float, per_unit: float) -> None:
    label = parse_label(text, KNOWLEDGE)
    assert label.elemental_mg_per_serving == per_serving
    assert label.elemental_mg_per_unit == per_unit


def test_product_units_follow_the_true_strength() -> None:
    """100 mg tablets (label per tablet, serving of 2) give 3 tablets for 300 mg, not 6."""
    label = parse_label("Serving Size 2 tablets\nAmount Per Tablet  Amount Per Serving\n"
                        "Magnesium (as oxide) 100 mg  200 mg", KNOWLEDGE)
    [step] = product_plan(label, [TitrationStep(1, 300, 2)])["steps"]
    assert step["units_per_day"] == 3
    assert step["elemental_mg_per_day_actual"] == 300
