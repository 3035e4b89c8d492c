"""Safety rules: contraindications, cautions and who should see a clinician first.

Each rule reads the profile (and the resolved medicines and conditions), raises reason codes
from safety.toml, and records what it looked at in the trace. Rules only ever *add*
reasons; nothing here can make a plan safer than the worst reason found, and unknown input
(a medicine or condition magnerve does not know, a missing kidney value where it matters)
raises a reason rather than passing silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from magnerve.core.conditions import ConditionMatch
from magnerve.core.findings import Findings
from magnerve.core.medications import ResolvedMedication, magnesium_form
from magnerve.core.plan import InteractionFinding
from magnerve.core.profile import Profile
from magnerve.core.text import normalize
from magnerve.core.units import format_clock
from magnerve.knowledge import Knowledge

__all__ = ["SafetyFacts", "assess"]


@dataclass
class SafetyFacts:
    """What the rules established that later planning steps need."""

    concepts: dict[str, str] = field(default_factory=dict)  # concept id -> text that named it
    interactions: list[InteractionFinding] = field(default_factory=list)
    #: (display label, times, drug_then_mg_h, mg_then_drug_h, separable) for the timetable
    separations: list[tuple[str, tuple[int, ...], float, float, bool]] = field(
        default_factory=list
    )
    depleting_drugs: list[str] = field(default_factory=list)
    retaining_drugs: list[str] = field(default_factory=list)
    magnesium_medicines: list[str] = field(default_factory=list)
    unknown_supplement: list[str] = field(default_factory=list)
    pregnant: bool = False
    breastfeeding: bool = False


def assess(
    profile: Profile,
    knowledge: Knowledge,
    medications: list[ResolvedMedication],
    conditions: list[ConditionMatch],
    findings: Findings,
) -> SafetyFacts:
    """Run every safety rule; return the facts later steps need."""
    facts = SafetyFacts()
    _conditions(conditions, knowledge, findings, facts)
    facts.pregnant = profile.pregnant or "pregnancy" in facts.concepts
    facts.breastfeeding = profile.breastfeeding or "breastfeeding" in facts.concepts
    _medications(profile, medications, knowledge, findings, facts)
    _kidney(profile, knowledge, findings, facts)
    _serum(profile, knowledge, findings, facts)
    _cardiac_and_neuromuscular(findings, facts)
    _life_stage(profile, knowledge, findings, facts)
    _gut(profile, findings, facts)
    return facts


def _conditions(
    conditions: list[ConditionMatch], knowledge: Knowledge, findings: Findings,
    facts: SafetyFacts,
) -> None:
    for match in conditions:
        if not match.concepts:
            findings.add("unrecognized_condition", condition=match.given)
            findings.rule("conditions.recognise", True, "unrecognised", condition=match.given)
            continue
        for concept in match.concepts:
            facts.concepts.setdefault(concept, match.given)
        findings.rule("conditions.recognise", match.unexplained is not None,
                      "partly recognised" if match.unexplained else "recognised",
                      condition=match.given, concepts=list(match.concepts), stage=match.stage,
                      unexplained=match.unexplained)
        if match.unexplained is not None:
            findings.add("condition_partly_recognized", condition=match.given,
                         unexplained=match.unexplained)
        for concept in match.concepts:
            reason = knowledge.conditions[concept].reason
            if reason is not None:
                findings.add(reason, detail=match.given,
                             sources=knowledge.conditions[concept].sources)


def _medications(
    profile: Profile,
    medications: list[ResolvedMedication],
    knowledge: Knowledge,
    findings: Findings,
    facts: SafetyFacts,
) -> None:
    seen: set[tuple[str, str, tuple[int, ...]]] = set()
    for med in medications:
        if not med.recognised:
            if magnesium_form(med.given, knowledge) is not None:
                facts.unknown_supplement.append(med.given)
                findings.rule("medications.magnesium_supplement", True,
                              "a magnesium supplement listed as a medicine", medication=med.given)
                continue
            hint = f" (did you mean '{med.suggestion}'?)" if med.suggestion else ""
            findings.add("unrecognized_medication", medication=med.given, suggestion=hint)
            findings.rule("medications.recognise", True, "unrecognised", medication=med.given,
                          suggestion=med.suggestion)
            continue
        for entry in med.entries:
            drug, rule = entry.drug, entry.interaction
            # The same medicine listed twice (e.g. different times) keeps every entry.
            if (med.given, drug.id, med.times) in seen:
                continue
            seen.add((med.given, drug.id, med.times))
            times = tuple(format_clock(t) for t in med.times)
            named = (drug.name if normalize(drug.name) == normalize(med.given)
                     else f"{drug.name} ({med.given})")
            findings.rule("medications.interaction", rule.effect != "none", rule.id,
                          medication=med.given, drug=drug.id, times=list(times))
            findings.add(rule.reason, drug_named=named, management=rule.management,
                         sources=rule.sources)
            if rule.effect == "none" or rule.severity == "none":
                continue
            facts.interactions.append(
                InteractionFinding(
                    medication=med.given,
                    drug=drug.id,
                    drug_class=rule.drug_class,
                    severity=rule.severity,
                    effect=rule.effect,
                    management=rule.management,
                    drug_then_mg_h=rule.drug_then_mg_h,
                    mg_then_drug_h=rule.mg_then_drug_h,
                    sources=rule.sources,
                    times=times,
                )
            )
            if rule.reason == "mg_depleting_drug":
                facts.depleting_drugs.append(drug.name)
            if rule.effect == "retention":
                facts.retaining_drugs.append(drug.name)
            if rule.reason == "magnesium_containing_medicine":
                facts.magnesium_medicines.append(drug.name)
            if rule.needs_separation:
                if med.times:
                    facts.separations.append(
                        (drug.name, med.times, rule.drug_then_mg_h or 0.0,
                         rule.mg_then_drug_h or 0.0, rule.separable)
                    )
                elif rule.separable:
                    findings.add("medication_time_unknown", drug_named=named,
                                 management=rule.management, sources=rule.sources)
                else:
                    facts.separations.append((drug.name, (), 0.0, 0.0, False))
    digoxin = any(i.drug == "digoxin" for i in facts.interactions)
    fired = digoxin and bool(facts.depleting_drugs)
    findings.rule("medications.digoxin_with_depleting", fired, "see clinician" if fired else "-",
                  digoxin=digoxin, depleting=facts.depleting_drugs)
    if fired:
        findings.add("digoxin_with_depleting_drug", drugs=", ".join(facts.depleting_drugs))
    older = profile.age >= knowledge.threshold("older_adult_age")
    if facts.magnesium_medicines and older:
        findings.add("magnesium_medicine_older_adult", age=profile.age,
                     drugs=", ".join(facts.magnesium_medicines))


def _kidney(
    profile: Profile, knowledge: Knowledge, findings: Findings, facts: SafetyFacts
) -> None:
    fail_below = knowledge.threshold("kidney_failure_below")
    impaired_below = knowledge.threshold("kidney_impairment_below")
    values = [
        (value, label)
        for value, label in (
            (profile.egfr, "eGFR"),
            (profile.creatinine_clearance, "creatinine clearance"),
        )
        if value is not None
    ]
    # Creatinine clearance stands in for eGFR when eGFR is missing; when both are given the
    # worse one decides (fail closed).
    concepts = facts.concepts
    stage = next((c[3] for c in ("ckd5", "ckd4", "ckd3", "ckd2", "ckd1") if c in concepts), None)
    inputs = {"egfr": profile.egfr, "creatinine_clearance": profile.creatinine_clearance,
              "dialysis": profile.dialysis, "ckd_stage": stage,
              "kidney_conditions": [c for c in concepts if c in _KIDNEY_CONCEPTS]}

    def unit(label: str) -> str:
        return "mL/min/1.73 m²" if label == "eGFR" else "mL/min"

    failing = [(v, lab) for v, lab in values if v < fail_below]
    impaired = [(v, lab) for v, lab in values if fail_below <= v < impaired_below]
    if profile.dialysis or "dialysis" in concepts:
        detail = "dialysis"
    elif failing:
        detail = f"{failing[0][1]} {failing[0][0]:g} {unit(failing[0][1])}, below {fail_below:g}"
    elif "esrd" in concepts:
        detail = concepts["esrd"]
    elif stage in ("4", "5"):
        detail = f"CKD stage {stage}"
    else:
        detail = ""
    if detail:
        findings.add("kidney_failure", detail=detail)
        findings.rule("kidney", True, "kidney_failure", **inputs)
        return
    if impaired:
        value, label = impaired[0]
        detail = f"{label} {value:g} {unit(label)}, below {impaired_below:g}"
    elif stage == "3":
        detail = "CKD stage 3"
    elif "aki" in concepts:
        detail = concepts["aki"]
    elif "ckd" in concepts and stage is None and not values:
        detail = f"{concepts['ckd']}, stage and eGFR not given"
    if detail:
        findings.add("kidney_impairment", detail=detail)
        findings.rule("kidney", True, "kidney_impairment", **inputs)
        return
    if "ckd" in concepts:
        findings.add("kidney_disease", detail=concepts["ckd"])
        findings.rule("kidney", True, "kidney_disease", **inputs)
        return
    if values:
        findings.rule("kidney", False, "kidney function adequate", **inputs)
        return
    why = []
    if profile.age >= knowledge.threshold("older_adult_age"):
        why.append(f"you are {profile.age}")
    if "diabetes" in concepts:
        why.append("diabetes can affect the kidneys")
    if facts.retaining_drugs:
        why.append(f"{', '.join(facts.retaining_drugs)} keeps magnesium in the body")
    if facts.depleting_drugs:
        why.append(f"{', '.join(facts.depleting_drugs)} affects magnesium balance")
    if profile.clinician_supervised:
        why.append("the target may exceed the upper limit")
    if why:
        findings.add("kidney_function_unknown", detail="; ".join(why))
        findings.rule("kidney", True, "kidney_function_unknown", reasons=why, **inputs)
    else:
        findings.add("kidney_function_not_given")
        findings.rule("kidney", True, "kidney_function_not_given", **inputs)


_KIDNEY_CONCEPTS = frozenset(
    {"ckd", "ckd1", "ckd2", "ckd3", "ckd4", "ckd5", "esrd", "dialysis", "aki",
     "diabetic_nephropathy"}
)


def _serum(
    profile: Profile, knowledge: Knowledge, findings: Findings, facts: SafetyFacts
) -> None:
    serum = profile.serum_magnesium
    if serum is None:
        findings.rule("serum_magnesium", False, "not given", serum_magnesium=None)
        return
    shown = str(serum) if serum.unit == "mmol/L" else f"{serum} = {serum.mmol_l:.2f} mmol/L"
    inputs = {"serum_magnesium": str(serum), "mmol_l": round(serum.mmol_l, 3)}

    def cut(name: str) -> tuple[float, float, str]:
        """(value to compare, threshold, unit): in the reported unit when published in it."""
        threshold = knowledge.thresholds[name]
        published = threshold.in_unit(serum.unit)
        if published is not None:
            return serum.value, published, serum.unit
        return serum.mmol_l, threshold.value, threshold.unit

    value, high, unit = cut("serum_high_mmol_l")
    if value > high:
        findings.add("hypermagnesemia", detail=f"{shown}, above {high:g} {unit}")
        findings.rule("serum_magnesium", True, "hypermagnesemia", **inputs)
        return
    value, low, unit = cut("serum_low_mmol_l")
    if value < low:
        findings.add("hypomagnesemia", detail=f"{shown}, below {low:g} {unit}")
        findings.rule("serum_magnesium", True, "hypomagnesemia", **inputs)
        return
    value, optimal, _ = cut("serum_optimal_low_mmol_l")
    if value < optimal:
        findings.add("serum_low_normal", detail=shown)
        findings.rule("serum_magnesium", True, "serum_low_normal", **inputs)
    else:
        findings.rule("serum_magnesium", False, "in range", **inputs)


def _cardiac_and_neuromuscular(findings: Findings, facts: SafetyFacts) -> None:
    heart = facts.concepts.get("heart_block")
    findings.rule("cardiac_conduction", heart is not None, "stop" if heart else "-",
                  condition=heart)
    if heart is not None:
        findings.add("cardiac_conduction", detail=heart)
    mg = facts.concepts.get("myasthenia_gravis")
    findings.rule("myasthenia_gravis", mg is not None, "see clinician" if mg else "-",
                  condition=mg)
    if mg is not None:
        findings.add("myasthenia_gravis")


def _life_stage(
    profile: Profile, knowledge: Knowledge, findings: Findings, facts: SafetyFacts
) -> None:
    findings.rule("pregnancy", facts.pregnant, "see clinician" if facts.pregnant else "-",
                  pregnant=profile.pregnant)
    if facts.pregnant:
        findings.add("pregnancy")
    if facts.breastfeeding:
        findings.add("breastfeeding")
    if profile.age < 1:
        findings.add("infant")
        findings.rule("age", True, "infant", age=profile.age)
    elif profile.age < knowledge.threshold("adult_age"):
        from magnerve.core.intake import upper_limit

        limit = upper_limit(knowledge, profile.jurisdiction, profile.age)
        findings.add("minor", age=profile.age, limit=limit.mg)
        findings.rule("age", True, "minor", age=profile.age)
    else:
        findings.rule("age", False, "adult", age=profile.age)


def _gut(profile: Profile, findings: Findings, facts: SafetyFacts) -> None:
    malabsorption = facts.concepts.get("malabsorption")
    findings.rule("malabsorption", malabsorption is not None, "caution" if malabsorption else "-",
                  condition=malabsorption)
    if malabsorption is not None:
        findings.add("malabsorption", detail=malabsorption)
    if profile.diarrhea_prone:
        findings.add("diarrhea_prone")
    findings.rule("diarrhea_prone", profile.diarrhea_prone, "slower titration"
                  if profile.diarrhea_prone else "-", diarrhea_prone=profile.diarrhea_prone)
