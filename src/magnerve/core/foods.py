"""Foods and their magnesium: the shipped USDA table and a search that finds what people mean.

The table (``knowledge/data/foods.csv``, built by ``scripts/build_foods.py`` from USDA SR28 and
FNDDS 2017-2018, sources ``usda_sr28`` and ``usda_fndds2018``) holds about 16,000 foods. A person
typing "pumpkin seeds" means the plain seed kernels, not a branded trail mix or a baby food, so
:meth:`FoodTable.search` ranks by how much of the query a name covers, then prefers plain items:
few words beyond the query, the query's words at the front of the name, SR28's analysed values
over survey recipes, and the foods domain.md §8 names. Typos ("pumpkn", "spinnach") fall back
to the nearest words in the table's vocabulary.

Everything here is pure except :func:`load_foods`, which reads the packaged table once per
process. Indexes are built when the table is parsed so a query touches only the foods that
share a word with it (well under a millisecond for typical queries).
"""

from __future__ import annotations

import bisect
import csv
import functools
import gc
import heapq
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

from magnerve.core.text import normalize, suggest
from magnerve.errors import DataFileError, UnknownNameError

__all__ = [
    "PREFERRED",
    "SOURCE_IDS",
    "Food",
    "FoodMatch",
    "FoodTable",
    "Portion",
    "load_foods",
    "parse_food_table",
    "search",
    "tokenize",
]

#: Source ids (``knowledge/data/sources.toml``) by dataset prefix of a food id.
SOURCE_IDS: Mapping[str, str] = {"sr28": "usda_sr28", "fndds": "usda_fndds2018"}

TABLE_FILE = "foods.csv"
_COLUMNS = ("id", "name", "group", "mg_per_100g", "aliases", "portions")

# -- vocabulary ------------------------------------------------------------------------------

#: Words that carry no meaning for matching a food.
_STOPWORDS = frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "to", "for", "from",
                        "as", "ns", "some", "my", "with"})
#: British and spelling variants, mapped to the words USDA names use (keys and values stemmed).
_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "wholemeal": ("whole", "wheat"),
    "wholewheat": ("whole", "wheat"),
    "wholegrain": ("whole", "grain"),
    "yoghurt": ("yogurt",),
    "yogourt": ("yogurt",),
    "soymilk": ("soy", "milk"),
    "soya": ("soy",),
    "aubergine": ("eggplant",),
    "courgette": ("zucchini",),
    "beetroot": ("beet",),
    "swede": ("rutabaga",),
    "prawn": ("shrimp",),
    "crisp": ("chip",),
    "sweetcorn": ("sweet", "corn"),
    "porridge": ("oatmeal",),
    "garbanzo": ("chickpea",),
}
#: Words that describe a plain state rather than a different food; they cost less as extras.
_NEUTRAL = frozenset({"raw", "cooked", "boiled", "drained", "without", "dry", "roasted",
                      "unsalted", "plain", "fresh", "nfs", "whole", "mature", "unroasted",
                      "kernel", "all", "type", "variety", "commercial", "regular",
                      "unprepared", "prepared", "unenriched", "enriched", "unfortified",
                      "seed", "added", "no", "fat", "solid", "liquid"})
#: First words of SR28 names that name a category, with the food in the next segment
#: ("Nuts, almonds", "Beans, black, ...", "Rice, brown, ...").
_CATEGORY_HEADS = frozenset({"nut", "seed", "bean", "spice", "cereal", "rice", "chocolate",
                             "candi", "pea", "lentil", "fish", "cheese", "snack", "beverage"})
#: FNDDS "NS as to fat" and the like say a detail is unknown; they are not words of the food.
_UNSPECIFIED = re.compile(r"\bNS as to [^,]*")
#: Words in a name that are not brands although written in capitals.
_NOT_BRANDS = frozenset({"USDA", "NFS", "NS", "DHA", "ARA", "UHT", "NFSMI", "NLEA", "RTE",
                         "CCC", "TM"})
