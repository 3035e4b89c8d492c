"""The clinical table: every reason code of design.md 3.3 through plan(), with its severity
and the status it produces (status = worst severity; do_not_start means no supplement).

Every case starts from BASE_PROFILE in conftest (45-year-old woman, eGFR 90, nothing else),
whose plan has no reasons and status "start".
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.strategies import expected_status, separation_violations

from magnerve.core.plan import status_for

NO_EGFR = ("egfr",)

# (drop keys, overrides, reason code, severity, status)
CLINICAL_TABLE = [
    # kidney_failure: stop
    pytest.param((), {"egfr": 25}, "kidney_failure", "stop", "do_not_start",
                 id="egfr-25"),
    pytest.param((), {"egfr": 29.9}, "kidney_failure", "stop", "do_not_start",
                 id="egfr-29.9"),
    pytest.param(NO_EGFR, {"creatinine_clearance": 25}, "kidney_failure", "stop",
                 "do_not_start", id="crcl-25-no-egfr"),
    pytest.param((), {"dialysis": True}, "kidney_failure", "stop", "do_not_start",
                 id="dialysis-flag"),
    pytest.param(NO_EGFR, {"conditions": ["on haemodialysis"]}, "kidney_failure", "stop",
                 "do_not_start", id="dialysis-condition"),
    pytest.param(NO_EGFR, {"conditions": ["CKD stage 4"]}, "kidney_failure", "stop",
                 "do_not_start", id="ckd-4"),
    pytest.param(NO_EGFR, {"conditions": ["CKD stage 5"]}, "kidney_failure", "stop",
                 "do_not_start", id="ckd-5"),
    pytest.param(NO_EGFR, {"conditions": ["ICD10:N18.4"]}, "kidney_failure", "stop",
                 "do_not_start", id="ckd-4-icd"),
    pytest.param(NO_EGFR, {"conditions": ["end stage renal disease"]}, "kidney_failure", "stop",
                 "do_not_start", id="esrd"),
    # kidney_impairment: see_clinician
    pytest.param((), {"egfr": 30}, "kidney_impairment", "see_clinician",
                 "see_clinician_first", id="egfr-30"),
    pytest.param((), {"egfr": 45}, "kidney_impairment", "see_clinician",
                 "see_clinician_first", id="egfr-45"),
    pytest.param((), {"egfr": 59.9}, "kidney_impairment", "see_clinician",
                 "see_clinician_first", id="egfr-59.9"),
    pytest.param(NO_EGFR, {"creatinine_clearance": 45}, "kidney_impairment", "see_clinician",
                 "see_clinician_first", id="crcl-45-no-egfr"),
    pytest.param(NO_EGFR, {"conditions": ["CKD stage 3"]}, "kidney_impairment",
                 "see_clinician", "see_clinician_first", id="ckd-3"),
    pytest.param(NO_EGFR, {"conditions": ["stage 3b chronic kidney disease"]},
                 "kidney_impairment", "see_clinician", "see_clinician_first", id="ckd-3b"),
    # kidney_function_unknown: caution where it matters
    pytest.param(NO_EGFR, {"age": 70}, "kidney_function_unknown", "caution",
                 "start_with_caution", id="no-egfr-age-70"),
    pytest.param(NO_EGFR, {"conditions": ["type 2 diabetes"]}, "kidney_function_unknown",
                 "caution", "start_with_caution", id="no-egfr-diabetes"),
    pytest.param(NO_EGFR, {"clinician_supervised": True}, "kidney_function_unknown",
                 "caution", "start_with_caution", id="no-egfr-supervised"),
    # hypermagnesemia: stop (> 1.05 mmol/L)
    pytest.param((), {"serum_magnesium": "1.1 mmol/L"}, "hypermagnesemia", "stop",
                 "do_not_start", id="serum-1.1-mmol"),
    pytest.param((), {"serum_magnesium": "2.6 mg/dL"}, "hypermagnesemia", "stop",
                 "do_not_start", id="serum-2.6-mgdl"),
    pytest.param((), {"serum_magnesium": "2.2 mEq/L"}, "hypermagnesemia", "stop",
                 "do_not_start", id="serum-2.2-meq"),
    pytest.param((), {"serum_magnesium": {"value": 2.6, "unit": "mg/dL"}}, "hypermagnesemia",
                 "stop", "do_not_start", id="serum-2.6-mgdl-dict"),
    # hypomagnesemia: see_clinician (< 0.75 mmol/L)
    pytest.param((), {"serum_magnesium": "0.70 mmol/L"}, "hypomagnesemia", "see_clinician",
                 "see_clinician_first", id="serum-0.70-mmol"),
    pytest.param((), {"serum_magnesium": "1.7 mg/dL"}, "hypomagnesemia", "see_clinician",
                 "see_clinician_first", id="serum-1.7-mgdl"),
    pytest.param((), {"serum_magnesium": "1.4 mEq/L"}, "hypomagnesemia", "see_clinician",
                 "see_clinician_first", id="serum-1.4-meq"),
    # cardiac_conduction: stop
    pytest.param((), {"conditions": ["heart block"]}, "cardiac_conduction", "stop",
                 "do_not_start", id="heart-block"),
    pytest.param((), {"conditions": ["second degree AV block"]}, "cardiac_conduction", "stop",
                 "do_not_start", id="av-block"),
    pytest.param((), {"conditions": ["marked bradycardia"]}, "cardiac_conduction", "stop",
                 "do_not_start", id="bradycardia"),
    pytest.param((), {"conditions": ["ICD10:I44.2"]}, "cardiac_conduction", "stop",
                 "do_not_start", id="complete-heart-block-icd"),
    # myasthenia_gravis, pregnancy, minor: see_clinician
    pytest.param((), {"conditions": ["myasthenia gravis"]}, "myasthenia_gravis",
                 "see_clinician", "see_clinician_first", id="myasthenia"),
    pytest.param((), {"pregnant": True}, "pregnancy", "see_clinician", "see_clinician_first",
                 id="pregnant-flag"),
    pytest.param((), {"conditions": ["pregnant"]}, "pregnancy", "see_clinician",
                 "see_clinician_first", id="pregnant-condition"),
    pytest.param((), {"age": 15}, "minor", "see_clinician", "see_clinician_first",
                 id="age-15"),
    pytest.param((), {"age": 5}, "minor", "see_clinician", "see_clinician_first", id="age-5"),
    pytest.param((), {"age": 17}, "minor", "see_clinician", "see_clinician_first",
                 id="age-17"),
    # interactions
    pytest.param((), {"medications": [{"name": "Cipro", "times": ["08:00"]}]},
                 "interaction_chelation", "caution", "start_with_caution", id="cipro"),
    pytest.param((), {"medications": [{"name": "Synthroid", "times": ["06:30"]}]},
                 "interaction_chelation", "caution", "start_with_caution", id="levothyroxine"),
    pytest.param((), {"medications": [{"name": "doxycycline hyclate", "times": ["09:00"]}]},
                 "interaction_chelation", "caution", "start_with_caution", id="doxycycline"),
    pytest.param((), {"medications": [{"name": "Tivicay", "times": ["09:00"]}]},
                 "interaction_chelation", "caution", "start_with_caution", id="dolutegravir"),
    pytest.param((), {"medications": [{"name": "raltegravir", "times": ["08:00", "20:00"]}]},
                 "interaction_not_separable", "see_clinician", "see_clinician_first",
                 id="raltegravir"),
    pytest.param((), {"medications": [{"name": "Isentress"}]}, "interaction_not_separable",
                 "see_clinician", "see_clinician_first", id="isentress-no-times"),
    pytest.param((), {"medications": [{"name": "omeprazole", "times": ["07:00"]}]},
                 "mg_depleting_drug", "caution", "start_with_caution", id="ppi-omeprazole"),
    pytest.param((), {"medications": [{"name": "Nexium", "times": ["07:00"]}]},
                 "mg_depleting_drug", "caution", "start_with_caution", id="ppi-nexium"),
    pytest.param((), {"medications": [{"name": "Lasix", "times": ["08:00"]}]},
                 "mg_depleting_drug", "caution", "start_with_caution", id="loop-diuretic"),
    pytest.param((), {"medications": [{"name": "hydrochlorothiazide", "times": ["08:00"]}]},
                 "mg_depleting_drug", "caution", "start_with_caution", id="thiazide"),
    pytest.param((), {"medications": [{"name": "spironolactone", "times": ["08:00"]}]},
                 "mg_retaining_drug", "caution", "start_with_caution", id="spironolactone"),
    pytest.param((), {"medications": [{"name": "Aldactone", "times": ["08:00"]}]},
                 "mg_retaining_drug", "caution", "start_with_caution", id="aldactone"),
    pytest.param((), {"medications": [{"name": "Lanoxin", "times": ["08:00"]}]}, "digoxin",
                 "caution", "start_with_caution", id="digoxin"),
    pytest.param((), {"medications": [{"name": "metformin", "times": ["08:00"]}]},
                 "unrecognized_medication", "caution", "start_with_caution", id="metformin"),
    pytest.param((), {"medications": [{"name": "Zorblax 10 mg"}]}, "unrecognized_medication",
                 "caution", "start_with_caution", id="made-up-medicine"),
    # malabsorption
    pytest.param((), {"conditions": ["Crohn's disease"]}, "malabsorption", "caution",
                 "start_with_caution", id="crohns"),
    pytest.param((), {"conditions": ["coeliac disease"]}, "malabsorption", "caution",
                 "start_with_caution", id="coeliac"),
    pytest.param((), {"conditions": ["small bowel resection"]}, "malabsorption", "caution",
                 "start_with_caution", id="bowel-resection"),
    pytest.param((), {"conditions": ["chronic diarrhoea"]}, "malabsorption", "caution",
                 "start_with_caution", id="chronic-diarrhoea"),
    # supplements and limits
    pytest.param((), {"current_supplements": [{"form": "glycinate", "elemental_mg": 100}]},
                 "already_taking_magnesium", "caution", "start_with_caution",
                 id="already-taking-100mg"),
    pytest.param((), {"jurisdiction": "EU"}, "dose_capped_at_upper_limit", "info", "start",
                 id="eu-cap-250"),
    # schedule
    pytest.param(
        (),
        {"medications": [
            {"name": "Cipro", "times": ["08:00", "20:00"]},
            {"name": "levothyroxine", "times": ["06:30"]},
            {"name": "gabapentin", "times": ["08:00", "14:00", "22:00"]},
        ], "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]}},
        "dose_reduced_for_timetable", "caution", "start_with_caution",
        id="one-safe-window",
    ),
    pytest.param(
        (),
        {"medications": [
            {"name": "Cipro", "times": ["09:00", "21:00"]},
            {"name": "levothyroxine", "times": ["06:30"]},
            {"name": "gabapentin", "times": ["08:00", "12:00", "15:30", "22:00"]},
        ], "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]}},
        "schedule_infeasible", "see_clinician", "see_clinician_first",
        id="no-safe-time",
    ),
]

#: Reasons after which the plan gives no dose even though nothing is contraindicated.
NO_DOSE_CODES = {"interaction_not_separable", "schedule_infeasible"}


@pytest.mark.parametrize(("drop", "overrides", "code", "severity", "status"), CLINICAL_TABLE)
def test_clinical_rule(
    plan_for, drop: tuple[str, ...], overrides: dict[str, Any], code: str, severity: str,
    status: str,
) -> None:
    plan = plan_for(drop=drop, **overrides)
    found = [r for r in plan["reasons"] if r["code"] == code]
    assert found, f"{code} not raised; got {[r['code'] for r in plan['reasons']]}"
    assert {r["severity"] for r in found} == {severity}
    assert plan["status"] == status
    assert plan["status"] == expected_status(plan["reasons"])
    for reason in found:
        assert reason["message"].strip()
        assert "{" not in reason["message"]
        assert reason["sources"]
    if status == "do_not_start" or code in NO_DOSE_CODES:
        assert plan["daily_target_mg"] == 0
        assert "recommended_form" not in plan
        assert plan["titration"] == []
        assert plan["schedule"] == []
    else:
        assert plan["daily_target_mg"] > 0


def test_baseline_profile_has_no_reasons(plan_for) -> None:
    plan = plan_for()
    assert plan["reasons"] == []
    assert plan["status"] == "start"
    assert plan["daily_target_mg"] == 300
    assert plan["upper_limit_mg"] == 350


@pytest.mark.parametrize(
    ("overrides", "absent"),
    [
        pytest.param({"egfr": 30}, "kidney_failure", id="egfr-30-not-failure"),
        pytest.param({"egfr": 60}, "kidney_impairment", id="egfr-60-not-impaired"),
        pytest.param({"serum_magnesium": "1.05 mmol/L"}, "hypermagnesemia", id="serum-1.05"),
        pytest.param({"serum_magnesium": "2.55 mg/dL"}, "hypermagnesemia", id="serum-2.55-mgdl"),
        pytest.param({"serum_magnesium": "0.75 mmol/L"}, "hypomagnesemia", id="serum-0.75"),
        pytest.param({"serum_magnesium": "1.8 mg/dL"}, "hypomagnesemia", id="serum-1.8-mgdl"),
        pytest.param({"age": 18}, "minor", id="age-18"),
        pytest.param({"jurisdiction": "UK"}, "dose_capped_at_upper_limit", id="uk-no-cap"),
        pytest.param({"medications": [{"name": "pregabalin", "times": ["08:00"]}]},
                     "unrecognized_medication", id="pregabalin-is-known"),
    ],
)
def test_boundaries_do_not_fire(plan_for, overrides: dict[str, Any], absent: str) -> None:
    plan = plan_for(**overrides)
    assert absent not in {r["code"] for r in plan["reasons"]}


def test_young_adult_without_kidney_value_is_only_informed(plan_for) -> None:
    """Missing eGFR at 45 with no risk factor: info, not silence (fail closed), not a block."""
    plan = plan_for(drop=NO_EGFR)
    assert [(r["code"], r["severity"]) for r in plan["reasons"]] == [
        ("kidney_function_not_given", "info")
    ]
    assert plan["status"] == "start"


def test_minor_gets_the_age_specific_limit(plan_for) -> None:
    plan = plan_for(age=6)
    assert plan["upper_limit_mg"] == 110
    assert 0 < plan["daily_target_mg"] <= 110
    [minor] = [r for r in plan["reasons"] if r["code"] == "minor"]
    assert "110" in minor["message"]


def test_infant_is_never_planned(plan_for) -> None:
    plan = plan_for(age=0)
    assert plan["status"] == "do_not_start"
    assert plan["daily_target_mg"] == 0
    assert plan["upper_limit_mg"] is None


def test_already_taking_magnesium_lowers_the_target(plan_for) -> None:
    plan = plan_for(current_supplements=[{"form": "citrate", "elemental_mg": 100}])
    assert plan["daily_target_mg"] == 200
    assert plan["current_supplement_mg"] == 100


def test_eu_cap_lowers_the_target_to_250(plan_for) -> None:
    plan = plan_for(jurisdiction="EU")
    assert plan["upper_limit_mg"] == 250
    assert plan["daily_target_mg"] == 250


@pytest.mark.parametrize(
    ("current_mg", "reaches_limit"),
    [pytest.param(325, False, id="325-below-350"), pytest.param(350, True, id="350-at-limit"),
     pytest.param(500, True, id="500-above-limit")],
)
def test_at_upper_limit_reason_is_true_when_raised(
    plan_for, current_mg: int, reaches_limit: bool
) -> None:
    """at_upper_limit_already says current supplements are "at or above the upper limit";
    it must only be raised when that is true (US limit 350 mg/day)."""
    plan = plan_for(current_supplements=[{"elemental_mg": current_mg}])
    assert plan["daily_target_mg"] <= max(0, 350 - current_mg)
    codes = {r["code"] for r in plan["reasons"]}
    assert ("at_upper_limit_already" in codes) == reaches_limit
    if reaches_limit:
        assert plan["daily_target_mg"] == 0
        assert "recommended_form" not in plan


def test_unknown_supplement_amount_is_assumed_replaced(plan_for) -> None:
    plan = plan_for(current_supplements=[{"form": "oxide"}])
    codes = {r["code"] for r in plan["reasons"]}
    assert "current_supplement_amount_unknown" in codes
    assert any("stopped" in a for a in plan["assumptions"])


def test_digoxin_with_a_depleting_drug_needs_a_clinician(plan_for) -> None:
    plan = plan_for(medications=[{"name": "Lanoxin", "times": ["08:00"]},
                                 {"name": "furosemide", "times": ["08:00"]}])
    codes = {r["code"]: r["severity"] for r in plan["reasons"]}
    assert codes["digoxin_with_depleting_drug"] == "see_clinician"
    assert plan["status"] == "see_clinician_first"


def test_medicine_listed_twice_keeps_every_time(plan_for) -> None:
    """Two entries for the same medicine (morning and afternoon) are both protected."""
    meds = [{"name": "Cipro", "times": ["08:00"]}, {"name": "Cipro", "times": ["13:00"]}]
    plan = plan_for(medications=meds)
    assert plan["schedule"], "a safe schedule exists (e.g. 15:00 and 19:00)"
    assert separation_violations(plan, meds) == []


# ------------------------------------------------------------------------------------------
# Clinician supervision


def test_supervision_lifts_the_target_above_the_upper_limit(plan_for) -> None:
    plan = plan_for(clinician_supervised=True)
    assert plan["daily_target_mg"] > plan["upper_limit_mg"] == 350
    codes = {r["code"]: r["severity"] for r in plan["reasons"]}
    assert codes["above_upper_limit_supervised"] == "caution"
    assert plan["status"] == "start_with_caution"


def test_supervision_lifts_the_eu_cap(plan_for) -> None:
    plan = plan_for(clinician_supervised=True, jurisdiction="EU")
    assert plan["daily_target_mg"] > 250
    assert "dose_capped_at_upper_limit" not in {r["code"] for r in plan["reasons"]}


@pytest.mark.parametrize(
    ("drop", "overrides", "code"),
    [
        pytest.param((), {"egfr": 20}, "kidney_failure", id="egfr-20"),
        pytest.param((), {"dialysis": True}, "kidney_failure", id="dialysis"),
        pytest.param((), {"conditions": ["complete heart block"]}, "cardiac_conduction",
                     id="heart-block"),
        pytest.param((), {"serum_magnesium": "2.8 mg/dL"}, "hypermagnesemia", id="high-serum"),
        pytest.param((), {"age": 0}, "infant", id="infant"),
    ],
)
def test_supervision_never_overrides_a_contraindication(
    plan_for, drop: tuple[str, ...], overrides: dict[str, Any], code: str
) -> None:
    plan = plan_for(drop=drop, clinician_supervised=True, **overrides)
    assert code in {r["code"] for r in plan["reasons"]}
    assert plan["status"] == "do_not_start"
    assert plan["daily_target_mg"] == 0
    assert "recommended_form" not in plan
    assert plan["titration"] == []
    assert plan["schedule"] == []


def test_supervised_target_still_subtracts_current_supplements(plan_for) -> None:
    alone = plan_for(clinician_supervised=True)["daily_target_mg"]
    taking = plan_for(clinician_supervised=True,
                      current_supplements=[{"elemental_mg": 100}])["daily_target_mg"]
    assert taking == alone - 100


@pytest.mark.parametrize(
    ("severities", "status"),
    [
        pytest.param([], "start", id="none"),
        pytest.param(["info"], "start", id="info"),
        pytest.param(["info", "caution"], "start_with_caution", id="caution"),
        pytest.param(["caution", "see_clinician", "info"], "see_clinician_first",
                     id="see-clinician"),
        pytest.param(["stop", "caution"], "do_not_start", id="stop-first"),
        pytest.param(["info", "see_clinician", "stop"], "do_not_start", id="stop-last"),
    ],
)
def test_status_is_the_worst_severity(severities: list[str], status: str) -> None:
    assert status_for(severities) == status
    assert expected_status([{"severity": s} for s in severities]) == status
