"""Text helpers shared by every name lookup: normalising and suggesting.

Names arrive as people type them ("Crohn's", "Doxycycline Hyclate 100mg", "CKD-4"). One
normaliser makes every index (drugs, conditions, forms, foods, profile keys) agree on what
"the same name" means, and one suggester gives every "did you mean" the same behaviour.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into single spaces.

    >>> normalize("  Crohn's   Disease ")
    'crohn s disease'
    >>> normalize("Köseoglu/CKD-4")
    'koseoglu ckd 4'
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return _NON_WORD.sub(" ", folded).strip()


def suggest(word: str, choices: Iterable[str], *, cutoff: float = 70.0) -> str | None:
    """The closest choice to ``word``, or None when nothing is close enough.

    Used only to *suggest* ("did you mean"), never to silently substitute a different name
    for a medicine or a condition: a wrong guess there could hide an interaction.
    """
    options = list(choices)
    if not word or not options:
        return None
    found = process.extractOne(word, options, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return None if found is None else str(found[0])


def forbidden_character(value: str, allowed: str = "\t") -> str | None:
    """The first character free text must not hold, or None when it is clean.

    Refused: a lone surrogate (text that was not valid UTF-8, or a JSON "\\ud800" escape)
    and C0/C1 control characters other than ``allowed`` (escape and bell, printed raw, drive
    the terminal). Profiles and journal entries share this one rule.
    """
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs" or (category == "Cc" and char not in allowed):
            return char
    return None
