"""Magnesium from food: a food log read line by line, and a short food-frequency questionnaire.

A log line is written the way people write it: "1 oz pumpkin seeds", "1/2 cup boiled spinach",
"a banana", "1½ cups black beans", "100g almonds". Each line is split into an amount, a unit and
the food; the food is found with :mod:`magnerve.core.foods` and the amount turned into grams with
a standard mass conversion (g, oz, lb...) or one of the food's USDA household portions (cup,
slice, medium...). A line that cannot be resolved with confidence (no food matches closely, an
unknown unit, no portion for that unit, no magnesium value in USDA) is returned as *unresolved*
with its reason: magnerve never guesses silently, because a wrong guess would misstate how much
magnesium a person already gets from food.

The questionnaire asks how often a person eats each of the magnesium-rich foods of domain.md §8
and multiplies by a pinned SR28 food and serving (source ``usda_sr28``). :func:`estimate_diet`
reads a profile's ``diet`` section (``foods`` lines and/or a ``questionnaire``) into both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from magnerve.core.foods import Food, FoodTable, Portion, load_foods, tokenize
from magnerve.core.text import normalize, suggest
from magnerve.errors import FoodLogError

__all__ = [
    "DIET_KEYS",
    "MAX_LOG_CHARS",
    "QUESTIONNAIRE",
    "DietEstimate",
    "FoodLog",
    "LoggedFood",
    "QuestionnaireEstimate",
    "QuestionnaireFood",
    "QuestionnaireLine",
    "Unresolved",
    "estimate_diet",
    "estimate_questionnaire",
    "parse_amount",
    "read_food_log",
    "resolve_line",
]

#: A food log is a day or a week of eating; anything much longer is not a food log.
MAX_LOG_CHARS = 200_000
MAX_LOG_LINES = 2_000
MAX_LINE_CHARS = 300
#: More than this in one line is almost certainly a typo in the amount (5 kg of almonds).
MAX_LINE_GRAMS = 5_000.0
#: Share of the food words (weighted by rarity) a food name must cover to be accepted.
MIN_COVERAGE = 0.7
#: Foods scoring within this many points of the best match count as near-equals.
_NEAR_SCORE = 6.0
_CANDIDATES = 5

# -- amounts ---------------------------------------------------------------------------------

_NUMBER_WORDS: Mapping[str, float] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "half": 0.5, "quarter": 0.25,
}
_GROUP_WORDS: Mapping[str, float] = {"couple": 2, "dozen": 12}
_VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_NUM = r"(?:\d+(?:[.,]\d+)?|\.\d+)"
_AMOUNT = re.compile(
    rf"""^(?:
        (?P<whole>\d+)\s*(?:\s|-)\s*(?P<num>\d+)\s*[/⁄]\s*(?P<den>\d+)     # 1 1/2, 1-1/2
      | (?P<fnum>\d+)\s*[/⁄]\s*(?P<fden>\d+)                              # 1/2
      | (?P<vwhole>\d+)?\s*(?P<vulgar>[{_VULGAR}])                        # 1½, ½
      | (?P<dec>{_NUM})                                                   # 2, 1.5, 1,5
    )""",
    re.VERBOSE,
)
_RANGE = re.compile(rf"^\s*(?:-|–|to|or)\s*(?:{_NUM}|[{_VULGAR}])")
_WORD_AMOUNT = re.compile(
    r"^(?:(?P<half1>half\s+(?:a|an)\b)"
    r"|(?:(?:a|an|one)\s+)?(?P<group>couple|dozen)\b(?:\s+of\b)?"
    r"|(?P<word>" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b"
    r"(?P<andhalf>\s+and\s+a\s+half\b)?(?P<ahalf>\s+half\b)?)",
    re.IGNORECASE,
)


def parse_amount(text: str) -> tuple[float, str] | None:
    """The amount at the start of ``text`` and the rest, or None when it starts with none.

    >>> parse_amount("1½ cups black beans")
    (1.5, 'cups black beans')
    >>> parse_amount("a banana")
    (1.0, 'banana')
    >>> parse_amount("half a cup of oats")
    (0.5, 'cup of oats')
    >>> parse_amount("100g almonds")
    (100.0, 'g almonds')

    Raises FoodLogError for a range ("1-2 cups") or a zero denominator: both have no single
    amount to use.
    """
    match = _AMOUNT.match(text)
    if match:
        value = _amount_value(match)
        rest = text[match.end():]
        if _RANGE.match(rest):
            raise FoodLogError("amount", text, "one amount, not a range",
                               message="give one amount, not a range")
        if value is None:
            raise FoodLogError("amount", text, "a fraction with a non-zero denominator",
                               message="a fraction cannot have 0 below the line")
        return value, rest.strip()
    match = _WORD_AMOUNT.match(text)
    if match:
        if match.group("half1"):
            value = 0.5
        elif match.group("group"):
            value = _GROUP_WORDS[match.group("group").lower()]
        else:
            value = _NUMBER_WORDS[match.group("word").lower()]
            if match.group("andhalf"):
                value += 0.5
            elif match.group("ahalf"):  # "a half", "one half"
                value *= 0.5
        return float(value), text[match.end():].strip()
    return None


def _amount_value(match: re.Match[str]) -> float | None:
    if match.group("whole") is not None:
        den = int(match.group("den"))
        return None if den == 0 else int(match.group("whole")) + int(match.group("num")) / den
    if match.group("fnum") is not None:
        den = int(match.group("fden"))
        return None if den == 0 else int(match.group("fnum")) / den
    if match.group("vulgar") is not None:
        whole = int(match.group("vwhole") or 0)
        return whole + unicodedata.numeric(match.group("vulgar"))
    return float(match.group("dec").replace(",", "."))


# -- units -----------------------------------------------------------------------------------

#: Grams per unit of mass.
_MASS_G: Mapping[str, float] = {"g": 1.0, "kg": 1000.0, "mg": 0.001, "oz": 28.349523125,
                                "lb": 453.59237}
#: Millilitres per unit of volume (US customary).
_VOLUME_ML: Mapping[str, float] = {"tsp": 4.92892, "tbsp": 14.7868, "fl oz": 29.5735,
                                   "cup": 236.588, "ml": 1.0, "l": 1000.0}
#: Units that count items; each is looked up in the food's own USDA portions.
_COUNT_UNITS = ("whole", "each", "item", "fruit", "clove", "stalk", "stick", "bar", "packet",
                "container", "can", "bottle", "spear", "floret", "fillet", "link", "scoop",
                "bowl", "glass", "mug", "handful", "pinch", "dash", "sprig", "package", "pack",
                "jar", "pot", "tub", "square", "wedge")


def _plural(word: str) -> str:
    return word + "es" if word.endswith(("s", "sh", "ch", "x")) else word + "s"


#: How people spell each unit. Count units ("slice", "medium") are looked up in the food's own
#: USDA portions; mass and volume units convert by standard factors.
_UNIT_SPELLINGS: Mapping[str, tuple[str, ...]] = {
    "g": ("g", "gr", "gm", "gms", "gram", "grams", "gramme", "grammes"),
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"),
    "mg": ("mg", "milligram", "milligrams"),
    "oz": ("oz", "ozs", "ounce", "ounces"),
    "lb": ("lb", "lbs", "pound", "pounds"),
    "fl oz": ("fl oz", "fl. oz", "floz", "fluid ounce", "fluid ounces"),
    "cup": ("cup", "cups", "c"),
    "tbsp": ("tbsp", "tbsps", "tbs", "tbl", "tablespoon", "tablespoons"),
    "tsp": ("tsp", "tsps", "teaspoon", "teaspoons"),
    "ml": ("ml", "millilitre", "millilitres", "milliliter", "milliliters"),
    "l": ("l", "litre", "litres", "liter", "liters"),
    "slice": ("slice", "slices", "slc"),
    "piece": ("piece", "pieces", "pc", "pcs"),
    "medium": ("medium", "med", "mediums"),
    "large": ("large", "lg", "big"),
    "small": ("small", "sm"),
    "extra large": ("extra large", "extra-large", "xl"),
    "serving": ("serving", "servings", "portion", "portions"),
    "leaf": ("leaf", "leaves"),
    "patty": ("patty", "patties"),
    **{unit: (unit, _plural(unit)) for unit in _COUNT_UNITS},
}
_UNIT_WORDS = {spelling: unit for unit, spellings in _UNIT_SPELLINGS.items()
               for spelling in spellings}
_UNIT_PATTERN = re.compile(
    r"^(?P<unit>" + "|".join(re.escape(w) for w in sorted(_UNIT_WORDS, key=len, reverse=True))
    + r")(?:\.|\b)\s*(?:of\b\s*)?",
    re.IGNORECASE,
)
#: Portions that are not the food as usually eaten: dry measures and their yields, snack or
#: mini sizes, a slice without its crust.
_ODD_PORTION = re.compile(r"\b(dry|yields?|uncooked|unprepared|raw|not eaten|snack|mini\w*"
                          r"|bite|in shell)\b", re.IGNORECASE)
_TYPICAL_SIZE = frozenset({"medium", "regular"})
#: Count words tried, in order, when a line gives a number of items and no unit ("a banana").
_COUNT_FALLBACK = ("medium", "whole", "each", "item", "piece", "fruit")


def _split_unit(text: str) -> tuple[str | None, str]:
    """The canonical unit at the start of ``text`` (or None) and the rest."""
    match = _UNIT_PATTERN.match(text)
    if match is None:
        return None, text
    return _UNIT_WORDS[match.group("unit").lower()], text[match.end():].strip()


@dataclass(frozen=True, slots=True)
class _Measure:
    """A household portion split into its amount and unit ("0.5 cup" -> 0.5, "cup")."""

    portion: Portion
    amount: float
    unit: str | None
    qualifiers: str  # what follows the unit: ", chopped", "(7 in long)"
    words: frozenset[str]

    @property
    def grams_each(self) -> float:
        return self.portion.grams / self.amount


def _measure(portion: Portion) -> _Measure | None:
    try:
        parsed = parse_amount(portion.description)
    except FoodLogError:
        return None
    amount, rest = parsed if parsed else (1.0, portion.description)
    if amount <= 0:
        return None
    unit, qualifiers = _split_unit(rest)
    return _Measure(portion, amount, unit, qualifiers.strip(" ,"),
                    frozenset(tokenize(portion.description)))


def _rank(measure: _Measure, unit: str | None) -> tuple[int, int]:
    """How plainly a portion is ``unit``: "1 cup" before "1 cup, chopped" before a portion
    that only mentions the unit ("1 large or thick slice"); a "medium or regular" one before
    other sizes; dry yields, snack sizes and "crust not eaten" last. Ties keep USDA's order.
    """
    odd = 1 if _ODD_PORTION.search(measure.portion.description) else 0
    if measure.unit == unit:
        return odd, 0 if not measure.qualifiers else 1
    return odd, 2 if measure.words & _TYPICAL_SIZE else 3


def _pick(measures: list[_Measure], unit: str) -> _Measure | None:
    """The plainest portion that is, or mentions, ``unit``."""
    stem = tokenize(unit)
    fitting = [m for m in measures if m.unit == unit or (stem and stem[0] in m.words)]
    return min(fitting, key=lambda m: _rank(m, unit), default=None)


def _portion_grams(food: Food, amount: float, unit: str | None,
                   food_words: list[str]) -> tuple[float, str | None] | str:
    """Grams for ``amount`` ``unit`` of ``food`` and the portion used, or why there are none.

    Mass converts directly. Volume uses the food's own measure of that unit, else another
    volume measure scaled by standard factors (a tbsp is 1/16 cup). A count ("2 slices",
    "a banana") uses the matching household portion; a bare count tries a portion named
    after the food ("1 almond"), then medium, whole, each, item, piece, fruit.
    """
    if unit is not None and unit in _MASS_G:
        return amount * _MASS_G[unit], None
    measures = [m for p in food.portions if (m := _measure(p)) is not None]
    if unit is not None and unit in _VOLUME_ML:
        volume = [m for m in measures if m.unit in _VOLUME_ML]
        best = _pick(volume, unit) or min(volume, key=lambda m: _rank(m, m.unit), default=None)
        if best is None or best.unit is None:
            return f"USDA gives no volume measure for {food.name}; give a weight (g or oz)"
        per_ml = best.grams_each / _VOLUME_ML[best.unit]
        return amount * _VOLUME_ML[unit] * per_ml, best.portion.description
    counts = [m for m in measures if m.unit not in _MASS_G and m.unit not in _VOLUME_ML]
    if unit is not None:
        best = _pick(counts, unit)
        if best is None:
            return (f"USDA gives no '{unit}' portion for {food.name}; give a weight (g or oz) "
                    "or a cup measure")
        return amount * best.grams_each, best.portion.description
    named = [m for m in counts if m.words & set(food_words)]
    best = min(named, key=lambda m: _rank(m, None), default=None)
    for word in _COUNT_FALLBACK:
        best = best or _pick(counts, word)
    if best is None:
        return (f"USDA gives no per-item weight for {food.name}; give a weight (g or oz) "
                "or a measure (cup, tbsp)")
    return amount * best.grams_each, best.portion.description


# -- log lines -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedFood:
    """A resolved log line: the food, how many grams, how much magnesium."""

    line: str
    line_number: int
    food: Food
    grams: float
    mg: float
    portion: str | None  # the USDA portion used, None for a weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "line_number": self.line_number,
            "food_id": self.food.id,
            "food": self.food.name,
            "grams": round(self.grams, 1),
            "mg": round(self.mg, 1),
            "portion": self.portion,
            "source": self.food.source,
        }


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A log line magnerve could not turn into magnesium, and why."""

    line: str
    line_number: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "line_number": self.line_number, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class FoodLog:
    """Every food line of a log: resolved items and unresolved lines (design.md 3.8)."""

    items: tuple[LoggedFood, ...]
    unresolved: tuple[Unresolved, ...]

    @property
    def total_mg(self) -> float:
        """Magnesium from the resolved lines only; unresolved lines are not guessed."""
        return sum(item.mg for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "unresolved": [u.to_dict() for u in self.unresolved],
            "total_mg": round(self.total_mg, 1),
            "sources": sorted({item.food.source for item in self.items}),
        }


