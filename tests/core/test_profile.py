"""Profile parsing (design.md 3.1): valid inputs, and one clear error for each bad one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from magnerve.core.profile import parse_profile, parse_profile_text
from magnerve.errors import InputError, ProfileError, UnitError
from magnerve.knowledge import Knowledge

BASE: dict[str, Any] = {"age": 50, "sex": "female"}


def one_sentence(message: str) -> None:
    """An error a person reads: one line, short, and not a Python repr dump."""
    assert "\n" not in message
    assert len(message) < 300
    assert message.rstrip()[-1] in ".?"
    assert "Traceback" not in message
    assert "pydantic" not in message.lower()
    assert "validation error" not in message.lower()


# (profile data, exception type, field, pieces the message must contain, suggestion)
ERRORS = [
    pytest.param({"age": -3, "sex": "female"}, ProfileError, "age", ["'age'", "-3", "0 to 120"],
                 None, id="negative-age"),
    pytest.param({"age": 121, "sex": "female"}, ProfileError, "age", ["121", "0 to 120"], None,
                 id="age-too-high"),
    pytest.param({"age": True, "sex": "female"}, ProfileError, "age", ["'age'", "True"], None,
                 id="bool-for-age"),
    pytest.param({"age": "50", "sex": "female"}, ProfileError, "age", ["'age'", "'50'"], None,
                 id="text-for-age"),
    pytest.param({"age": 50.5, "sex": "female"}, ProfileError, "age", ["'age'", "50.5"], None,
                 id="fraction-for-age"),
    pytest.param({"sex": "female"}, ProfileError, "age", ["'age'", "required"], None,
                 id="missing-age"),
    pytest.param({**BASE, "egrf": 50}, ProfileError, "egrf", ["'egrf'", "'egfr'"], "egfr",
                 id="unknown-key-suggests-egfr"),
    pytest.param({**BASE, "medication": []}, ProfileError, "medication",
                 ["'medication'", "'medications'"], "medications", id="unknown-key-plural"),
    pytest.param({**BASE, "pain": {"scroe": 4}}, ProfileError, "pain.scroe",
                 ["'scroe'", "'pain'", "'score'"], "score", id="unknown-nested-key"),
    pytest.param({**BASE, "serum_magnesium": "0.8 furlongs"}, UnitError, "serum_magnesium",
                 ["serum_magnesium", "0.8 furlongs", "mmol/L", "mg/dL", "mEq/L"], None,
                 id="unknown-serum-unit"),
    pytest.param({**BASE, "serum_magnesium": "0.8"}, UnitError, "serum_magnesium",
                 ["serum_magnesium", "'0.8'", "unit"], None, id="serum-without-unit"),
    pytest.param({**BASE, "serum_magnesium": 0.8}, UnitError, "serum_magnesium",
                 ["serum_magnesium", "0.8"], None, id="serum-bare-number"),
    pytest.param({**BASE, "serum_magnesium": "15 mmol/L"}, ProfileError, "serum_magnesium",
                 ["15 mmol/L", "plausible"], None, id="serum-implausible"),
    pytest.param({**BASE, "medications": [{"name": "Cipro", "times": ["25:00"]}]},
                 ProfileError, "medications[0].times[0]",
                 ["medications[0].times[0]", "'25:00'", "HH:MM"], None, id="time-25-00"),
    pytest.param({**BASE, "medications": [{"name": "Cipro", "times": ["7pm"]}]},
                 ProfileError, "medications[0].times[0]", ["'7pm'", "24-hour"], None,
                 id="time-7pm"),
    pytest.param({**BASE, "routine": {"wake": "7am"}}, ProfileError, "routine.wake",
                 ["routine.wake", "'7am'"], None, id="routine-7am"),
    pytest.param({**BASE, "sex": "other"}, ProfileError, "sex",
                 ["'sex'", "'other'", '"female" or "male"'], None, id="unknown-sex"),
    pytest.param({**BASE, "sex": "femle"}, ProfileError, "sex", ["'femle'"], "female",
                 id="sex-typo-suggests"),
    pytest.param({**BASE, "jurisdiction": "GB"}, ProfileError, "jurisdiction",
                 ["'GB'", '"UK"'], "UK", id="jurisdiction-alias-suggests"),
    pytest.param({**BASE, "jurisdiction": "CA"}, ProfileError, "jurisdiction",
                 ["'CA'", '"US", "UK" or "EU"'], None, id="unknown-jurisdiction"),
    pytest.param({**BASE, "egfr": "60"}, ProfileError, "egfr", ["'egfr'", "'60'"], None,
                 id="egfr-text"),
    pytest.param({**BASE, "egfr": -1}, ProfileError, "egfr", ["'egfr'", "-1"], None,
                 id="egfr-negative"),
    pytest.param({**BASE, "pregnant": "yes"}, ProfileError, "pregnant",
                 ["'pregnant'", "'yes'", "true or false"], None, id="bool-as-text"),
    pytest.param({**BASE, "medications": "Cipro"}, ProfileError, "medications",
                 ["'medications'", "'Cipro'", "list"], None, id="medications-not-a-list"),
    pytest.param({**BASE, "medications": ["Cipro"]}, ProfileError, "medications[0]",
                 ["medications[0]", "'Cipro'", "{name, times}"], None,
                 id="medication-not-a-table"),
    pytest.param({**BASE, "medications": [{"name": "Cipro", "times": "08:00"}]},
                 ProfileError, "medications[0].times", ["medications[0].times", "'08:00'"],
                 None, id="times-not-a-list"),
    pytest.param({**BASE, "medications": [{"times": ["08:00"]}]}, ProfileError,
                 "medications[0].name", ["medications[0].name", "required"], None,
                 id="medication-without-name"),
    pytest.param({**BASE, "pain": 5}, ProfileError, "pain", ["'pain'", "5"], None,
                 id="pain-not-a-table"),
    pytest.param({**BASE, "pain": {"score": 11}}, ProfileError, "pain.score",
                 ["pain.score", "11", "0 to 10"], None, id="pain-score-11"),
    pytest.param({**BASE, "conditions": "ckd"}, ProfileError, "conditions",
                 ["'conditions'", "'ckd'"], None, id="conditions-not-a-list"),
    pytest.param({**BASE, "current_supplements": [{"elemental_mg": "100"}]}, ProfileError,
                 "current_supplements[0].elemental_mg", ["elemental_mg", "'100'"], None,
                 id="supplement-mg-text"),
    pytest.param({**BASE, "current_supplements": [{}]}, ProfileError, "current_supplements[0]",
                 ["current_supplements[0]", "form, elemental_mg or label"], None,
                 id="supplement-empty"),
    pytest.param({**BASE, "preferences": ["oxide"]}, ProfileError, "preferences",
                 ["'preferences'"], None, id="preferences-not-a-table"),
    pytest.param({**BASE, "preferences": {"avoid_forms": ["oxyde"]}}, ProfileError,
                 "preferences.avoid_forms[0]", ["avoid_forms[0]", "'oxyde'", "'oxide'"], "oxide",
                 id="avoid-forms-typo"),
    pytest.param({**BASE, "preferences": {"avoid_forms": ["glycinat"]}}, ProfileError,
                 "preferences.avoid_forms[0]", ["'glycinat'"], "glycinate",
                 id="avoid-forms-typo-glycinate"),
    pytest.param({**BASE, "preferences": {"budget": "cheap"}}, ProfileError,
                 "preferences.budget", ["'cheap'", '"low" or "any"'], None, id="budget"),
    pytest.param({**BASE, "egfr": float("nan")}, ProfileError, "egfr", ["'egfr'"], None,
                 id="egfr-nan"),
]


@pytest.mark.parametrize(("data", "kind", "field", "pieces", "suggestion"), ERRORS)
def test_profile_error_names_field_value_and_expectation(
    kb: Knowledge, data: dict[str, Any], kind: type[InputError], field: str,
    pieces: list[str], suggestion: str | None,
) -> None:
    with pytest.raises(kind) as caught:
        parse_profile(data, kb)
    error = caught.value
    assert error.field == field
    assert error.suggestion == suggestion
    message = str(error)
    one_sentence(message)
    for piece in pieces:
        assert piece in message
    if suggestion:
        assert f"Did you mean '{suggestion}'?" in message


def test_input_errors_are_value_errors(kb: Knowledge) -> None:
    with pytest.raises(ValueError, match="'age'"):
        parse_profile({"age": -1, "sex": "male"}, kb)


@pytest.mark.parametrize("data", [[1, 2], "age = 3", None, 42], ids=["list", "text", "none", "int"])
def test_profile_must_be_a_table(kb: Knowledge, data: object) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, kb)
    one_sentence(str(caught.value))


MALFORMED = [
    pytest.param("toml", 'age = 50\nsex = "female"\negfr = = 3\n', "line 3", id="toml-bad-value"),
    pytest.param("toml", 'age = 50\nsex = "female"\negfr = 3\negfr = 4\n', "line 4",
                 id="toml-duplicate-key"),
    pytest.param("toml", 'age = 50\n[pain\nscore = 3\n', "line 2", id="toml-bad-table"),
    pytest.param("json", '{"age": 50,\n "sex": "female",\n}', "line 3", id="json-trailing-comma"),
    pytest.param("json", '{\n"age": 50\n"sex": "female"}', "line 3", id="json-missing-comma"),
    pytest.param("json", "", "line 1", id="json-empty"),
]


@pytest.mark.parametrize(("fmt", "text", "where"), MALFORMED)
def test_malformed_text_names_the_line(kb: Knowledge, fmt: str, text: str, where: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile_text(text, fmt, kb)  # type: ignore[arg-type]
    message = str(caught.value)
    one_sentence(message)
    assert where in message
    assert ("TOML" if fmt == "toml" else "JSON") in message


def test_profile_text_too_large(kb: Knowledge) -> None:
    with pytest.raises(ProfileError, match="at most"):
        parse_profile_text("#" * 1_000_001, "toml", kb)


def test_located_error_names_the_file(kb: Knowledge) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({"age": -3, "sex": "female"}, kb)
    assert str(caught.value.located("me.toml")).startswith("me.toml: 'age'")


# ------------------------------------------------------------------------------------------
# Valid inputs


def test_minimal_profile_defaults(kb: Knowledge) -> None:
    profile = parse_profile({"age": 40, "sex": "male"}, kb)
    assert profile.jurisdiction == "US"
    assert profile.egfr is None
    assert profile.creatinine_clearance is None
    assert not profile.pregnant
    assert not profile.clinician_supervised
    assert profile.medications == []
    assert profile.conditions == []
    assert profile.preferences.budget == "any"


def test_creatinine_clearance_without_egfr(kb: Knowledge) -> None:
    profile = parse_profile({**BASE, "creatinine_clearance": 42.5}, kb)
    assert profile.creatinine_clearance == 42.5
    assert profile.egfr is None


@pytest.mark.parametrize(
    ("raw", "mmol_l"),
    [
        pytest.param({"value": 2.0, "unit": "mg/dL"}, 0.8229, id="dict-mgdl"),
        pytest.param({"value": 0.62, "unit": "mmol/L"}, 0.62, id="dict-mmol"),
        pytest.param("1.2 mEq/L", 0.6, id="text-meq"),
        pytest.param("1.5 mg/dL", 0.6172, id="text-mgdl"),
    ],
)
def test_serum_forms(kb: Knowledge, raw: object, mmol_l: float) -> None:
    profile = parse_profile({**BASE, "serum_magnesium": raw}, kb)
    assert profile.serum_magnesium is not None
    assert profile.serum_magnesium.mmol_l == pytest.approx(mmol_l, abs=5e-4)


def test_brand_names_and_times_are_kept(kb: Knowledge) -> None:
    profile = parse_profile(
        {**BASE, "medications": [{"name": "Synthroid", "times": ["06:30"]},
                                 {"name": "Doxycycline Hyclate 100 mg tablets"}]},
        kb,
    )
    assert [m.name for m in profile.medications] == [
        "Synthroid", "Doxycycline Hyclate 100 mg tablets"
    ]
    assert profile.medications[0].times == [390]
    assert profile.medications[1].times == []


def test_case_is_forgiven_for_sex_and_jurisdiction(kb: Knowledge) -> None:
    profile = parse_profile({"age": 30, "sex": "Female", "jurisdiction": "uk"}, kb)
    assert (profile.sex, profile.jurisdiction) == ("female", "UK")


@pytest.mark.parametrize(
    ("given", "form_id"),
    [("oxide", "oxide"), ("Magnesium Oxide", "oxide"), ("bisglycinate", "glycinate"),
     ("Epsom salt", "sulfate"), ("acetyl taurate", "acetyl_taurate")],
)
def test_form_names_resolve_to_form_ids(kb: Knowledge, given: str, form_id: str) -> None:
    profile = parse_profile({**BASE, "preferences": {"avoid_forms": [given]},
                             "current_supplements": [{"form": given, "elemental_mg": 50}]}, kb)
    assert profile.preferences.avoid_forms == [form_id]
    assert profile.current_supplements[0].form == form_id


def test_full_profile_parses(kb: Knowledge) -> None:
    data = {
        "age": 58, "sex": "female", "pregnant": False, "breastfeeding": False,
        "jurisdiction": "EU", "weight_kg": 70.5, "egfr": 78, "dialysis": False,
        "serum_magnesium": "0.78 mmol/L", "conditions": ["type 2 diabetes", "ICD10:E11.42"],
        "medications": [{"name": "Cipro", "times": ["08:00", "20:00"]}],
        "current_supplements": [{"form": "citrate", "elemental_mg": 100, "label": "Mg 100 mg"}],
        "pain": {"score": 6, "qualities": ["burning"], "pattern": "Peripheral"},
        "gi_sensitive": True, "diarrhea_prone": False, "constipation": False,
        "sleep_problems": True, "anxiety": False, "muscle_cramps": True, "fatigue": True,
        "preferences": {"avoid_forms": ["oxide"], "budget": "LOW", "max_pills_per_day": 2},
        "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
        "clinician_supervised": False,
        "diet": {"foods": ["1 oz pumpkin seeds"], "questionnaire": {"nuts": 3}},
    }
    profile = parse_profile(data, kb)
    assert profile.routine.meals == [450, 750, 1110]
    assert profile.pain is not None
    assert profile.pain.pattern == "peripheral"
    assert profile.preferences.budget == "low"


def test_toml_and_json_give_the_same_profile(kb: Knowledge) -> None:
    toml_text = (
        'age = 58\nsex = "female"\negfr = 78\nserum_magnesium = "0.78 mmol/L"\n'
        'conditions = ["type 2 diabetes"]\n'
        '[[medications]]\nname = "Synthroid"\ntimes = ["06:30"]\n'
        '[routine]\nwake = "06:30"\n'
    )
    json_text = json.dumps(
        {"age": 58, "sex": "female", "egfr": 78, "serum_magnesium": "0.78 mmol/L",
         "conditions": ["type 2 diabetes"],
         "medications": [{"name": "Synthroid", "times": ["06:30"]}],
         "routine": {"wake": "06:30"}}
    )
    assert parse_profile_text(toml_text, "toml", kb) == parse_profile_text(json_text, "json", kb)


def test_to_dict_round_trips(kb: Knowledge) -> None:
    data = {
        "age": 58, "sex": "female", "egfr": 78, "serum_magnesium": "1.9 mg/dL",
        "medications": [{"name": "Cipro", "times": ["08:00", "20:00"]}],
        "routine": {"wake": "06:30", "meals": ["07:30"]},
        "preferences": {"avoid_forms": ["oxide"]},
    }
    profile = parse_profile(data, kb)
    assert parse_profile(profile.to_dict(), kb) == profile
