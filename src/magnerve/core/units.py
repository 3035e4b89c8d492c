"""Units for magnesium: masses, amounts of substance, serum concentrations, clock times.

Constants come from domain.md 2e (computed from the standard atomic weight of Mg, 24.305,
and its valence of 2). The module is small and exhaustively tested rather than pulling in a
general units library for five units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from magnerve.errors import UnitError

__all__ = [
    "MEQ_PER_MMOL",
    "MG_PER_MMOL",
    "Serum",
    "format_clock",
    "mass_to_mg",
    "parse_clock",
    "parse_serum",
    "serum_to_mmol_l",
]

#: Milligrams of magnesium in one millimole (standard atomic weight, domain.md 2e).
MG_PER_MMOL = 24.305
#: Milliequivalents per millimole of Mg2+ (valence 2).
MEQ_PER_MMOL = 2.0

_SERUM_UNITS = {
    "mmol/l": "mmol/L",
    "mmol l": "mmol/L",
    "mmol": "mmol/L",
    "mm": "mmol/L",
    "mg/dl": "mg/dL",
    "mg dl": "mg/dL",
    "mg/100ml": "mg/dL",
    "meq/l": "mEq/L",
    "meq l": "mEq/L",
}
SERUM_UNITS_TEXT = '"mmol/L", "mg/dL" or "mEq/L"'
_SERUM_TEXT = re.compile(
    r"^\s*(?P<value>[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)\s*(?P<unit>[a-zA-Zµ/ 0-9]*?)\s*$"
)


@dataclass(frozen=True, slots=True)
class Serum:
    """A serum magnesium result as given, with its value in mmol/L."""

    value: float
    unit: str
    mmol_l: float

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def serum_to_mmol_l(value: float, unit: str) -> float:
    """Convert a serum magnesium value to mmol/L.

    >>> round(serum_to_mmol_l(2.0, "mg/dL"), 3)
    0.823
    >>> serum_to_mmol_l(1.6, "mEq/L")
    0.8
    """
    canonical = _SERUM_UNITS.get(unit.strip().lower().replace("\u00b5", "u"))
    if canonical == "mmol/L":
        return value
    if canonical == "mg/dL":
        # mg/dL -> mg/L (x10) -> mmol/L (/24.305): the 0.4114 factor of domain.md 2e.
        return value * 10.0 / MG_PER_MMOL
    if canonical == "mEq/L":
        return value / MEQ_PER_MMOL
    raise UnitError("serum_magnesium.unit", unit, SERUM_UNITS_TEXT)


def parse_serum(raw: object, field: str = "serum_magnesium") -> Serum:
    """Read "0.62 mmol/L", "1,5 mg/dL" or {"value": 1.2, "unit": "mEq/L"}.

    A bare number is refused: the three units differ by a factor of up to 2.4, so guessing
    would turn an abnormal result into a normal one.
    """
    if isinstance(raw, dict):
        extra = sorted(str(key) for key in set(raw) - {"value", "unit"})
        if extra:
            raise UnitError(f"{field}.{extra[0]}", extra[0], 'one of the keys "value" and "unit"',
                            message=f"Unknown key '{extra[0]}' in '{field}'; expected only "
                            '"value" and "unit".')
        value, unit = raw.get("value"), raw.get("unit")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UnitError(f"{field}.value", value, "a number")
        if not isinstance(unit, str) or not unit.strip():
            raise UnitError(f"{field}.unit", unit, SERUM_UNITS_TEXT)
        number = float(value)
    elif isinstance(raw, str):
        match = _SERUM_TEXT.match(raw)
        if not match:
            raise UnitError(field, raw, f"a number with a unit, {SERUM_UNITS_TEXT}, like "
                            '"0.82 mmol/L"')
        number = float(match["value"].replace(",", "."))
        unit = match["unit"]
        if not unit:
            raise UnitError(field, raw, f"a number with its unit ({SERUM_UNITS_TEXT}); the "
                            "units differ too much to guess")
    else:
        raise UnitError(field, raw, 'text like "0.82 mmol/L" or {value, unit}')
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        raise UnitError(field, raw, "a finite number")
    try:
        mmol = serum_to_mmol_l(number, unit)
    except UnitError as exc:
        raise UnitError(f"{field}.unit" if isinstance(raw, dict) else field, raw,
                        f"in {exc.expected}") from None
    canonical = _SERUM_UNITS[unit.strip().lower().replace("\u00b5", "u")]
    return Serum(value=number, unit=canonical, mmol_l=mmol)


_MASS_TO_MG = {
    "g": 1000.0,
    "gram": 1000.0,
    "grams": 1000.0,
    "mg": 1.0,
    "milligram": 1.0,
    "milligrams": 1.0,
    "mcg": 0.001,
    "ug": 0.001,
    "µg": 0.001,
    "microgram": 0.001,
    "micrograms": 0.001,
}
_ELEMENTAL_TO_MG = {
    "mmol": MG_PER_MMOL,
    "millimole": MG_PER_MMOL,
    "millimoles": MG_PER_MMOL,
    "meq": MG_PER_MMOL / MEQ_PER_MMOL,
    "milliequivalent": MG_PER_MMOL / MEQ_PER_MMOL,
    "milliequivalents": MG_PER_MMOL / MEQ_PER_MMOL,
}


def mass_to_mg(amount: float, unit: str, *, elemental: bool = True) -> float:
    """Convert an amount to milligrams.

    mmol and mEq are amounts of magnesium itself, so they convert only when the amount is
    elemental magnesium (``elemental=True``); a compound weight in mmol has no meaning here.

    >>> mass_to_mg(1.5, "g")
    1500.0
    >>> mass_to_mg(10, "mmol")
    243.05
    >>> round(mass_to_mg(7, "mEq"), 2)
    85.07
    """
    key = unit.strip().lower().replace("\u03bc", "\u00b5")
    if key in _MASS_TO_MG:
        return amount * _MASS_TO_MG[key]
    if key in _ELEMENTAL_TO_MG:
        if not elemental:
            raise UnitError("unit", unit, "g, mg or mcg for a compound weight (mmol and mEq "
                            "measure magnesium itself)")
        return amount * _ELEMENTAL_TO_MG[key]
    raise UnitError("unit", unit, "one of g, mg, mcg, mmol or mEq")


_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
CLOCK_TEXT = 'a 24-hour time "HH:MM" from 00:00 to 23:59'


def parse_clock(raw: object, field: str) -> int:
    """Minutes after midnight for an "HH:MM" time; "25:00" and "7pm" are refused."""
    if not isinstance(raw, str):
        from magnerve.errors import ProfileError

        raise ProfileError(field, raw, CLOCK_TEXT)
    match = _CLOCK.match(raw)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        from magnerve.errors import ProfileError

        raise ProfileError(field, raw, CLOCK_TEXT)
    return int(match[1]) * 60 + int(match[2])


def format_clock(minutes: int) -> str:
    """ "HH:MM" for minutes after midnight (wrapping at 24 h)."""
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
