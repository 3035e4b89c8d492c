"""The food-frequency questionnaire and the diet section (log + questionnaire)."""

from __future__ import annotations

import pytest

from magnerve.core.diet import QUESTIONNAIRE, estimate_diet, estimate_questionnaire
from magnerve.core.foods import PREFERRED, load_foods
from magnerve.errors import FoodLogError, InputError

#: Per-serving magnesium from domain.md §8 (its "Mg per serving" column, rounded), for the
#: food and serving each key pins.
DOMAIN_MG_PER_SERVING = {
    "pumpkin_seeds": 156, "almonds": 77, "peanuts": 50, "cashews": 74, "black_beans": 60,
    "kidney_beans": 40, "edamame": 50, "wholemeal_bread": 24, "fortified_cereal": 32,
    "brown_rice": 39, "potato": 41, "avocado": 22, "spinach": 78, "banana": 32, "soy_milk": 61,
    "yogurt": 39, "dark_chocolate": 65,
}


def test_the_questionnaire_covers_the_domain_foods() -> None:
    assert set(QUESTIONNAIRE) == set(DOMAIN_MG_PER_SERVING)


@pytest.mark.parametrize(("key", "mg"), sorted(DOMAIN_MG_PER_SERVING.items()))
def test_each_serving_matches_domain_md(key: str, mg: int) -> None:
    estimate = estimate_questionnaire({key: 1})
    (line,) = estimate.lines
    assert round(line.mg_per_serving) == mg
    assert line.food.id == QUESTIONNAIRE[key].food_id
    assert line.food.dataset == "sr28"


def test_pinned_foods_are_the_search_preferences() -> None:
    """One list of 'the food people mean': every pin but the brand-dependent cereal."""
    pins = {item.food_id for key, item in QUESTIONNAIRE.items() if key != "fortified_cereal"}
    assert pins == set(PREFERRED)
    assert all(item.food_id in load_foods() for item in QUESTIONNAIRE.values())


@pytest.mark.parametrize(
    ("answer", "per_day"),
    [
        pytest.param(2, 2.0, id="number-per-day"),
        pytest.param(0.5, 0.5, id="fraction-per-day"),
        pytest.param("2/day", 2.0, id="per-day"),
        pytest.param("3/week", 3 / 7, id="per-week"),
        pytest.param("3 per week", 3 / 7, id="per-week-words"),
        pytest.param("3 times a week", 3 / 7, id="times-a-week"),
        pytest.param("1/month", 12 / 365, id="per-month"),
        pytest.param("1", 1.0, id="number-text"),
        pytest.param("daily", 1.0, id="daily"),
        pytest.param("weekly", 1 / 7, id="weekly"),
        pytest.param("never", 0.0, id="never"),
        pytest.param(0, 0.0, id="zero"),
    ],
)
def test_frequencies(answer: object, per_day: float) -> None:
    (line,) = estimate_questionnaire({"almonds": answer}).lines
    assert line.servings_per_day == pytest.approx(per_day)


@pytest.mark.parametrize("answer", ["lots", "-1", "2/fortnight", "", True, None, [1], 50, -2])
def test_bad_frequencies_name_the_key(answer: object) -> None:
    with pytest.raises(FoodLogError) as info:
        estimate_questionnaire({"almonds": answer})
    assert info.value.field == "questionnaire.almonds"


def test_estimate_adds_up_with_a_breakdown() -> None:
    estimate = estimate_questionnaire({"pumpkin_seeds": "1/day", "almonds": "7/week",
                                       "spinach": 0.5})
    data = estimate.to_dict()
    assert [f["key"] for f in data["foods"]] == ["pumpkin_seeds", "almonds", "spinach"]
    assert data["mg_per_day"] == pytest.approx(155.9 + 76.5 + 78.3 / 2, abs=0.1)
    assert data["sources"] == ["usda_sr28"]
    first = data["foods"][0]
    assert first["serving"] == {"description": "1 oz", "grams": 28.35}
    assert first["food_id"] == "sr28:12016"


def test_keys_are_forgiving_about_case_and_spaces() -> None:
    (line,) = estimate_questionnaire({"Pumpkin seeds": 1}).lines
    assert line.item.key == "pumpkin_seeds"


def test_an_unknown_key_names_it_and_suggests_the_nearest() -> None:
    with pytest.raises(FoodLogError) as info:
        estimate_questionnaire({"pumkin_seeds": 1})
    error = info.value
    assert isinstance(error, InputError)
    assert error.field == "questionnaire.pumkin_seeds"
    assert error.suggestion == "pumpkin_seeds"
    assert "'pumkin_seeds'" in str(error)
    assert "pumpkin_seeds" in str(error)


def test_a_key_given_twice_is_an_error() -> None:
    with pytest.raises(FoodLogError, match="twice"):
        estimate_questionnaire({"almonds": 1, "Almonds": 2})


def test_an_empty_questionnaire_estimates_nothing() -> None:
    assert estimate_questionnaire({}).mg_per_day == 0


def test_diet_section_with_log_and_questionnaire() -> None:
    result = estimate_diet({"foods": ["1 oz pumpkin seeds", "a banana"],
                            "questionnaire": {"almonds": "3/week"}})
    data = result.to_dict()
    assert data["total_mg"] == pytest.approx(155.9 + 31.9, abs=0.1)
    assert data["questionnaire"]["mg_per_day"] == pytest.approx(76.5 * 3 / 7, abs=0.1)
    assert data["unresolved"] == []


def test_diet_section_takes_a_multiline_string() -> None:
    data = estimate_diet({"foods": "1 oz almonds\n\n30 g dark chocolate\n"}).to_dict()
    assert [i["line_number"] for i in data["items"]] == [1, 3]
    assert data["questionnaire"] is None


@pytest.mark.parametrize(
    ("diet", "field", "suggestion"),
    [
        pytest.param({"food": ["1 oz almonds"]}, "diet.food", "foods", id="unknown-key"),
        pytest.param({"foods": [1]}, "diet.foods[0]", None, id="non-text-line"),
        pytest.param({"foods": 3}, "diet.foods", None, id="foods-not-a-list"),
        pytest.param({"questionnaire": ["almonds"]}, "diet.questionnaire", None,
                     id="questionnaire-not-a-table"),
        pytest.param({}, "diet", None, id="empty"),
        pytest.param(["1 oz almonds"], "diet", None, id="not-a-table"),
    ],
)
def test_bad_diet_sections(diet: object, field: str, suggestion: str | None) -> None:
    with pytest.raises(FoodLogError) as info:
        estimate_diet(diet)
    assert info.value.field == field
    assert info.value.suggestion == suggestion