_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_SEPARATOR = re.compile(r"[\s,:;(-]+")


def resolve_line(line: str, table: FoodTable | None = None, *,
                 line_number: int = 1) -> LoggedFood | Unresolved:
    """Resolve one log line to grams and magnesium, or say why it cannot be resolved."""
    table = table if table is not None else load_foods()
    shown = line.strip()
    text = _BULLET.sub("", shown, count=1).strip()
    if len(text) > MAX_LINE_CHARS:
        return Unresolved(shown, line_number, f"line is longer than {MAX_LINE_CHARS} "
                          "characters; write one food per line")
    try:
        parsed = _split_line(text)
    except FoodLogError as exc:
        return Unresolved(shown, line_number, str(exc))
    if parsed is None:
        matches = table.search(text, limit=1)
        what = f" of {matches[0].food.name}" if matches else ""
        return Unresolved(shown, line_number,
                          f"no amount: say how much{what}, e.g. '1 cup' or '30 g'")
    amount, unit, food_text = parsed
    if not food_text:
        return Unresolved(shown, line_number, "no food named after the amount")
    result = _resolve_food(food_text, amount, unit, table)
    if isinstance(result, str):
        return Unresolved(shown, line_number, result)
    food, grams, portion = result
    return LoggedFood(shown, line_number, food, grams, food.mg_in(grams) or 0.0, portion)


