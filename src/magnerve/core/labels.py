"""Supplement label reader: elemental magnesium from label text as people copy it.

People paste labels from photos, shop pages, database exports and pharmacy leaflets, so the
text arrives with dot leaders, table bars, braces, thousands separators, misspellings, lines
broken in the middle of a parenthesis, and several nutrients per line. Every planning surface
needs the same two numbers from it: *elemental* magnesium per serving and per unit. This module
is the one place that reads them, so the CLI, the planner (``plan --product``), the journal and
the web app agree on what a label says.

Rules (issue "label reader"; design.md 3.8; domain.md 1a, 2e):

- "Magnesium (as X) N mg", "Magnesium N mg (as X)", "Magnesium as X N mg" and "Magnesium (X)"
  state *elemental* magnesium (21 CFR 101.36 declares the nutrient, not the salt).
- A compound named on its own ("Magnesium glycinate 500 mg") is a *compound* weight. It is
  converted with the form's elemental fraction (the variant the label names, e.g. "chloride
  hexahydrate", else the form's default variant) and flagged ``ambiguous_basis`` unless a %DV or
  %NRV on the line settles which reading is meant. In a Drug Facts panel or pharmacy leaflet the
  active ingredient's weight is the compound by definition, so there is nothing to flag.
- "providing", "equivalent to", "of which" and mmol/mEq restate the elemental amount: one item
  carries both weights and counts once. A compound line restating an elemental line for the
  same form (or for an unnamed form) is kept as an item but not counted again.
- %DV is checked against the US Daily Value (420 mg; 400 mg on older labels), %NRV/%RI against
  the EU NRV (375 mg); a disagreement beyond rounding (15 % relative) is ``dv_mismatch``.
- Glycinate with oxide, a "buffered" glycinate, or a stated elemental amount well above 14 % of a
  stated glycinate weight is ``buffered_with_oxide`` (domain.md 1a product note).
- Magnesium inside a proprietary blend without its own amount is ``proprietary_blend`` with
  elemental ``None``; an amino acid chelate weight has no stoichiometry, so its elemental amount
  is ``None`` too (``amino_acid_chelate``). Totals that include an unknown amount are ``None``:
  safety fails closed rather than counting a lower bound as the whole.

Form names are recognised from the knowledge base's aliases (brand names included), with
fuzzy matching for small misspellings; nothing here lists forms by hand.

The module is pure: no I/O, no clock, no printing. It never raises anything but
:class:`~magnerve.errors.LabelError` for bad text (a property test feeds it arbitrary text).
"""

from __future__ import annotations

import math
import re
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from rapidfuzz import fuzz, process

from magnerve.core.units import mass_to_mg
from magnerve.errors import LabelError

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge
    from magnerve.knowledge.models import Variant

__all__ = [
    "DV_TOLERANCE",
    "EU_NRV_MG",
    "MAX_LABEL_BYTES",
    "MAX_SERVING_MG",
    "US_DAILY_VALUES_MG",
    "WARNING_CODES",
    "Basis",
    "LabelItem",
    "LabelResult",
    "LabelWarning",
    "Serving",
    "compound_to_elemental",
    "elemental_to_compound",
    "parse_label",
]

Basis = Literal["elemental", "compound", "unknown"]

#: Label text above this size is refused: a supplement panel is a few kilobytes, and a
#: megabyte of text is a pasted file of something else.
MAX_LABEL_BYTES = 1_000_000
#: US Daily Value for magnesium: 420 mg since the 2016 rule, 400 mg on older labels.
US_DAILY_VALUES_MG: tuple[float, ...] = (420.0, 400.0)
#: EU Nutrient Reference Value (Reg. 1169/2011, domain.md 2c), also the UK's.
EU_NRV_MG = 375.0
#: A %DV further than this (relative) from the amount disagrees beyond rounding.
DV_TOLERANCE = 0.15
#: Relative tolerance when deciding that two amounts restate each other (mg and mmol).
_SAME_AMOUNT = 0.05
#: Stated elemental / compound may differ from the formula's fraction by this much before
#: magnerve says so (labels round both numbers).
_RATIO_TOLERANCE = 0.15
#: Lines longer than this are never joined with the next (a label line is short; this keeps
#: the reader linear on hostile input).
_MAX_JOINED = 2000
#: How far (in words, numbers and signs) an amount looks for the name it belongs to.
_WINDOW = 40
#: Amounts read per clause; a real label line has one to four.
_MAX_AMOUNTS = 12
#: Numbers above this are not read as label amounts at all (a billion kilograms of anything
#: is not a label; the cap also keeps every sum of amounts finite).
_MAX_NUMBER = 1.0e12
#: Elemental magnesium per serving above this is not plausible, so magnerve treats the total
#: as unknown (``implausible_amount``). This is magnerve policy, not a clinical limit: the
#: largest medicinal doses people take by mouth (a laxative dose of milk of magnesia or
#: magnesium citrate, Epsom salt as a purgative) give roughly 1,000-3,000 mg, well below it,
#: while a label misread by a unit ("200 g" for "200 mg") lands far above it.
MAX_SERVING_MG = 5000.0

#: Every warning code the reader emits, with what it means (the JSON contract's vocabulary).
WARNING_CODES: dict[str, str] = {
    "ambiguous_basis": "a compound is named without 'as'; the amount may be the compound or "
    "elemental magnesium",
    "dv_mismatch": "the %DV or %NRV disagrees with the amount beyond rounding",
    "buffered_with_oxide": "glycinate appears with magnesium oxide, or more magnesium than "
    "glycinate can carry",
    "proprietary_blend": "magnesium is inside a proprietary blend without its own amount",
    "amino_acid_chelate": "an amino acid chelate weight cannot be converted (no stoichiometry)",
    "unknown_form": "a magnesium compound magnerve does not know; its weight cannot be converted",
    "mixed_forms": "a compound weight of several forms; converted with the richest form",
    "amount_mismatch": "the stated elemental and compound weights do not fit the formula",
    "several_amounts": "the line gives several different amounts; the largest was used",
    "per_unit_amount": "the amount is for one tablet or capsule; it was multiplied by the "
    "units in a serving",
    "restated_amount": "the line restates magnesium already counted on another line",
    "fuzzy_name": "a name was read through a likely misspelling",
    "form_from_ingredients": "the form was taken from the ingredients list",
    "from_directions": "the amount was taken from the directions, not a nutrition panel",
    "serving_unknown": "no serving size was found, so the amount per unit is unknown",
    "elemental_unknown": "part of the magnesium has no known elemental amount",
    "implausible_amount": "the magnesium amount is not plausible (more than 5,000 mg a "
    "serving, or under 1 mg a unit for dosing), so it is treated as unknown",
    "serving_unreadable": "the label states a serving size that could not be read (zero, "
    "negative, not a number), so the amount per unit is unknown",
    "units_capped": "a step would need more units per dose than magnerve ever advises; the "
    "units were capped, below the step",
}


# --------------------------------------------------------------------------------------------
# Result records


@dataclass(frozen=True, slots=True)
class LabelWarning:
    """Something a reader of the label should know, as {code, message}."""

    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class LabelItem:
    """One magnesium line of the label.

    ``counted`` is False when the line restates magnesium already counted on another line; it
    is not part of the JSON shape (its warning ``restated_amount`` says the same). ``variant``
    is the chemical species used for a conversion, when one was used.
    """

    text: str
    forms: tuple[str, ...]
    basis: Basis
    elemental_mg: float | None
    compound_mg: float | None
    percent_dv: float | None
    warnings: tuple[LabelWarning, ...] = ()
    counted: bool = True
    variant: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "forms": list(self.forms),
            "basis": self.basis,
            "elemental_mg": _out(self.elemental_mg),
            "compound_mg": _out(self.compound_mg),
            "percent_dv": _out(self.percent_dv),
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(frozen=True, slots=True)
class Serving:
    """The serving the amounts refer to: "2 capsules" is 2 units of "capsule"."""

    description: str | None = None
    units_per_serving: float | None = None
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "units_per_serving": _out(self.units_per_serving),
            "unit": self.unit,
        }