_CAPS = re.compile(r"[A-Z]{3}")
_BRAND_CAPS = re.compile(r"\b[A-Z][A-Z'&.]{2,}\b")
_BRAND_PAREN = re.compile(r"\([A-Z][a-z]")

#: The SR28 foods domain.md §8 names as the usual sources of food magnesium (the ones the
#: food questionnaire in :mod:`magnerve.core.diet` pins), each with the words a query must
#: contain for it to be "the one people mean". When such a query matches the named food about
#: as well as another, the named one wins. The words keep the preference from leaking: plain
#: "bread" is not whole-wheat bread, plain "chocolate" is not dark, plain "spinach" is not
#: cooked spinach (a cup of it weighs six times as much).
PREFERRED: Mapping[str, str] = {
    "sr28:12016": "pumpkin seeds",
    "sr28:12061": "almonds",
    "sr28:16390": "peanuts",
    "sr28:12085": "cashews",
    "sr28:16015": "black beans",
    "sr28:16033": "kidney beans",
    "sr28:11212": "edamame",
    "sr28:18075": "whole wheat bread",
    "sr28:20037": "brown rice",
    "sr28:11674": "potato",
    "sr28:09037": "avocado",
    "sr28:11458": "cooked spinach",
    "sr28:09040": "banana",
    "sr28:16120": "soy milk",
    "sr28:01117": "yogurt",
    "sr28:19904": "dark chocolate",
}

# Ranking weights (points). Coverage of the query dominates: missing one word of two costs
# about 50 points, more than any preference below can make up.
_COVERAGE = 100.0
_EXTRA_WORD = 6.0
_NEUTRAL_WORD = 1.5
_FRONT = 8.0
_OFF_HEAD = 8.0  # the name's head word is not in the query: a dish made from the food
_ALIAS = 0.7  # a match in the common names counts less than one in the name
_PRIOR_SR28 = 3.0
_PRIOR_PREFERRED = 16.0
_PRIOR_BABY = -40.0
_PRIOR_BRANDED = -15.0
_PRIOR_PREPARED = -12.0
_PRIOR_UNCOOKED = -4.0  # dry beans and grains: people log them cooked
_FUZZY_CUTOFF = 80.0
_PREFIX_WEIGHT = 0.85
_MAX_QUERY_WORDS = 12
#: Query words in more foods than this only re-score foods found by rarer words.
_ANCHOR_MAX = 1500
#: A state word in the query ("cooked") weighs less than a food word ("oatmeal").
_NEUTRAL_QUERY = 0.5


