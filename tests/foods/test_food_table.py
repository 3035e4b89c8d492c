"""The shipped food table: pinned values from USDA, its shape, and reading errors."""

from __future__ import annotations

import doctest

import pytest

import magnerve.core.diet
import magnerve.core.foods
from magnerve.core.foods import SOURCE_IDS, Food, Portion, load_foods, parse_food_table
from magnerve.errors import DataFileError, UnknownNameError

HEADER = "id,name,group,mg_per_100g,aliases,portions\n"


@pytest.mark.parametrize(
    ("food_id", "mg"),
    [
        pytest.param("sr28:12016", 550, id="pumpkin-seed-kernels-roasted"),
        pytest.param("sr28:12516", 550, id="pumpkin-seed-kernels-roasted-salted"),
        pytest.param("sr28:12014", 592, id="pumpkin-seed-kernels-dried"),
        pytest.param("sr28:12061", 270, id="almonds"),
        pytest.param("sr28:11457", 79, id="spinach-raw"),
        pytest.param("sr28:11458", 87, id="spinach-boiled"),
        pytest.param("sr28:19904", 228, id="dark-chocolate-70-85"),
        pytest.param("sr28:16015", 70, id="black-beans-boiled"),
        pytest.param("sr28:09040", 27, id="banana"),
        pytest.param("sr28:18075", 75, id="whole-wheat-bread"),
        pytest.param("sr28:01001", 2, id="butter"),
        pytest.param("sr28:12006", 335, id="chia-sr28"),
        pytest.param("fndds:43108010", 392, id="chia-fndds"),
        pytest.param("fndds:43101050", 550, id="pumpkin-seeds-fndds"),
    ],
)
def test_pinned_magnesium_per_100g(food_id: str, mg: float) -> None:
    """Values from domain.md §8 and the SOURCE.md spot checks; the datasets differ for chia."""
    assert load_foods().get(food_id).mg_per_100g == mg


def test_table_holds_every_sr28_and_fndds_food() -> None:
    table = load_foods()
    datasets = [food.dataset for food in table.foods]
    assert datasets.count("sr28") == 8790
    assert datasets.count("fndds") == 7083
    assert len({food.id for food in table.foods}) == len(table)


def test_unanalysed_sr28_magnesium_is_unknown_not_zero() -> None:
    """SOURCE.md: 739 SR28 foods have an empty magnesium field; FNDDS has none."""
    unknown = [food for food in load_foods().foods if food.mg_per_100g is None]
    assert len(unknown) == 739
    assert all(food.dataset == "sr28" for food in unknown)
    assert load_foods().get("sr28:01188").mg_per_100g is None


def test_portions_have_positive_grams_and_household_names() -> None:
    table = load_foods()
    assert all(p.grams > 0 for food in table.foods for p in food.portions)
    banana = table.get("sr28:09040")
    assert Portion('1 medium (7" to 7-7/8" long)', 118) in banana.portions
    assert not any(p.description.startswith(("Quantity not specified", "Guideline"))
                   for food in table.foods for p in food.portions)


def test_food_json_is_the_contract() -> None:
    data = load_foods().get("sr28:19904").to_dict()
    assert {"id", "name", "mg_per_100g", "portions"} <= data.keys()
    assert data["id"] == "sr28:19904"
    assert data["source"] == "usda_sr28"
    assert data["portions"][0] == {"description": "1 oz", "grams": 28.35, "mg": 64.6}


def test_unknown_magnesium_stays_unknown_per_portion() -> None:
    food = Food("sr28:99999", "Mystery", "", None, (Portion("1 cup", 100),))
    assert food.mg_in(100) is None
    assert food.to_dict()["portions"][0]["mg"] is None


def test_every_dataset_has_a_source_id() -> None:
    assert {food.source for food in load_foods().foods} == set(SOURCE_IDS.values())


def test_unknown_food_id_is_an_error_with_a_suggestion() -> None:
    table = load_foods()
    assert "sr28:12016" in table
    assert "sr28:12O16" not in table
    with pytest.raises(UnknownNameError, match="not a known food id") as info:
        table.get("sr28:12O16")
    assert info.value.suggestion in table


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("id,name\n", "header", id="bad-header"),
        pytest.param(HEADER + "sr28:1,Food,,abc,,\n", "not a number", id="bad-mg"),
        pytest.param(HEADER + "sr28:1,Food,,-1,,\n", "negative", id="negative-mg"),
        pytest.param(HEADER + "usda:1,Food,,1,,\n", "sr28: or fndds:", id="bad-dataset"),
        pytest.param(HEADER + "sr28:1,Food,,1,,1 cup\n", "description=grams", id="bad-portion"),
        pytest.param(HEADER + "sr28:1,Food,,1\n", "columns", id="short-row"),
        pytest.param(HEADER + "sr28:1,A,,1,,\nsr28:1,B,,1,,\n", "duplicate", id="duplicate"),
    ],
)
def test_a_broken_table_names_the_entry_and_problem(text: str, problem: str) -> None:
    with pytest.raises(DataFileError, match=problem) as info:
        parse_food_table(text)
    assert info.value.file == "foods.csv"


def test_comment_lines_are_skipped() -> None:
    table = parse_food_table("# built by a test\n" + HEADER + "sr28:1,Food,,5,,1 cup=10\n")
    assert table.get("sr28:1").portions == (Portion("1 cup", 10),)


@pytest.mark.parametrize("module", [magnerve.core.foods, magnerve.core.diet])
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, raise_on_error=False)  # type: ignore[arg-type]
    assert result.failed == 0
    assert result.attempted > 0
