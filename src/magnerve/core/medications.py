"""Resolve medicine names as people write them to generic drugs in the knowledge base.

"Doxycycline Hyclate 100 mg tablets", "Cipro", "Triumeq" and "furosemide/amiloride" all
resolve; anything else stays unrecognised. There is deliberately no fuzzy matching here: a
near miss ("hydralazine" vs "hydroxyzine") could attach the wrong rule and hide a real
interaction, so typos become `unrecognized_medication` with a "did you mean" suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import permutations

from magnerve.core.text import normalize, suggest
from magnerve.knowledge import DrugEntry, Knowledge

__all__ = ["ResolvedMedication", "magnesium_form", "resolve_medication"]

#: Words about dose form or strength, never part of a generic name.
_FORMULATION = frozenset(
    """tablet tablets tab tabs capsule capsules cap caps caplet caplets er xr sr xl cr la dr ec
    ir mr oral solution suspension liquid syrup injection injectable po daily bid tid qid od bd
    tds qds once twice nightly prn mg mcg ug ml g iu unit units dose chewable dispersible
    film coated modified release extended delayed sustained controlled generic brand
    retard depot patch patches""".split()
)
#: Salt and hydrate words a label may add to a generic name.
_SALTS = frozenset(
    """hyclate hydrochloride hcl sodium disodium potassium monohydrate dihydrate trihydrate
    hemihydrate sulfate sulphate phosphate mesylate mesilate besylate besilate maleate tartrate
    succinate acetate fumarate olamine calcium magnesium bromide hydrobromide citrate
    gluconate lactate""".split()
)
_STRENGTH = re.compile(r"^\d+(?:\.\d+)?(?:mg|mcg|ug|g|ml|iu|%)?$")
_SPLIT = re.compile(r"\s*(?:/|\+|&|,|\band\b|\bwith\b)\s*")


@dataclass(frozen=True, slots=True)
class ResolvedMedication:
    """One named medicine (or one component of a combination) and what it resolved to."""

    given: str
    times: tuple[int, ...]
    entries: tuple[DrugEntry, ...]
    suggestion: str | None = None

    @property
    def recognised(self) -> bool:
        return bool(self.entries)


def _lookup(key: str, knowledge: Knowledge) -> tuple[str, ...] | None:
    return knowledge.drug_names.get(key)


def _strip(words: list[str], drop: frozenset[str]) -> list[str]:
    return [w for w in words if w not in drop and not _STRENGTH.match(w)]


def _resolve_one(text: str, knowledge: Knowledge) -> tuple[str, ...] | None:
    key = normalize(text)
    found = _lookup(key, knowledge)
    if found:
        return found
    words = _strip(key.split(), _FORMULATION)
    found = _lookup(" ".join(words), knowledge)
    if found:
        return found
    bare = _strip(words, _SALTS)
    if bare and bare != words:
        return _lookup(" ".join(bare), knowledge)
    return None


def resolve_medication(
    name: str, times: tuple[int, ...], knowledge: Knowledge
) -> list[ResolvedMedication]:
    """Resolve one medicine name; a combination written "a/b" resolves part by part.

    Returns one ResolvedMedication for a single drug or a known combination product, or one
    per component when the name joins several generics. Unknown names (or components) come
    back with no entries and, when something is close, a suggestion.
    """
    ids = _resolve_one(name, knowledge)
    if ids:
        return [ResolvedMedication(name, times, tuple(knowledge.drugs[i] for i in ids))]
    parts = [p for p in _SPLIT.split(name) if p.strip()]
    if 1 < len(parts) <= 4:
        # A combination written in another order ("rilpivirine/dolutegravir") is still the
        # combination product, with its own rule.
        for order in permutations(parts):
            ids = _resolve_one(" ".join(order), knowledge)
            if ids:
                return [ResolvedMedication(name, times, tuple(knowledge.drugs[i] for i in ids))]
    if len(parts) > 1:
        out: list[ResolvedMedication] = []
        for part in parts:
            part_ids = _resolve_one(part, knowledge)
            if part_ids:
                out.append(
                    ResolvedMedication(name, times, tuple(knowledge.drugs[i] for i in part_ids))
                )
            else:
                out.append(ResolvedMedication(part.strip(), times, (), _suggest(part, knowledge)))
        return out
    return [ResolvedMedication(name, times, (), _suggest(name, knowledge))]


def _suggest(name: str, knowledge: Knowledge) -> str | None:
    words = _strip(normalize(name).split(), _FORMULATION)
    return suggest(" ".join(words), knowledge.drug_names, cutoff=85)


def magnesium_form(name: str, knowledge: Knowledge) -> str | None:
    """The form id when a "medicine" is really a magnesium supplement ("Mag glycinate 400mg")."""
    words = _strip(normalize(name).split(), _FORMULATION)
    return knowledge.form_names.get(" ".join(words)) if words else None