@dataclass(frozen=True, slots=True)
class LabelResult:
    """What a label says about magnesium (design.md 3.8).

    ``warnings`` holds every warning once: the label-wide ones and those of each item, so a
    program reading only the top level misses nothing.
    """

    items: tuple[LabelItem, ...]
    serving: Serving
    elemental_mg_per_serving: float | None
    elemental_mg_per_unit: float | None
    warnings: tuple[LabelWarning, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """Forms of the counted items, in label order."""
        seen: dict[str, None] = {}
        for item in self.items:
            if item.counted:
                seen.update(dict.fromkeys(item.forms))
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "serving": self.serving.to_dict(),
            "elemental_mg_per_serving": _out(self.elemental_mg_per_serving),
            "elemental_mg_per_unit": _out(self.elemental_mg_per_unit),
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _out(value: float | None, digits: int = 2) -> float | int | None:
    """A number for JSON: rounded, and a whole number printed as one (200, not 200.0)."""
    if value is None:
        return None
    rounded = round(value, digits)
    return int(rounded) if rounded.is_integer() else rounded


# --------------------------------------------------------------------------------------------
# Conversions


def compound_to_elemental(
    compound_mg: float, form_id: str, knowledge: Knowledge, variant_id: str | None = None
) -> float | None:
    """Elemental magnesium in a compound weight; None when the form has no stoichiometry.

    >>> from magnerve.knowledge import load_knowledge
    >>> round(compound_to_elemental(400, "oxide", load_knowledge()), 1)
    241.2
    """
    fraction = _fraction(knowledge, form_id, variant_id)
    return None if fraction is None else compound_mg * fraction


def elemental_to_compound(
    elemental_mg: float, form_id: str, knowledge: Knowledge, variant_id: str | None = None
) -> float | None:
    """Compound weight carrying this much elemental magnesium; None without stoichiometry."""
    fraction = _fraction(knowledge, form_id, variant_id)
    return None if not fraction else elemental_mg / fraction


def _fraction(knowledge: Knowledge, form_id: str, variant_id: str | None) -> float | None:
    form = knowledge.form(form_id)
    if variant_id is None:
        return form.elemental_fraction
    for variant in form.variant:
        if variant.id == variant_id:
            return variant.elemental_fraction
    raise LabelError(
        "variant", variant_id, f"a variant of {form_id}: " + ", ".join(v.id for v in form.variant)
    )


# --------------------------------------------------------------------------------------------
# Text patterns (compiled once; the reader must do thousands of labels a second)

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d{1,6})?|\d{1,9}(?:[.,]\d{1,6})?|[.,]\d{1,6})"
_MASS_UNITS = (
    r"mgs?|milligrams?|mcg|µg|μg|ug|micrograms?|gm|grams?|g|mmol|millimoles?|meq"
    r"|milliequivalents?"
)
_TOKEN_RE = re.compile(
    # A minus sign touching the number ("-200 mg", not "Magnesium - 200 mg" or "100-200 mg")
    # makes a negative amount: never read as 200 mg.
    rf"(?P<neg>(?<![\w.,)])[-\u2212](?P<nn>{_NUM})\s*(?P<nu>{_MASS_UNITS})(?![^\W\d_]))"
    rf"|(?P<amt>(?<![\w.,])(?P<an>{_NUM})\s*(?P<au>{_MASS_UNITS})(?![^\W\d_]))"
    r"|(?P<lt><\s*1\s*%)"
    rf"|(?P<pct>(?<![\w.,])(?P<pn>{_NUM})\s*%)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<num>\d+)"
    r"|(?P<punct>[(),;•=])",
    re.IGNORECASE,
)
_UNIT_CANON = {
    "mg": "mg", "mgs": "mg", "milligram": "mg", "milligrams": "mg",
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg",
    "micrograms": "mcg", "g": "g", "gm": "g", "gram": "g", "grams": "g",
    "mmol": "mmol", "millimole": "mmol", "millimoles": "mmol",
    "meq": "meq", "milliequivalent": "meq", "milliequivalents": "meq",
}  # fmt: skip
_ELEMENTAL_UNITS = frozenset({"mmol", "meq"})

# Patterns below run on lower-cased text without IGNORECASE: the regex engine then scans
# for literal prefixes, several times faster on the hot path (see benchmarks/bench_labels.py).
# Lines worth tokenising: anything that might name magnesium (misspellings included).
_MG_CANDIDATE = re.compile(r"m[ae]n?g[a-z\-]|milk\s+of|epsom")
_MG_SYMBOL = re.compile(r"\bMg(?:O|Cl)?\b")  # case-sensitive, on the original text
_ANY_AMOUNT = re.compile(rf"(?<![\w.,]){_NUM}\s*(?:{_MASS_UNITS})(?![^\W\d_])")
# A line that only carries numbers for the line above (columns pasted one per line).
_FRAGMENT = re.compile(
    rf"^(?:[\s*†‡#()\[\]|:,;.-]|{_NUM}\s*(?:{_MASS_UNITS}|%)(?![^\W\d_])|<\s*1\s*%"
    r"|%|dv|nrv|ri|daily\s+value|\*+)+$"
)
_CONTINUATION = re.compile(
    r"^[\s(\[{*†‡,-]*(?:providing|provides|supplying|supplies|yielding|yields|equivalent|equiv"
    r"|equals?|equal\s+to|corresponding|of\s+which|which\s+provides?|delivering|=|as\s|from\s"
    r"|elemental\b)"
)
_LEADERS = re.compile(r"[.·]{2,}|…+|_{2,}|-{3,}| \.(?= )")
_BARS = re.compile(r"[|¦│┃\t\u00a0\u2002-\u200b\u202f\u205f\u3000]")
_SPACES = re.compile(r"[ \f\v]+")
_LINE_SPLIT = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f\ufffd]")

_INGREDIENTS = re.compile(r"^\W*ingredients?\b")
_OTHER_INGREDIENTS = re.compile(
    r"^\W*(?:other|inactive|non[- ]?medicinal|excipients?)\b.*\bingredients?\b|^\W*excipients?\b"
)
_SKIP_LINE = re.compile(
    r"exceed|upper\s+(?:intake\s+)?limit|tolerable|daily\s+values?\s+(?:for|of|is|are)\b"
    r"|based\s+on\s+a|calorie\s+diet|keep\s+out\s+of|not\s+established|servings?\s+per\s+container"
    r"|more\s+than\s+\d"
)
_DIRECTIONS = re.compile(
    r"^\W*(?:directions?|suggested\s+use|recommended\s+(?:daily\s+)?(?:use|intake|dose|dosage)"
    r"|dosage|how\s+to\s+(?:take|use)|usage|adults?\b|take\b|warnings?|cautions?|do\s+not)"
)
_BLEND = re.compile(r"\bproprietary\b|\bblend\b")
_DRUG_FACTS = re.compile(
    r"drug facts|active ingredient|package leaflet|patient information leaflet"
    r"|summary of product characteristics|smpc"
)
_EU_CONTEXT = re.compile(r"nrv|reference intake|vnr|%\s*ri\b|\bri\s*%")
_US_CONTEXT = re.compile(r"daily value|supplement facts|nutrition facts|\bdv\b")
_CHILD_CONTEXT = re.compile(r"child|toddler|infant|\bages?\s+1\s*(?:-|to)\s*3\b")
_LEADER_HINT = re.compile(r"\.\.|…|__|---|··| \. ")
_SERVING_HINTS = (re.compile("serving|portion|dose"), re.compile("per|each|every"))

_COUNT_WORDS = {
    "one": 1.0, "a": 1.0, "an": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0,
    "six": 6.0, "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "half": 0.5, "½": 0.5,
}  # fmt: skip
_UNIT_WORDS = (
    r"capsules?|caps|v-?caps?|veg-?caps?|softgels?|soft\s*gels?|gelcaps?|tablets?|tabs?|caplets?"
    r"|gumm(?:y|ies)|chewables?|lozenges?|sachets?|scoops?|packets?|stick\s*packs?|sticks?"
    r"|teaspoons?|tsp|tablespoons?|tbsp|ml|millilit(?:er|re)s?|drops?|sprays?|ampoules?|ampuls?"
    r"|vials?|pills?|pumps?|effervescent\s+tablets?|chews?|cups?|bars?|g|grams?"
)


def _count(name: str) -> str:
    return (
        rf"(?P<{name}>\d{{1,3}}(?:[.,]\d{{1,2}})?|one|two|three|four|five|six|seven|eight|nine"
        r"|ten|half|½|an?)"
    )


_ADJ = (
    r"(?:(?:veg(?:etarian|an|etable)?|soft|hard|chewable|effervescent|film[- ]coated|coated"
    r"|delayed[- ]release|liquid|gelatin|small|large|level|rounded|heaped|measuring|plant[- ]based"
    r"|vegicaps?|enteric)\s+){0,2}"
)
# Serving patterns, most explicit first; each runs only on lines holding its keyword.
_SERVING_SIZE = re.compile(
    r"\b(?:serving\s*size|portion\s*size|daily\s+(?:dose|serving|portion)|dose)\b"
    r"\s*(?:[:=–]|-(?![\d.,]))?"
    rf"\s*(?:\(\s*)?{_count('n')}?\s*(?:\(\s*\d+\s*\)\s*)?{_ADJ}(?P<u>{_UNIT_WORDS})\b"
)
_SERVING_PER = re.compile(
    r"(?:\b(?:amount\s+)?per\b|\bin\s+each\b|\beach\b|\bevery\b)\s*(?:(?:daily\s+)?"
    rf"(?:serving|dose|portion)\s*(?:size)?\s*[(:]?\s*(?:of\s+)?)?{_count('n')}?\s*"
    r"(?:\(\s*\d+\s*\)\s*)?"
    rf"{_ADJ}(?P<u>{_UNIT_WORDS})\b"
)
_SERVING_LEAD = re.compile(
    rf"^\W*{_count('n')}\s*(?:\(\s*\d+\s*\)\s*)?{_ADJ}(?P<u>{_UNIT_WORDS})\s+(?:provides?"
    r"|contains?|supplies|supply|gives?|delivers?)\b"
)
_SERVING_PATTERNS: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (_SERVING_SIZE, 0),  # the index of the keyword hint a line must hold (cheap pre-filter)
    (_SERVING_PER, 1),
    (_SERVING_LEAD, None),
)

