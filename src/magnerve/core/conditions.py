"""Normalise conditions (free text, ICD-10, SNOMED CT) to the knowledge base's concepts.

"CKD stage 3b", "stage 4 chronic kidney disease", "ICD10:N18.4", "SNOMED:431857002" and
"type 2 diabetes with painful neuropathy" all become concept ids. Text matching is by whole
words, longest phrase first; an entry that matches nothing is reported as unrecognised so
the planner can fail closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from magnerve.core.text import normalize
from magnerve.knowledge import Knowledge

__all__ = ["ConditionMatch", "resolve_condition"]

_CODE = re.compile(
    r"^\s*(?P<system>icd[\s-]*10(?:[\s-]*cm)?|snomed(?:[\s-]*ct)?|sct)\s*[:\s]\s*(?P<code>\S+)\s*$",
    re.IGNORECASE,
)
_BARE_ICD = re.compile(r"^\s*([A-TV-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?)\s*$", re.IGNORECASE)
_BARE_SNOMED = re.compile(r"^\s*(\d{6,18})\s*$")
_STAGE = re.compile(
    r"\b(?:stage|g|grade|ckd|kidney disease|renal disease)\s*"
    r"(?P<stage>[1-5]|iv|v|iii|ii|i)\s*(?P<sub>a|b)?(?:\s*a\s*[1-3])?\s*(?P<d>d)?\b"
)
#: "CKD4", "G4A2", "G5D": glue a stage to its prefix the way people write it.
_GLUED_STAGE = re.compile(r"\b(ckd|g)([1-5])(?=[abd]?\b|a[1-3])")
#: Words that may surround a recognised condition without changing its meaning. Any other
#: word left over is reported, so "neuropathy secondary to ESRF" never passes as neuropathy.
_FILLER = frozenset(
    """a an and the of with without in on to due secondary from since for at by or
    type stage grade chronic acute painful pain mild moderate severe mild-moderate
    idiopathic primary history hx known suspected probable possible longstanding long
    standing recent new old controlled uncontrolled well poorly diagnosed dx treated
    left right both bilateral lower upper feet foot hands hand legs leg arms arm
    toes fingers back neck face side sided peripheral
    1st 2nd 3rd first second third degree relapsing remitting progressive
    nos unspecified related associated induced complicated complications
    disease disorder syndrome condition problem problems issue issues
    i ii iii iv v a b d g""".split()
)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_MAX_TERM_WORDS = 6


@dataclass(frozen=True, slots=True)
class ConditionMatch:
    """What one condition entry resolved to (empty ``concepts`` means unrecognised)."""

    given: str
    concepts: tuple[str, ...]
    stage: str | None = None
    #: words of a free-text entry that matched no concept (reported, never ignored)
    unexplained: str | None = None


def _icd_key(code: str) -> str:
    code = code.strip().upper().replace(" ", "")
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def _match_icd(code: str, knowledge: Knowledge) -> list[str]:
    key = _icd_key(code)
    best: tuple[int, str] | None = None
    for cond in knowledge.conditions.values():
        for prefix in cond.icd10:
            if key.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), cond.id)
    return [best[1]] if best else []


def _match_snomed(code: str, knowledge: Knowledge) -> list[str]:
    return [c.id for c in knowledge.conditions.values() if code.strip() in c.snomed]


def _words(text: str) -> list[str]:
    return _GLUED_STAGE.sub(r"\1 \2", normalize(text)).split()


def _match_text(text: str, knowledge: Knowledge) -> tuple[list[str], list[str]]:
    """Concepts named in free text (longest phrase first) and the words left unexplained."""
    words = _words(text)
    found: list[str] = []
    leftover: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_MAX_TERM_WORDS, len(words) - i), 0, -1):
            concept = knowledge.condition_terms.get(" ".join(words[i : i + n]))
            if concept is not None:
                found.append(concept)
                i += n
                break
        else:
            word = words[i]
            if word not in _FILLER and not word.isdigit() and not re.fullmatch(
                r"[1-5][ab]?(?:a[1-3])?d?|a[1-3]|(?:19|20)\d\d", word
            ):
                leftover.append(word)
            i += 1
    return found, leftover


def _stage(text: str) -> tuple[str | None, bool]:
    """The CKD stage named in the text ("3b"), and whether KDIGO's "D" (dialysis) follows."""
    match = _STAGE.search(" ".join(_words(text)))
    if not match:
        return None, False
    stage = match["stage"]
    return _ROMAN.get(stage, stage) + (match["sub"] or ""), match["d"] is not None


def _with_implied(concepts: list[str], knowledge: Knowledge) -> tuple[str, ...]:
    out: list[str] = []
    pending = list(concepts)
    while pending:
        concept = pending.pop(0)
        if concept not in out:
            out.append(concept)
            pending.extend(knowledge.conditions[concept].implies)
    return tuple(out)


def resolve_condition(text: str, knowledge: Knowledge) -> ConditionMatch:
    """Resolve one condition entry (text or code) to concept ids, with a CKD stage if any."""
    stage: str | None = None
    leftover: list[str] = []
    coded = _CODE.match(text)
    if coded:
        system = coded["system"].lower()
        concepts = (
            _match_icd(coded["code"], knowledge)
            if system.startswith("icd")
            else _match_snomed(coded["code"], knowledge)
        )
    elif _BARE_SNOMED.match(text):
        concepts = _match_snomed(text, knowledge)
    elif _BARE_ICD.match(text) and not knowledge.condition_terms.get(normalize(text)):
        concepts = _match_icd(text, knowledge)
    else:
        concepts, leftover = _match_text(text, knowledge)
        for cond in knowledge.conditions.values():
            if cond.when_together and cond.id not in concepts and all(
                c in concepts for c in cond.when_together
            ):
                concepts.append(cond.id)
        if any(knowledge.conditions[c].staged for c in concepts):
            stage, dialysis = _stage(text)
            if stage is not None:
                concepts.append(f"ckd{stage[0]}")
            if dialysis:
                concepts.append("dialysis")
    for concept in concepts:
        if concept.startswith("ckd") and concept[3:].isdigit():
            stage = stage or concept[3:]
    unexplained = " ".join(leftover) if concepts and leftover else None
    return ConditionMatch(text, _with_implied(concepts, knowledge), stage, unexplained)