def _stem(word: str) -> str:
    """A tiny English plural/ending folder, applied alike to names and queries.

    It only has to make "beans"/"bean", "berries"/"berry" and "potatoes"/"potato" agree; the
    stems are never shown.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        return word[:-3] + "i"
    if word.endswith(("ches", "shes", "sses", "xes", "oes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ie"):
        return word[:-2] + "i"
    if word.endswith("y") and len(word) > 3:
        return word[:-1] + "i"
    return word


@functools.lru_cache(maxsize=65536)
def _word(raw: str) -> tuple[str, ...]:
    stem = _stem(raw)
    return _SYNONYMS.get(stem, (stem,))


_ASCII_NON_WORD = re.compile(r"[^0-9a-z]+")
#: "without salt" is the plain food, "with salt added" is not: one word each, so a name's
#: salt phrase costs what it means rather than what its word count says.
_SALT = re.compile(r"\b(with(?:out)?|no)\s+(?:added\s+)?salt(?:\s+added)?\b", re.IGNORECASE)


def _salt_word(match: re.Match[str]) -> str:
    return "salted" if match.group(1).lower() == "with" else "unsalted"


def _normalize(text: str) -> str:
    """:func:`magnerve.core.text.normalize`, with a fast path for ASCII (every USDA name)."""
    if text.isascii():
        return _ASCII_NON_WORD.sub(" ", text.lower()).strip()
    return normalize(text)


def tokenize(text: str) -> list[str]:
    """Normalised, stemmed words of a name or query, stopwords dropped, order kept, no repeats.

    >>> tokenize("Seeds, pumpkin and squash seed kernels, roasted")
    ['seed', 'pumpkin', 'squash', 'kernel', 'roasted']
    >>> tokenize("wholemeal bread")
    ['whole', 'wheat', 'bread']
    """
    out: list[str] = []
    if "salt" in text:
        text = _SALT.sub(_salt_word, text)
    for raw in _normalize(text).split():
        if raw in _STOPWORDS:
            continue
        for word in _word(raw):
            if word not in out:
                out.append(word)
    return out


# -- foods -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Portion:
    """A household measure of a food as the source gives it ("1 cup", "1 oz", "1 medium")."""

    description: str
    grams: float


@dataclass(frozen=True, slots=True)
class Food:
    """One food of the table. ``mg_per_100g`` is None when the source did not analyse it."""

    id: str
    name: str
    group: str
    mg_per_100g: float | None
    portions: tuple[Portion, ...] = ()
    aliases: str = ""

    @property
    def dataset(self) -> str:
        """The dataset prefix of the id: "sr28" or "fndds"."""
        return self.id.partition(":")[0]

    @property
    def source(self) -> str:
        """The source id (sources.toml) the food's values come from."""
        return SOURCE_IDS[self.dataset]

    def mg_in(self, grams: float) -> float | None:
        """Magnesium in ``grams`` of the food, or None when the source has no value."""
        if self.mg_per_100g is None:
            return None
        return self.mg_per_100g * grams / 100.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (design.md 3.8), with the group, source and mg per portion."""
        return {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "mg_per_100g": self.mg_per_100g,
            "portions": [
                {"description": p.description, "grams": p.grams,
                 "mg": _round(self.mg_in(p.grams))}
                for p in self.portions
            ],
            "source": self.source,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True, slots=True)
class FoodMatch:
    """A search hit: the food, its score, and how much of the query its name covers (0-1)."""

    food: Food
    score: float
    coverage: float


# -- the table and its indexes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """Per-food facts the ranking needs, computed once at load.

    ``front`` holds the words that say what the food *is* (the first comma segment, or the
    first two when the first is a category such as "Nuts" or "Beans"); ``head`` is the last
    of them. A name whose head the query does not match is something made from the query's
    food ("Black bean salad", "Potato flour", "Pepper, banana"), not the food itself.
    """

    words: frozenset[str]
    aliases: frozenset[str]
    front: frozenset[str]
    head: str
    static: float  # prior, minus the cost of every word and of an unmatched head
    wanted: frozenset[str] | None  # query words that make a PREFERRED food the one meant


class FoodTable:
    """All foods with the indexes :meth:`search` needs, built once when the table is parsed."""

    def __init__(self, foods: Iterable[Food]) -> None:
        self.foods: tuple[Food, ...] = tuple(foods)
        self._by_id: dict[str, Food] = {}
        self._entries: list[_Entry] = []
        postings: dict[str, list[int]] = {}
        alias_postings: dict[str, list[int]] = {}
        for index, food in enumerate(self.foods):
            if food.id in self._by_id:
                raise DataFileError(TABLE_FILE, food.id, "id", "duplicate food id")
            self._by_id[food.id] = food
            entry = _index_food(food)
            self._entries.append(entry)
            for word in entry.words:
                postings.setdefault(word, []).append(index)
            for word in entry.aliases:
                alias_postings.setdefault(word, []).append(index)
        self._postings = {w: tuple(ix) for w, ix in postings.items()}
        self._alias_postings = {w: tuple(ix) for w, ix in alias_postings.items()}
        self._vocab = sorted(set(self._postings) | set(self._alias_postings))
        self._df = {w: len(self._postings.get(w, ())) + len(self._alias_postings.get(w, ()))
                    for w in self._vocab}
        total = max(len(self.foods), 1)
        self._idf = {w: math.log(1 + total / df) for w, df in self._df.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        self._name_length = [len(food.name) for food in self.foods]

    def __len__(self) -> int:
        return len(self.foods)

    def __contains__(self, food_id: object) -> bool:
        return food_id in self._by_id

    def get(self, food_id: str) -> Food:
        """The food with this id ("sr28:12016"); UnknownNameError suggests the closest id."""
        try:
            return self._by_id[food_id]
        except KeyError:
            raise UnknownNameError("food id", food_id,
                                   suggest(food_id, self._by_id, cutoff=85)) from None

    # -- search ------------------------------------------------------------------------------

    def _expand(self, word: str) -> dict[str, float]:
        """Table words a query word may stand for, with how sure the match is (0-1)."""
        if word in self._idf:
            return {word: 1.0}
        found: dict[str, float] = {}
        if len(word) >= 4 and not word.isdigit():
            for choice, score, _ in process.extract(word, self._vocab, scorer=fuzz.ratio,
                                                    score_cutoff=_FUZZY_CUTOFF, limit=3):
                found[choice] = score / 100.0
        if len(word) >= 3:
            start = bisect.bisect_left(self._vocab, word)
            stop = bisect.bisect_left(self._vocab, word + "~")
            for choice in sorted(self._vocab[start:stop], key=len)[:20]:
                found[choice] = max(found.get(choice, 0.0), _PREFIX_WEIGHT)
        return found

    def search(self, query: str, limit: int = 10) -> list[FoodMatch]:
        """Foods ranked by how well they match ``query``, best first (at most ``limit``).

        Score = 100 x the share of the query (words weighted by rarity) the name covers
        + the food's prior (see :func:`_prior`) - the cost of name words the query did not
        ask for + a bonus for query words at the front of the name. Ties go to the shorter
        name, then the earlier id, so results are deterministic.

        Foods are collected from the postings of the query's rarer words; a word found in
        thousands of names ("raw", "cooked") only re-scores them, which keeps a query well
        under a millisecond or two however common its words are.
        """
        words = tokenize(query)[:_MAX_QUERY_WORDS]
        if not words or limit <= 0:
            return []
        expansions = [self._expand(w) for w in words]
        weights = [
            max((self._idf[c] for c in exp), default=self._max_idf)
            * (_NEUTRAL_QUERY if word in _NEUTRAL else 1.0)
            for word, exp in zip(words, expansions, strict=True)
        ]
        found = self._collect(expansions)
        total = sum(weights)
        front_bonus = _FRONT / len(words)
        cost = {c: _word_cost(c) for exp in expansions for c in exp}
        entries = self._entries
        name_length = self._name_length
        scored = []
        for index, hits in found.items():
            entry = entries[index]
            cover = 0.0
            score = entry.static
            for weight, (sure, choice) in zip(weights, hits, strict=True):
                cover += weight * sure
                if choice:
                    score += cost[choice]
                    if choice in entry.front:
                        score += front_bonus
                    if choice == entry.head:
                        score += _OFF_HEAD
            if entry.wanted is not None and entry.wanted <= {choice for _, choice in hits}:
                score += _PRIOR_PREFERRED
            cover /= total
            # Ties: the shorter name, then the earlier id (the tuple order does this).
            scored.append((score + _COVERAGE * cover, -name_length[index], -index, cover))
        return [FoodMatch(self.foods[-neg_index], round(score, 2), round(cover, 3))
                for score, _, neg_index, cover in heapq.nlargest(limit, scored)]

    def _collect(self, expansions: list[dict[str, float]]) -> dict[int, list[tuple[float, str]]]:
        """Foods sharing a word with the query, each with its surest match per query word.

        A match is (sureness, table word); a match in the common names has no table word.
        Foods are collected from the postings of the query's rarer words (always the
        rarest); a word found in thousands of names ("raw", "cooked") only re-scores them.
        """
        n_words = len(expansions)
        sizes = [sum(self._df[c] for c in exp) for exp in expansions]
        rarest = min(range(n_words), key=sizes.__getitem__)
        common = [slot for slot in range(n_words)
                  if slot != rarest and sizes[slot] > _ANCHOR_MAX]
        blank = [(0.0, "")] * n_words
        found: dict[int, list[tuple[float, str]]] = {}
        for slot, expansion in enumerate(expansions):
            if slot in common:
                continue
            for choice, sure in expansion.items():
                for postings, match in ((self._alias_postings, (sure * _ALIAS, "")),
                                        (self._postings, (sure, choice))):
                    for index in postings.get(choice, ()):
                        hits = found.get(index)
                        if hits is None:
                            hits = found[index] = blank.copy()
                        if match[0] > hits[slot][0]:
                            hits[slot] = match
        entries = self._entries
        for slot in common:
            for index, hits in found.items():
                entry = entries[index]
                for choice, sure in expansions[slot].items():
                    if choice in entry.words:
                        if sure > hits[slot][0]:
                            hits[slot] = (sure, choice)
                    elif choice in entry.aliases and sure * _ALIAS > hits[slot][0]:
                        hits[slot] = (sure * _ALIAS, "")
        return found


@functools.lru_cache(maxsize=32768)
def _segment(text: str) -> tuple[str, ...]:
    """Words of one comma segment of a name; cached because USDA names repeat segments."""
    return tuple(tokenize(text))


def _word_cost(word: str) -> float:
    """What a name word the query did not ask for costs: little for states and numbers."""
    return _NEUTRAL_WORD if word in _NEUTRAL or word.isdigit() else _EXTRA_WORD


def _index_food(food: Food) -> _Entry:
    """The words a food is found by, and its ranking facts."""
    name = _UNSPECIFIED.sub("", food.name) if "NS as to" in food.name else food.name
    segments = [seg for part in name.split(",") if (seg := _segment(part))]
    front = list(segments[0]) if segments else []
    if len(front) == 1 and front[0] in _CATEGORY_HEADS and len(segments) > 1:
        front.extend(segments[1])
    words = frozenset(w for seg in segments for w in seg)
    head = front[-1] if front else ""
    cost = sum(_word_cost(w) for w in words)
    if head and head not in _NEUTRAL:
        cost += _OFF_HEAD
    else:
        head = ""
    aliases = frozenset(tokenize(food.aliases)) - words if food.aliases else frozenset()
    wanted = PREFERRED.get(food.id)
    return _Entry(words, aliases, frozenset(front), head, _prior(food) - cost,
                  None if wanted is None else frozenset(tokenize(wanted)))


def _prior(food: Food) -> float:
    """How likely a food is the one people mean, before looking at the query.

    Baby foods, branded products and prepared mixtures are real foods but rarely what a
    person means by "black beans"; SR28's analysed values beat FNDDS survey recipes for
    plain foods, and the foods domain.md §8 names beat their near-identical neighbours.
    """
    name = food.name
    lower = name.lower()
    prior = _group_prior(food.group)
    if food.dataset == "sr28":
        prior += _PRIOR_SR28
        # Plain substring and short-regex tests: this runs for every food at load.
        if _CAPS.search(name) and any(m not in _NOT_BRANDS for m in _BRAND_CAPS.findall(name)):
            prior += _PRIOR_BRANDED
    elif "(" in name and _BRAND_PAREN.search(name):
        prior += _PRIOR_BRANDED
    if any(word in lower for word in _BABY_WORDS):
        prior += _PRIOR_BABY
    if any(word in lower for word in _PREPARED_WORDS):
        prior += _PRIOR_PREPARED
    if food.group in _EATEN_COOKED and any(w in lower for w in (", raw", "uncooked", ", dry")):
        prior += _PRIOR_UNCOOKED
    return prior


@functools.lru_cache(maxsize=1024)
def _group_prior(group: str) -> float:
    """The part of a food's prior that its group (SR28 food group, WWEIA category) decides."""
    if _BABY_GROUP.search(group):
        return _PRIOR_BABY
    if _PREPARED_GROUP.search(group):
        return _PRIOR_PREPARED
    return 0.0