def _resolve_food(food_text: str, amount: float, unit: str | None,
                  table: FoodTable) -> tuple[Food, float, str | None] | str:
    """The best-matching food that has what the line needs, its grams and portion; or why
    there is none.

    Foods scoring within a few points of the best are near-equals ("Potato, NFS" and
    "Potatoes, baked"); when the best has no portion for the unit or no magnesium value,
    the first near-equal that has them is used. The food used is always in the result, so
    the choice is visible; if none qualifies, the best food's problem is the reason.
    """
    matches = table.search(food_text, limit=_CANDIDATES)
    if not matches:
        return f"no food matches '{food_text}'"
    best = matches[0]
    if best.coverage < MIN_COVERAGE:
        return (f"no food matches '{food_text}' closely enough (nearest: {best.food.name}); "
                "name the food as USDA does, e.g. 'spinach, cooked'")
    words = tokenize(food_text)
    problems: list[str] = []
    for match in matches:
        if match.coverage < MIN_COVERAGE or match.score < best.score - _NEAR_SCORE:
            break
        food = match.food
        if food.mg_per_100g is None:
            problems.append(f"USDA has no magnesium value for {food.name} ({food.id})")
            continue
        result = _portion_grams(food, amount, unit, words)
        if isinstance(result, str):
            problems.append(result)
            continue
        grams, portion = result
        if grams > MAX_LINE_GRAMS:
            return f"{grams:,.0f} g of {food.name} in one line; check the amount"
        return food, grams, portion
    return problems[0]


