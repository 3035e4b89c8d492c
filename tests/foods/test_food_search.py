"""Food search over the shipped table: the foods people mean, typos, plain over prepared."""

from __future__ import annotations

import statistics
import time

import pytest

from magnerve.core.foods import PREFERRED, FoodTable, load_foods, search, tokenize


@pytest.fixture(scope="module")
def table() -> FoodTable:
    return load_foods()


def top(query: str, n: int = 1) -> list[str]:
    return [match.food.id for match in search(query, limit=n)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("pumpkin seeds", "sr28:12016", id="pumpkin-seeds"),
        pytest.param("spinach cooked", "sr28:11458", id="spinach-cooked"),
        pytest.param("boiled spinach", "sr28:11458", id="boiled-spinach"),
        pytest.param("dark chocolate", "sr28:19904", id="dark-chocolate"),
        pytest.param("almonds", "sr28:12061", id="almonds"),
        pytest.param("black beans", "sr28:16015", id="black-beans"),
        pytest.param("brown rice", "sr28:20037", id="brown-rice"),
        pytest.param("banana", "sr28:09040", id="banana"),
        pytest.param("wholemeal bread", "sr28:18075", id="wholemeal-bread-british"),
        pytest.param("whole wheat bread", "sr28:18075", id="whole-wheat-bread"),
        pytest.param("soy milk", "sr28:16120", id="soy-milk"),
        pytest.param("avocado", "sr28:09037", id="avocado"),
        pytest.param("edamame", "sr28:11212", id="edamame"),
        pytest.param("kidney beans", "sr28:16033", id="kidney-beans"),
        pytest.param("cashews", "sr28:12085", id="cashews"),
        pytest.param("peanuts", "sr28:16390", id="peanuts"),
        pytest.param("spinach", "sr28:11457", id="plain-spinach-is-raw"),
        pytest.param("Pumpkin Seeds!", "sr28:12016", id="case-and-punctuation"),
    ],
)
def test_the_food_people_mean_ranks_first(query: str, expected: str) -> None:
    assert top(query) == [expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("pumpkn seeds", "sr28:12016", id="pumpkn"),
        pytest.param("spinnach", "sr28:11457", id="spinnach"),
        pytest.param("almnds", "sr28:12061", id="almnds"),
        pytest.param("dark choclate", "sr28:19904", id="choclate"),
        pytest.param("bananna", "sr28:09040", id="bananna"),
        pytest.param("blak beans", "sr28:16015", id="blak-beans"),
    ],
)
def test_typos_still_find_the_food(query: str, expected: str) -> None:
    matches = search(query, limit=1)
    assert [m.food.id for m in matches] == [expected]
    assert matches[0].coverage < 1  # a fuzzy match is marked as less than certain


def test_a_prefix_finds_the_word() -> None:
    assert all("chocolate" in m.food.name.lower() for m in search("choc", limit=5))


@pytest.mark.parametrize("query", ["banana", "milk", "yogurt", "black beans", "oatmeal",
                                   "peanut butter", "rice", "apple", "spinach", "chicken"])
def test_plain_foods_beat_baby_branded_and_prepared(query: str) -> None:
    for match in search(query, limit=3):
        name = match.food.name
        lower = name.lower()
        assert not any(word in lower for word in ("baby", "infant", "restaurant", "fast food"))
        assert not any(w.isupper() and len(w) > 3 for w in name.replace(",", " ").split()), name


@pytest.mark.parametrize(
    ("query", "not_expected"),
    [
        pytest.param("bread", "sr28:18075", id="bread-is-not-whole-wheat"),
        pytest.param("chocolate", "sr28:19904", id="chocolate-is-not-dark"),
        pytest.param("milk", "sr28:16120", id="milk-is-not-soymilk"),
        pytest.param("rice", "sr28:20037", id="rice-is-not-brown"),
    ],
)
def test_a_preference_needs_its_words(query: str, not_expected: str) -> None:
    assert top(query) != [not_expected]


def test_a_dish_made_from_a_food_ranks_below_the_food() -> None:
    names = [m.food.name.lower() for m in search("black beans", limit=3)]
    assert not any("salad" in n or "soup" in n or "sauce" in n for n in names), names


def test_results_are_ranked_deterministic_and_limited() -> None:
    first = search("beans", limit=7)
    assert len(first) == 7
    assert [m.score for m in first] == sorted((m.score for m in first), reverse=True)
    assert [m.food.id for m in first] == [m.food.id for m in search("beans", limit=7)]


@pytest.mark.parametrize("query", ["", "   ", "the of and", "!!!", "\u0000"])
def test_queries_without_words_find_nothing(query: str) -> None:
    assert search(query) == []


def test_a_zero_limit_finds_nothing() -> None:
    assert search("banana", limit=0) == []


def test_nonsense_finds_nothing() -> None:
    assert search("xyzzyq") == []


def test_preferred_foods_exist_and_are_found_by_their_words(table: FoodTable) -> None:
    for food_id, words in PREFERRED.items():
        assert food_id in table
        assert tokenize(words)
    assert top("cooked spinach") == ["sr28:11458"]


def test_search_is_fast(table: FoodTable) -> None:
    """Generous bound for a shared CI machine; benchmarks/bench_foods.py measures the p99."""
    queries = ["pumpkin seeds", "spinach cooked", "dark chocolate", "almonds", "black beans",
               "brown rice", "banana", "pumpkn seeds", "spinnach", "raw", "cooked",
               "whole wheat bread", "baked potato with skin", "choc", "soy milk"] * 4
    times = []
    for query in queries:
        start = time.perf_counter()
        table.search(query)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.005