# Word classes. The sets hold words that must never be fuzzy-matched to a form name.
_QUAL_WORDS = frozenset({"as", "from", "source", "sourced"})
_REL_ELEMENTAL = frozenset({
    "providing", "provides", "provide", "provided", "supplying", "supplies", "supply",
    "yielding", "yields", "yield", "equivalent", "equiv", "equals", "equal", "corresponding",
    "corresponds", "delivering", "delivers", "giving", "gives", "which",
})  # fmt: skip
_REL_NEUTRAL = frozenset({"contains", "containing", "contain", "contained", "including"})
_ELEM_WORDS = frozenset({"elemental", "element"})
_DV_WORDS = frozenset({
    "dv", "nrv", "nrvs", "ri", "rda", "rdi", "vnr", "ar", "daily", "value", "values",
    "reference", "intake", "intakes", "dri",
})  # fmt: skip
_NEUTRAL_WORDS = frozenset({
    "of", "the", "and", "or", "in", "to", "a", "an", "mg", "total", "approx", "approximately",
    "about", "ca", "min", "minimum", "at", "least", "up", "per", "each", "every", "serving",
    "servings", "tablet", "tablets", "capsule", "capsules", "softgel", "softgels", "caplet",
    "caplets", "sachet", "sachets", "scoop", "scoops", "dose", "doses", "ml", "amount", "is",
    "are", "this", "that", "tab", "tabs", "caps", "chewable", "gummy", "gummies", "lozenge",
    "lozenges", "ion", "ions", "by", "weight", "w", "only", "not", "less", "than", "day",
    "daily", "teaspoon", "tablespoon", "tsp", "tbsp", "level", "stick", "packet", "vial",
    "ampoule", "pill", "pills", "e", "i", "ie", "eg", "vegan", "vegetarian", "veg",
    "whole", "pure", "chelated", "fully", "reacted", "bioavailable", "form", "forms", "salt",
    "salts", "its", "these", "two", "one", "three", "four",
})  # fmt: skip
_NUTRIENT_WORDS = frozenset({
    "calcium", "zinc", "potassium", "sodium", "iron", "ferrous", "ferric", "copper", "cupric",
    "manganese", "chromium", "selenium", "molybdenum", "boron", "iodine", "iodide", "iodate",
    "phosphorus", "vitamin", "vitamins", "folate", "folic", "biotin", "niacin", "niacinamide",
    "thiamin", "thiamine", "riboflavin", "pantothenic", "pantothenate", "choline", "inositol",
    "silicon", "silica", "vanadium", "nickel", "lithium", "strontium", "glycine", "taurine",
    "theanine", "gaba", "melatonin", "ashwagandha", "protein", "sugar", "sugars",
    "carbohydrate", "carbohydrates", "fat", "fats", "energy", "calories", "calorie",
    "cholesterol", "fiber", "fibre", "lysine", "threonine", "malic", "citric", "orotic",
    "aspartic", "ascorbic", "cellulose", "gelatin", "hypromellose", "rice", "flour", "stearic",
    "dioxide", "cobalamin", "pyridoxine", "cholecalciferol", "tocopherol", "retinol",
    "carotene", "quercetin", "turmeric", "curcumin", "coq", "ubiquinol", "omega", "fish",
    "oil", "extract", "root", "leaf", "powder", "water", "kcal", "kj", "saturates",
    "electrolyte", "electrolytes", "lactose", "sucrose",
    "maltodextrin", "dextrose", "fructose", "glucose", "sorbitol", "xylitol", "mannitol",
    "starch", "talc", "shellac", "coating", "acid", "acids", "hydrochloride", "hcl",
    "creatine", "caffeine", "b", "d", "k",
})  # fmt: skip
_EXCIPIENT_WORDS = frozenset({
    "stearate", "stearates", "silicate", "silicates", "trisilicate", "palmitate",
    "aluminosilicate", "aluminium", "aluminum", "hydroxycarbonate",
})  # fmt: skip
_BLEND_WORDS = frozenset({"proprietary", "blend", "blends"})
_MG_WORDS = frozenset({"magnesium", "magnesio", "magnésium", "magnesiums", "magnez", "magnesii"})
# Words that are never a form name even when a fuzzy match says so (they name other salts).
_NOT_FORMS = frozenset({
    "bicarbonate", "sulfite", "sulphite", "nitrate", "maleate", "glycine", "picolinate",
    "lysinate", "fumarate", "succinate", "acetate", "tartrate", "phosphate", "taurine",
    "lactose", "glutamate", "stearate", "silicate", "trisilicate", "palmitate", "sulfide",
    "carbonated", "hydrate", "chelates",
})  # fmt: skip
_ANION_SUFFIXES = ("ate", "ide", "ite")
_STOP_VARIANT_WORDS = frozenset({"magnesium", "if", "fully", "the", "of", "and", "or"})

# Element kinds (short strings keep the hot loop cheap).
_AMT, _PCT, _MG, _CMP, _FRM, _OTH, _UNK, _NEU, _ELEM = (
    "amt", "pct", "mg", "cmp", "frm", "oth", "unk", "neu", "elem",
)  # fmt: skip
_REL, _RELE, _QUAL, _OPEN, _CLOSE, _SEP, _DV, _BLND = (
    "rel", "rele", "qual", "open", "close", "sep", "dv", "blend",
)  # fmt: skip
_SUBJECTS = frozenset({_MG, _CMP, _FRM, _OTH, _BLND})
_NAMING = frozenset({_MG, _CMP, _FRM, _OTH, _UNK, _BLND})
_FORMS_ONLY = frozenset({_FRM, _CMP, _NEU, _OPEN, _CLOSE, _QUAL, _DV})


# --------------------------------------------------------------------------------------------
# The knowledge-derived index (built once per Knowledge object)


@dataclass(slots=True)
class _Word:
    """A label word read once: its canonical spelling, its class, and whether a fuzzy match
    gave it. Classes: mg, vocab (a word of a form name), oth (another nutrient), excip, elem,
    rel, rele (a relation implying elemental magnesium), qual, neu, dv, blend, anion, unk."""

    canon: str
    cls: str
    fuzzy: bool


@dataclass(slots=True)
class _Index:
    """Form names from the knowledge base, arranged for fast matching, plus word caches."""

    phrases: dict[tuple[str, ...], tuple[str, bool]]
    first_words: dict[str, int]
    vocab: frozenset[str]
    fuzzy_choices: tuple[str, ...]
    fractions: dict[str, float | None]
    variants: dict[str, tuple[tuple[Variant, frozenset[str]], ...]]
    forms_with_fraction: frozenset[str]
    words: dict[str, _Word] = field(default_factory=dict)


_INDEXES: dict[int, tuple[weakref.ref[Knowledge], _Index]] = {}


def _index(knowledge: Knowledge) -> _Index:
    """The index for this knowledge base (cached by identity; Knowledge is immutable)."""
    key = id(knowledge)
    cached = _INDEXES.get(key)
    if cached is not None and cached[0]() is knowledge:
        return cached[1]
    built = _build_index(knowledge)
    if len(_INDEXES) > 32:  # reloaded knowledge bases in a long process: forget dead ones
        for old in [k for k, (ref, _) in _INDEXES.items() if ref() is None]:
            del _INDEXES[old]
    _INDEXES[key] = (weakref.ref(knowledge), built)
    return built