def _split_line(text: str) -> tuple[float, str | None, str] | None:
    """(amount, unit, food text) of a line, the amount first or last; None if no amount."""
    parsed = parse_amount(text)
    if parsed is None:
        return _split_trailing(text)
    amount, rest = parsed
    unit, food_text = _split_unit(rest)
    if unit is not None and not food_text:
        # "2 crackers" style: the unit word was the food itself.
        return amount, None, rest
    if unit is None:
        word = rest.split(maxsplit=1)
        if len(word) == 2 and normalize(word[0]) in _UNKNOWN_UNIT_HINTS:
            raise FoodLogError("unit", word[0], "a known unit",
                               message=f"unknown unit '{word[0]}'; give grams, ounces or "
                               "a household measure (cup, tbsp, slice)")
    return amount, unit, food_text.strip(" ,")


def _split_trailing(text: str) -> tuple[float, str | None, str] | None:
    """A line with the amount last ("pumpkin seeds, 1 oz"): the leftmost split that leaves
    exactly an amount and a unit after the food."""
    for gap in _SEPARATOR.finditer(text):
        food, tail = text[:gap.start()].strip(), text[gap.end():]
        if not food or not tail or not (tail[0].isdigit() or tail[0] in _VULGAR):
            continue
        parsed = parse_amount(tail)
        if parsed is None:
            continue
        unit, leftover = _split_unit(parsed[1])
        if not leftover.strip(" ).") and (unit is not None or not parsed[1].strip(" ).")):
            return parsed[0], unit, food
    return None


