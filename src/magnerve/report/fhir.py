"""The journal as a FHIR R4 Bundle (type "collection") for a clinic's record.

Resources are built as plain dicts (the JSON a server receives) and validated in the tests
with ``fhir.resources.R4B``, so this module needs no FHIR library at run time. Choices:

- **Patient** is minimal on purpose: an id (a UUID derived from the journal, stable across
  exports so a clinic can match repeated uploads) and the sex given in the profile. No name,
  birth date or identifier leaves the person's machine unless they add it.
- **MedicationStatement** per dose step (from the review's dose history): the amount is
  *elemental* magnesium, said in the dosage text and per-dose ``doseQuantity`` (UCUM mg).
  The medication is described in text (the form's name); no RxNorm/SNOMED product code is
  claimed, because supplements rarely have one that matches the product actually taken.
- **Observation** per pain score: LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating
  [Score] - Reported", ``valueQuantity`` in UCUM ``{score}``, ``effectiveDateTime`` with the
  offset the person logged in.
- **Observation** per GI entry: Bristol stool form as ``valueInteger`` (text-coded; no
  verified LOINC code was found) and components for diarrhoea (SNOMED CT 62315008),
  nausea and cramps as booleans.

Ids are UUIDv5 values derived from the journal's entry ids, so the same journal always gives
the same Bundle (good for tests, and for de-duplication at the receiving end).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from magnerve.core.entries import Entry

if TYPE_CHECKING:
    from magnerve.core.review import Review
    from magnerve.knowledge import Knowledge

__all__ = ["LOINC_PAIN", "build_bundle"]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOINC_PAIN = "72514-3"
SNOMED_DIARRHOEA = "62315008"
_NAMESPACE = uuid.UUID("6f1c4bd2-58a4-4d0a-9f55-6d61676e6572")  # magnerve's own namespace


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _survey() -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey",
                         "display": "Survey"}]}]


def patient_key(review: Review, entries: Iterable[Entry]) -> str:
    """A stable key for the person: the oldest entry id, else the plan's creation time."""
    oldest = min(entries, key=lambda e: (e.at, e.id), default=None)
    return oldest.id if oldest is not None else f"plan-{review.plan_version}"


def _medication_statements(
    review: Review, knowledge: Knowledge, patient_ref: str, key: str
) -> list[dict[str, Any]]:
    form_id = review.form or review.plan.get("recommended_form")
    form_name = (knowledge.forms[form_id].name if isinstance(form_id, str)
                 and form_id in knowledge.forms else "Magnesium supplement")
    medication = {"text": f"{form_name} (dose as elemental magnesium)"}
    out: list[dict[str, Any]] = []
    segments = [s for s in review.segments if s.elemental_mg_per_day > 0]
    if not segments and not review.started and review.step.elemental_mg_per_day > 0:
        step = review.step
        out.append({
            "resourceType": "MedicationStatement",
            "id": _uuid(key, "medication", "intended"),
            "status": "intended",
            "medicationCodeableConcept": medication,
            "subject": {"reference": patient_ref},
            "dateAsserted": _instant(review.as_of),
            "dosage": [_dosage(step.elemental_mg_per_day, step.doses_per_day)],
        })
        return out
    stopped = any(s.reason == "stop" for s in review.segments)
    for index, segment in enumerate(segments):
        ongoing = segment.end is None
        period: dict[str, str] = {"start": segment.start.isoformat()}
        if segment.end is not None:
            period["end"] = segment.end.isoformat()
        status = "active" if ongoing else ("stopped" if stopped and index == len(segments) - 1
                                           else "completed")
        out.append({
            "resourceType": "MedicationStatement",
            "id": _uuid(key, "medication", segment.start.isoformat()),
            "status": status,
            "medicationCodeableConcept": medication,
            "subject": {"reference": patient_ref},
            "effectivePeriod": period,
            "dateAsserted": _instant(review.as_of),
            "note": [{"text": {"plan": "Step of the titration plan.",
                               "step_back_gi": "Stepped back after loose stools.",
                               "retry": "Slower step-up after loose stools.",
                               "stop": "Stopped."}[segment.reason]}],
            "dosage": [_dosage(segment.elemental_mg_per_day, segment.doses_per_day)],
        })
    return out


