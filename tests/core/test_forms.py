"""Form ranking rules (dosing.toml [ranking]) as seen in the plan's `forms` list."""

from __future__ import annotations

from typing import Any

import pytest

from magnerve.knowledge import Knowledge

OSMOTIC = {"oxide", "hydroxide", "carbonate", "citrate", "chloride", "gluconate", "sulfate"}


def ranked(plan: dict[str, Any]) -> list[str]:
    return [f["form"] for f in plan["forms"]]


def scores(plan: dict[str, Any]) -> dict[str, int]:
    return {f["form"]: f["score"] for f in plan["forms"]}


def test_osmotic_set_matches_knowledge(kb: Knowledge) -> None:
    assert {f.id for f in kb.forms.values() if f.gi.osmotic} == OSMOTIC


def test_default_profile(plan_for) -> None:
    plan = plan_for()
    order = ranked(plan)
    assert order[0] != "oxide"
    assert plan["recommended_form"] == order[0]
    assert "sulfate" not in order
    assert "unknown" not in order
    assert "amino_acid_chelate" not in order, "no formula, so no fraction to dose by"
    assert order.index("oxide") > order.index("citrate")


def test_forms_are_sorted_by_score(plan_for) -> None:
    plan = plan_for(constipation=True, sleep_problems=True)
    values = [f["score"] for f in plan["forms"]]
    assert values == sorted(values, reverse=True)


def test_every_ranked_form_explains_itself(plan_for, kb: Knowledge) -> None:
    for form in plan_for()["forms"]:
        assert form["reasons"]
        assert form["sources"]
        fraction = kb.forms[form["form"]].elemental_fraction
        assert form["elemental_fraction"] == pytest.approx(fraction, abs=1e-4)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"gi_sensitive": True}, id="gi-sensitive"),
        pytest.param({"diarrhea_prone": True}, id="diarrhoea-prone"),
        pytest.param({"conditions": ["Crohn's disease"]}, id="malabsorption"),
    ],
)
def test_sensitive_gut_avoids_osmotic_salts(plan_for, overrides: dict[str, Any]) -> None:
    plan = plan_for(**overrides)
    default = scores(plan_for())
    order = ranked(plan)
    assert order[0] not in OSMOTIC
    for form, score in scores(plan).items():
        if form in OSMOTIC:
            assert score < default[form], f"{form} not penalised"
    best_osmotic = min(order.index(f) for f in OSMOTIC if f in order)
    assert order.index("glycinate") < best_osmotic


def test_constipation_puts_citrate_first(plan_for) -> None:
    plan = plan_for(constipation=True)
    assert ranked(plan)[0] == "citrate"
    assert plan["recommended_form"] == "citrate"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"sleep_problems": True}, id="sleep"),
        pytest.param({"anxiety": True}, id="anxiety"),
        pytest.param({"sleep_problems": True, "anxiety": True}, id="both"),
    ],
)
def test_sleep_or_anxiety_puts_glycinate_first(plan_for, overrides: dict[str, Any]) -> None:
    plan = plan_for(**overrides)
    assert ranked(plan)[0] == "glycinate"
    assert scores(plan)["glycinate"] > scores(plan_for())["glycinate"]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"conditions": ["fibromyalgia"]}, id="fibromyalgia"),
        pytest.param({"conditions": ["ICD10:M79.7"]}, id="fibromyalgia-icd"),
        pytest.param({"pain": {"pattern": "widespread"}, "fatigue": True},
                     id="widespread-and-fatigue"),
    ],
)
def test_widespread_pain_with_fatigue_puts_malate_first(
    plan_for, overrides: dict[str, Any]
) -> None:
    assert ranked(plan_for(**overrides))[0] == "malate"


def test_widespread_pain_without_fatigue_is_not_the_malate_indication(plan_for) -> None:
    plan = plan_for(pain={"pattern": "widespread"})
    assert scores(plan)["malate"] == scores(plan_for())["malate"]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"conditions": ["multiple sclerosis"]}, id="ms"),
        pytest.param({"conditions": ["central post stroke pain"]}, id="post-stroke"),
        pytest.param({"conditions": ["spinal cord injury"]}, id="spinal-cord-injury"),
        pytest.param({"pain": {"pattern": "central"}}, id="central-pattern"),
    ],
)
def test_central_pain_puts_threonate_first(plan_for, overrides: dict[str, Any]) -> None:
    assert ranked(plan_for(**overrides))[0] == "threonate"


@pytest.mark.parametrize(
    "avoid",
    [["glycinate"], ["glycinate", "chloride"], ["Magnesium Glycinate"], ["citrate", "malate"]],
    ids=["glycinate", "glycinate-chloride", "display-name", "citrate-malate"],
)
def test_avoid_forms_are_respected(plan_for, kb: Knowledge, avoid: list[str]) -> None:
    plan = plan_for(preferences={"avoid_forms": avoid})
    avoided = {kb.form_names[a.lower()] for a in avoid}
    assert avoided.isdisjoint(ranked(plan))
    assert plan["recommended_form"] not in avoided
    assert {d["form"] for d in plan["schedule"]}.isdisjoint(avoided)


def test_avoiding_every_oral_form_gives_no_plan(plan_for, kb: Knowledge) -> None:
    oral = [f.id for f in kb.forms.values() if f.oral and f.elemental_fraction is not None]
    plan = plan_for(preferences={"avoid_forms": oral})
    assert plan["forms"] == []
    assert "recommended_form" not in plan
    assert plan["daily_target_mg"] == 0
    assert "all_forms_avoided" in {r["code"] for r in plan["reasons"]}
    assert plan["status"] == "see_clinician_first"


def test_low_budget_penalises_threonate(plan_for) -> None:
    cheap = scores(plan_for(preferences={"budget": "low"}))
    usual = scores(plan_for())
    assert cheap["threonate"] < usual["threonate"]
    assert cheap["citrate"] == usual["citrate"], "low-cost forms keep their score"
    ms_cheap = plan_for(conditions=["multiple sclerosis"], preferences={"budget": "low"})
    ms_usual = plan_for(conditions=["multiple sclerosis"])
    assert scores(ms_cheap)["threonate"] < scores(ms_usual)["threonate"]


def test_low_pill_limit_penalises_dilute_forms(plan_for, kb: Knowledge) -> None:
    limited = scores(plan_for(preferences={"max_pills_per_day": 2}))
    usual = scores(plan_for())
    for form, score in limited.items():
        fraction = kb.forms[form].elemental_fraction
        assert fraction is not None
        if fraction < 0.10:
            assert score < usual[form], form
        else:
            assert score == usual[form], form