#: Words people use as measures that have no standard weight and are not foods.
_UNKNOWN_UNIT_HINTS = frozenset({"spoon", "spoons", "spoonful", "spoonfuls", "plate",
                                 "plates", "helping", "helpings", "splash", "sprinkle",
                                 "nip", "heap", "heaped", "dollop", "dollops", "bit", "bits",
                                 "chunk", "chunks", "lot", "lots"})


def read_food_log(text: str, table: FoodTable | None = None) -> FoodLog:
    """Resolve every food line of a log; blank lines and ``#`` comments are skipped.

    Raises FoodLogError when the text is not a food log at all: empty, binary, or far
    larger than any day or week of eating.
    """
    if "\x00" in text or sum(1 for ch in text[:4096] if _is_control(ch)) > 8:
        raise FoodLogError("food log", text[:40], "plain text, one food per line",
                           message="the food log looks like a binary file, not text")
    if len(text) > MAX_LOG_CHARS:
        raise FoodLogError("food log", f"{len(text):,} characters",
                           f"at most {MAX_LOG_CHARS:,} characters",
                           message=f"the food log is {len(text):,} characters long; magnerve "
                           f"reads logs up to {MAX_LOG_CHARS:,} (a few weeks of eating)")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise FoodLogError("food log", text[:40], "at least one food line",
                           message="the food log has no food lines; write one food per line, "
                           "e.g. '1 oz pumpkin seeds'")
    if len(lines) > MAX_LOG_LINES:
        raise FoodLogError("food log", f"{len(lines):,} lines", f"at most {MAX_LOG_LINES:,}",
                           message=f"the food log has {len(lines):,} food lines; magnerve "
                           f"reads up to {MAX_LOG_LINES:,}")
    table = table if table is not None else load_foods()
    items: list[LoggedFood] = []
    unresolved: list[Unresolved] = []
    for number, line in lines:
        result = resolve_line(_strip_comment(line), table, line_number=number)
        if isinstance(result, LoggedFood):
            items.append(result)
        else:
            unresolved.append(result)
    return FoodLog(tuple(items), tuple(unresolved))


