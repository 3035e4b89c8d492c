"""The maintenance-day timetable honours every separation rule (design.md 3.2 semantics)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.strategies import minutes, separation_violations

from magnerve.core.schedule import Separation, build_timetable, is_separated, split_dose
from magnerve.knowledge import Knowledge

CIPRO_8 = Separation.from_hours("Ciprofloxacin", (480,), 2, 6)


@pytest.mark.parametrize(
    ("clock", "ok"),
    [
        pytest.param("08:00", False, id="same-time"),
        pytest.param("09:59", False, id="1h59-after"),
        pytest.param("10:00", True, id="2h-after"),
        pytest.param("20:00", True, id="12h-after"),
        pytest.param("02:00", True, id="6h-before-next"),
        pytest.param("02:01", False, id="5h59-before-next"),
        pytest.param("07:00", False, id="1h-before"),
    ],
)
def test_is_separated_single_daily_dose(clock: str, ok: bool) -> None:
    assert is_separated(minutes(clock), CIPRO_8) is ok


def test_is_separated_wraps_at_midnight() -> None:
    late = Separation.from_hours("Levothyroxine", (23 * 60,), 4, 4)
    assert not is_separated(minutes("02:59"), late)
    assert is_separated(minutes("03:00"), late)
    assert not is_separated(minutes("19:01"), late)
    assert is_separated(minutes("19:00"), late)


def test_is_separated_uses_the_nearest_doses() -> None:
    tds = Separation.from_hours("Gabapentin", (480, 840, 1320), 2, 2)
    assert is_separated(minutes("11:00"), tds)  # 3 h after 08:00, 3 h before 14:00
    assert not is_separated(minutes("12:30"), tds)  # 1.5 h before 14:00
    assert not is_separated(minutes("23:30"), tds)  # 1.5 h after 22:00
    assert is_separated(minutes("00:00"), tds)  # 2 h after 22:00, 8 h before 08:00


def test_not_separable_is_never_separated() -> None:
    ral = Separation.from_hours("Raltegravir", (480, 1200), 0, 0, separable=False)
    assert not any(is_separated(m, ral) for m in range(0, 1440, 15))


def test_no_times_no_constraint() -> None:
    assert is_separated(600, Separation.from_hours("Cipro", (), 2, 6))


def test_fractional_hours_round_up_to_minutes() -> None:
    sep = Separation.from_hours("X", (0,), 1.01, 0)
    assert sep.drug_then_mg_min == 61


@pytest.mark.parametrize(
    ("total", "doses", "parts"),
    [(300, 2, [150, 150]), (225, 2, [100, 125]), (250, 2, [125, 125]), (175, 1, [175]),
     (400, 2, [200, 200]), (0, 0, []), (75, 3, [25, 25, 25])],
)
def test_split_dose(total: int, doses: int, parts: list[int]) -> None:
    assert split_dose(total, doses, 25) == parts
    assert sum(parts) == total


def _times(result: Any) -> list[int]:
    return [minutes(d.time) for d in result.doses]


def test_timetable_places_doses_around_medicines(kb: Knowledge) -> None:
    seps = [
        Separation.from_hours("Levothyroxine", (390,), 4, 4),
        Separation.from_hours("Gabapentin", (450, 900, 1350), 2, 2),
    ]
    result = build_timetable(300, 2, "glycinate", seps, kb.dosing, wake=390, sleep=1380,
                             meals=(450, 750, 1110))
    assert result.feasible
    assert sum(d.elemental_mg for d in result.doses) == 300
    for minute in _times(result):
        assert all(is_separated(minute, s) for s in seps)
        assert 390 <= minute <= 1380


def test_timetable_reports_infeasible(kb: Knowledge) -> None:
    seps = [
        Separation.from_hours("Ciprofloxacin", (480, 1200), 2, 6),
        Separation.from_hours("Levothyroxine", (390,), 4, 4),
        Separation.from_hours("Gabapentin", (480, 840, 1320), 2, 2),
    ]
    result = build_timetable(300, 2, "glycinate", seps, kb.dosing, wake=390, sleep=1380,
                             meals=(450, 750, 1110))
    assert not result.feasible
    assert result.doses == ()
    assert set(result.blocking) == {"Ciprofloxacin", "Levothyroxine", "Gabapentin"}


def test_timetable_refuses_a_non_separable_medicine(kb: Knowledge) -> None:
    ral = Separation.from_hours("Raltegravir", (480,), 0, 0, separable=False)
    result = build_timetable(300, 2, "glycinate", [ral], kb.dosing)
    assert not result.feasible
    assert result.blocking == ("Raltegravir",)


def test_timetable_states_its_assumptions(kb: Knowledge) -> None:
    result = build_timetable(300, 2, "glycinate", [], kb.dosing)
    assert len(result.assumptions) == 3
    assert result.feasible
    assert len(result.doses) == 2


@pytest.mark.parametrize(
    ("wake", "sleep"),
    [
        pytest.param("11:00", "03:00", id="late-sleeper"),
        pytest.param("22:00", "14:00", id="night-shift"),
        pytest.param("04:00", "18:00", id="early-bird"),
    ],
)
def test_doses_fall_in_the_waking_day_when_meals_are_not_given(
    plan_for, wake: str, sleep: str
) -> None:
    """Assumed meal times must not put a dose in the hours the person is asleep."""
    plan = plan_for(routine={"wake": wake, "sleep": sleep})
    start, span = minutes(wake), (minutes(sleep) - minutes(wake)) % 1440
    assert plan["schedule"]
    for dose in plan["schedule"]:
        assert (minutes(dose["time"]) - start) % 1440 <= span, dose["time"]


# ------------------------------------------------------------------------------------------
# Through plan(): recompute separations independently from the plan JSON and the profile.

SCHEDULE_CASES = [
    pytest.param([{"name": "Synthroid", "times": ["06:30"]},
                  {"name": "gabapentin 300 mg", "times": ["07:30", "15:00", "22:30"]}],
                 {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
                 id="diabetic-example"),
    pytest.param([{"name": "Cipro", "times": ["08:00", "20:00"]}], {}, id="cipro-bid"),
    pytest.param([{"name": "Avelox", "times": ["09:00"]}], {}, id="moxifloxacin"),
    pytest.param([{"name": "Tivicay", "times": ["21:00"]}], {}, id="dolutegravir-night"),
    pytest.param([{"name": "Lanoxin", "times": ["09:00"]},
                  {"name": "Fosamax", "times": ["06:00"]}], {}, id="digoxin-bisphosphonate"),
    pytest.param([{"name": "eltrombopag", "times": ["13:00"]}],
                 {"wake": "05:00", "sleep": "21:00"}, id="eltrombopag-early-day"),
    pytest.param([{"name": "doxycycline", "times": ["23:30"]}],
                 {"wake": "07:00", "sleep": "01:00"}, id="late-night-antibiotic"),
]


@pytest.mark.parametrize(("meds", "routine"), SCHEDULE_CASES)
def test_plan_schedule_honours_separations(
    plan_for, meds: list[dict[str, Any]], routine: dict[str, Any]
) -> None:
    overrides: dict[str, Any] = {"medications": meds}
    if routine:
        overrides["routine"] = routine
    plan = plan_for(**overrides)
    assert plan["schedule"], [r["code"] for r in plan["reasons"]]
    assert separation_violations(plan, meds) == []
    assert sum(d["elemental_mg"] for d in plan["schedule"]) == plan["daily_target_mg"]
    assert {d["form"] for d in plan["schedule"]} == {plan["recommended_form"]}


def test_raltegravir_gets_no_timetable(plan_for) -> None:
    plan = plan_for(medications=[{"name": "Isentress", "times": ["08:00", "20:00"]}])
    assert plan["schedule"] == []
    assert "schedule_infeasible" not in {r["code"] for r in plan["reasons"]}


def test_infeasible_schedule_prints_no_timetable(plan_for) -> None:
    """No safe waking time at all: no timetable, no dose, and the reason names the drugs."""
    plan = plan_for(
        medications=[{"name": "Cipro", "times": ["09:00", "21:00"]},
                     {"name": "levothyroxine", "times": ["06:30"]},
                     {"name": "gabapentin", "times": ["08:00", "12:00", "15:30", "22:00"]}],
        routine={"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
    )
    assert plan["schedule"] == []
    assert plan["daily_target_mg"] == 0
    assert plan["titration"] == []
    [reason] = [r for r in plan["reasons"] if r["code"] == "schedule_infeasible"]
    assert "Ciprofloxacin" in reason["message"]


def test_one_safe_window_gives_one_smaller_dose(plan_for) -> None:
    """Two doses cannot be placed but one can: one dose of at most 200 mg, never an unsafe one."""
    plan = plan_for(
        medications=[{"name": "Cipro", "times": ["08:00", "20:00"]},
                     {"name": "levothyroxine", "times": ["06:30"]},
                     {"name": "gabapentin", "times": ["08:00", "14:00", "22:00"]}],
        routine={"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
    )
    assert plan["daily_target_mg"] == 200
    assert [d["elemental_mg"] for d in plan["schedule"]] == [200]
    assert plan["titration"][-1]["elemental_mg_per_day"] == 200
    assert any(r["code"] == "dose_reduced_for_timetable" for r in plan["reasons"])


def test_independent_checker_catches_violations() -> None:
    """The property tests' checker is not vacuous: it flags a dose too close either way."""
    plan = {
        "interactions": [{"medication": "Cipro", "drug_then_mg_h": 2.0, "mg_then_drug_h": 6.0}],
        "schedule": [{"time": "09:00"}, {"time": "15:00"}, {"time": "03:00"}],
    }
    meds = [{"name": "Cipro", "times": ["08:00"]}]
    problems = separation_violations(plan, meds)
    assert [p.split()[0] for p in problems] == ["09:00", "03:00"]
    assert separation_violations(plan, [{"name": "Cipro", "times": ["14:00"]}]) != []
    assert separation_violations(plan, [{"name": "other", "times": ["08:00"]}]) == []
