"""``plan(profile, knowledge) -> Plan``: the one pure function every surface calls.

No I/O, clock or randomness: the same profile and knowledge give the same plan, byte for
byte. Order of work: recognise medicines and conditions; run every safety rule; count
magnesium already taken; set the target within the upper limit; rank forms; titrate; place
the maintenance-day doses around medicines; attach evidence, follow-up, sources and the
disclaimer. Safety first: a stop reason sets the target to zero whatever else is true.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from magnerve.core.conditions import resolve_condition
from magnerve.core.dosing import doses_per_day, round_down, target_dose, titrate
from magnerve.core.findings import Findings
from magnerve.core.forms import rank_forms
from magnerve.core.intake import reference_intake, upper_limit
from magnerve.core.medications import resolve_medication
from magnerve.core.plan import (
    SEVERITY_ORDER,
    EvidenceItem,
    FollowUp,
    Plan,
    SourceRef,
    status_for,
)
from magnerve.core.profile import Profile
from magnerve.core.rules import SafetyFacts, assess
from magnerve.core.schedule import Separation, TimetableResult, build_timetable
from magnerve.errors import KnowledgeError, LabelError, ProfileError
from magnerve.knowledge import Knowledge

if TYPE_CHECKING:
    from magnerve.core.foods import FoodTable
    from magnerve.core.labels import LabelResult

__all__ = ["DISCLAIMER", "plan"]

DISCLAIMER = (
    "magnerve gives general information, not medical advice, and does not diagnose or treat "
    "any disease. The evidence that oral magnesium relieves nerve pain is limited. Check this "
    "plan with your doctor or pharmacist before starting, especially if you take medicines or "
    "have kidney or heart problems. Stop magnesium and get medical help for severe or "
    "persistent diarrhoea, muscle weakness, a slow or irregular heartbeat, confusion, or "
    "trouble breathing."
)

#: Reasons after which a serum magnesium (and kidney) blood test is advised before starting.
_LAB_REASONS = frozenset(
    {
        "kidney_impairment", "kidney_disease", "kidney_function_unknown", "hypomagnesemia",
        "mg_depleting_drug", "mg_retaining_drug", "digoxin", "digoxin_with_depleting_drug",
        "malabsorption", "low_magnesium_risk", "above_upper_limit_supervised",
        "magnesium_containing_medicine", "magnesium_medicine_older_adult", "serum_low_normal",
    }
)


def _current_supplements(
    profile: Profile, facts: SafetyFacts, knowledge: Knowledge, findings: Findings
) -> tuple[float, list[str]]:
    """Known elemental mg/day already taken, and descriptions of amounts that are unknown."""
    known = 0.0
    unknown: list[str] = list(facts.unknown_supplement)
    for index, supplement in enumerate(profile.current_supplements):
        if supplement.elemental_mg is not None:
            known += supplement.elemental_mg
            continue
        per_serving = None
        if supplement.label is not None:
            from magnerve.core.labels import parse_label  # label parsing only when needed
            from magnerve.core.product import label_readings

            try:
                label = parse_label(supplement.label, knowledge)
            except LabelError as exc:
                raise ProfileError(f"current_supplements[{index}].label", supplement.label,
                                   exc.expected, message=f"current_supplements[{index}].label: "
                                   f"{exc}") from None
            # An ambiguous label counts at its higher reading: understating magnesium
            # already taken could push the total past the upper limit.
            per_serving = label_readings(label)[1]
        if per_serving is not None:
            known += per_serving
            first = supplement.label.strip().splitlines()[0][:60] if supplement.label else ""
            findings.add("current_supplement_from_label", mg=f"{per_serving:g}", detail=first)
        else:
            described = "a magnesium supplement"
            if supplement.form is not None:
                described = knowledge.forms[supplement.form].name.lower()
            unknown.append(described)
    if unknown:
        findings.add("current_supplement_amount_unknown", detail=", ".join(unknown))
    if known > 0:
        findings.add("already_taking_magnesium", detail=f"{known:g} mg/day elemental")
    findings.rule("current_supplements", bool(known or unknown), f"{known:g} mg/day known",
                  known_mg=known, unknown=unknown)
    return known, unknown


def _evidence(facts: SafetyFacts, knowledge: Knowledge) -> tuple[EvidenceItem, ...]:
    ids = ["neuropathic_pain"]
    for concept in facts.concepts:
        evidence_id = knowledge.conditions[concept].evidence
        if evidence_id and evidence_id not in ids:
            ids.append(evidence_id)
    return tuple(
        EvidenceItem(
            condition=knowledge.evidence[i].condition,
            summary=knowledge.evidence[i].summary,
            grade=knowledge.evidence[i].grade,
            sources=knowledge.evidence[i].sources,
        )
        for i in ids
    )


def _follow_up(
    knowledge: Knowledge,
    findings: Findings,
    titration_end: int,
    start_mg: int,
    target_mg: int,
    form_name: str | None,
) -> tuple[FollowUp, ...]:
    policy = knowledge.dosing.follow_up
    codes = {r.code for r in findings.reasons}
    items: list[FollowUp] = []
    if target_mg <= 0:
        if findings.has_severity("stop"):
            action = ("Do not start magnesium supplements. Take this plan to your clinician and "
                      "discuss the reasons above.")
        else:
            action = ("This plan adds no magnesium supplement. Discuss the reasons above with "
                      "your clinician or pharmacist before taking any.")
        return (FollowUp(0, action),)
    items.append(
        FollowUp(0, f"Before day 1: score your pain (0-10) every day for at least "
                    f"{policy.baseline_days} days. This is your baseline for judging whether "
                    "magnesium helps.")
    )
    if codes & _LAB_REASONS:
        items.append(FollowUp(0, "Before day 1: ask for a blood test of serum magnesium (and "
                                 "eGFR if it is not known)."))
    items.append(FollowUp(1, f"Start {start_mg} mg/day elemental magnesium as {form_name}, with "
                             "food, and keep scoring pain and noting stools."))
    for weeks in sorted({*policy.review_weeks, policy.stop_rule_weeks}):
        if weeks == policy.stop_rule_weeks:
            action = (
                f"Stopping rule after {weeks} weeks at the target: if average pain is less "
                f"than {policy.meaningful_reduction_pct:g}% below your baseline, discuss "
                f"stopping magnesium with your clinician ({policy.meaningful_reduction_pct:g}% "
                "is the smallest change most people with chronic pain count as meaningful)."
            )
        else:
            action = (
                f"Review after {weeks} weeks at {target_mg} mg/day: compare average pain with "
                "your baseline; check for diarrhoea and other side effects."
            )
        items.append(FollowUp(titration_end + 7 * weeks, action))
    first = min(policy.review_weeks)
    if codes & {"kidney_impairment", "kidney_disease"}:
        months = policy.renal_lab_interval_months
        items.append(FollowUp(titration_end + 30 * months,
                              f"Serum magnesium and eGFR check; repeat every {months}-6 months "
                              "while taking magnesium with reduced kidney function."))
    elif codes & _LAB_REASONS:
        items.append(FollowUp(titration_end + 7 * first, "Repeat serum magnesium at the "
                                                         "4-week review."))
    return tuple(sorted(items, key=lambda f: f.day))


def _sources(knowledge: Knowledge, groups: Iterable[Iterable[str]]) -> tuple[SourceRef, ...]:
    ids = sorted({i for group in groups for i in group})
    return tuple(
        SourceRef(i, knowledge.sources[i].citation, knowledge.sources[i].url) for i in ids
    )


def _fit_timetable(
    profile: Profile,
    knowledge: Knowledge,
    findings: Findings,
    target_mg: int,
    form: str,
    separations: list[Separation],
) -> tuple[int, TimetableResult]:
    """Place the target's doses; with too few safe times, fewer (smaller) doses or none."""
    dosing = knowledge.dosing
    routine = profile.routine

    def attempt(mg: int, doses: int) -> TimetableResult:
        return build_timetable(
            mg, doses, form, separations, dosing, wake=routine.wake, sleep=routine.sleep,
            meals=tuple(routine.meals), prefer_evening=profile.sleep_problems,
        )

    doses = doses_per_day(target_mg, dosing)
    timetable = attempt(target_mg, doses)
    drugs = [s.drug for s in separations if s.times]
    findings.rule("timetable", target_mg > 0, "feasible" if timetable.feasible else "infeasible",
                  separations=drugs, doses=doses)
    if target_mg <= 0 or timetable.feasible:
        return target_mg, timetable
    per_dose = dosing.split.single_dose_max_mg
    for fewer in range(doses - 1, 0, -1):
        reduced = round_down(min(target_mg, fewer * per_dose), dosing.target.round_mg)
        smaller = attempt(reduced, fewer)
        if smaller.feasible:
            findings.add("dose_reduced_for_timetable", doses=fewer, drugs=", ".join(drugs),
                         target=reduced, per_dose=per_dose, wanted=target_mg)
            findings.rule("timetable.fewer_doses", True, f"{reduced} mg/day in {fewer} dose(s)",
                          wanted_mg=target_mg)
            return reduced, smaller
    findings.add("schedule_infeasible", drugs=", ".join(timetable.blocking or drugs))
    return 0, attempt(0, 0)