def _strip_comment(line: str) -> str:
    head, sep, _ = line.partition(" #")
    return head if sep else line


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v"


# -- questionnaire ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionnaireFood:
    """A questionnaire food: the pinned SR28 food and one serving of it (domain.md §8)."""

    key: str
    label: str
    food_id: str
    serving: str
    grams: float
    note: str = ""


#: The foods domain.md §8 lists, each pinned to one SR28 NDB number and a serving from SR28
#: household weights (source usda_sr28). Where §8 lists variants, the one most often eaten is
#: pinned (roasted seeds and nuts, cooked beans and grains, low-fat yogurt).
QUESTIONNAIRE: Mapping[str, QuestionnaireFood] = {
    item.key: item
    for item in (
        QuestionnaireFood("pumpkin_seeds", "Pumpkin seeds (kernels, roasted)", "sr28:12016",
                          "1 oz", 28.35),
        QuestionnaireFood("almonds", "Almonds", "sr28:12061", "1 oz", 28.35),
        QuestionnaireFood("peanuts", "Peanuts (dry-roasted)", "sr28:16390", "1 oz", 28.35),
        QuestionnaireFood("cashews", "Cashews (dry-roasted)", "sr28:12085", "1 oz", 28.35),
        QuestionnaireFood("black_beans", "Black beans (cooked)", "sr28:16015", "1/2 cup", 86),
        QuestionnaireFood("kidney_beans", "Kidney beans (cooked)", "sr28:16033", "1/2 cup",
                          88.5),
        QuestionnaireFood("edamame", "Edamame (prepared)", "sr28:11212", "1/2 cup", 77.5),
        QuestionnaireFood("wholemeal_bread", "Wholemeal bread", "sr28:18075", "1 slice", 32),
        QuestionnaireFood("fortified_cereal", "Fortified breakfast cereal", "sr28:08013",
                          "1 cup", 28,
                          "brand-dependent; Cheerios (domain.md §8 example 2) stands in"),
        QuestionnaireFood("brown_rice", "Brown rice (cooked)", "sr28:20037", "1/2 cup", 101),
        QuestionnaireFood("potato", "Potato (baked, with skin)", "sr28:11674",
                          "1 NLEA serving", 148),
        QuestionnaireFood("avocado", "Avocado", "sr28:09037", "1/2 cup cubes", 75),
        QuestionnaireFood("spinach", "Spinach (cooked)", "sr28:11458", "1/2 cup", 90),
        QuestionnaireFood("banana", "Banana", "sr28:09040", "1 medium", 118),
        QuestionnaireFood("soy_milk", "Soy milk (unfortified)", "sr28:16120", "1 cup", 243),
        QuestionnaireFood("yogurt", "Yogurt (plain, low-fat)", "sr28:01117", "8 oz", 227),
        QuestionnaireFood("dark_chocolate", "Dark chocolate (70-85%)", "sr28:19904", "1 oz",
                          28.35),
    )
}