def _dosage(mg_per_day: int, doses: int) -> dict[str, Any]:
    doses = max(1, doses)
    per_dose = round(mg_per_day / doses, 1)
    return {
        "text": f"{mg_per_day} mg elemental magnesium per day in {doses} dose"
                + ("s" if doses != 1 else "") + ", with food",
        "timing": {"repeat": {"frequency": doses, "period": 1, "periodUnit": "d"}},
        "route": {"text": "oral"},
        "doseAndRate": [{"doseQuantity": {"value": per_dose, "unit": "mg", "system": UCUM,
                                          "code": "mg"}}],
    }


def _pain(entry: Entry, patient_ref: str, key: str) -> dict[str, Any] | None:
    score = entry.values.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return None
    return {
        "resourceType": "Observation",
        "id": _uuid(key, "entry", entry.id),
        "status": "final",
        "category": _survey(),
        "code": {"coding": [{"system": LOINC, "code": LOINC_PAIN,
                             "display": "Pain severity - 0-10 verbal numeric rating [Score] - "
                                        "Reported"}],
                 "text": "Pain score (0-10)"},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": _instant(entry.at),
        "valueQuantity": {"value": float(score), "unit": "{score}", "system": UCUM,
                          "code": "{score}"},
    }


def _gi(entry: Entry, patient_ref: str, key: str) -> dict[str, Any]:
    values = entry.values
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uuid(key, "entry", entry.id),
        "status": "final",
        "category": _survey(),
        "code": {"text": "Stool form (Bristol stool scale) and gastrointestinal symptoms, "
                         "self-reported"},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": _instant(entry.at),
        "component": [
            {"code": {"coding": [{"system": SNOMED, "code": SNOMED_DIARRHOEA,
                                  "display": "Diarrhea"}], "text": "Diarrhoea"},
             "valueBoolean": values.get("diarrhea") is True},
            {"code": {"text": "Nausea"}, "valueBoolean": values.get("nausea") is True},
            {"code": {"text": "Abdominal cramps"}, "valueBoolean": values.get("cramps") is True},
        ],
    }
    bristol = values.get("bristol")
    if isinstance(bristol, int) and not isinstance(bristol, bool):
        resource["valueInteger"] = bristol
    else:
        resource["dataAbsentReason"] = {"text": "Bristol stool type not recorded"}
    return resource


def build_bundle(
    review: Review, entries: Iterable[Entry], knowledge: Knowledge
) -> dict[str, Any]:
    """The Bundle as JSON-ready data: Patient, MedicationStatements, pain and GI
    Observations (entries after the review's ``as_of`` are left out)."""
    kept = sorted((e for e in entries if e.at <= review.as_of), key=lambda e: (e.at, e.id))
    key = patient_key(review, kept)
    patient_id = _uuid(key, "patient")
    patient_ref = f"urn:uuid:{patient_id}"
    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    sex = review.profile.get("sex")
    if sex in ("female", "male"):
        patient["gender"] = sex
    resources: list[dict[str, Any]] = [patient]
    resources.extend(_medication_statements(review, knowledge, patient_ref, key))
    for entry in kept:
        if entry.kind == "pain":
            observation = _pain(entry, patient_ref, key)
            if observation is not None:
                resources.append(observation)
        elif entry.kind == "gi":
            resources.append(_gi(entry, patient_ref, key))
    return {
        "resourceType": "Bundle",
        "id": _uuid(key, "bundle", _instant(review.as_of)),
        "type": "collection",
        "timestamp": _instant(review.as_of),
        "entry": [_entry(r) for r in resources],
    }
