"""Units: serum conversions (domain.md 2e), masses incl. mmol/mEq, clock times."""

from __future__ import annotations

import pytest

from magnerve.core.units import (
    MEQ_PER_MMOL,
    MG_PER_MMOL,
    format_clock,
    mass_to_mg,
    parse_clock,
    parse_serum,
    serum_to_mmol_l,
)
from magnerve.errors import InputError, ProfileError, UnitError


def test_constants_match_domain_2e() -> None:
    assert MG_PER_MMOL == 24.305
    assert MEQ_PER_MMOL == 2


@pytest.mark.parametrize(
    ("value", "unit", "mmol_l"),
    [
        pytest.param(0.82, "mmol/L", 0.82, id="mmol-identity"),
        pytest.param(2.0, "mg/dL", 0.8229, id="mgdl-2.0"),
        pytest.param(1.8, "mg/dL", 0.7406, id="mgdl-1.8-ods-low"),
        pytest.param(2.55, "mg/dL", 1.0492, id="mgdl-2.55"),
        pytest.param(1.6, "mEq/L", 0.8, id="meq-1.6"),
        pytest.param(2.1, "mEq/L", 1.05, id="meq-2.1-merck-high"),
        pytest.param(1.7, "mEq/L", 0.85, id="meq-1.7-magnet-low"),
        pytest.param(2.0, "MG/DL", 0.8229, id="case-insensitive"),
        pytest.param(0.9, " mmol/l ", 0.9, id="spaces"),
    ],
)
def test_serum_to_mmol_l(value: float, unit: str, mmol_l: float) -> None:
    assert serum_to_mmol_l(value, unit) == pytest.approx(mmol_l, abs=5e-4)


@pytest.mark.parametrize("mg_dl", [0.5, 1.0, 1.7, 2.3, 2.6, 5.7])
def test_mg_dl_factor_is_0_4114(mg_dl: float) -> None:
    """mg/dL x 0.4114 = mmol/L; mmol/L x 2.4305 = mg/dL; 1 mg/dL = 0.8229 mEq/L."""
    mmol = serum_to_mmol_l(mg_dl, "mg/dL")
    assert mmol == pytest.approx(mg_dl * 0.4114, rel=1e-4)
    assert mmol * 2.4305 == pytest.approx(mg_dl, rel=1e-9)
    assert mmol * 2 == pytest.approx(mg_dl * 0.8229, rel=1e-4)


@pytest.mark.parametrize("mmol", [0.4, 0.75, 0.85, 1.05, 2.0])
def test_meq_is_twice_mmol(mmol: float) -> None:
    assert serum_to_mmol_l(2 * mmol, "mEq/L") == pytest.approx(mmol)


@pytest.mark.parametrize(
    "unit", ["mg/L", "g/dL", "umol/L", pytest.param("", id="empty"), "furlongs"]
)
def test_serum_unknown_unit(unit: str) -> None:
    with pytest.raises(UnitError) as caught:
        serum_to_mmol_l(1.0, unit)
    assert "mmol/L" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "value", "unit", "mmol_l"),
    [
        pytest.param("0.62 mmol/L", 0.62, "mmol/L", 0.62, id="text-mmol"),
        pytest.param("1.5 mg/dL", 1.5, "mg/dL", 0.6172, id="text-mgdl"),
        pytest.param("1,5 mg/dL", 1.5, "mg/dL", 0.6172, id="decimal-comma"),
        pytest.param("1.2 mEq/L", 1.2, "mEq/L", 0.6, id="text-meq"),
        pytest.param("0.8mmol/l", 0.8, "mmol/L", 0.8, id="no-space-lower"),
        pytest.param({"value": 1.2, "unit": "mEq/L"}, 1.2, "mEq/L", 0.6, id="dict-meq"),
        pytest.param({"value": 2, "unit": "mg/dL"}, 2.0, "mg/dL", 0.8229, id="dict-int"),
    ],
)
def test_parse_serum(raw: object, value: float, unit: str, mmol_l: float) -> None:
    serum = parse_serum(raw)
    assert serum.value == value
    assert serum.unit == unit
    assert serum.mmol_l == pytest.approx(mmol_l, abs=5e-4)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0.8", id="no-unit"),
        pytest.param(0.8, id="bare-number"),
        pytest.param("low", id="words"),
        pytest.param("0.8 g/L", id="unknown-unit"),
        pytest.param({"value": "0.8", "unit": "mmol/L"}, id="dict-value-text"),
        pytest.param({"value": True, "unit": "mmol/L"}, id="dict-value-bool"),
        pytest.param({"value": 0.8}, id="dict-no-unit"),
        pytest.param(None, id="none"),
    ],
)
def test_parse_serum_refuses(raw: object) -> None:
    """A serum value without a known unit is never guessed (fail closed)."""
    with pytest.raises(UnitError):
        parse_serum(raw)


@pytest.mark.parametrize(
    ("amount", "unit", "mg"),
    [
        pytest.param(1.5, "g", 1500.0, id="grams"),
        pytest.param(250, "mg", 250.0, id="mg"),
        pytest.param(500, "mcg", 0.5, id="mcg"),
        pytest.param(500, "µg", 0.5, id="micro-sign"),
        pytest.param(1, "mmol", 24.305, id="1-mmol"),
        pytest.param(10, "mmol", 243.05, id="magnaspartate-10-mmol"),
        pytest.param(4, "mmol", 97.22, id="glycerophosphate-4-mmol"),
        pytest.param(24, "mmol", 583.32, id="peikert-24-mmol"),
        pytest.param(1, "mEq", 12.1525, id="1-meq"),
        pytest.param(2, "mEq", 24.305, id="2-meq-is-1-mmol"),
        pytest.param(7, "MEQ", 85.0675, id="case-insensitive"),
    ],
)
def test_mass_to_mg(amount: float, unit: str, mg: float) -> None:
    assert mass_to_mg(amount, unit) == pytest.approx(mg, abs=0.01)


@pytest.mark.parametrize("unit", ["mmol", "mEq"])
def test_mmol_and_meq_are_not_compound_weights(unit: str) -> None:
    with pytest.raises(UnitError):
        mass_to_mg(100, unit, elemental=False)


@pytest.mark.parametrize("unit", ["oz", "IU", pytest.param("", id="empty"), "tablets"])
def test_mass_unknown_unit(unit: str) -> None:
    with pytest.raises(UnitError):
        mass_to_mg(1, unit)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("00:00", 0),
        ("07:05", 425),
        ("7:05", 425),
        (" 08:30 ", 510),
        ("12:00", 720),
        ("23:59", 1439),
    ],
)
def test_parse_clock(text: str, minutes: int) -> None:
    assert parse_clock(text, "routine.wake") == minutes


@pytest.mark.parametrize(
    "raw",
    ["25:00", "24:00", "7pm", "7 pm", "12:60", "0800", "08.00", pytest.param("", id="empty"),
     "08:00:00", 800, None, 8.5],
)
def test_parse_clock_refuses(raw: object) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_clock(raw, "medications[0].times[0]")
    error = caught.value
    assert isinstance(error, InputError)
    assert error.field == "medications[0].times[0]"
    assert "HH:MM" in str(error)


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "00:00"), (425, "07:05"), (1439, "23:59"), (1440, "00:00"),
                          (1500, "01:00"), (-30, "23:30")]
)
def test_format_clock_wraps(minutes: int, text: str) -> None:
    assert format_clock(minutes) == text


def test_clock_round_trip() -> None:
    for minute in range(0, 1440, 7):
        assert parse_clock(format_clock(minute), "t") == minute