_PER = {"day": 1.0, "d": 1.0, "daily": 1.0, "week": 1 / 7, "wk": 1 / 7, "w": 1 / 7,
        "weekly": 1 / 7, "month": 12 / 365, "mo": 12 / 365, "monthly": 12 / 365}
_FREQUENCY = re.compile(
    r"^\s*(?P<n>\d+(?:\.\d+)?|\.\d+)\s*(?:(?:/|per|x|times|a|an|every|each|\s)+\s*"
    r"(?P<per>day|d|week|wk|w|month|mo)s?)?\s*$|^\s*(?P<word>daily|weekly|monthly|never)\s*$",
    re.IGNORECASE,
)
FREQUENCY_TEXT = 'servings per day or week: a number (per day), "2/day", "3/week" or "1/month"'
MAX_SERVINGS_PER_DAY = 20.0


def _servings_per_day(key: str, raw: object) -> float:
    field_name = f"questionnaire.{key}"
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise FoodLogError(field_name, raw, FREQUENCY_TEXT)
    if isinstance(raw, (int, float)):
        per_day = float(raw)
    else:
        match = _FREQUENCY.match(raw)
        if match is None:
            raise FoodLogError(field_name, raw, FREQUENCY_TEXT)
        if match.group("word"):
            word = match.group("word").lower()
            per_day = 0.0 if word == "never" else _PER[word]
        else:
            per_day = float(match.group("n")) * _PER[(match.group("per") or "day").lower()]
    if not 0 <= per_day <= MAX_SERVINGS_PER_DAY:
        raise FoodLogError(field_name, raw,
                           f"from 0 to {MAX_SERVINGS_PER_DAY:g} servings a day")
    return per_day


@dataclass(frozen=True, slots=True)
class QuestionnaireLine:
    """One answered questionnaire food with its magnesium per day."""

    item: QuestionnaireFood
    food: Food
    servings_per_day: float
    mg_per_serving: float

    @property
    def mg_per_day(self) -> float:
        return self.servings_per_day * self.mg_per_serving

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.item.key,
            "label": self.item.label,
            "food_id": self.food.id,
            "food": self.food.name,
            "serving": {"description": self.item.serving, "grams": self.item.grams},
            "servings_per_day": round(self.servings_per_day, 3),
            "mg_per_serving": round(self.mg_per_serving, 1),
            "mg_per_day": round(self.mg_per_day, 1),
            "note": self.item.note or None,
        }


@dataclass(frozen=True, slots=True)
class QuestionnaireEstimate:
    """Estimated magnesium per day from the questionnaire, with a per-food breakdown."""

    lines: tuple[QuestionnaireLine, ...] = field(default_factory=tuple)

    @property
    def mg_per_day(self) -> float:
        return sum(line.mg_per_day for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mg_per_day": round(self.mg_per_day, 1),
            "foods": [line.to_dict() for line in self.lines],
            "sources": ["usda_sr28"],
        }


def _questionnaire_key(raw: str) -> str:
    return normalize(raw).replace(" ", "_")


def estimate_questionnaire(answers: Mapping[str, object],
                           table: FoodTable | None = None) -> QuestionnaireEstimate:
    """Magnesium per day from servings of the questionnaire foods.

    ``answers`` maps a questionnaire key ("pumpkin_seeds"; "Pumpkin seeds" also works) to
    servings: a number per day, or "2/day", "3/week", "1/month". An unknown key is an error
    naming the key and the nearest valid one, never silently skipped.
    """
    if not isinstance(answers, Mapping):
        raise FoodLogError("questionnaire", answers, "a table of food: servings")
    table = table if table is not None else load_foods()
    lines = []
    seen: set[str] = set()
    for raw_key, raw in answers.items():
        if not isinstance(raw_key, str):
            raise FoodLogError("questionnaire", raw_key, "food names as keys")
        key = _questionnaire_key(raw_key)
        item = QUESTIONNAIRE.get(key)
        if item is None:
            raise FoodLogError(f"questionnaire.{raw_key}", raw_key,
                               "one of " + ", ".join(QUESTIONNAIRE),
                               suggestion=suggest(key, QUESTIONNAIRE),
                               message=_unknown_key_message(raw_key, key))
        if key in seen:
            raise FoodLogError(f"questionnaire.{raw_key}", raw_key, "each food once",
                               message=f"questionnaire names '{key}' twice")
        seen.add(key)
        per_day = _servings_per_day(raw_key, raw)
        food = table.get(item.food_id)
        mg = food.mg_in(item.grams)
        if mg is None:  # pinned foods all have values; a rebuilt table must keep them
            raise FoodLogError(f"questionnaire.{raw_key}", raw_key, "a food with a value",
                               message=f"USDA has no magnesium value for {food.name}")
        lines.append(QuestionnaireLine(item, food, per_day, mg))
    order = list(QUESTIONNAIRE)
    lines.sort(key=lambda line: order.index(line.item.key))
    return QuestionnaireEstimate(tuple(lines))