def plan(
    profile: Profile,
    knowledge: Knowledge,
    *,
    foods: FoodTable | None = None,
    product: LabelResult | None = None,
) -> Plan:
    """Make a safe, cited plan for ``profile``. Pure and deterministic.

    Args:
        foods: the USDA food table, needed when the profile has a ``diet`` (the plan then
            carries a ``ledger``); the caller loads it (no I/O here).
        product: a parsed supplement label; the plan then carries ``product``: units per dose
            and per day for each titration step, never above the step.
    """
    if profile.diet is not None and foods is None:
        raise KnowledgeError("A profile with a diet needs the food table: pass foods= "
                             "(magnerve.plan loads it for you).")
    findings = Findings(knowledge)
    medications = [
        resolved
        for med in profile.medications
        for resolved in resolve_medication(med.name, tuple(med.times), knowledge)
    ]
    conditions = [resolve_condition(text, knowledge) for text in profile.conditions]
    facts = assess(profile, knowledge, medications, conditions, findings)
    current_mg, unknown_supplements = _current_supplements(profile, facts, knowledge, findings)

    # Target within the upper limit.
    limit = upper_limit(knowledge, profile.jurisdiction, profile.age)
    state = "pregnant" if facts.pregnant else "breastfeeding" if facts.breastfeeding else "none"
    child_cap = None
    if profile.age < knowledge.threshold("adult_age"):
        child_cap = reference_intake(knowledge, profile.jurisdiction, profile.age, profile.sex,
                                     state).mg
    stop = findings.has_severity("stop")
    adult = profile.age >= knowledge.threshold("adult_age")
    # Supervision may lift an adult's target above the upper limit; never a child's.
    supervised = profile.clinician_supervised and adult
    target = target_dose(
        knowledge.dosing,
        upper_limit_mg=limit.mg,
        current_mg=current_mg,
        supervised=supervised,
        intake_cap_mg=child_cap,
    )
    # Magnesium in a medicine of unknown strength: no supplement on top (see_clinician).
    target_mg = 0 if stop or facts.magnesium_medicines else target.mg
    findings.rule("target", True, f"{target_mg} mg/day", upper_limit_mg=limit.mg,
                  limit_from=limit.jurisdiction, current_mg=current_mg, wanted_mg=target.wanted,
                  supervised=supervised, child_cap_mg=child_cap, stop=stop)
    if not stop and limit.mg is not None:
        if target.capped:
            findings.add("dose_capped_at_upper_limit", wanted=target.wanted, target=target.mg,
                         limit=limit.mg, jurisdiction=limit.jurisdiction, sources=limit.sources)
        if not supervised and current_mg >= limit.mg:
            findings.add("at_upper_limit_already", current=f"{current_mg:g}", limit=limit.mg,
                         sources=limit.sources)
        elif target.mg <= 0 and current_mg > 0:
            findings.add("current_supplements_meet_target", current=f"{current_mg:g}",
                         wanted=target.wanted)
        elif supervised and target.above_limit:
            findings.add("above_upper_limit_supervised", target=target.mg, limit=limit.mg,
                         jurisdiction=limit.jurisdiction)

    # Forms.
    forms, avoided = rank_forms(profile, facts.concepts, knowledge)
    findings.rule("forms", bool(forms), forms[0].form if forms else "none", avoided=avoided,
                  ranked=[f.form for f in forms[:5]])
    if not forms:
        findings.add("all_forms_avoided", detail=", ".join(avoided))
        target_mg = 0

    # Timetable before titration: the target may have to shrink to fit medicine times.
    separations = [
        Separation.from_hours(drug, times, before, after, separable)
        for drug, times, before, after, separable in facts.separations
    ]
    if target_mg > 0 and any(not s.separable for s in separations):
        target_mg = 0  # interaction_not_separable already explains why no dose is given
    target_mg, timetable = _fit_timetable(
        profile, knowledge, findings, target_mg, forms[0].form if forms else "unknown",
        separations,
    )
    recommended = forms[0].form if forms and target_mg > 0 else None

    sensitive = profile.gi_sensitive or profile.diarrhea_prone or "malabsorption" in facts.concepts
    titration = titrate(target_mg, knowledge.dosing, sensitive=sensitive)
    findings.rule("titration", bool(titration), f"{len(titration)} steps", sensitive=sensitive,
                  target_mg=target_mg)
    final_doses = doses_per_day(target_mg, knowledge.dosing)
    pills = profile.preferences.max_pills_per_day
    if pills is not None and final_doses > pills:
        findings.add("pill_limit_conflict", limit=pills, doses=final_doses, target=target_mg)

    evidence = _evidence(facts, knowledge)
    form_name = knowledge.forms[recommended].name if recommended else None
    follow_up = _follow_up(
        knowledge, findings, titration[-1].day if titration else 1,
        titration[0].elemental_mg_per_day if titration else 0, target_mg, form_name,
    )
    reasons = tuple(sorted(findings.reasons, key=lambda r: -SEVERITY_ORDER[r.severity]))
    status = status_for([r.severity for r in reasons])
    sources = _sources(
        knowledge,
        [
            *(r.sources for r in reasons),
            *(f.sources for f in forms),
            *(i.sources for i in facts.interactions),
            *(e.sources for e in evidence),
            limit.sources,
            knowledge.dosing.target.sources,
            knowledge.dosing.titration.sources,
            knowledge.dosing.split.sources,
            knowledge.dosing.follow_up.sources,
        ],
    )
    assumptions = list(timetable.assumptions) if timetable.doses else []
    if limit.note:
        assumptions.append(limit.note)
    if unknown_supplements:
        assumptions.append("Current supplements of unknown strength are assumed to be stopped "
                           "and replaced by this plan.")
    extras: dict[str, Any] = {}
    if profile.diet is not None and foods is not None:
        from magnerve.core.diet import estimate_diet
        from magnerve.core.ledger import build_ledger

        reference = reference_intake(knowledge, profile.jurisdiction, profile.age, profile.sex,
                                     state)
        extras["ledger"] = build_ledger(
            estimate_diet(profile.diet.model_dump(exclude_defaults=True), foods),
            foods,
            current_supplement_mg=current_mg,
            planned_supplement_mg=target_mg,
            reference=reference,
            reference_kind=knowledge.jurisdictions[reference.jurisdiction].reference_kind,
            upper_limit=limit,
            supervised=supervised,
        )
        sources = _sources(knowledge, [[s.id for s in sources], extras["ledger"]["sources"]])
    if product is not None:
        from magnerve.core.product import product_plan

        extras["product"] = product_plan(
            product, titration, single_dose_max_mg=knowledge.dosing.split.single_dose_max_mg
        )
    return Plan(
        status=status,
        reasons=reasons,
        daily_target_mg=target_mg,
        upper_limit_mg=limit.mg,
        recommended_form=recommended,
        forms=tuple(forms),
        titration=tuple(titration),
        schedule=timetable.doses,
        interactions=tuple(facts.interactions),
        evidence=evidence,
        follow_up=follow_up,
        sources=sources,
        disclaimer=DISCLAIMER,
        jurisdiction=profile.jurisdiction,
        assumptions=tuple(assumptions),
        current_supplement_mg=current_mg,
        trace=tuple(findings.trace),
        extras=extras,
    )
