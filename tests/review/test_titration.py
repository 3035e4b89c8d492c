"""Titration that listens: today's step, step-backs after loose stools, slower retries,
switching form, postponed step-ups and adherence, over scripted weeks in New York."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tests.review.journals import STEPS, Person, advice, codes

from magnerve.knowledge import Knowledge


def test_plan_assumptions(person: Person) -> None:
    """The scripted journals assume this plan for the base profile."""
    titration = {s["day"]: (s["elemental_mg_per_day"], s["doses_per_day"])
                 for s in person.plan_json["titration"]}
    assert titration == STEPS
    assert person.plan_json["recommended_form"] == "glycinate"
    assert person.plan_json["status"] == "start"


def test_not_started_says_so_and_collects_a_baseline(person: Person) -> None:
    person.baseline([6, 6, 5])
    result = person.review(0, "22:00")
    assert not result.started
    assert result.step.elemental_mg_per_day == 150
    assert result.step.since is None
    assert result.next_step is None
    assert result.response == "insufficient_data"
    assert "3 scored so far" in advice(result, "not_started")
    assert result.to_dict()["adherence_pct"] is None


def test_on_schedule_gives_current_step_and_next_step_date(person: Person) -> None:
    person.baseline([6] * 10)
    person.follow(range(1, 6))
    result = person.review(5)
    assert result.started
    assert result.plan_day == 5
    assert result.start_date == date(2024, 3, 1)
    assert (result.step.elemental_mg_per_day, result.step.doses_per_day) == (200, 1)
    assert result.step.since == date(2024, 3, 4)
    assert result.next_step is not None
    assert (result.next_step.elemental_mg_per_day, result.next_step.on) == (250, date(2024, 3, 7))
    assert result.status == "start"
    assert result.adherence_pct == 100.0
    assert codes(result) == []


def test_day_one_is_the_local_date_of_the_first_dose(person: Person) -> None:
    person.dose(1, 150, "23:50")
    result = person.review(1, "23:55")
    assert result.start_date == date(2024, 3, 1)
    assert result.plan_day == 1
    assert result.next_step is not None
    assert result.next_step.on == date(2024, 3, 4)


def test_at_target_there_is_no_next_step(person: Person) -> None:
    person.follow(range(1, 13))
    result = person.review(12)
    assert (result.step.elemental_mg_per_day, result.step.doses_per_day) == (300, 2)
    assert result.step.since == date(2024, 3, 10)
    assert result.next_step is None


def test_diarrhoea_steps_back_to_last_tolerated_dose_and_holds(person: Person) -> None:
    person.follow(range(1, 8))          # day 7: 250 mg/day
    person.loose(8)                     # loose stools the next morning
    person.take(8, 200, 1)
    result = person.review(8)
    assert result.step.elemental_mg_per_day == 200
    assert result.step.since == date(2024, 3, 8)
    # Hold 7 days, then retry: the plan's 3-day interval doubles.
    assert result.next_step is not None
    assert (result.next_step.elemental_mg_per_day, result.next_step.on) == (250, date(2024, 3, 15))
    message = advice(result, "step_back_gi")
    assert "250 mg/day" in message
    assert "200 mg/day" in message
    assert "2024-03-15" in message
    assert "every 6 days" in message
    [episode] = result.gi_episodes
    assert (episode.at_mg, episode.stepped_back_to) == (250, 200)


def test_retry_after_the_hold_is_slower(person: Person) -> None:
    person.follow(range(1, 8))
    person.loose(8)
    for n in range(8, 16):
        person.take(n, 200, 1)
    result = person.review(15)
    assert result.step.elemental_mg_per_day == 250
    assert result.step.since == date(2024, 3, 15)
    assert result.next_step is not None
    assert (result.next_step.elemental_mg_per_day, result.next_step.on) == (300, date(2024, 3, 21))
    assert [s.reason for s in result.segments] == ["plan", "plan", "plan", "step_back_gi", "retry"]
    assert "step_back_gi" not in codes(result)


def test_consecutive_loose_days_are_one_episode_and_extend_the_hold(person: Person) -> None:
    person.follow(range(1, 8))
    person.loose(8)
    person.loose(9, bristol=7, diarrhea=False)
    result = person.review(9)
    [episode] = result.gi_episodes
    assert episode.events == 2
    assert result.step.elemental_mg_per_day == 200
    assert result.next_step is not None
    assert result.next_step.on == date(2024, 3, 16)


def test_bristol_six_or_seven_counts_but_five_or_nausea_alone_do_not(person: Person) -> None:
    person.follow(range(1, 9))
    person.loose(8, bristol=5, diarrhea=False)
    person.loose(8, "12:00", bristol=None, diarrhea=False, nausea=True)
    assert person.review(8).gi_episodes == ()
    person.loose(8, "15:00", bristol=7, diarrhea=False)
    assert len(person.review(8).gi_episodes) == 1


def test_loose_stools_at_the_first_step_go_below_the_plan(person: Person) -> None:
    person.dose(1, 150)
    person.loose(1, "19:00")
    result = person.review(1, "21:00")
    assert (result.step.elemental_mg_per_day, result.step.doses_per_day) == (75, 1)
    assert result.next_step is not None
    assert (result.next_step.elemental_mg_per_day, result.next_step.on) == (150, date(2024, 3, 8))


def _two_episodes_at_250(p: Person) -> None:
    p.follow(range(1, 8))
    p.loose(8)
    for n in range(8, 15):
        p.take(n, 200, 1)
    p.take(15, 250, 2)
    p.loose(16)
    p.take(16, 200, 1)


def test_repeated_intolerance_on_an_osmotic_form_suggests_glycinate(
    person_with: Callable[..., Person], kb: Knowledge
) -> None:
    p = person_with(profile={"age": 50, "sex": "female", "egfr": 90, "constipation": True},
                    form="citrate")
    assert p.plan_json["recommended_form"] == "citrate"
    _two_episodes_at_250(p)
    result = p.review(16)
    assert len(result.gi_episodes) == 2
    message = advice(result, "switch_form")
    assert "glycinate" in message
    assert "citrate" in message
    # 250 failed twice: 200 mg/day is now the ceiling, with no further step-up.
    assert result.step.elemental_mg_per_day == 200
    assert result.next_step is None
    assert result.tolerated_target_mg == 200
    assert "tolerance_ceiling" in codes(result)
    switch = next(a for a in result.advice if a.code == "switch_form")
    assert set(switch.sources) <= set(kb.sources)


def test_repeated_intolerance_on_glycinate_asks_for_a_pharmacist_not_a_switch(
    person: Person,
) -> None:
    _two_episodes_at_250(person)
    result = person.review(16)
    assert "switch_form" not in codes(result)
    assert "buffered" in advice(result, "gi_intolerance_persistent")


def test_episodes_months_apart_are_not_repeated_intolerance(
    person_with: Callable[..., Person],
) -> None:
    p = person_with(profile={"age": 50, "sex": "female", "egfr": 90, "constipation": True},
                    form="citrate")
    p.follow(range(1, 8))
    p.loose(8)
    p.loose(120)
    result = p.review(121)
    assert len(result.gi_episodes) == 2
    assert "switch_form" not in codes(result)


def test_three_loose_days_in_a_week_need_a_clinician(person: Person) -> None:
    person.follow(range(1, 12))
    for n in (8, 10, 12):
        person.loose(n)
    result = person.review(12)
    assert "persistent_diarrhoea" in codes(result)
    assert next(a for a in result.advice if a.code == "persistent_diarrhoea").severity == (
        "see_clinician"
    )
    assert result.step.elemental_mg_per_day == 0  # the advice says pause, so does the dose
    assert result.next_step is None


def test_step_up_waits_for_doses_actually_taken(person: Person) -> None:
    person.dose(1, 150)                 # then nothing logged on days 2-4
    result = person.review(4)
    assert result.step.elemental_mg_per_day == 150
    assert result.next_step is not None
    assert result.next_step.on == date(2024, 3, 5)
    assert "step_up_postponed" in codes(result)
    assert "missed_doses" in codes(result)


def test_adherence_counts_planned_doses_per_day_and_per_week(person: Person) -> None:
    person.follow(range(1, 22), skip=(16, 17, 18))
    for n in (16, 17, 18):
        person.dose(n, 150)             # one of the two doses
    result = person.review(21)
    adherence = result.adherence
    assert adherence is not None
    assert (adherence.taken, adherence.planned) == (11, 14)      # days 14-20
    assert result.to_dict()["adherence_pct"] == 78.6
    assert (adherence.today_taken, adherence.today_planned) == (2, 2)
    weeks = [(w.week, w.taken, w.planned) for w in adherence.weekly]
    assert weeks == [(1, 8, 8), (2, 14, 14), (3, 9, 12)]
    assert "missed_doses" in codes(result)


def test_extra_doses_do_not_make_up_for_missed_ones(person: Person) -> None:
    person.follow(range(1, 15), skip=(12,))
    person.take(13, 300, 3)             # three doses instead of two
    result = person.review(14)
    assert result.adherence is not None
    assert (result.adherence.taken, result.adherence.planned) == (12, 14)


def test_more_than_the_step_is_flagged(person: Person) -> None:
    person.dose(1, 150)
    person.dose(2, 300)
    result = person.review(2)
    message = advice(result, "dose_above_plan")
    assert "300 mg against 150 mg" in message


def test_a_dose_above_the_upper_limit_needs_a_clinician(person: Person) -> None:
    person.follow(range(1, 12))
    person.dose(12, 400)
    result = person.review(12)
    flagged = next(a for a in result.advice if a.code == "dose_above_plan")
    assert flagged.severity == "see_clinician"
    assert "upper limit of 350" in flagged.message


def test_entries_after_now_are_ignored(person: Person) -> None:
    person.follow(range(1, 4))
    person.follow(range(4, 10))
    result = person.review(3)
    assert result.step.elemental_mg_per_day == 150
    assert result.days[-1].day == date(2024, 3, 3)


def test_failures_at_one_dose_months_apart_set_no_ceiling(person: Person) -> None:
    person.follow(range(1, 231))
    for n in (120, 200):                 # both at 300 mg/day, 80 days apart
        person.loose(n)
    result = person.review(230)
    assert [e.at_mg for e in result.gi_episodes] == [300, 300]
    assert result.tolerated_target_mg == 300
    assert result.step.elemental_mg_per_day == 300
    assert "tolerance_ceiling" not in codes(result)


def test_loose_stool_before_the_first_dose_of_a_step_up_day_blames_the_old_step(
    person: Person,
) -> None:
    person.follow(range(1, 10))          # 250 mg/day on days 7-9; 300 is due on day 10
    person.loose(10, "07:30")            # before the day's first dose (08:00)
    person.follow([10])
    result = person.review(10)
    [episode] = result.gi_episodes
    assert (episode.at_mg, episode.stepped_back_to) == (250, 200)
    assert result.step.elemental_mg_per_day == 200


def test_loose_stool_after_the_new_dose_blames_the_new_step(person: Person) -> None:
    person.follow(range(1, 11))
    person.loose(10, "20:00")
    result = person.review(10, "21:00")
    [episode] = result.gi_episodes
    assert (episode.at_mg, episode.stepped_back_to) == (300, 250)


def test_loose_stool_before_the_very_first_dose_is_not_magnesium(person: Person) -> None:
    person.loose(1, "06:00")
    person.dose(1, 150, "08:00")
    result = person.review(1)
    assert result.gi_episodes == ()
    assert result.step.elemental_mg_per_day == 150
