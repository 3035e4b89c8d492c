"""Target and titration (dosing.toml): start low, step up slowly, end at the target, split
doses above 200 mg/day."""

from __future__ import annotations

from typing import Any

import pytest
from tests.strategies import check_titration

from magnerve.core.dosing import doses_per_day, round_down, target_dose, titrate
from magnerve.knowledge import Knowledge

TARGETS = [25, 50, 75, 100, 125, 150, 200, 225, 250, 300, 350, 400]


@pytest.mark.parametrize("sensitive", [False, True], ids=["usual", "sensitive"])
@pytest.mark.parametrize("target", TARGETS)
def test_titration_invariants(kb: Knowledge, target: int, sensitive: bool) -> None:
    steps = [s.to_dict() for s in titrate(target, kb.dosing, sensitive=sensitive)]
    check_titration(steps, target, sensitive=sensitive)


def test_titration_from_300(kb: Knowledge) -> None:
    steps = [(s.day, s.elemental_mg_per_day, s.doses_per_day)
             for s in titrate(300, kb.dosing, sensitive=False)]
    assert steps == [(1, 150, 1), (4, 200, 1), (7, 250, 2), (10, 300, 2)]


def test_sensitive_titration_is_slower(kb: Knowledge) -> None:
    usual = titrate(300, kb.dosing, sensitive=False)
    slow = titrate(300, kb.dosing, sensitive=True)
    assert slow[0].elemental_mg_per_day <= 100
    assert slow[-1].day > usual[-1].day


def test_one_step_target_starts_at_the_target(kb: Knowledge) -> None:
    """25 mg/day (one rounding step) has no lower whole step to start from."""
    assert [(s.day, s.elemental_mg_per_day) for s in titrate(25, kb.dosing, sensitive=False)] == [
        (1, 25)
    ]


@pytest.mark.parametrize("target", [0, -50])
def test_no_titration_without_a_target(kb: Knowledge, target: int) -> None:
    assert titrate(target, kb.dosing, sensitive=False) == []


@pytest.mark.parametrize(("mg", "doses"), [(0, 0), (25, 1), (200, 1), (225, 2), (400, 2),
                                           (401, 3), (600, 3)])
def test_doses_per_day(kb: Knowledge, mg: int, doses: int) -> None:
    assert doses_per_day(mg, kb.dosing) == doses


@pytest.mark.parametrize(("mg", "step", "expected"), [(299.99, 25, 275), (300, 25, 300),
                                                      (24, 25, 0), (-10, 25, 0), (49.9, 25, 25)])
def test_round_down_never_raises_a_dose(mg: float, step: int, expected: int) -> None:
    assert round_down(mg, step) == expected


@pytest.mark.parametrize(
    ("limit", "current", "supervised", "cap", "expected"),
    [
        pytest.param(350, 0, False, None, 300, id="us-usual"),
        pytest.param(250, 0, False, None, 250, id="eu-capped"),
        pytest.param(400, 0, False, None, 300, id="uk-usual"),
        pytest.param(350, 100, False, None, 200, id="minus-current"),
        pytest.param(350, 110, False, None, 175, id="rounds-down"),
        pytest.param(350, 400, False, None, 0, id="over-limit"),
        pytest.param(350, 0, True, None, 400, id="supervised"),
        pytest.param(110, 0, False, 130, 100, id="child-4-8"),
        pytest.param(None, 0, False, None, 0, id="no-limit-established"),
    ],
)
def test_target_dose(
    kb: Knowledge, limit: int | None, current: float, supervised: bool, cap: int | None,
    expected: int,
) -> None:
    target = target_dose(kb.dosing, upper_limit_mg=limit, current_mg=current,
                         supervised=supervised, intake_cap_mg=cap)
    assert target.mg == expected
    if limit is not None and not supervised:
        assert target.mg + current <= limit or target.mg == 0


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="default"),
        pytest.param({"gi_sensitive": True}, id="gi-sensitive"),
        pytest.param({"jurisdiction": "EU", "diarrhea_prone": True}, id="eu-diarrhoea"),
        pytest.param({"clinician_supervised": True}, id="supervised-400"),
        pytest.param({"age": 6}, id="child"),
        pytest.param({"current_supplements": [{"elemental_mg": 220}]}, id="small-target"),
    ],
)
def test_plan_titration(plan_for, overrides: dict[str, Any]) -> None:
    plan = plan_for(**overrides)
    sensitive = bool(overrides.get("gi_sensitive") or overrides.get("diarrhea_prone"))
    check_titration(plan["titration"], plan["daily_target_mg"], sensitive=sensitive)


def test_follow_up_reviews_come_after_titration(plan_for) -> None:
    plan = plan_for()
    end = plan["titration"][-1]["day"]
    days = [f["day"] for f in plan["follow_up"]]
    assert days == sorted(days)
    assert any(f["day"] == end + 8 * 7 and "Stopping rule" in f["action"]
               for f in plan["follow_up"])
