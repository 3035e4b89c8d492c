"""Food log lines as people write them: amounts, units, portions, and honest failures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magnerve.core.diet import (
    MAX_LOG_CHARS,
    LoggedFood,
    Unresolved,
    parse_amount,
    read_food_log,
    resolve_line,
)
from magnerve.core.foods import Food, FoodTable, Portion
from magnerve.errors import FoodLogError, MagnerveError


@pytest.mark.parametrize(
    ("text", "amount", "rest"),
    [
        pytest.param("2 eggs", 2, "eggs", id="integer"),
        pytest.param("1.5 cups rice", 1.5, "cups rice", id="decimal"),
        pytest.param("1,5 cups rice", 1.5, "cups rice", id="decimal-comma"),
        pytest.param(".5 cup rice", 0.5, "cup rice", id="leading-point"),
        pytest.param("1/2 cup spinach", 0.5, "cup spinach", id="fraction"),
        pytest.param("1 1/2 cups beans", 1.5, "cups beans", id="mixed"),
        pytest.param("1-1/2 cups beans", 1.5, "cups beans", id="mixed-hyphen"),
        pytest.param("½ cup beans", 0.5, "cup beans", id="unicode-half"),
        pytest.param("1½ cups beans", 1.5, "cups beans", id="unicode-mixed"),
        pytest.param("2 ¾ cups beans", 2.75, "cups beans", id="unicode-mixed-space"),
        pytest.param("100g almonds", 100, "g almonds", id="stuck-unit"),
        pytest.param("a banana", 1, "banana", id="a"),
        pytest.param("An apple", 1, "apple", id="an"),
        pytest.param("two slices bread", 2, "slices bread", id="two"),
        pytest.param("half a cup of oats", 0.5, "cup of oats", id="half-a"),
        pytest.param("a half cup oats", 0.5, "cup oats", id="a-half"),
        pytest.param("one and a half cups beans", 1.5, "cups beans", id="and-a-half"),
        pytest.param("a couple of eggs", 2, "eggs", id="couple"),
        pytest.param("a dozen almonds", 12, "almonds", id="dozen"),
    ],
)
def test_amounts(text: str, amount: float, rest: str) -> None:
    assert parse_amount(text) == (pytest.approx(amount), rest)


@pytest.mark.parametrize("text", ["banana", "apple pie", "handful of nuts", ""])
def test_no_amount(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize("text", ["1-2 cups rice", "2 to 3 eggs", "1/0 cup rice"])
def test_ranges_and_zero_denominators_are_refused(text: str) -> None:
    with pytest.raises(FoodLogError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("line", "food_id", "grams", "mg"),
    [
        pytest.param("1 oz pumpkin seeds", "sr28:12016", 28.35, 155.9, id="oz-pumpkin"),
        pytest.param("1/2 cup boiled spinach", "sr28:11458", 90, 78.3, id="half-cup-spinach"),
        pytest.param("2 slices wholemeal bread", "sr28:18075", 64, 48.0, id="slices-bread"),
        pytest.param("30 g dark chocolate", "sr28:19904", 30, 68.4, id="g-chocolate"),
        pytest.param("a banana", "sr28:09040", 118, 31.9, id="a-banana-is-medium"),
        pytest.param("1 large banana", "sr28:09040", 136, 36.7, id="large-banana"),
        pytest.param("1½ cups black beans", "sr28:16015", 258, 180.6, id="unicode-cups"),
        pytest.param("100g almonds", "sr28:12061", 100, 270.0, id="100g-almonds"),
        pytest.param("3 almonds", "sr28:12061", 3.6, 9.7, id="count-named-portion"),
        pytest.param("2 tbsp almonds", "sr28:12061", 17.9, 48.3, id="tbsp-from-cup"),
        pytest.param("half a cup of brown rice", "sr28:20037", 101, 39.4, id="half-a-cup"),
        pytest.param("one and a half cups black beans", "sr28:16015", 258, 180.6,
                     id="words"),
        pytest.param("pumpkin seeds, 1 oz", "sr28:12016", 28.35, 155.9, id="amount-last"),
        pytest.param("1 cup soy milk", "sr28:16120", 243, 60.8, id="cup-soymilk"),
        pytest.param("0.25 lb almonds", "sr28:12061", 113.4, 306.2, id="lb"),
        pytest.param("- 1 oz almonds", "sr28:12061", 28.35, 76.5, id="bullet"),
        pytest.param("1 medium potato", "sr28:11674", 173, 48.4, id="near-equal-with-portion"),
        pytest.param("2 cups spinnach", "sr28:11457", 60, 47.4, id="typo"),
    ],
)
def test_lines_resolve_to_grams_and_magnesium(line: str, food_id: str, grams: float,
                                              mg: float) -> None:
    result = resolve_line(line)
    assert isinstance(result, LoggedFood), result
    data = result.to_dict()
    assert data["food_id"] == food_id
    assert data["grams"] == pytest.approx(grams, abs=0.06)
    assert data["mg"] == pytest.approx(mg, abs=0.06)
    assert data["line"] == line.strip()


def test_the_portion_used_is_shown() -> None:
    banana = resolve_line("a banana")
    assert isinstance(banana, LoggedFood)
    assert banana.portion is not None
    assert banana.portion.startswith("1 medium")
    weighed = resolve_line("30 g dark chocolate")
    assert isinstance(weighed, LoggedFood)
    assert weighed.portion is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("spinach", "no amount", id="no-amount"),
        pytest.param("1 cup xyzzy", "no food matches", id="no-food"),
        pytest.param("2 cups of my granny's special stew", "closely enough", id="weak-match"),
        pytest.param("2 handfuls almonds", "no 'handful' portion", id="no-portion-for-unit"),
        pytest.param("1 can black beans", "no 'can' portion", id="no-can"),
        pytest.param("1 spoon of honey", "unknown unit 'spoon'", id="unknown-unit"),
        pytest.param("1-2 cups rice", "not a range", id="range"),
        pytest.param("10 kg almonds", "check the amount", id="implausible"),
        pytest.param("2", "no food named", id="amount-only"),
        pytest.param("x" * 400, "longer than", id="too-long"),
    ],
)
def test_unresolved_lines_say_why(line: str, reason: str) -> None:
    result = resolve_line(line)
    assert isinstance(result, Unresolved), result
    assert reason in result.reason
    assert result.to_dict() == {"line": line.strip(), "line_number": 1,
                                "reason": result.reason}


def test_a_food_without_a_magnesium_value_is_not_counted() -> None:
    table = FoodTable([Food("sr28:99999", "Mystery fruit, raw", "", None,
                            (Portion("1 cup", 100),))])
    result = resolve_line("1 cup mystery fruit", table)
    assert isinstance(result, Unresolved)
    assert "no magnesium value" in result.reason


def test_a_volume_without_any_volume_portion_is_not_guessed() -> None:
    table = FoodTable([Food("sr28:99998", "Mystery nut", "", 100.0, (Portion("1 nut", 2),))])
    result = resolve_line("1 cup mystery nut", table)
    assert isinstance(result, Unresolved)
    assert "no volume measure" in result.reason


def test_a_log_skips_blanks_and_comments_and_totals_resolved_lines() -> None:
    log = read_food_log(
        "# Monday\n"
        "1 oz pumpkin seeds\n"
        "\n"
        "a banana   # breakfast\n"
        "   # nothing here\n"
        "2 handfuls almonds\n"
    )
    data = log.to_dict()
    assert [item["line_number"] for item in data["items"]] == [2, 4]
    assert data["items"][1]["line"] == "a banana"
    assert [u["line_number"] for u in data["unresolved"]] == [6]
    assert data["total_mg"] == pytest.approx(155.9 + 31.9, abs=0.1)
    assert data["sources"] == ["usda_sr28"]
    assert set(data) >= {"items", "unresolved", "total_mg"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "no food lines", id="empty"),
        pytest.param("\n\n   \n", "no food lines", id="blank"),
        pytest.param("# only a comment\n", "no food lines", id="comments-only"),
        pytest.param("1 oz almonds\x00\x01\x02", "binary", id="nul"),
        pytest.param("".join(chr(c) for c in range(1, 32)) * 3, "binary", id="control"),
        pytest.param("1 oz almonds\n" * (MAX_LOG_CHARS // 13 + 1), "characters long",
                     id="too-large"),
        pytest.param("a" * 10_000_000, "characters long", id="ten-megabytes"),
        pytest.param("1 g x\n" * 2001, "food lines", id="too-many-lines"),
    ],
)
def test_what_is_not_a_food_log_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(FoodLogError, match=message):
        read_food_log(text)


@given(st.text(max_size=400))
def test_the_parser_never_crashes_on_any_text(text: str) -> None:
    """Any text gives a result or a magnerve error, never another exception."""
    try:
        log = read_food_log(text)
    except MagnerveError:
        return
    data = log.to_dict()
    assert data["total_mg"] >= 0
    assert len(data["items"]) + len(data["unresolved"]) >= 1


@given(st.text(alphabet=st.sampled_from(list("0123456789 /½¼.,-abcdgozcuplsie")), max_size=40))
def test_amount_like_lines_never_crash(line: str) -> None:
    result = resolve_line(line)
    assert isinstance(result, LoggedFood | Unresolved)
    if isinstance(result, LoggedFood):
        assert result.grams >= 0
        assert result.mg >= 0
