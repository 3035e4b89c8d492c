"""Safety stops win over everything; logged doses too close to logged medicines are named
with their rule; unknown medicines are never silently safe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.review.journals import BASE_PROFILE, Person, advice, codes

from magnerve.core.entries import StoredPlan
from magnerve.core.review import review
from magnerve.knowledge import Knowledge

GABAPENTIN = {"name": "gabapentin", "times": ["08:00", "16:00", "23:00"]}


def test_a_new_egfr_below_30_stops_magnesium(person_with: Callable[..., Person]) -> None:
    """Re-planning the saved profile finds eGFR 25 although the saved plan JSON said start
    (the knowledge or the profile changed): stop from today, whatever the titration says."""
    p = person_with()
    p.follow(range(1, 20))
    later = dict(BASE_PROFILE, egfr=25)
    stored = p.stored(datetime.combine(p.day(15), time(9, 0), tzinfo=p.zone), profile=later)
    result = p.review(19, "21:00", stored=stored)
    assert result.status == "do_not_start"
    assert (result.step.elemental_mg_per_day, result.step.doses_per_day) == (0, 0)
    assert result.step.since == date(2024, 3, 19)
    assert result.next_step is None
    stop = next(a for a in result.advice if a.code == "stop_rule")
    assert stop.severity == "stop"
    assert "kidney_failure" in codes(result)
    assert "doses_after_stop" in codes(result)
    assert result.advice[0].severity == "stop"
    assert result.segments[-1].reason == "stop"
    assert result.segments[-2].end == date(2024, 3, 18)
    assert result.to_dict()["status"] == "do_not_start"


def test_a_stored_do_not_start_plan_keeps_its_history(person: Person) -> None:
    """journal start with the new eGFR saves a do_not_start plan with no titration; the dose
    history still comes from the earlier plan version."""
    person.follow(range(1, 12))
    first = person.stored()
    stopped_profile = dict(BASE_PROFILE, egfr=20)
    stopped = Person(person.kb, profile=stopped_profile)
    assert stopped.plan_json["status"] == "do_not_start"
    assert stopped.plan_json["titration"] == []
    second = StoredPlan(2, datetime.combine(person.day(11), time(7, 0), tzinfo=person.zone),
                        stopped.stored_profile, stopped.plan_json)
    result = review(person.entries, second, person.kb, now=person.at(11),
                    earlier_plans=[first, second])
    assert result.status == "do_not_start"
    assert result.step.elemental_mg_per_day == 0
    assert [s.elemental_mg_per_day for s in result.segments] == [150, 200, 250, 300, 0]
    assert "doses_after_stop" in codes(result)


def test_stored_do_not_start_status_wins_even_if_replanning_would_start(person: Person) -> None:
    person.follow(range(1, 5))
    plan_json = dict(person.plan_json, status="do_not_start")
    result = person.review(4, stored=person.stored(plan_json=plan_json))
    assert result.status == "do_not_start"
    assert "stop_rule" in codes(result)


def test_new_caution_raises_the_status(person: Person) -> None:
    person.follow(range(1, 5))
    later = dict(BASE_PROFILE, medications=[GABAPENTIN])
    result = person.review(4, stored=person.stored(profile=later))
    assert result.status == "start_with_caution"


def test_unreadable_profile_fails_closed(person: Person) -> None:
    person.follow(range(1, 3))
    result = person.review(2, stored=person.stored(profile={"age": "old"}))
    assert result.status == "see_clinician_first"
    assert "profile_unreadable" in codes(result)


def test_changed_knowledge_is_noticed(person: Person) -> None:
    person.follow(range(1, 3))
    plan_json = dict(person.plan_json, daily_target_mg=250)
    assert "plan_outdated" in codes(person.review(2, stored=person.stored(plan_json=plan_json)))


def test_magnesium_too_soon_after_gabapentin(person: Person) -> None:
    for n in range(1, 4):
        person.med(n, "gabapentin", "08:00", "gabapentin")
    person.dose(1, 150, "13:00")            # fine: 5 h after, 3 h before the next
    person.dose(2, 150, "08:30")            # 0.5 h after gabapentin; needs 2 h
    person.dose(3, 150, "07:00")            # 1 h before gabapentin; needs 2 h
    result = person.review(3, "21:00")
    orders = [(v.dose_at.day, v.order, v.needed_h) for v in result.violations]
    assert orders == [(2, "drug_then_mg", 2.0), (3, "mg_then_drug", 2.0)]
    message = advice(result, "separation_violated")
    assert "Gabapentin" in message
    assert "2 times" in message
    assert "at least 2 h before it" in message          # the latest one: magnesium first
    assert "2 hours" in message                          # the rule's management text
    item = next(a for a in result.advice if a.code == "separation_violated")
    assert item.severity == "caution"
    assert "neurontin_label" in item.sources


def test_medicine_logged_by_brand_name_is_recognised(person: Person) -> None:
    person.med(1, "Synthroid", "06:30")
    person.dose(1, 150, "08:00")            # 1.5 h after levothyroxine; needs 4 h
    result = person.review(1)
    [violation] = result.violations
    assert violation.drug == "levothyroxine"
    assert violation.needed_h == 4.0


def test_old_violations_are_listed_but_not_advised(person: Person) -> None:
    person.med(1, "gabapentin", "08:00", "gabapentin")
    person.dose(1, 150, "08:15")
    person.follow(range(2, 30))
    result = person.review(29)
    assert len(result.violations) == 1
    assert "separation_violated" not in codes(result)
    assert result.to_dict()["separation_violations"][0]["drug"] == "gabapentin"


def test_not_separable_medicine(person: Person) -> None:
    person.med(1, "raltegravir", "08:00")
    person.dose(1, 150, "20:00")
    result = person.review(1, "21:00")
    message = advice(result, "interaction_not_separable")
    assert "Spacing the doses does not make this combination safe" in message


def test_unknown_logged_medicine_is_never_silently_safe(person: Person) -> None:
    person.med(1, "zorbatrexil", "08:00")
    person.dose(1, 150, "08:05")
    result = person.review(1)
    assert "'zorbatrexil'" in advice(result, "unrecognized_medication")


def test_review_json_contract(person: Person) -> None:
    person.baseline([6.0] * 10)
    person.follow(range(1, 6))
    data = person.review(5).to_dict()
    for key in ("status", "step", "next_step", "adherence_pct", "baseline_pain", "current_pain",
                "pain_change_pct", "response", "advice"):
        assert key in data
    assert set(data["step"]) >= {"elemental_mg_per_day", "doses_per_day", "since"}
    assert set(data["next_step"]) == {"elemental_mg_per_day", "on"}
    assert data["response"] in ("insufficient_data", "no_response", "minimal", "moderate",
                                "substantial")
    assert "days" not in data
    assert len(person.review(5).to_dict(days=True)["days"]) == 33


def test_naive_now_is_refused(person: Person, kb: Knowledge) -> None:
    with pytest.raises(ValueError, match="aware"):
        review([], person.stored(), kb, now=datetime(2024, 3, 1, 12, 0))


@given(
    loose=st.sets(st.integers(1, 45), max_size=6),
    missed=st.sets(st.integers(2, 45), max_size=10),
    today=st.integers(1, 50),
)
def test_titration_invariants(kb: Knowledge, loose: set[int], missed: set[int],
                              today: int) -> None:
    """Whatever the gut and the adherence: the step is a rung of the ladder, never above the
    target; the next step is higher and in the future; the history has no gaps."""
    p = Person(kb)
    for n in range(1, today + 1):
        if n not in missed or n == 1:
            p.take(n, 150, 1)
        if n in loose:
            p.loose(n)
    result = p.review(today, "23:00")
    rungs = {75, 150, 200, 250, 300}
    if "persistent_diarrhoea" in codes(result):
        rungs.add(0)  # persistent diarrhoea pauses magnesium
    assert result.step.elemental_mg_per_day in rungs
    assert result.step.elemental_mg_per_day <= result.tolerated_target_mg <= 300
    if result.next_step is not None:
        assert result.next_step.elemental_mg_per_day > result.step.elemental_mg_per_day
        assert result.next_step.on > result.today
    ends: list[Any] = [s.end for s in result.segments[:-1]]
    starts = [s.start for s in result.segments[1:]]
    assert all((start - end).days == 1 for end, start in zip(ends, starts, strict=True))
    assert result.segments[-1].end is None
    assert result.segments[0].start == p.day(1)


def test_profile_with_a_diet_is_rechecked_without_the_food_table(person: Person) -> None:
    """Re-planning for safety must not need the food table (that would be I/O)."""
    person.follow(range(1, 3))
    with_diet = dict(BASE_PROFILE, diet={"foods": ["1 oz pumpkin seeds"]})
    result = person.review(2, stored=person.stored(profile=with_diet))
    assert result.status == "start"
    assert "plan_outdated" not in codes(result)
