"""The plan's food ledger, product section and label-read current supplements (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import magnerve
from magnerve.cli.app import run
from magnerve.core.diet import QUESTIONNAIRE
from magnerve.core.foods import load_foods
from magnerve.core.planner import plan as core_plan
from magnerve.errors import KnowledgeError

KNOWLEDGE = magnerve.load_knowledge()
LABEL = "Supplement Facts\nServing Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"


def make(**overrides: object) -> magnerve.Plan:
    data: dict[str, object] = {"age": 50, "sex": "male", "egfr": 90}
    data.update(overrides)
    return magnerve.plan(magnerve.parse_profile(data, KNOWLEDGE), KNOWLEDGE)


def serving_mg(key: str) -> float:
    item = QUESTIONNAIRE[key]
    mg = load_foods().get(item.food_id).mg_in(item.grams)
    assert mg is not None
    return mg


def test_questionnaire_ledger_adds_food_and_supplements_against_the_rda() -> None:
    plan = make(diet={"questionnaire": {"almonds": 1, "banana": "7/week"}})
    ledger = plan.to_dict()["ledger"]
    food = serving_mg("almonds") + serving_mg("banana")
    assert ledger["food_mg"] == pytest.approx(food, abs=0.1)
    assert ledger["food_source"] == "questionnaire"
    assert ledger["supplement_mg"] == plan.daily_target_mg == 300
    assert ledger["total_mg"] == pytest.approx(food + 300, abs=0.1)
    assert ledger["reference_mg"] == 420  # US RDA, man 31-50 and 51+
    assert ledger["gap_mg"] == pytest.approx(max(0.0, 420 - food - 300), abs=0.1)


def test_food_never_counts_toward_the_upper_limit() -> None:
    """A huge food intake leaves the supplement target and the limit check untouched."""
    rich = make(diet={"questionnaire": {"pumpkin_seeds": 10}})
    plain = make()
    assert rich.daily_target_mg == plain.daily_target_mg
    ledger = rich.to_dict()["ledger"]
    assert ledger["food_mg"] > 1000
    assert ledger["supplemental_mg"] == 300
    assert ledger["within_upper_limit"] is True
    assert ledger["gap_mg"] == 0
    assert ledger["suggestions"] == []


def test_gap_gets_food_suggestions_that_close_it() -> None:
    """A child (target capped low) with little food magnesium gets suggestions."""
    plan = make(age=16, sex="female", diet={"foods": ["1 banana"]})
    ledger = plan.to_dict()["ledger"]
    assert ledger["gap_mg"] > 0
    assert ledger["suggestions"]
    assert sum(s["mg"] for s in ledger["suggestions"]) >= min(
        ledger["gap_mg"], ledger["suggestions"][0]["mg"]
    )


def test_food_log_unresolved_lines_are_reported_not_guessed() -> None:
    ledger = make(diet={"foods": ["1 oz almonds", "2 handfuls of moon rocks"]}).to_dict()[
        "ledger"
    ]
    assert ledger["food_source"] == "food log"
    assert ledger["diet"]["unresolved"][0]["line"] == "2 handfuls of moon rocks"
    assert any("could not be read" in note for note in ledger["notes"])


def test_core_plan_with_a_diet_needs_the_food_table() -> None:
    profile = magnerve.parse_profile({"age": 50, "sex": "male", "diet": {"foods": ["1 apple"]}},
                                     KNOWLEDGE)
    with pytest.raises(KnowledgeError, match="food table"):
        core_plan(profile, KNOWLEDGE)


def test_current_supplement_label_counts_one_serving() -> None:
    plan = make(current_supplements=[{"label": LABEL}])
    assert plan.current_supplement_mg == 200
    assert plan.daily_target_mg == 100  # usual 300 in total, 200 already taken
    assert any(r.code == "current_supplement_from_label" for r in plan.reasons)


def test_bad_current_supplement_label_names_the_field() -> None:
    with pytest.raises(magnerve.ProfileError, match=r"current_supplements\[0\]\.label"):
        make(current_supplements=[{"label": "Vitamin C 500 mg"}])


def test_plan_product_option_adds_units_per_step(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('age = 50\nsex = "male"\negfr = 90\n')
    label = tmp_path / "label.txt"
    label.write_text(LABEL)
    assert run(["plan", str(profile), "--format", "json", "--product", str(label)]) == 0
    data = json.loads(capsys.readouterr().out)
    steps = data["product"]["steps"]
    assert [s["elemental_mg_per_day"] for s in steps] == [
        t["elemental_mg_per_day"] for t in data["titration"]
    ]
    for step in steps:
        assert step["elemental_mg_per_day_actual"] <= step["elemental_mg_per_day"]
    assert steps[-1]["units_by_dose"] == [1, 2]


def test_plan_product_as_text_and_bad_label(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "p.json"
    profile.write_text('{"age": 50, "sex": "male", "egfr": 90}')
    assert run(["plan", str(profile), "--format", "json", "--product", LABEL]) == 0
    assert json.loads(capsys.readouterr().out)["product"]["elemental_mg_per_unit"] == 100
    assert run(["plan", str(profile), "--product", "no amounts here"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("magnerve: error:")
    assert "Traceback" not in err
