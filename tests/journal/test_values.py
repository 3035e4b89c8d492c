"""Entry values are validated per kind; errors name the field, the value and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from magnerve.errors import InputError
from magnerve.journal import KIND_FIELDS, MAX_DOSE_MG, check_kind, validate_values


@pytest.mark.parametrize(
    ("kind", "values", "field", "fragment"),
    [
        pytest.param("dose", {}, "mg", "'mg' is required", id="dose-missing-mg"),
        pytest.param("dose", {"mg": 0}, "mg", "above 0", id="dose-zero"),
        pytest.param("dose", {"mg": -5}, "mg", "(got -5)", id="dose-negative"),
        pytest.param("dose", {"mg": 5000.1}, "mg", "at most 5000", id="dose-too-much"),
        pytest.param("dose", {"mg": float("nan")}, "mg", "'mg' must be", id="dose-nan"),
        pytest.param("dose", {"mg": "200"}, "mg", "(got '200')", id="dose-text"),
        pytest.param("dose", {"mg": 10**400}, "mg", "at most 5000", id="dose-huge-int"),
        pytest.param("pain", {"score": float("inf")}, "score", "(got inf)", id="pain-inf"),
        pytest.param("dose", {"mg": True}, "mg", "'mg' must be", id="dose-bool"),
        pytest.param(
            "dose",
            {"mg": 100, "form": "glycinte"},
            "form",
            "Did you mean 'glycinate'",
            id="dose-form-typo",
        ),
        pytest.param(
            "dose", {"mg": 100, "mgs": 1}, "mgs", "Did you mean 'mg'", id="dose-unknown-key"
        ),
        pytest.param("pain", {"score": 11}, "score", "from 0 to 10 (got 11)", id="pain-too-high"),
        pytest.param("pain", {"score": -1}, "score", "from 0 to 10", id="pain-negative"),
        pytest.param("pain", {"score": 3, "worst": 10.5}, "worst", "from 0 to 10", id="pain-worst"),
        pytest.param(
            "pain",
            {"score": 3, "qualities": ["burning", "3"]},
            "qualities",
            "a word",
            id="pain-quality-digit",
        ),
        pytest.param(
            "pain", {"score": 3, "qualities": "burning"}, None, None, id="pain-qualities-as-text-ok"
        ),
        pytest.param(
            "pain", {"score": 3, "qualities": [1]}, "qualities", "(got 1)", id="pain-quality-number"
        ),
        pytest.param(
            "pain",
            {"score": 3, "location": "x" * 501},
            "location",
            "at most 500",
            id="pain-location-long",
        ),
        pytest.param("gi", {}, "bristol", "needs a Bristol", id="gi-empty"),
        pytest.param("gi", {"diarrhea": False}, "bristol", "needs a Bristol", id="gi-all-false"),
        pytest.param("gi", {"bristol": 8}, "bristol", "1 to 7 (got 8)", id="gi-bristol-8"),
        pytest.param("gi", {"bristol": 0}, "bristol", "1 to 7", id="gi-bristol-0"),
        pytest.param("gi", {"bristol": 3.5}, "bristol", "whole number", id="gi-bristol-half"),
        pytest.param("gi", {"nausea": "yes"}, "nausea", "true or false", id="gi-flag-text"),
        pytest.param("sleep", {"quality": 10.01}, "quality", "from 0 to 10", id="sleep-high"),
        pytest.param("sleep", {}, "quality", "'quality' is required", id="sleep-missing"),
        pytest.param("note", {"text": ""}, "text", "1 to 5000", id="note-empty"),
        pytest.param("note", {"text": "   \n "}, "text", "1 to 5000", id="note-blank"),
        pytest.param(
            "note", {"text": "x" * 5001}, "text", "(got '5001 characters')", id="note-too-long"
        ),
        pytest.param("med", {"name": ""}, "name", "medicine name", id="med-empty"),
        pytest.param("med", {"name": 42}, "name", "(got 42)", id="med-number"),
    ],
)
def test_bad_values_name_field_value_and_expectation(
    kind: str, values: dict[str, Any], field: str | None, fragment: str | None
) -> None:
    if field is None:
        validate_values(kind, values)
        return
    with pytest.raises(InputError) as info:
        validate_values(kind, values)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert str(info.value).count(".") >= 1  # a sentence
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        pytest.param(
            "dose",
            {"mg": MAX_DOSE_MG},
            {"mg": 5000.0, "form": None, "product": None},
            id="dose-at-limit",
        ),
        pytest.param(
            "dose",
            {"mg": 0.5, "form": "Magnesium Glycinate"},
            {"mg": 0.5, "form": "glycinate", "product": None},
            id="dose-form-name",
        ),
        pytest.param(
            "dose",
            {"mg": 100, "form": "acetyl-taurate", "product": "  Brand  X "},
            {"mg": 100.0, "form": "acetyl_taurate", "product": "Brand X"},
            id="dose-form-hyphen",
        ),
        pytest.param(
            "pain",
            {"score": 0, "qualities": "Burning, pins and needles,burning"},
            {
                "score": 0.0,
                "worst": None,
                "qualities": ["burning", "pins and needles"],
                "location": None,
            },
            id="pain-qualities-normalised",
        ),
        pytest.param(
            "gi",
            {"bristol": 7},
            {"bristol": 7, "diarrhea": False, "nausea": False, "cramps": False},
            id="gi-bristol-only",
        ),
        pytest.param(
            "gi",
            {"cramps": True, "bristol": None},
            {"bristol": None, "diarrhea": False, "nausea": False, "cramps": True},
            id="gi-flag-only",
        ),
        pytest.param("sleep", {"quality": 10}, {"quality": 10.0}, id="sleep-max"),
        pytest.param("note", {"text": "x" * 5000}, {"text": "x" * 5000}, id="note-max"),
    ],
)
def test_good_values_are_normalised(
    kind: str, values: dict[str, Any], expected: dict[str, Any]
) -> None:
    clean = validate_values(kind, values)
    assert clean == expected
    assert list(clean) == list(KIND_FIELDS[kind])  # type: ignore[index]
    assert validate_values(kind, clean) == clean  # idempotent: imports re-validate


def test_stored_med_resolution_is_kept_on_revalidation() -> None:
    """An imported med entry keeps the drug it was resolved to, even if unknown today."""
    stored = {"name": "Newdrugix", "drug": "newdrugix", "drugs": ["newdrugix"]}
    assert validate_values("med", stored) == stored


def test_unknown_kind_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="Did you mean 'sleep'"):
        check_kind("slep")
    assert check_kind(" Dose ") == "dose"
