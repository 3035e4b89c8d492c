"""Property tests: any text gives a result or a LabelError, and conversions round-trip."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magnerve.core.labels import (
    LabelResult,
    compound_to_elemental,
    elemental_to_compound,
    parse_label,
)
from magnerve.errors import LabelError
from magnerve.knowledge import Knowledge, load_knowledge

KNOWLEDGE = load_knowledge()
CONVERTIBLE = sorted(
    form.id for form in KNOWLEDGE.forms.values() if form.elemental_fraction is not None
)

# Fragments of real labels, recombined at random: far more likely than random text to reach
# the reader's deeper rules (parentheses, relations, columns, blends) in odd orders.
FRAGMENTS = [
    "Magnesium", "magnesium", "Mg", "MAGNESIUM", "magnesuim", "(", ")", "{", "}", "[", "]",
    "|", "as", "from", "citrate", "glycinate", "bisglycinate chelate", "oxide", "chloride",
    "hexahydrate", "amino acid chelate", "L-threonate", "Magtein", "providing",
    "equivalent to", "of which", "elemental", "200 mg", "1,000 mg", "0.5 g", "50,000 mcg",
    "10 mmol", "7 mEq", "48%", "50% NRV", "<1%", "% DV", "Serving Size", "2 Capsules",
    "per tablet", "Each tablet contains", "Proprietary Blend", "Other ingredients:",
    "Ingredients:", "Directions:", "Drug Facts", "Zinc", "Calcium", "Manganese", "stearate",
    ",", ";", ":", "\n", "\n\n", "\t", ".......", "buffered", "per 100g", "•", "=", "-",
    "999999999999 mg", "0 mg", "1e308", "½", "µg", "x",
]  # fmt: skip


def _check(result: LabelResult) -> None:
    """Invariants of any successful read."""
    data = result.to_dict()
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN or Infinity
    assert result.items
    total = result.elemental_mg_per_serving
    if total is not None:
        assert total >= 0
        assert math.isfinite(total)
        counted = [i.elemental_mg for i in result.items if i.counted]
        assert all(v is not None for v in counted)
        assert total == pytest.approx(sum(v for v in counted if v is not None))
    if result.elemental_mg_per_unit is not None:
        assert total is not None
        assert result.serving.units_per_serving
        assert result.elemental_mg_per_unit * result.serving.units_per_serving == (
            pytest.approx(total)
        )
    for item in result.items:
        assert item.basis in ("elemental", "compound", "unknown")
        assert item.forms
        assert all(form in KNOWLEDGE.forms for form in item.forms)


def _read(text: str) -> None:
    """Parse; a LabelError must be one non-empty line, a result must keep the invariants."""
    error: LabelError | None = None
    try:
        result = parse_label(text, KNOWLEDGE)
    except LabelError as exc:
        error = exc
    if error is not None:
        assert str(error)
        assert "\n" not in str(error)
        return
    _check(result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_a_result_or_a_label_error(text: str) -> None:
    """Arbitrary text never crashes the reader: only LabelError, never another exception."""
    _read(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join))
def test_label_shaped_noise_gives_a_result_or_a_label_error(text: str) -> None:
    """Label fragments in random orders never crash the reader and keep its invariants."""
    _read(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decoded_bytes_never_crash(data: bytes) -> None:
    """Bytes decoded leniently (as a careless caller might) are still handled."""
    _read(data.decode("utf-8", "replace"))


@given(
    form_id=st.sampled_from(CONVERTIBLE),
    compound=st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
)
def test_compound_elemental_round_trip(form_id: str, compound: float) -> None:
    """compound -> elemental -> compound returns the starting weight (same fraction)."""
    elemental = compound_to_elemental(compound, form_id, KNOWLEDGE)
    assert elemental is not None
    assert 0 < elemental < compound
    back = elemental_to_compound(elemental, form_id, KNOWLEDGE)
    assert back == pytest.approx(compound, rel=1e-12)


@given(
    form_id=st.sampled_from(CONVERTIBLE),
    data=st.data(),
)
def test_variant_round_trip(form_id: str, data: st.DataObject) -> None:
    """Every variant converts both ways with its own fraction."""
    form = KNOWLEDGE.forms[form_id]
    variant = data.draw(st.sampled_from([v.id for v in form.variant]))
    elemental = compound_to_elemental(1000.0, form_id, KNOWLEDGE, variant)
    assert elemental is not None
    assert elemental_to_compound(elemental, form_id, KNOWLEDGE, variant) == pytest.approx(1000)


@settings(max_examples=150, deadline=None)
@given(
    form_id=st.sampled_from(CONVERTIBLE),
    cents=st.integers(min_value=100, max_value=9_999_999),
)
def test_parsed_compound_line_round_trips(form_id: str, cents: int) -> None:
    """ "Magnesium <form> N mg" reads N as the compound weight; converting the elemental
    amount back gives N again (label text -> elemental -> compound)."""
    amount = cents / 100
    text = f"Magnesium {form_id.replace('_', ' ')} {amount:,.2f} mg"
    item = parse_label(text, KNOWLEDGE).items[0]
    assert item.forms == (form_id,)
    assert item.compound_mg == pytest.approx(amount)
    assert item.elemental_mg is not None
    assert item.elemental_mg == pytest.approx(compound_to_elemental(amount, form_id, KNOWLEDGE))
    back = elemental_to_compound(item.elemental_mg, form_id, KNOWLEDGE, item.variant)
    assert back == pytest.approx(amount)


@given(mg=st.integers(min_value=1, max_value=2000), units=st.integers(min_value=1, max_value=9))
def test_elemental_line_per_unit(mg: int, units: int) -> None:
    """The amount per unit is the amount per serving over the units in a serving."""
    result = parse_label(
        f"Serving Size {units} Capsules\nMagnesium (as magnesium citrate) {mg} mg", KNOWLEDGE
    )
    assert result.elemental_mg_per_serving == mg
    assert result.elemental_mg_per_unit == pytest.approx(mg / units)


@given(mmol=st.integers(min_value=1, max_value=50))
def test_mmol_and_meq_are_elemental(mmol: int) -> None:
    """1 mmol magnesium is 24.305 mg and 2 mEq (domain.md 2e)."""
    by_mmol = parse_label(f"Magnesium {mmol} mmol", KNOWLEDGE).elemental_mg_per_serving
    by_meq = parse_label(f"Magnesium {2 * mmol} mEq", KNOWLEDGE).elemental_mg_per_serving
    assert by_mmol == pytest.approx(mmol * 24.305)
    assert by_meq == pytest.approx(mmol * 24.305)


def test_knowledge_fixture_is_the_packaged_one(knowledge: Knowledge) -> None:
    """The module-level KNOWLEDGE used by the properties is the cached packaged base."""
    assert knowledge is KNOWLEDGE
