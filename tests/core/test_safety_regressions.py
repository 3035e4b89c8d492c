"""Safety problems found in review, each pinned by the input that showed it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import magnerve

KNOWLEDGE = magnerve.load_knowledge()


def make(**overrides: Any) -> magnerve.Plan:
    data: dict[str, Any] = {"age": 50, "sex": "male", "egfr": 90}
    data.update(overrides)
    return magnerve.plan(magnerve.parse_profile(data, KNOWLEDGE), KNOWLEDGE)


def codes(plan: magnerve.Plan) -> set[str]:
    return {r.code for r in plan.reasons}


@pytest.mark.parametrize(
    ("condition", "status"),
    [
        pytest.param("peripheral neuropathy secondary to ESRF", "do_not_start", id="esrf"),
        pytest.param("neuropathy (uraemic, on HD)", "do_not_start", id="on-hd"),
        pytest.param("diabetic neuropathy and 3rd degree AVB", "do_not_start", id="avb"),
        pytest.param("CKD4", "do_not_start", id="ckd4-glued"),
        pytest.param("chronic kidney disease 4", "do_not_start", id="bare-stage-number"),
        pytest.param("CKD G4A2", "do_not_start", id="kdigo-g4a2"),
        pytest.param("CKD G5D", "do_not_start", id="kdigo-g5d-dialysis"),
        pytest.param("neuropathy from frobnication", "start_with_caution", id="unknown-words"),
    ],
)
def test_known_words_never_hide_the_rest_of_a_condition(condition: str, status: str) -> None:
    plan = make(conditions=[condition])
    assert plan.status == status
    if status == "start_with_caution":
        assert "condition_partly_recognized" in codes(plan)


def test_magnesium_medicine_of_unknown_strength_gives_no_supplement() -> None:
    plan = make(medications=[{"name": "Mag-Ox 400", "times": ["08:00", "20:00"]}])
    assert plan.daily_target_mg == 0
    assert plan.status == "see_clinician_first"
    assert "magnesium_containing_medicine" in codes(plan)


def test_ambiguous_current_supplement_label_counts_its_higher_reading() -> None:
    """'Magnesium glycinate 400 mg' may be 400 mg of magnesium: count 400, not 56."""
    label = "Supplement Facts\nServing Size 2 capsules\nMagnesium glycinate 400 mg"
    plan = make(current_supplements=[{"label": label}])
    assert plan.current_supplement_mg == 400
    assert plan.daily_target_mg == 0


def test_reversed_combination_keeps_the_combination_rule() -> None:
    """Juluca needs 4 h after the medicine, dolutegravir alone only 2 h."""
    plan = make(medications=[{"name": "rilpivirine/dolutegravir", "times": ["10:00"]}])
    assert [i.drug for i in plan.interactions] == ["dolutegravir/rilpivirine"]
    for dose in plan.schedule:
        hours, minutes = map(int, dose.time.split(":"))
        since = ((hours * 60 + minutes) - 600) % 1440
        until = (600 - (hours * 60 + minutes)) % 1440
        assert since >= 240
        assert until >= 360


def test_wake_equal_to_sleep_never_doubles_a_dose() -> None:
    plan = make(routine={"wake": "07:00", "sleep": "07:00", "meals": ["07:00"]})
    times = [d.time for d in plan.schedule]
    assert len(times) == len(set(times)) == 2
    assert all(d.elemental_mg <= 200 for d in plan.schedule)


def test_short_night_counts_as_a_gap_between_doses() -> None:
    """Doses are daily: the last dose and the next morning's first must be apart too."""
    plan = make(routine={"wake": "07:00", "sleep": "05:00", "meals": ["07:00", "04:30"]})
    minutes = sorted(int(d.time[:2]) * 60 + int(d.time[3:]) for d in plan.schedule)
    gaps = [b - a for a, b in itertools.pairwise(minutes)]
    gaps.append(1440 - (minutes[-1] - minutes[0]))
    assert min(gaps) >= 4 * 60


def test_zinc_is_not_a_magnesium_depleting_drug_for_the_digoxin_rule() -> None:
    plan = make(medications=[{"name": "digoxin", "times": ["08:00"]},
                             {"name": "zinc", "times": ["08:00"]}])
    assert "digoxin_with_depleting_drug" not in codes(plan)
    assert "high_dose_zinc" in codes(plan)
