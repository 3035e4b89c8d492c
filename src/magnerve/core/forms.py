"""Rank magnesium forms for a person, with the reasons behind every point.

Scoring is deliberately simple and visible (the points live in dosing.toml [ranking]):
absorption, laxative tendency, indications that match the person (constipation, sleep,
anxiety, widespread pain with fatigue, central pain), budget and pill burden. Forms that
cannot be an oral recommendation (sulfate, a form without a stated stoichiometry, "unknown")
and forms the person asked to avoid are not ranked. Ties keep design.md 3.4 order.
"""

from __future__ import annotations

from magnerve.core.plan import RankedForm
from magnerve.core.profile import Profile
from magnerve.knowledge import Knowledge

__all__ = ["indications", "rank_forms"]

_ABSORPTION_TEXT = {
    "good": "well absorbed",
    "moderate": "absorbed moderately well",
    "unknown": "absorption not measured in people",
    "poor": "poorly absorbed",
}


def indications(profile: Profile, concepts: dict[str, str], knowledge: Knowledge) -> set[str]:
    """Which ranking indications (dosing.toml `when`) apply to this person."""
    found: set[str] = set()
    if profile.constipation:
        found.add("constipation")
    if profile.sleep_problems:
        found.add("sleep_problems")
    if profile.anxiety:
        found.add("anxiety")
    patterns = {knowledge.conditions[c].pattern for c in concepts}
    if profile.pain is not None and profile.pain.pattern is not None:
        patterns.add(profile.pain.pattern)
    if "fibromyalgia" in concepts or ("widespread" in patterns and profile.fatigue):
        found.add("widespread_fatigue")
    if "central" in patterns:
        found.add("central")
    return found


def rank_forms(
    profile: Profile, concepts: dict[str, str], knowledge: Knowledge
) -> tuple[list[RankedForm], list[str]]:
    """Ranked oral forms (best first) and the ids excluded by the person's preferences."""
    policy = knowledge.dosing.ranking
    sensitive = profile.gi_sensitive or profile.diarrhea_prone or "malabsorption" in concepts
    matched = indications(profile, concepts, knowledge)
    avoid = set(profile.preferences.avoid_forms)
    pills = profile.preferences.max_pills_per_day
    ranked: list[tuple[int, int, RankedForm]] = []
    avoided: list[str] = []
    for order, form in enumerate(knowledge.forms.values()):
        fraction = form.elemental_fraction
        if not form.oral or fraction is None:
            continue
        if form.id in avoid:
            avoided.append(form.id)
            continue
        score = policy.absorption[form.absorption.rating]
        reasons = [f"{_ABSORPTION_TEXT[form.absorption.rating].capitalize()} "
                   f"({form.absorption.summary})"]
        sources = list(form.absorption.sources)
        if form.gi.rating == "high" and "constipation" not in matched:
            score += policy.gi_high
            reasons.append(f"Laxative effect: {form.gi.summary}")
            sources += form.gi.sources
        if sensitive and form.gi.osmotic:
            score += policy.gi_sensitive_osmotic
            if form.gi.rating == "high":
                score += policy.gi_sensitive_high
            reasons.append("Osmotic salt: avoided with a sensitive gut or diarrhoea.")
            sources += form.gi.sources
        for indication in policy.indication:
            if indication.form == form.id and indication.when in matched:
                score += indication.points
                reasons.append(indication.reason)
                sources += indication.sources
        if profile.preferences.budget == "low":
            cost = policy.budget_low[form.cost_tier]
            if cost:
                score += cost
                reasons.append(f"Retail price is {form.cost_tier}; you asked for a low budget.")
        if pills is not None and pills <= 2 and fraction < policy.low_fraction:
            score += policy.low_fraction_points
            reasons.append(
                f"Only {fraction:.1%} magnesium by weight: needs large or many capsules."
            )
        if form.id == "oxide":
            reasons.append("Cheap and dense, but little of it is absorbed.")
        sources += form.sources
        ranked.append(
            (
                -score,
                order,
                RankedForm(
                    form=form.id,
                    name=form.name,
                    score=score,
                    reasons=tuple(reasons),
                    elemental_fraction=fraction,
                    sources=tuple(dict.fromkeys(sources)),
                ),
            )
        )
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in ranked], avoided