def _unknown_key_message(raw_key: str, key: str) -> str:
    nearest = suggest(key, QUESTIONNAIRE)
    message = f"'{raw_key}' is not a questionnaire food"
    if nearest:
        message += f"; did you mean '{nearest}'?"
    else:
        message += "; the foods are " + ", ".join(QUESTIONNAIRE)
    return message


# -- a whole diet: log and questionnaire -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class DietEstimate:
    """Food magnesium from a log, a questionnaire, or both (a profile's ``diet`` section)."""

    log: FoodLog | None = None
    questionnaire: QuestionnaireEstimate | None = None

    def to_dict(self) -> dict[str, Any]:
        """design.md 3.8 (``items``, ``unresolved``, ``total_mg``) plus the questionnaire."""
        log = self.log if self.log is not None else FoodLog((), ())
        out = log.to_dict()
        out["questionnaire"] = (None if self.questionnaire is None
                                else self.questionnaire.to_dict())
        if self.questionnaire is not None and "usda_sr28" not in out["sources"]:
            out["sources"] = sorted([*out["sources"], "usda_sr28"])
        return out


DIET_KEYS = ("foods", "questionnaire")


def estimate_diet(diet: object, table: FoodTable | None = None) -> DietEstimate:
    """Estimate food magnesium from ``{foods?: [lines], questionnaire?: {food: servings}}``.

    ``foods`` may also be one multi-line string. Unknown keys are errors that name the key
    and suggest the nearest valid one.
    """
    if not isinstance(diet, Mapping):
        raise FoodLogError("diet", diet, "a table with 'foods' and/or 'questionnaire'")
    for key in diet:
        if key not in DIET_KEYS:
            nearest = suggest(str(key), DIET_KEYS)
            hint = f"did you mean '{nearest}'?" if nearest else (
                "use 'foods' (log lines) or 'questionnaire' (servings per food)")
            raise FoodLogError(f"diet.{key}", key, "'foods' or 'questionnaire'",
                               suggestion=nearest,
                               message=f"'{key}' is not a diet key; {hint}")
    if not diet:
        raise FoodLogError("diet", diet, "'foods' and/or 'questionnaire'")
    table = table if table is not None else load_foods()
    log = None
    foods = diet.get("foods")
    if foods is not None:
        if isinstance(foods, str):
            text = foods
        elif isinstance(foods, list):
            for index, line in enumerate(foods):
                if not isinstance(line, str):
                    raise FoodLogError(f"diet.foods[{index}]", line,
                                       "a line of text such as '1 oz pumpkin seeds'")
            text = "\n".join(foods)
        else:
            raise FoodLogError("diet.foods", foods, "a list of lines such as '1 oz almonds'")
        log = read_food_log(text, table) if text.strip() else None
    answers = diet.get("questionnaire")
    questionnaire = None
    if answers is not None:
        if not isinstance(answers, Mapping):
            raise FoodLogError("diet.questionnaire", answers,
                               "a table of food: servings, e.g. {almonds = '3/week'}")
        questionnaire = estimate_questionnaire(answers, table)
    return DietEstimate(log, questionnaire)
