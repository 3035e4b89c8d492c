"""Conditions (free text, ICD-10, SNOMED CT) and medicines resolve to knowledge concepts;
anything unknown stays unknown (never fuzzy-matched to something else)."""

from __future__ import annotations

import pytest

from magnerve.core.conditions import resolve_condition
from magnerve.core.medications import resolve_medication
from magnerve.knowledge import Knowledge


@pytest.mark.parametrize(
    ("text", "concepts", "stage"),
    [
        pytest.param("CKD stage 4", {"ckd", "ckd4"}, "4", id="ckd-stage-4"),
        pytest.param("stage 3b chronic kidney disease", {"ckd", "ckd3"}, "3b", id="stage-3b"),
        pytest.param("chronic kidney disease stage IV", {"ckd", "ckd4"}, "4", id="roman-iv"),
        pytest.param("CKD-5", {"ckd", "ckd5"}, "5", id="ckd-dash-5"),
        pytest.param("ICD10:N18.4", {"ckd", "ckd4"}, "4", id="icd10-n18-4"),
        pytest.param("ICD-10: N18.30", {"ckd", "ckd3"}, "3", id="icd10-n18-30"),
        pytest.param("N184", {"ckd", "ckd4"}, "4", id="bare-icd-without-dot"),
        pytest.param("SNOMED:431857002", {"ckd", "ckd4"}, "4", id="snomed-ckd4"),
        pytest.param("E11.42", {"diabetic_neuropathy", "diabetes"}, None, id="bare-icd-e11-42"),
        pytest.param("ICD10:E11.42", {"diabetic_neuropathy", "diabetes"}, None,
                     id="icd10-e11-42"),
        pytest.param("SNOMED:368581000119106", {"diabetic_neuropathy", "diabetes"}, None,
                     id="snomed-dpn"),
        pytest.param("Crohn's disease", {"malabsorption"}, None, id="crohns"),
        pytest.param("coeliac disease", {"malabsorption"}, None, id="coeliac"),
        pytest.param("end-stage renal disease", {"esrd"}, None, id="esrd-text"),
        pytest.param("on haemodialysis", {"dialysis"}, None, id="dialysis-text"),
        pytest.param("second degree AV block", {"heart_block"}, None, id="av-block"),
        pytest.param("ICD10:I44.1", {"heart_block"}, None, id="icd-av-block"),
        pytest.param("Myasthenia Gravis", {"myasthenia_gravis"}, None, id="myasthenia"),
        pytest.param("fibromyalgia", {"fibromyalgia"}, None, id="fibromyalgia"),
        pytest.param("multiple sclerosis", {"multiple_sclerosis"}, None, id="ms"),
        pytest.param("ICD10:G89.0", {"central_pain"}, None, id="icd-central-pain"),
        pytest.param("diabetic nephropathy", {"diabetic_nephropathy", "ckd", "diabetes"}, None,
                     id="implies-ckd-and-diabetes"),
    ],
)
def test_condition_resolves(
    kb: Knowledge, text: str, concepts: set[str], stage: str | None
) -> None:
    match = resolve_condition(text, kb)
    assert set(match.concepts) == concepts
    assert match.stage == stage
    assert match.given == text


def test_type_2_diabetes_with_painful_neuropathy(kb: Knowledge) -> None:
    """Free text naming two things resolves both: diabetes and a neuropathy concept."""
    concepts = set(resolve_condition("type 2 diabetes with painful neuropathy", kb).concepts)
    assert "diabetes" in concepts
    assert concepts & {"diabetic_neuropathy", "peripheral_neuropathy"}


@pytest.mark.parametrize(
    "text",
    ["purple elephant syndrome", "stage 2 cancer", "Z99.9", "SNOMED:123456789",
     pytest.param("", id="empty"), "xyzzy"],
)
def test_unknown_condition_has_no_concepts(kb: Knowledge, text: str) -> None:
    assert resolve_condition(text, kb).concepts == ()


def test_stage_is_read_only_for_staged_conditions(kb: Knowledge) -> None:
    match = resolve_condition("diabetes stage 3", kb)
    assert set(match.concepts) == {"diabetes"}
    assert match.stage is None


# ------------------------------------------------------------------------------------------
# Medicines


def generics(name: str, kb: Knowledge) -> list[list[str]]:
    return [[e.drug.id for e in r.entries] for r in resolve_medication(name, (480,), kb)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("furosemide/amiloride", [["amiloride", "furosemide"]],
                     id="slash-combination-any-order"),
        pytest.param("furosemide/omeprazole", [["furosemide"], ["omeprazole"]],
                     id="slash-two-medicines"),
        pytest.param("rilpivirine/dolutegravir", [["dolutegravir/rilpivirine"]],
                     id="combination-reversed-keeps-its-own-rule"),
        pytest.param("triamterene/hctz", [["triamterene", "hydrochlorothiazide"]],
                     id="known-combination-product"),
        pytest.param("Triumeq", [["dolutegravir"]], id="triumeq"),
        pytest.param("furosemide + spironolactone", [["furosemide"], ["spironolactone"]],
                     id="plus-combination"),
        pytest.param("Omeprazole 20 mg capsules", [["omeprazole"]], id="strength-and-form"),
        pytest.param("DOXYCYCLINE HYCLATE", [["doxycycline"]], id="upper-case-salt"),
    ],
)
def test_medication_resolves(kb: Knowledge, name: str, expected: list[list[str]]) -> None:
    assert generics(name, kb) == expected


def test_combination_keeps_the_name_as_given_and_the_times(kb: Knowledge) -> None:
    resolved = resolve_medication("furosemide/omeprazole", (480, 1200), kb)
    assert [r.given for r in resolved] == ["furosemide/omeprazole"] * 2
    assert all(r.times == (480, 1200) for r in resolved)


def test_combination_with_an_unknown_part_keeps_the_known_part(kb: Knowledge) -> None:
    resolved = resolve_medication("furosemide/metformin", (), kb)
    assert [r.recognised for r in resolved] == [True, False]
    assert resolved[1].given == "metformin"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        pytest.param("gabapentn", "gabapentin", id="typo-gabapentin"),
        pytest.param("ciprofloxacn", "ciprofloxacin", id="typo-cipro"),
        pytest.param("synthroyd", "synthroid", id="typo-synthroid"),
    ],
)
def test_typo_is_suggested_but_never_resolved(kb: Knowledge, name: str, suggestion: str) -> None:
    """A near miss could attach the wrong rule, so it stays unrecognised with a hint."""
    [resolved] = resolve_medication(name, (), kb)
    assert not resolved.recognised
    assert resolved.entries == ()
    assert resolved.suggestion == suggestion


@pytest.mark.parametrize("name", ["metformin", "hydroxyzine", "hydralazine", "sertraline", "x"])
def test_unknown_medicine_is_unrecognised(kb: Knowledge, name: str) -> None:
    [resolved] = resolve_medication(name, (), kb)
    assert not resolved.recognised


def test_typo_in_a_plan_is_an_unrecognised_medicine(plan_for) -> None:
    plan = plan_for(medications=[{"name": "gabapentn", "times": ["08:00"]}])
    assert plan["interactions"] == []
    [reason] = [r for r in plan["reasons"] if r["code"] == "unrecognized_medication"]
    assert "gabapentn" in reason["message"]
    assert "gabapentin" in reason["message"]
    assert plan["status"] == "start_with_caution"
