"""Hypothesis properties over random valid profiles (tests/strategies.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from tests.strategies import (
    check_titration,
    expected_status,
    minutes,
    profiles,
    separation_violations,
    source_ids_used,
)

from magnerve.core.planner import plan
from magnerve.core.profile import parse_profile
from magnerve.knowledge import load_knowledge

KB = load_knowledge()


def make_plan(data: dict[str, Any]) -> dict[str, Any]:
    # Hypothesis 6.170 prints dict examples as "data=,"; the note keeps failures reproducible.
    note(f"profile = {json.dumps(data)}")
    return plan(parse_profile(data, KB), KB).to_dict()


@settings(max_examples=200)
@given(profiles())
def test_every_valid_profile_plans_and_status_is_the_worst_severity(data: dict) -> None:
    result = make_plan(data)
    assert result["status"] == expected_status(result["reasons"])
    if result["status"] == "do_not_start":
        assert result["daily_target_mg"] == 0
        assert "recommended_form" not in result
        assert result["titration"] == []
        assert result["schedule"] == []
    if result["daily_target_mg"] == 0:
        assert "recommended_form" not in result


@settings(max_examples=150)
@given(profiles())
def test_target_within_upper_limit_minus_current_unless_supervised(data: dict) -> None:
    result = make_plan(data)
    target = result["daily_target_mg"]
    assert target >= 0
    assert target % 25 == 0
    limit = result["upper_limit_mg"]
    if limit is None:
        assert target == 0
        return
    if not data.get("clinician_supervised"):
        current = sum(s.get("elemental_mg", 0) for s in data.get("current_supplements", []))
        assert target <= max(0, limit - current)
    else:
        assert target <= 400


@settings(max_examples=150)
@given(profiles())
def test_schedule_honours_every_separation(data: dict) -> None:
    result = make_plan(data)
    assert separation_violations(result, data.get("medications", [])) == []


@settings(max_examples=150)
@given(profiles())
def test_schedule_adds_up_to_the_target(data: dict) -> None:
    result = make_plan(data)
    schedule = result["schedule"]
    if not schedule:
        return
    assert sum(d["elemental_mg"] for d in schedule) == result["daily_target_mg"]
    assert all(d["form"] == result["recommended_form"] for d in schedule)
    assert all(0 < d["elemental_mg"] <= 200 for d in schedule)
    times = [minutes(d["time"]) for d in schedule]
    assert times == sorted(times)
    assert len(set(times)) == len(times)


@settings(max_examples=150)
@given(profiles())
def test_schedule_stays_in_the_waking_day(data: dict) -> None:
    """Doses fall between wake and sleep (given or assumed); meals are drawn inside them."""
    result = make_plan(data)
    routine = data.get("routine", {})
    wake = minutes(routine.get("wake", "07:00"))
    sleep = minutes(routine.get("sleep", "23:00"))
    span = (sleep - wake) % 1440 or 1440
    for dose in result["schedule"]:
        assert (minutes(dose["time"]) - wake) % 1440 <= span, dose["time"]


@settings(max_examples=150)
@given(profiles())
def test_titration_invariants(data: dict) -> None:
    result = make_plan(data)
    target = result["daily_target_mg"]
    if target == 0:
        assert result["titration"] == []
        return
    flags = data.get("gi_sensitive") or data.get("diarrhea_prone")
    sensitive = bool(flags) or any(
        r["code"] == "malabsorption" for r in result["reasons"]
    )
    check_titration(result["titration"], target, sensitive=sensitive)


@settings(max_examples=100)
@given(profiles())
def test_plan_is_deterministic(data: dict) -> None:
    first = json.dumps(make_plan(data), sort_keys=False)
    second = json.dumps(make_plan(json.loads(json.dumps(data))), sort_keys=False)
    assert first == second
    profile = parse_profile(data, KB)
    explained = [json.dumps(plan(profile, KB).to_dict(explain=True)) for _ in range(2)]
    assert explained[0] == explained[1]


@settings(max_examples=150)
@given(profiles())
def test_every_source_used_is_listed(data: dict) -> None:
    result = make_plan(data)
    listed = [s["id"] for s in result["sources"]]
    assert listed == sorted(set(listed))
    assert source_ids_used(result) <= set(listed)
    assert set(listed) <= set(KB.sources)
    for source in result["sources"]:
        assert source["citation"] == KB.sources[source["id"]].citation


@settings(max_examples=150)
@given(profiles())
def test_forms_respect_preferences_and_never_offer_sulfate(data: dict) -> None:
    result = make_plan(data)
    ranked = [f["form"] for f in result["forms"]]
    assert "sulfate" not in ranked
    assert "unknown" not in ranked
    avoided = set(parse_profile(data, KB).preferences.avoid_forms)
    assert avoided.isdisjoint(ranked)
    scores = [f["score"] for f in result["forms"]]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=100)
@given(profiles())
def test_profile_round_trips_through_to_dict(data: dict) -> None:
    profile = parse_profile(data, KB)
    assert parse_profile(json.loads(json.dumps(profile.to_dict())), KB) == profile


# ------------------------------------------------------------------------------------------
# Chemistry

VARIANTS = [
    pytest.param(variant, id=f"{form.id}/{variant.id}")
    for form in KB.forms.values()
    for variant in form.variant
]


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=50)
@given(compound_mg=st.floats(min_value=1, max_value=5000, allow_nan=False))
def test_elemental_fraction_round_trip(variant: Any, compound_mg: float) -> None:
    """compound mg -> elemental mg -> compound mg, and elemental mg agrees with the moles."""
    import molmass

    fraction = variant.elemental_fraction
    elemental = compound_mg * fraction
    assert elemental / fraction == pytest.approx(compound_mg, rel=1e-12)
    atoms = molmass.Formula(variant.formula.replace("·", ".")).composition()["Mg"].count
    by_moles = compound_mg / variant.molar_mass * atoms * 24.305
    assert elemental == pytest.approx(by_moles, rel=1e-3)