#: SR28 groups whose foods are eaten cooked, so "lentils" means cooked lentils.
_EATEN_COOKED = frozenset({"Legumes and Legume Products", "Cereal Grains and Pasta"})
_BABY_WORDS = ("babyfood", "baby food", "infant formula", "toddler")
_BABY_GROUP = re.compile(r"^(baby|infant)|^human milk$", re.IGNORECASE)
#: Mixed dishes, restaurant and institutional foods, and ingredients meant for another food.
_PREPARED_WORDS = ("for use", "restaurant", "fast food", "school lunch", "with meat",
                   "home recipe", "frozen meal", "prepared-from-recipe", "usda commodity")
_PREPARED_GROUP = re.compile(
    r"fast foods|restaurant foods|meals, entrees|soups|pizza|burgers|sandwich|burritos"
    r"|mixed dishes|not included in a food category|nachos|frankfurter|chicken patties"
    r"|egg/breakfast", re.IGNORECASE)


# -- reading the table -----------------------------------------------------------------------


def _number(text: str, food_id: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataFileError(TABLE_FILE, food_id, field, f"{text!r} is not a number") from None
    if not value >= 0:
        raise DataFileError(TABLE_FILE, food_id, field, f"{text!r} is negative")
    return value


def _portions(packed: str, food_id: str) -> tuple[Portion, ...]:
    out = []
    for item in packed.split("|") if packed else ():
        description, sep, grams = item.rpartition("=")
        if not sep or not description:
            raise DataFileError(TABLE_FILE, food_id, "portions",
                                f"{item!r} is not 'description=grams'")
        out.append(Portion(description, _number(grams, food_id, "portions")))
    return tuple(out)


def parse_food_table(text: str) -> FoodTable:
    """Parse the CSV text of a food table (``#`` lines are comments) and index it."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = next(reader, None)
    if header is None or tuple(header) != _COLUMNS:
        raise DataFileError(TABLE_FILE, None, None,
                            f"header must be {','.join(_COLUMNS)} (got {header!r})")
    foods = []
    for row in reader:
        if len(row) != len(_COLUMNS):
            entry = row[0] if row else None
            raise DataFileError(TABLE_FILE, entry, None,
                                f"expected {len(_COLUMNS)} columns, got {len(row)}")
        food_id, name, group, mg, aliases, packed = row
        if food_id.partition(":")[0] not in SOURCE_IDS:
            raise DataFileError(TABLE_FILE, food_id, "id", "must start with sr28: or fndds:")
        foods.append(Food(
            id=food_id,
            name=name,
            group=group,
            mg_per_100g=_number(mg, food_id, "mg_per_100g") if mg else None,
            portions=_portions(packed, food_id),
            aliases=aliases,
        ))
    return FoodTable(foods)


@functools.cache
def load_foods() -> FoodTable:
    """The packaged food table, read and indexed once per process.

    The table's ~130,000 objects live as long as the process, so they are moved out of the
    garbage collector's reach (``gc.freeze``); otherwise a full collection rescans them all
    and an unlucky query pays ~25 ms for it.
    """
    text = resources.files("magnerve.knowledge").joinpath("data", TABLE_FILE)
    table = parse_food_table(text.read_text(encoding="utf-8"))
    gc.freeze()
    return table


def search(query: str, limit: int = 10, table: FoodTable | None = None) -> list[FoodMatch]:
    """Search the packaged table (or ``table``): see :meth:`FoodTable.search`."""
    return (table if table is not None else load_foods()).search(query, limit)