def _fold(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()


def _split_words(name: str) -> tuple[str, ...]:
    return tuple(_fold(w) for w in re.findall(r"[^\W_]+", name))


def _mg_named(words: Sequence[str]) -> bool:
    """True when a name says magnesium by itself ("magnesium citrate", "Epsom salt", "MgO")."""
    return any("magnes" in w or w in ("mgo", "mgcl") for w in words) or words[0] == "epsom"


def _build_index(knowledge: Knowledge) -> _Index:
    phrases: dict[tuple[str, ...], tuple[str, bool]] = {}
    for name, form_id in knowledge.form_names.items():
        words = tuple(w for w in name.split() if w)
        if not words or form_id == "unknown" or words == ("magnesium",):
            continue
        phrases[words] = (form_id, _mg_named(words))
    first_words: dict[str, int] = {}
    for words in phrases:
        first_words[words[0]] = max(first_words.get(words[0], 0), len(words))
    variants: dict[str, tuple[tuple[Variant, frozenset[str]], ...]] = {}
    vocab_words: set[str] = {w for words in phrases for w in words}
    for form in knowledge.forms.values():
        base = set(_split_words(form.name)) | set(_split_words(form.id))
        entries = []
        for variant in form.variant:
            own = {
                w for w in _split_words(variant.name)
                if w not in base and w not in _STOP_VARIANT_WORDS and not w.isdigit()
            }  # fmt: skip
            vocab_words |= own
            entries.append((variant, frozenset(own)))
        variants[form.id] = tuple(entries)
    fuzzy_choices = tuple(
        sorted(
            w
            for w in vocab_words
            if len(w) >= 5
            and w not in _NUTRIENT_WORDS
            and w not in _NEUTRAL_WORDS
            and not w.isdigit()
            and "magnes" not in w
        )
    )
    fractions = {form.id: form.elemental_fraction for form in knowledge.forms.values()}
    return _Index(
        phrases=phrases,
        first_words=first_words,
        vocab=frozenset(vocab_words),
        fuzzy_choices=fuzzy_choices,
        fractions=fractions,
        variants=variants,
        forms_with_fraction=frozenset(f for f, v in fractions.items() if v is not None),
    )


def _classify(index: _Index, raw: str) -> _Word:
    """What a word is on a label (cached: labels repeat the same few hundred words)."""
    if raw == "Mg":  # the element symbol; "mg" after a number was already read as a unit
        return _Word("magnesium", "mg", False)
    key = raw.lower()
    found = index.words.get(key)
    if found is not None:
        return found
    word = _fold(key)
    result = _classify_folded(index, word)
    if len(index.words) > 50_000:  # arbitrary text must not grow the cache without bound
        index.words.clear()
    index.words[key] = result
    return result


def _classify_folded(index: _Index, word: str) -> _Word:
    if word in _MG_WORDS:
        return _Word("magnesium", "mg", False)
    if word in index.vocab:
        return _Word(word, "vocab", False)
    for names, cls in (
        (_QUAL_WORDS, "qual"), (_REL_ELEMENTAL, "rele"), (_REL_NEUTRAL, "rel"),
        (_ELEM_WORDS, "elem"), (_DV_WORDS, "dv"), (_BLEND_WORDS, "blend"),
        (_EXCIPIENT_WORDS, "excip"), (_NUTRIENT_WORDS, "oth"), (_NEUTRAL_WORDS, "neu"),
    ):  # fmt: skip
        if word in names:
            return _Word(word, cls, False)
    if word in _NOT_FORMS:
        return _Word(word, "anion", False)
    if (
        7 <= len(word) <= 12
        and word[0] == "m"
        and not word.startswith("mang")  # manganese is another nutrient, never magnesium
        and fuzz.ratio(word, "magnesium", score_cutoff=80.0)
    ):
        return _Word("magnesium", "mg", True)
    if len(word) >= 5 and index.fuzzy_choices:
        match = process.extractOne(word, index.fuzzy_choices, scorer=fuzz.ratio, score_cutoff=85.0)
        if match is not None and str(match[0])[0] == word[0]:
            return _Word(str(match[0]), "vocab", True)
    if len(word) >= 5 and word.endswith(_ANION_SUFFIXES):
        return _Word(word, "anion", False)
    return _Word(word, "unk", False)


# --------------------------------------------------------------------------------------------
# Tokens and elements of one line


@dataclass(slots=True)
class _El:
    kind: str
    start: int
    end: int
    depth: int
    form: str | None = None
    value: float = 0.0
    unit: str = ""
    words: tuple[str, ...] = ()
    fuzzy: str | None = None
    qualifier: bool = False
    subkind: str = ""
    negative: bool = False


def _number(text: str) -> float | None:
    """A label number: "1,000" is a thousand, "187,5" (EU) is 187.5; absurd values are None."""
    if "," in text:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
            text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value > _MAX_NUMBER:
        return None
    return value


def _elements(index: _Index, line: str) -> list[_El]:
    """The line as a flat list of classified elements, with form phrases matched."""
    tokens: list[tuple[str, re.Match[str]]] = []
    for match in _TOKEN_RE.finditer(line):
        kind = match.lastgroup
        if kind is None:  # pragma: no cover - every alternative is named
            continue
        tokens.append((kind, match))
    out: list[_El] = []
    depth = 0
    i = 0
    count = len(tokens)
    while i < count:
        kind, match = tokens[i]
        if kind == "word":
            i = _word_elements(index, tokens, i, depth, out)
            continue
        if kind in ("amt", "neg"):
            negative = kind == "neg"
            value = _number(match["nn" if negative else "an"])
            unit_text = match["nu" if negative else "au"].lower().replace("μ", "µ")
            unit = _UNIT_CANON.get(unit_text, "mg")
            if value is not None:
                mg = mass_to_mg(value, unit)
                amount = _El(_AMT, match.start(), match.end(), depth, value=mg, unit=unit)
                amount.negative = negative
                out.append(amount)
        elif kind == "pct":
            value = _number(match["pn"])
            if value is not None and value <= 100_000:
                out.append(_El(_PCT, match.start(), match.end(), depth, value=value))
        elif kind == "lt":
            out.append(_El(_PCT, match.start(), match.end(), depth, value=-1.0))
        elif kind == "punct":
            char = match.group()
            if char == "(":
                out.append(_El(_OPEN, match.start(), match.end(), depth))
                depth += 1
            elif char == ")":
                depth = max(0, depth - 1)
                out.append(_El(_CLOSE, match.start(), match.end(), depth))
            elif char == "=":
                out.append(_El(_RELE, match.start(), match.end(), depth))
            else:
                out.append(_El(_SEP, match.start(), match.end(), depth))
        i += 1
    _mark_qualifiers(out)
    return out


def _word_elements(
    index: _Index, tokens: list[tuple[str, re.Match[str]]], i: int, depth: int, out: list[_El]
) -> int:
    """Read the word at ``i`` (and any form phrase starting there); return the next index."""
    match = tokens[i][1]
    word = _classify(index, match.group())
    longest = index.first_words.get(word.canon, 0)
    if longest:
        # Try the longest form phrase first ("magnesium chloride hexahydrate").
        words = [word]
        j = i + 1
        while j < len(tokens) and len(words) < longest and tokens[j][0] == "word":
            words.append(_classify(index, tokens[j][1].group()))
            j += 1
        for size in range(len(words), 0, -1):
            key = tuple(w.canon for w in words[:size])
            hit = index.phrases.get(key)
            if hit is None:
                continue
            form_id, named = hit
            # Hydrate and grade words right after the phrase belong to it (variant choice).
            extra: list[str] = []
            k = i + size
            while k < len(tokens) and tokens[k][0] == "word":
                nxt = _classify(index, tokens[k][1].group())
                if (
                    nxt.cls != "vocab"
                    or (nxt.canon,) in index.phrases
                    or (nxt.canon in index.first_words)
                ):
                    break
                extra.append(nxt.canon)
                k += 1
            fuzzy = [tokens[i + n][1].group() for n, w in enumerate(words[:size]) if w.fuzzy]
            end_match = tokens[k - 1][1]
            out.append(_El(
                _CMP if named else _FRM, match.start(), end_match.end(), depth, form=form_id,
                words=key + tuple(extra), fuzzy=" ".join(fuzzy) or None,
            ))  # fmt: skip
            return k
    cls = word.cls
    if cls == "mg":
        # "magnesium stearate" is an excipient; "magnesium picolinate" an unknown compound.
        if i + 1 < len(tokens) and tokens[i + 1][0] == "word":
            nxt = _classify(index, tokens[i + 1][1].group())
            if nxt.cls == "excip":
                out.append(
                    _El(_OTH, match.start(), tokens[i + 1][1].end(), depth, subkind="excipient")
                )
                return i + 2
            if nxt.cls == "anion":
                out.append(
                    _El(
                        _CMP,
                        match.start(),
                        tokens[i + 1][1].end(),
                        depth,
                        form="unknown",
                        words=("magnesium", nxt.canon),
                        fuzzy=match.group() if word.fuzzy else None,
                    )
                )
                return i + 2
        out.append(
            _El(_MG, match.start(), match.end(), depth, fuzzy=match.group() if word.fuzzy else None)
        )
    elif cls == "vocab":
        out.append(_El(_NEU, match.start(), match.end(), depth, words=(word.canon,)))
    elif cls in ("oth", "excip"):
        out.append(_El(_OTH, match.start(), match.end(), depth, subkind=cls))
    elif cls == "blend":
        out.append(_El(_BLND, match.start(), match.end(), depth))
    elif cls == "anion":
        out.append(_El(_UNK, match.start(), match.end(), depth))
    else:
        kind = {"elem": _ELEM, "rel": _REL, "rele": _RELE, "qual": _QUAL, "neu": _NEU,
                "dv": _DV}.get(cls, _UNK)  # fmt: skip
        out.append(_El(kind, match.start(), match.end(), depth))
    return i + 1


def _mark_qualifiers(elements: list[_El]) -> None:
    """Forms after "as"/"from", or in parentheses after "Magnesium" or an amount, qualify
    the magnesium: they name its source and are not a compound weight's subject."""
    qual_depth: int | None = None
    stack: list[bool] = []
    inside = 0  # open qualifying parentheses (nested ones inherit)
    previous = ""
    for el in elements:
        kind = el.kind
        if kind == _OPEN:
            qualifying = previous in (_MG, _AMT, _PCT, _ELEM, _QUAL) or inside > 0
            stack.append(qualifying)
            inside += qualifying
        elif kind == _CLOSE:
            if stack:
                inside -= stack.pop()
            if qual_depth is not None and el.depth < qual_depth:
                qual_depth = None
        elif kind == _QUAL:
            qual_depth = el.depth
        elif kind in (_AMT, _REL, _RELE, _SEP, _OTH, _BLND):
            if (
                qual_depth is not None
                and el.depth <= qual_depth
                and (kind != _SEP or el.depth == 0)
            ):
                qual_depth = None
        elif kind in (_CMP, _FRM):
            el.qualifier = qual_depth is not None or bool(stack and stack[-1])
        if kind not in (_NEU, _DV):
            previous = kind


# --------------------------------------------------------------------------------------------
# Clauses: one nutrient each


def _clauses(elements: list[_El]) -> list[list[_El]]:
    """Split a line's elements into clauses of one nutrient each.

    Splits at top-level commas and semicolons, and after an amount when a new name starts
    ("Calcium 300 mg Magnesium 150 mg", pasted table rows). Pieces that only continue the
    previous clause ("as citrate", "providing 140 mg", "48%") are joined back to it.
    """
    pieces: list[list[_El]] = []
    current: list[_El] = []
    has_subject = False
    after_amount = False
    for el in elements:
        kind = el.kind
        if el.depth == 0:
            if kind == _SEP:
                pieces.append(current)
                current, has_subject, after_amount = [], False, False
                continue
            if after_amount and has_subject and kind in (_MG, _CMP, _OTH, _UNK, _BLND):
                pieces.append(current)
                current, has_subject, after_amount = [], False, False
        if kind == _AMT:
            after_amount = True
        elif kind in _SUBJECTS:
            if not (kind in (_CMP, _FRM) and (el.qualifier or after_amount)):
                has_subject = True
        elif kind in (_RELE, _REL):
            after_amount = has_subject = False  # a new sub-phrase: "... containing 535 mg X"
        elif kind in (_QUAL, _OPEN):
            after_amount = False
        current.append(el)
    pieces.append(current)
    clauses: list[list[_El]] = []
    for piece in pieces:
        if not piece:
            continue
        kinds = {el.kind for el in piece}
        first = next((el.kind for el in piece if el.kind not in (_NEU, _OPEN, _CLOSE)), "")
        continues = first in (_QUAL, _RELE, _ELEM) or not (kinds & _NAMING)
        forms_only = kinds <= _FORMS_ONLY
        if clauses and (continues or forms_only):
            if forms_only:
                for el in piece:
                    if el.kind in (_FRM, _CMP):
                        el.qualifier = True
            clauses[-1].extend(piece)
        else:
            clauses.append(list(piece))
    return clauses


@dataclass(slots=True)
class _Draft:
    """A magnesium clause before the label-wide rules run."""

    text: str
    forms: list[str]
    elemental: list[tuple[float, str]]
    compound: list[tuple[float, tuple[str, ...]]]
    percent: float | None
    percent_kind: str
    words: set[str]
    fuzzy: list[str]
    blend: bool = False
    buffered_word: bool = False
    unknown_form: bool = False
    secondary: bool = False
    columns: tuple[str, ...] = ()
    per_unit: bool = False


def _has(clause: list[_El], kind: str) -> bool:
    return any(el.kind == kind for el in clause)


def _mg_forms(clause: list[_El]) -> tuple[list[str], list[str], bool]:
    """Forms attributed to magnesium in a clause, the fuzzy-read spellings, and whether
    magnesium is named at all. A bare form word ("citrate") belongs to the nearest mineral
    before it, so "Zinc (as zinc citrate)" never gives magnesium a form."""
    forms: list[str] = []
    fuzzy: list[str] = []
    named = False
    owner = ""
    for el in clause:
        if el.kind == _MG:
            named, owner = True, _MG
        elif el.kind == _CMP:
            named, owner = True, _MG
            if el.form is not None:
                forms.append(el.form)
        elif el.kind == _OTH and el.subkind == "oth":
            owner = _OTH
        elif el.kind == _FRM and owner != _OTH and el.form is not None:
            forms.append(el.form)
        if el.fuzzy and el.kind in (_MG, _CMP, _FRM):
            fuzzy.append(el.fuzzy)
    return forms, fuzzy, named


def _subject_of(clause: list[_El], at: int) -> tuple[_El | None, bool]:
    """The name an amount at ``at`` belongs to, and whether "elemental" sits between them.

    The nearest name before it within the same sub-phrase (no "providing"/"equivalent to"
    between); if there is none, the nearest after it ("535 mg magnesium chloride").
    """
    elemental = False
    before = next((el.kind for el in reversed(clause[max(0, at - 4) : at]) if el.kind != _NEU), "")
    after = next((el for el in clause[at + 1 : at + 4] if el.kind != _NEU), None)
    if before == _QUAL and after is not None and after.kind in (_CMP, _FRM):
        return after, False  # "Magnesium 100 mg (from 620 mg magnesium citrate)"
    depth = clause[at].depth
    inner: _El | None = None  # a name inside parentheses that closed before the amount
    for j in range(at - 1, max(-1, at - _WINDOW), -1):
        el = clause[j]
        if el.kind in (_RELE, _REL):
            break
        if el.kind == _ELEM:
            elemental = True
        if el.kind == _AMT:
            continue
        if el.kind in _SUBJECTS and not (el.kind in (_CMP, _FRM) and el.qualifier):
            if el.depth <= depth:
                return el, elemental
            # "Magnesium citrate (Mg 16%) 625 mg": the name outside the parentheses wins;
            # "(Magnesium Citrate) 100 mg" has no other, so the inner one is used.
            inner = inner or el
    if inner is not None:
        return inner, elemental
    elemental_after = False
    for j in range(at + 1, min(len(clause), at + _WINDOW)):
        el = clause[j]
        if el.kind in (_RELE, _REL, _AMT):
            break
        if el.kind == _ELEM:
            elemental_after = True
        if el.kind in _SUBJECTS and not (el.kind in (_CMP, _FRM) and el.qualifier):
            return el, elemental or elemental_after
    return None, elemental or elemental_after


def _after_elemental_relation(clause: list[_El], at: int) -> bool:
    """True when an amount with no name of its own follows "providing", "equivalent to"...
    and nothing else ("Magnesium glycinate 1,000 mg providing 140 mg")."""
    for j in range(at - 1, max(-1, at - _WINDOW), -1):
        kind = clause[j].kind
        if kind == _RELE:
            return True
        if kind in (_UNK, _OTH, _AMT, _REL, _BLND):
            return False
    return False


def _draft(line: str, clause: list[_El], in_blend: bool) -> _Draft | None:
    """The magnesium facts of one clause, or None when it is not about magnesium."""
    forms, fuzzy, named = _mg_forms(clause)
    if not named:
        return None
    elemental: list[tuple[float, str]] = []
    compound: list[tuple[float, tuple[str, ...]]] = []
    percent: float | None = None
    percent_kind = ""
    first_amount = -1
    for at, el in enumerate(clause):
        if el.kind == _PCT:
            if percent is None and first_amount >= 0 and el.value >= 0:
                nxt = clause[at + 1] if at + 1 < len(clause) else None
                # "48% DV" or a new name follows; "100% chelated" is not a %DV.
                if nxt is None or nxt.kind not in (_NEU, _UNK, _ELEM, _QUAL):
                    percent = el.value
                    percent_kind = _percent_kind(line, clause, at)
            continue
        if el.kind != _AMT or len(elemental) + len(compound) >= _MAX_AMOUNTS:
            continue
        subject, said_elemental = _subject_of(clause, at)
        if subject is None:
            if (
                el.unit in _ELEMENTAL_UNITS
                or said_elemental
                or _after_elemental_relation(clause, at)
            ):
                if el.negative:
                    _negative_amount(line, clause, el)
                elemental.append((el.value, el.unit))
                if first_amount < 0:
                    first_amount = at
            continue
        if subject.kind in (_OTH, _BLND):
            continue  # another nutrient's amount, or the blend's total
        if el.negative:
            _negative_amount(line, clause, el)
        if subject.kind == _MG or said_elemental or el.unit in _ELEMENTAL_UNITS:
            elemental.append((el.value, el.unit))
        else:
            compound.append((el.value, (subject.form,) if subject.form else ()))
        if first_amount < 0:
            first_amount = at
    blend = (in_blend or _has(clause, _BLND)) and not elemental and (not compound)
    if not elemental and not compound and not blend:
        return None
    words: set[str] = set()
    for el in clause:
        words.update(el.words)
    text = _SPACES.sub(" ", line[clause[0].start : clause[-1].end]).strip(" ,;:-")
    if text.count("(") > text.count(")"):
        text += ")" * (text.count("(") - text.count(")"))
    return _Draft(
        text=text,
        forms=forms,
        elemental=elemental,
        compound=compound,
        percent=percent,
        percent_kind=percent_kind,
        words=words,
        fuzzy=fuzzy,
        blend=blend,
        buffered_word="buffered" in line.lower(),
        unknown_form=any(el.form == "unknown" for el in clause if el.kind == _CMP),
    )


def _negative_amount(line: str, clause: list[_El], amount: _El) -> NoReturn:
    """A magnesium amount with a minus sign is not an amount: refuse the label, naming the
    line (reading "-200 mg" as 200 mg, or dropping it and counting the other lines, would
    each misstate the magnesium)."""
    text = _SPACES.sub(" ", line[clause[0].start : clause[-1].end]).strip(" ,;:-")[:120]
    stated = _SPACES.sub(" ", line[amount.start : amount.end])
    raise LabelError(
        "label",
        text,
        "a positive amount of magnesium",
        message=f"The label line '{text}' gives a negative amount of magnesium ({stated}); "
        "expected a positive amount such as 'Magnesium (as citrate) 200 mg'.",
    )


_PER = re.compile(r"\bper\b", re.IGNORECASE)
_PER_100 = re.compile(r"\s*100\s*(?:g|ml)\b", re.IGNORECASE)
#: One dose unit (not a serving of several): "per tablet", "per 1 capsule", "each softgel".
_ONE_UNIT = (
    r"(?:1\s*|one\s+)?(?:tablets?|tabs?|capsules?|caps|vcaps?|softgels?|soft\s+gels?|caplets?|"
    r"lozenges?|gumm(?:y|ies)|chewables?|pills?|sachets?|stick\s+packs?|vegicaps?)\b"
)
_PER_ONE_UNIT = re.compile(r"\s*" + _ONE_UNIT, re.IGNORECASE)
#: An amount stated for one unit inside a line: "100 mg per tablet", "100 mg/capsule".
_INLINE_PER_UNIT = re.compile(
    r"\d\s*(?:mg|g|mcg|µg|mmol|meq)\s*(?:per|/|each|in\s+each|a)\s*" + _ONE_UNIT,
    re.IGNORECASE,
)


def _columns(line: str) -> tuple[str, ...]:
    """Amount columns of a panel header ("Per 100 g | Per capsule | Per serving | %NRV"):
    "100" for per 100 g/mL, "unit" for one tablet or capsule, "serving" otherwise. Empty
    unless there are several."""
    kinds = []
    for match in _PER.finditer(line):
        if _PER_100.match(line, match.end()):
            kinds.append("100")
        elif _PER_ONE_UNIT.match(line, match.end()):
            kinds.append("unit")
        else:
            kinds.append("serving")
    return tuple(kinds) if len(kinds) > 1 else ()


def _pick(
    amounts: list[tuple[float, str]],
    columns: tuple[str, ...],
    percent: float | None,
    references: tuple[float, ...],
    serving_units: float | None = None,
) -> tuple[int, bool, bool]:
    """Which of several amounts on a line is per serving, whether that is certain, and
    whether the chosen amount is for one unit rather than a serving: the header column that
    matches the serving size found (a per-serving column for a serving of several units, a
    per-unit column for one), else the one the %DV fits, else the largest (an unsure
    reading must not understate magnesium)."""
    if len(amounts) <= 1:
        return 0, True, False
    if len(columns) == len(amounts):
        several = serving_units is not None and serving_units > 1
        if "serving" in columns and (several or "unit" not in columns):
            return columns.index("serving"), True, False
        if "unit" in columns:
            return columns.index("unit"), True, True
    if percent is not None and percent >= 0:
        fits = [i for i, (mg, _) in enumerate(amounts) if _dv_matches(mg, percent, references)]
        if len(fits) == 1:
            return fits[0], True, False
    largest = max(range(len(amounts)), key=lambda i: amounts[i][0])
    return largest, False, False


def _percent_kind(line: str, clause: list[_El], at: int) -> str:
    """ "NRV" for %NRV/%RI, "DV" for %DV, "" when the line does not say."""
    tail = line[clause[at].end : clause[at].end + 24].lower()
    head = line[max(0, clause[at].start - 6) : clause[at].start].lower()
    for text in (tail, head):
        if re.search(r"\b(?:nrv|ri|vnr|ar)\b", text):
            return "NRV"
        if re.search(r"\b(?:dv|daily|rdi|rda)\b", text):
            return "DV"
    return ""


# --------------------------------------------------------------------------------------------
# Lines


@dataclass(slots=True)
class _Line:
    text: str
    blank_before: bool
    low: str = ""

    def __post_init__(self) -> None:
        self.low = self.text.lower()

    def mg(self) -> bool:
        """Might this line name magnesium? (cheap pre-filter before tokenising)"""
        return _MG_CANDIDATE.search(self.low) is not None or (
            "Mg" in self.text and _MG_SYMBOL.search(self.text) is not None
        )


def _clean(line: str) -> str:
    line = _BARS.sub(" ", line)
    if _LEADER_HINT.search(line):
        line = _LEADERS.sub(" ", line)
    line = line.translate(_BRACKETS)
    return _SPACES.sub(" ", line).strip()


_BRACKETS = str.maketrans({"[": "(", "]": ")", "{": "(", "}": ")", "⟨": "(", "⟩": ")"})


def _logical_lines(text: str) -> list[_Line]:
    """Join lines people's copying broke apart: a parenthesis left open, a line that starts
    with "providing"/"as"/"equivalent to", or numbers pasted on the line after their name."""
    out: list[_Line] = []
    blank = False
    for raw in _LINE_SPLIT.split(text):
        line = _clean(raw)
        if not line:
            blank = True
            continue
        if out and not blank:
            last = out[-1]
            prev = last.text
            opened = prev.count("(") - prev.count(")")
            short = len(prev) < _MAX_JOINED  # joining must stay linear on hostile input
            join = short and 0 < opened < 4 and ")" in line
            if short and not join and last.mg():
                low = line.lower()
                join = (
                    bool(_CONTINUATION.match(low))
                    or bool(_FRAGMENT.match(low))
                    or (_ANY_AMOUNT.search(last.low) is None and _ANY_AMOUNT.match(low) is not None)
                )
            if join:
                out[-1] = _Line(prev + " " + line, last.blank_before)
                continue
        out.append(_Line(line, blank))
        blank = False
    return out


# --------------------------------------------------------------------------------------------
# Serving size


#: A stated serving size, whatever follows it (to name one that cannot be read).
_SERVING_STATED = re.compile(r"\b(?:serving|portion)\s*size\b\s*[:=\-–]?\s*(?=\S)")


def _serving(lines: Sequence[_Line]) -> tuple[Serving, str | None]:
    """The serving size: an explicit "Serving size" line wins over "per 2 capsules".

    Also returns the text of a "Serving size" line that states no readable serving ("0
    capsules", "-2 tablets", "1/0", "nan"), so the reader can say so rather than report
    that no serving size was found.
    """
    for pattern, hint in _SERVING_PATTERNS:
        for line in lines:
            if hint is not None and _SERVING_HINTS[hint].search(line.low) is None:
                continue
            for match in pattern.finditer(line.low):
                serving = _serving_from(match)
                if serving is not None:
                    explicit = pattern is _SERVING_SIZE
                    return serving, None if explicit else _unreadable_serving(lines)
    return Serving(), _unreadable_serving(lines)


def _unreadable_serving(lines: Sequence[_Line]) -> str | None:
    """The first "Serving size ..." text with no readable serving in it, or None."""
    for line in lines:
        if "size" not in line.low:
            continue
        for match in _SERVING_STATED.finditer(line.low):
            rest = line.low[match.start() :]
            stated = _SERVING_SIZE.match(rest)
            if stated is not None and (
                _serving_from(stated) is not None
                or _unit_name(stated.group("u")) in ("g", "mL")  # "100 g": a column
            ):
                continue
            text = _SPACES.sub(" ", line.text[match.start() :]).strip()
            return text if len(text) <= 60 else text[:57].rstrip() + "..."
    return None


def _serving_from(match: re.Match[str]) -> Serving | None:
    unit_text = match.group("u")
    if unit_text is None:  # pragma: no cover - the unit is not optional in the patterns
        return None
    count_text = match.group("n")
    count = 1.0
    if count_text:
        lowered = count_text.lower()
        if lowered in _COUNT_WORDS:
            count = _COUNT_WORDS[lowered]
        else:
            value = _number(lowered)
            if value is None:
                return None
            count = value
    unit = _unit_name(unit_text)
    if count <= 0 or count > 1000 or (unit in ("g", "mL") and count == 100):
        return None  # "per 100 g" is a nutrition column, not a serving
    description = f"{_out(count)} {_plural(unit, count)}"
    return Serving(description=description, units_per_serving=count, unit=unit)


def _unit_name(text: str) -> str:
    lowered = _SPACES.sub(" ", text.lower()).replace("-", "")
    if lowered in ("ml", "milliliter", "milliliters", "millilitre", "millilitres"):
        return "mL"
    if lowered in ("g", "gram", "grams"):
        return "g"
    aliases = {
        "caps": "capsule", "vcap": "capsule", "vcaps": "capsule", "vegcap": "capsule",
        "vegcaps": "capsule", "tabs": "tablet", "tab": "tablet", "tsp": "teaspoon",
        "tbsp": "tablespoon", "soft gel": "softgel", "soft gels": "softgel",
        "gummies": "gummy", "ampuls": "ampoule", "ampul": "ampoule",
    }  # fmt: skip
    if lowered in aliases:
        return aliases[lowered]
    if lowered.startswith("effervescent"):
        return "effervescent tablet"
    if lowered.startswith("stick pack"):
        return "stick pack"
    if lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if lowered.endswith("s") and not lowered.endswith("ss"):
        return lowered[:-1]
    return lowered


def _plural(unit: str, count: float) -> str:
    if count == 1 or unit in ("mL", "g"):
        return unit
    if unit.endswith("y"):
        return unit[:-1] + "ies"
    return unit + "s"


# --------------------------------------------------------------------------------------------
# The reader


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise LabelError(
            "label",
            type(text).__name__,
            "label text (a string)",
            message="The label must be text (a string).",
        )
    if len(text) > MAX_LABEL_BYTES or len(text.encode("utf-8", "surrogatepass")) > (
        MAX_LABEL_BYTES
    ):
        raise LabelError(
            "label",
            f"{len(text)} characters",
            "at most 1 MB of text",
            message="The label text is larger than 1 MB; paste only the "
            "supplement facts or nutrition panel.",
        )
    if not text.strip():
        raise LabelError(
            "label",
            text,
            "label text",
            message="The label text is empty; paste the supplement facts or nutrition panel.",
        )
    if "\x00" in text or len(_CONTROL.findall(text[:20_000])) > max(8, len(text[:20_000]) // 10):
        raise LabelError(
            "label",
            "binary data",
            "text",
            message="The label looks like binary "
            "data, not text; paste the words printed on the label.",
        )
    return text


#: Vulgar fractions (½ ¼ ¾ ⅓ ⅛ ...), with the whole number before them ("1½", "1 ½").
_VULGAR = re.compile(r"(?:(?<![\d.,])(\d{1,6}) ?)?([\u00bc-\u00be\u2150-\u215e\u2189])")
#: "1⁄2" with U+2044 FRACTION SLASH (what NFKC makes of ½, and what some fonts paste).
_FRACTION_SLASH = re.compile(r"(?<![\d.,])(\d{1,6}) ?\u2044 ?(\d{1,6})(?![\d.,])")


def _decimal(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _vulgar(match: re.Match[str]) -> str:
    whole = int(match[1]) if match[1] else 0
    return _decimal(whole + unicodedata.numeric(match[2]))


def _slashed(match: re.Match[str]) -> str:
    numerator, denominator = int(match[1]), int(match[2])
    if denominator == 0:
        return f"{match[1]}/{match[2]}"  # left unreadable, as "1/0" would be
    return _decimal(numerator / denominator)


def _normalize(text: str) -> str:
    """NFKC, with fractions made decimals first: NFKC turns "½" into "1⁄2", which would then
    read as 2 ("½ mg" is 0.5 mg, "1½ tablets" 1.5 tablets, "1⁄2" 0.5)."""
    if not text.isascii():
        text = _VULGAR.sub(_vulgar, text)
        text = unicodedata.normalize("NFKC", text)
        if "\u2044" in text:
            text = _FRACTION_SLASH.sub(_slashed, text).replace("\u2044", "/")
    return text


_SCIENTIFIC = re.compile(
    rf"(?<![\w.,])\d{{1,9}}(?:[.,]\d+)?e[+-]?\d+\s*(?:{_MASS_UNITS})(?![^\W\d_])"
)
_OTHER_UNITS = re.compile(
    rf"(?<![\w.,])[-\u2212]?{_NUM}\s*(?P<unit>kg|kilos?|kilograms?|lbs?|pounds?|oz|ounces?|ng"
    r"|nanograms?|grains?|iu)(?![^\W\d_])"
)
_LONG_NUMBER = re.compile(rf"(?<![\w.,])[\d,.]{{10,}}\s*(?:{_MASS_UNITS})(?![^\W\d_])")


def _unreadable_amount(lines: Sequence[_Line]) -> LabelError | None:
    """Why a label naming magnesium gave no amount, when it holds one magnerve cannot read:
    scientific notation ("1e5 mg"), a unit that is not for supplements ("200 kg"), or a
    number too large to be a label amount. None when there is nothing of the kind."""
    example = "such as 'Magnesium (as citrate) 200 mg'"
    for line in lines:
        if not line.mg() or _SKIP_LINE.search(line.low):
            continue
        found = _SCIENTIFIC.search(line.low)
        if found is not None:
            stated = line.text[found.start() : found.end()]
            return LabelError(
                "label", stated, "an amount written out in mg, g, mcg, mmol or mEq",
                message=f"The label gives magnesium as '{stated}', in scientific notation, "
                f"which magnerve does not read; expected the amount as printed, {example}.",
            )  # fmt: skip
        found = _OTHER_UNITS.search(line.low)
        if found is not None:
            stated = line.text[found.start() : found.end()]
            return LabelError(
                "label", stated, "an amount in mg, g, mcg, mmol or mEq",
                message=f"The label gives magnesium as '{stated}', in a unit magnerve does "
                f"not read on supplement labels ({found['unit']}); expected mg, g, mcg, mmol "
                f"or mEq, {example}.",
            )  # fmt: skip
        for found in _LONG_NUMBER.finditer(line.low):
            stated = line.text[found.start() : found.end()]
            if len(stated) > 40:
                stated = stated[:20] + "..." + stated[-10:]
            return LabelError(
                "label", stated, "a plausible amount of magnesium",
                message=f"The label gives magnesium as '{stated}', which is not a plausible "
                f"amount for a supplement; expected an amount {example}.",
            )  # fmt: skip
    return None


def parse_label(text: str, knowledge: Knowledge) -> LabelResult:
    """Read a supplement label and say how much elemental magnesium it gives.

    Raises:
        LabelError: the text is empty, binary, larger than 1 MB, or has no magnesium line
            with an amount.

    >>> from magnerve.knowledge import load_knowledge
    >>> label = parse_label("Serving Size 2 Capsules\\nMagnesium (as magnesium glycinate) "
    ...                     "200 mg 48%", load_knowledge())
    >>> label.elemental_mg_per_serving, label.elemental_mg_per_unit
    (200.0, 100.0)
    """
    text = _normalize(_check_text(text))
    index = _index(knowledge)
    lines = _logical_lines(text)
    primary: list[_Draft] = []
    secondary: list[_Draft] = []
    ingredient_forms: list[str] = []
    mentioned = False
    in_blend = False
    columns: tuple[str, ...] = ()
    for line in lines:
        body, low = line.text, line.low
        if line.blank_before:
            in_blend = False
        has_amount = _ANY_AMOUNT.search(low) is not None
        if not has_amount and "per" in low:
            columns = _columns(low) or columns
        if "ingredient" in low or "excipient" in low:
            if _OTHER_INGREDIENTS.match(low):
                in_blend = False
                continue
            if _INGREDIENTS.match(low):
                if line.mg():
                    ingredient_forms.extend(_ingredient_forms(index, body))
                continue
        blend_line = ("blend" in low or "proprietary" in low) and _BLEND.search(low) is not None
        if not line.mg():
            if blend_line:
                in_blend = True
            elif has_amount:
                in_blend = False
            continue
        if _SKIP_LINE.search(low):
            continue
        elements = _elements(index, body)
        directions = _DIRECTIONS.match(low) is not None
        line_drafts = []
        for clause in _clauses(elements):
            if not mentioned and (_has(clause, _MG) or _has(clause, _CMP)):
                mentioned = True
            draft = _draft(body, clause, in_blend and not has_amount)
            if draft is not None:
                draft.secondary = directions
                draft.columns = columns
                draft.per_unit = _INLINE_PER_UNIT.search(draft.text) is not None
                line_drafts.append(draft)
        (secondary if directions else primary).extend(line_drafts)
        if blend_line:
            in_blend = True
        elif has_amount:
            in_blend = False
    drafts = primary or secondary
    if not drafts:
        odd = _unreadable_amount(lines) if mentioned else None
        if odd is not None:
            raise odd
        if mentioned:
            message = (
                "The label mentions magnesium but gives no amount for it; expected a "
                "line such as 'Magnesium (as citrate) 200 mg'."
            )
        else:
            message = (
                "No magnesium line with an amount was found in the label text; "
                "expected a line such as 'Magnesium (as citrate) 200 mg'."
            )
        excerpt = " ".join(text.split())[:200]  # errors travel in JSON: never the whole paste
        raise LabelError("label", excerpt, "a magnesium line with an amount", message=message)
    low = text.lower()
    context = _Context(
        eu=_EU_CONTEXT.search(low) is not None,
        us=_US_CONTEXT.search(low) is not None,
        child=_CHILD_CONTEXT.search(low) is not None,
        drug=_DRUG_FACTS.search(low) is not None,
    )
    serving, unreadable_serving = _serving(lines)
    items = [_finish(index, knowledge, draft, context, serving) for draft in drafts]
    items = _dedupe(items)
    label_warnings: list[LabelWarning] = []
    if ingredient_forms:
        items = _forms_from_ingredients(items, ingredient_forms)
    counted = [item for item in items if item.counted]
    known = [item.elemental_mg for item in counted if item.elemental_mg is not None]
    per_serving: float | None = sum(known)
    if len(known) < len(counted):
        per_serving = None
        label_warnings.append(LabelWarning(
            "elemental_unknown",
            "Part of the magnesium has no stated elemental amount"
            + (f" (the other lines give {_fmt(sum(known))} mg)" if known else "")
            + ", so the total per serving is unknown.",
        ))  # fmt: skip
    glycinate = [item for item in counted if "glycinate" in item.forms]
    oxide = any("oxide" in item.forms for item in counted)
    if glycinate and oxide and not any("oxide" in item.forms for item in glycinate):
        label_warnings.append(_buffered_oxide_warning())
    if sum(known) > MAX_SERVING_MG:
        # A misread unit ("200 g") or a typo, never a supplement: unknown, not a dose.
        per_serving = None
        label_warnings.append(LabelWarning(
            "implausible_amount",
            f"The label reads as {_fmt(sum(known))} mg of elemental magnesium per serving, "
            f"more than magnerve accepts from a label ({_fmt(MAX_SERVING_MG)} mg; the "
            "largest medicinal doses are well below it), so the amount is treated as "
            "unknown: check the number and its unit (mg, not g).",
        ))  # fmt: skip
    if unreadable_serving is not None:
        used = (
            f"; magnerve used '{serving.description}' from elsewhere on the label"
            if serving.description
            else ", so the magnesium per capsule or tablet is unknown and the amounts are "
            "per serving"
        )
        label_warnings.append(LabelWarning(
            "serving_unreadable",
            f"The serving size '{unreadable_serving}' could not be read (expected a count "
            f"above 0, such as 'Serving size 2 capsules'){used}.",
        ))  # fmt: skip
    per_unit: float | None = None
    if per_serving is not None:
        if serving.units_per_serving:
            per_unit = per_serving / serving.units_per_serving
        elif unreadable_serving is None:
            label_warnings.append(LabelWarning(
                "serving_unknown",
                "No serving size was found, so the magnesium per capsule or tablet is unknown; "
                "the amounts are per serving.",
            ))  # fmt: skip
    if drafts is secondary:
        label_warnings.append(LabelWarning(
            "from_directions",
            "The amount comes from the directions, not a supplement facts or nutrition panel.",
        ))  # fmt: skip
    all_warnings: dict[tuple[str, str], LabelWarning] = {}
    for item in items:
        for warning in item.warnings:
            all_warnings.setdefault((warning.code, warning.message), warning)
    for warning in label_warnings:
        all_warnings.setdefault((warning.code, warning.message), warning)
    return LabelResult(
        items=tuple(items),
        serving=serving,
        elemental_mg_per_serving=per_serving,
        elemental_mg_per_unit=per_unit,
        warnings=tuple(all_warnings.values()),
    )


def _ingredient_forms(index: _Index, line: str) -> list[str]:
    forms: list[str] = []
    for el in _elements(index, line):
        if el.kind == _CMP and el.form and el.form != "unknown":
            forms.append(el.form)
    return forms


@dataclass(frozen=True, slots=True)
class _Context:
    eu: bool
    us: bool
    child: bool
    drug: bool

    def references(self, kind: str) -> tuple[float, ...]:
        """Reference amounts a percentage may be based on."""
        us = US_DAILY_VALUES_MG + ((80.0,) if self.child else ())
        if kind == "NRV":
            return (EU_NRV_MG,)
        if kind == "DV":
            return us
        if self.eu and not self.us:
            return (EU_NRV_MG,)
        if self.us and not self.eu:
            return us
        return (*us, EU_NRV_MG)


def _dv_matches(mg: float, percent: float, references: Iterable[float]) -> bool:
    """True when ``percent`` is ``mg`` of one of the references, within label rounding."""
    for reference in references:
        expected = mg / reference * 100.0
        if abs(expected - percent) <= max(DV_TOLERANCE * percent, 0.5):
            return True
    return False


def _fmt(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _buffered_oxide_warning() -> LabelWarning:
    return LabelWarning(
        "buffered_with_oxide",
        "Magnesium glycinate is listed with magnesium oxide: the product is probably 'buffered' "
        "glycinate, and part of its magnesium is the poorly absorbed oxide.",
    )


def _choose_variant(index: _Index, form: str, words: set[str]) -> Variant | None:
    """The variant the label names ("hexahydrate", "trimagnesium dicitrate"); else the
    form's default. Ties go to the default, then to the richest variant."""
    entries = index.variants.get(form, ())
    if not entries:
        return None
    best: Variant | None = None
    best_key: tuple[int, int, float] = (-1, 0, 0.0)
    for variant, own in entries:
        key = (len(own & words), int(variant.default), variant.elemental_fraction)
        if key > best_key:
            best, best_key = variant, key
    return best


def _dedupe_amounts(amounts: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Drop restatements of the same amount in another unit ("84 mg (7 mEq)")."""
    kept: list[tuple[float, str]] = []
    for mg, unit in amounts:
        same = next((i for i, (k, _) in enumerate(kept) if _close(k, mg, _SAME_AMOUNT)), None)
        if same is None:
            kept.append((mg, unit))
        elif kept[same][1] in _ELEMENTAL_UNITS and unit not in _ELEMENTAL_UNITS:
            kept[same] = (mg, unit)  # prefer the label's own mg figure
    return kept


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-9)


def _finish(
    index: _Index, knowledge: Knowledge, draft: _Draft, context: _Context, serving: Serving
) -> LabelItem:
    """Apply the basis, %DV, chelate, blend and buffering rules to one magnesium clause."""
    warnings: list[LabelWarning] = []
    forms = list(dict.fromkeys(draft.forms))
    specific = [f for f in forms if f not in ("unknown", "amino_acid_chelate")]
    if specific:
        forms = [f for f in forms if f not in ("unknown", "amino_acid_chelate")] + (
            ["unknown"] if draft.unknown_form else []
        )
    forms = list(dict.fromkeys(forms)) or ["unknown"]
    if len(forms) > 1 and "unknown" in forms and not draft.unknown_form:
        forms.remove("unknown")
    if draft.fuzzy:
        read_as = ", ".join(f for f in forms if f != "unknown") or "magnesium"
        warnings.append(LabelWarning(
            "fuzzy_name",
            f"Read {', '.join(repr(w) for w in draft.fuzzy)} as {read_as} (a likely "
            "misspelling); check the label.",
        ))  # fmt: skip
    percent = draft.percent
    if draft.blend:
        warnings.append(LabelWarning(
            "proprietary_blend",
            "Magnesium is part of a proprietary blend that does not state its amount, so its "
            "elemental magnesium is unknown.",
        ))  # fmt: skip
        return LabelItem(draft.text, tuple(forms), "unknown", None, None, percent, tuple(warnings))
    references = context.references(draft.percent_kind)
    elemental_list = _dedupe_amounts(draft.elemental)
    compound_list = _dedupe_amounts([(mg, "mg") for mg, _ in draft.compound])
    elemental = compound = None
    per_unit = draft.per_unit
    for amounts, is_elemental in ((elemental_list, True), (compound_list, False)):
        if not amounts:
            continue
        chosen, certain, unit_column = _pick(
            amounts, draft.columns, percent, references, serving.units_per_serving
        )
        per_unit = per_unit or unit_column
        if not certain:
            shown = ", ".join(f"{_fmt(mg)} mg" for mg, _ in amounts)
            warnings.append(LabelWarning(
                "several_amounts",
                f"'{draft.text}' gives several amounts ({shown}); magnerve used the largest so "
                "magnesium is not understated. Check which one is per serving.",
            ))  # fmt: skip
        if is_elemental:
            elemental = amounts[chosen][0]
        else:
            compound = amounts[chosen][0]
    units = serving.units_per_serving
    if per_unit and units and units != 1:
        # An amount for one tablet under "Serving size 2 tablets" is half a serving.
        elemental = None if elemental is None else elemental * units
        compound = None if compound is None else compound * units
        warnings.append(LabelWarning(
            "per_unit_amount",
            f"'{draft.text}' is stated per {serving.unit or 'unit'}; magnerve multiplied it by "
            f"the serving of {serving.description} to get the amount per serving.",
        ))  # fmt: skip
    variant = None
    convertible = [f for f in forms if f in index.forms_with_fraction]
    if len(convertible) == 1:
        variant = _choose_variant(index, convertible[0], draft.words)
    fraction: float | None = None
    if variant is not None:
        fraction = variant.elemental_fraction
    elif len(convertible) > 1:
        fraction = max(index.fractions[f] or 0.0 for f in convertible)
    basis: Basis = "elemental"
    if elemental is not None:
        if compound is not None:
            variant = _check_ratio(index, forms, variant, elemental, compound, draft, warnings)
    elif compound is not None:
        weight = compound
        basis = "compound"
        settled = context.drug
        if percent is not None and percent >= 0 and not settled:
            as_elemental = _dv_matches(weight, percent, references)
            as_compound = fraction is not None and _dv_matches(
                weight * fraction, percent, references
            )
            if as_elemental and not as_compound:
                basis, elemental, compound, settled = "elemental", weight, None, True
            elif as_compound and not as_elemental:
                settled = True
        if basis == "compound":
            elemental = _convert(weight, forms, fraction, len(convertible), draft, warnings)
            if not settled and elemental is not None:
                warnings.append(LabelWarning(
                    "ambiguous_basis",
                    f"'{draft.text}' names the compound without 'as': {_fmt(weight)} mg was "
                    f"read as the compound's weight ({_fmt(elemental)} mg elemental magnesium). "
                    f"If the label means {_fmt(weight)} mg of magnesium itself, the product "
                    "has more magnesium than shown.",
                ))  # fmt: skip
    if (
        percent is not None
        and percent >= 0
        and elemental is not None
        and not _dv_matches(elemental, percent, references)
    ):
        expected = ", ".join(f"{_fmt(elemental / r * 100)}% of {_fmt(r)} mg" for r in references)
        hint = ""
        if (
            basis == "elemental"
            and fraction
            and _dv_matches(elemental * fraction, percent, references)
        ):
            hint = (
                " The percentage fits the compound's weight: the amount may be the "
                "compound, not elemental magnesium."
            )
        warnings.append(LabelWarning(
                "dv_mismatch",
                f"'{draft.text}' states {_fmt(percent)}%, but {_fmt(elemental)} mg of magnesium "
                f"is {expected}.{hint}",
            ))  # fmt: skip
    if (
        "glycinate" in forms
        and ("oxide" in forms or draft.buffered_word)
        and not any(w.code == "buffered_with_oxide" for w in warnings)
    ):
        warnings.append(_buffered_oxide_warning())
    return LabelItem(
        text=draft.text,
        forms=tuple(forms),
        basis=basis,
        elemental_mg=elemental,
        compound_mg=compound,
        percent_dv=percent if percent is not None and percent >= 0 else None,
        warnings=tuple(warnings),
        variant=None if variant is None else variant.id,
    )


def _convert(
    compound: float,
    forms: list[str],
    fraction: float | None,
    convertible: int,
    draft: _Draft,
    warnings: list[LabelWarning],
) -> float | None:
    """Elemental magnesium in a compound weight, or None with the reason as a warning."""
    if "amino_acid_chelate" in forms and fraction is None:
        warnings.append(LabelWarning(
            "amino_acid_chelate",
            f"'{draft.text}' gives the weight of an amino acid chelate whose amino acids and "
            "ratio are not stated, so its elemental magnesium cannot be worked out; look for "
            "the elemental amount on the label.",
        ))  # fmt: skip
        return None
    if fraction is None:
        warnings.append(LabelWarning(
            "unknown_form",
            f"'{draft.text}' names a magnesium compound magnerve does not know, so its weight "
            "cannot be converted to elemental magnesium.",
        ))  # fmt: skip
        return None
    if convertible > 1:
        warnings.append(LabelWarning(
            "mixed_forms",
            f"'{draft.text}' gives one weight for several compounds; magnerve converted it "
            "with the richest one, so the magnesium is not understated.",
        ))  # fmt: skip
    return compound * fraction


def _check_ratio(
    index: _Index,
    forms: list[str],
    variant: Variant | None,
    elemental: float,
    compound: float,
    draft: _Draft,
    warnings: list[LabelWarning],
) -> Variant | None:
    """Compare stated elemental and compound weights with the formula; return the variant
    they fit best. Glycinate carrying well over 14 % magnesium is buffered with oxide."""
    if compound <= 0 or variant is None:
        return variant
    ratio = elemental / compound
    form = next((f for f in forms if index.variants.get(f)), None)
    if form is None:
        return variant
    entries = index.variants[form]
    fitting = [v for v, _ in entries if _close(v.elemental_fraction, ratio, _RATIO_TOLERANCE)]
    if fitting:
        if variant in fitting:
            return variant
        return min(fitting, key=lambda v: abs(v.elemental_fraction - ratio))
    richest = max(v.elemental_fraction for v, _ in entries)
    if form == "glycinate" and ratio > richest:
        warnings.append(LabelWarning(
            "buffered_with_oxide",
            f"'{draft.text}' gives {ratio:.0%} magnesium by weight, more than magnesium "
            f"glycinate can carry ({richest:.1%}): the product is probably buffered with "
            "magnesium oxide.",
        ))  # fmt: skip
    else:
        warnings.append(LabelWarning(
            "amount_mismatch",
            f"'{draft.text}': {_fmt(elemental)} mg of magnesium from {_fmt(compound)} mg of "
            f"compound is {ratio:.1%}, which fits no known formula of {form} "
            f"({', '.join(f'{v.elemental_fraction:.1%}' for v, _ in entries)}).",
        ))  # fmt: skip
    return variant


def _dedupe(items: list[LabelItem]) -> list[LabelItem]:
    """Count a compound (or blend) line once when an elemental line already states the
    magnesium for the same form, or for an unnamed form (which then takes the line's form)."""
    elemental = [i for i, item in enumerate(items) if item.basis == "elemental"]
    if not elemental:
        return items
    out = list(items)
    inherited: dict[int, list[str]] = {}
    for i, item in enumerate(items):
        if item.basis == "elemental":
            continue
        owner = next(
            (j for j in elemental
             if set(items[j].forms) & set(item.forms) or items[j].forms == ("unknown",)),
            None,
        )  # fmt: skip
        if owner is None:
            continue
        warning = LabelWarning(
            "restated_amount",
            f"'{item.text}' restates magnesium already counted in '{items[owner].text}'; it "
            "is counted once.",
        )
        # The elemental line settles what the compound line's number is: no ambiguity left.
        kept = tuple(w for w in item.warnings if w.code != "ambiguous_basis")
        out[i] = _replace(item, counted=False, warnings=(*kept, warning))
        if items[owner].forms == ("unknown",) and item.forms != ("unknown",):
            inherited.setdefault(owner, []).extend(item.forms)
    for owner, forms in inherited.items():
        out[owner] = _replace(out[owner], forms=tuple(dict.fromkeys(forms)))
    return out


def _forms_from_ingredients(items: list[LabelItem], forms: list[str]) -> list[LabelItem]:
    """A UK/EU panel says "Magnesium 375 mg"; the ingredients list says which compound."""
    unnamed = [i for i, item in enumerate(items) if item.counted and item.forms == ("unknown",)]
    if len(unnamed) != 1:
        return items
    found = tuple(dict.fromkeys(forms))
    i = unnamed[0]
    warning = LabelWarning(
        "form_from_ingredients",
        f"The form ({', '.join(found)}) was taken from the ingredients list.",
    )
    out = list(items)
    out[i] = _replace(items[i], forms=found, warnings=(*items[i].warnings, warning))
    if "glycinate" in found and "oxide" in found:
        out[i] = _replace(out[i], warnings=(*out[i].warnings, _buffered_oxide_warning()))
    return out


def _replace(item: LabelItem, **changes: Any) -> LabelItem:
    from dataclasses import replace

    return replace(item, **changes)
