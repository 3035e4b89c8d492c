"""Is it helping? Baseline, latest week at the target, IMMPACT categories, the interval,
the stopping rule, and daily buckets that survive daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from tests.review.journals import LONDON, NEW_YORK, Person, advice, codes

from magnerve.core.entries import Entry
from magnerve.core.response import (
    bootstrap_change,
    classify_change,
    daily_pain,
    dose_response,
    mean_window,
)
from magnerve.core.review import review
from magnerve.knowledge import Knowledge

BASELINE = [6.0, 6.5, 5.5, 6.0, 6.2, 5.8, 6.0, 6.4, 5.6, 6.0]  # mean 6.0


def _responder(p: Person, late: float, days: int) -> None:
    """Baseline 6.0; pain falls over the titration to ``late`` from day 10 (the target)."""
    p.baseline(BASELINE)
    p.follow(range(1, days + 1))
    for n in range(1, days + 1):
        p.pain(n, 6.0 if n < 10 else late + (0.2 if n % 2 else -0.2))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(-75.0, "substantial", id="-75"),
        pytest.param(-50.0, "substantial", id="-50-boundary"),
        pytest.param(-49.9, "moderate", id="-49.9"),
        pytest.param(-30.0, "moderate", id="-30-boundary"),
        pytest.param(-29.9, "minimal", id="-29.9"),
        pytest.param(-10.0, "minimal", id="-10-boundary"),
        pytest.param(-9.9, "no_response", id="-9.9"),
        pytest.param(0.0, "no_response", id="no-change"),
        pytest.param(25.0, "no_response", id="worse"),
    ],
)
def test_immpact_categories(kb: Knowledge, change: float, expected: str) -> None:
    assert classify_change(change, kb.dosing.follow_up) == expected


@pytest.mark.parametrize(
    ("late", "expected", "pct"),
    [
        pytest.param(2.5, "substantial", -58.3, id="responder"),
        pytest.param(4.0, "moderate", -33.3, id="moderate"),
        pytest.param(5.2, "minimal", -13.3, id="minimal"),
        pytest.param(5.9, "no_response", -1.7, id="non-responder"),
    ],
)
def test_response_after_a_week_at_target(person: Person, late: float, expected: str,
                                         pct: float) -> None:
    _responder(person, late, 24)
    result = person.review(24, "22:00")
    data = result.to_dict()
    assert data["response"] == expected
    assert data["baseline_pain"] == 6.0
    assert data["pain_change_pct"] == pytest.approx(pct, abs=1.5)
    assert data["pain_change_interval"]["change_pct"][0] <= data["pain_change_pct"]
    assert data["pain_change_pct"] <= data["pain_change_interval"]["change_pct"][1]
    assert "stop_rule_no_benefit" not in codes(result)          # fewer than 8 weeks at target


def test_stopping_rule_after_eight_weeks_without_meaningful_benefit(person: Person) -> None:
    _responder(person, 5.2, 66)                     # target from day 10; day 66 = 8 weeks
    result = person.review(66, "22:00")
    assert result.response == "minimal"
    assert result.weeks_at_target >= 8
    message = advice(result, "stop_rule_no_benefit")
    assert "30%" in message
    assert "Discuss stopping" in message
    rule = next(a for a in result.advice if a.code == "stop_rule_no_benefit")
    assert rule.severity == "see_clinician"
    assert result.status == "start"                 # no safety stop


def test_no_stopping_rule_one_day_before_eight_weeks(person: Person) -> None:
    _responder(person, 5.2, 65)
    assert "stop_rule_no_benefit" not in codes(person.review(65, "22:00"))


def test_meaningful_benefit_at_eight_weeks_says_keep_going(person: Person) -> None:
    _responder(person, 4.0, 70)
    result = person.review(70, "22:00")
    assert "stop_rule_no_benefit" not in codes(result)
    assert "benefit_meaningful" in codes(result)


def test_missing_baseline_is_said_and_never_judged(person: Person) -> None:
    person.baseline([6.0, 6.0, 6.0])
    person.follow(range(1, 71))
    person.pains(range(1, 71), 2.0)
    result = person.review(70, "22:00")
    data = result.to_dict()
    assert data["baseline_pain"] is None
    assert data["pain_change_pct"] is None
    assert data["response"] == "insufficient_data"
    assert data["current_pain"] == 2.0
    assert "Only 3 days of pain scores before day 1" in advice(result, "baseline_missing")
    assert "stop_rule_no_benefit" not in codes(result)
    assert any("Baseline missing or too short" in n for n in result.response_notes)


def test_no_verdict_before_a_full_week_at_target(person: Person) -> None:
    person.baseline(BASELINE)
    person.follow(range(1, 15))
    person.pains(range(1, 15), 3.0)
    result = person.review(14, "22:00")              # at 300 mg since day 10: 5 days
    assert result.response == "insufficient_data"
    assert result.change_pct == pytest.approx(-50.0)  # the number is shown, not judged
    assert any("once the latest 7 days are all at the target" in n
               for n in result.response_notes)


def test_no_verdict_while_still_titrating(person: Person) -> None:
    person.baseline(BASELINE)
    person.follow(range(1, 9))
    person.pains(range(1, 9), 3.0)
    result = person.review(8, "22:00")
    assert result.response == "insufficient_data"
    assert any("Not yet at the target dose" in n for n in result.response_notes)


def test_too_few_scores_in_the_latest_week(person: Person) -> None:
    person.baseline(BASELINE)
    person.follow(range(1, 31))
    person.pains(range(1, 25), 3.0)
    person.pains((26, 28, 30), 3.0)                  # 3 of the latest 7 days
    result = person.review(30, "22:00")
    assert result.current_pain is None
    assert result.response == "insufficient_data"


def test_zero_baseline_has_no_percent_change(person: Person) -> None:
    person.baseline([0.0] * 8)
    person.follow(range(1, 25))
    person.pains(range(1, 25), 1.0)
    result = person.review(24, "22:00")
    assert result.change_pct is None
    assert result.response == "insufficient_data"
    assert result.change_points == pytest.approx(1.0)


def test_bootstrap_interval_is_deterministic(person: Person) -> None:
    _responder(person, 3.0, 24)
    first = person.review(24, "22:00").to_dict()["pain_change_interval"]
    second = person.review(24, "22:00").to_dict()["pain_change_interval"]
    assert first == second
    assert first["resamples"] == 2000
    assert first["level"] == 0.95


def test_bootstrap_depends_only_on_its_seed() -> None:
    base = [6.0, 5.0, 7.0, 6.5, 5.5, 6.0, 6.2]
    cur = [3.0, 4.0, 2.5, 3.5, 3.0, 4.2, 2.8]
    one = bootstrap_change(base, cur, seed=1)
    assert one == bootstrap_change(base, cur, seed=1)
    assert one != bootstrap_change(base, cur, seed=2)
    assert one is not None
    assert one.low_pct < -40 < one.high_pct
    assert bootstrap_change([], cur) is None
    assert bootstrap_change([0.0, 0.0], cur) is None


def test_interval_that_spans_categories_is_explained(kb: Knowledge) -> None:
    interval = bootstrap_change([6, 8, 4, 6, 7, 5, 6], [3, 5, 2, 4, 4, 3, 2], seed=3)
    assert interval is not None
    spans = interval.categories(kb.dosing.follow_up)
    assert spans[0] in ("substantial", "moderate")
    assert len(spans) >= 2


def test_daily_pain_averages_several_scores_on_a_day() -> None:
    at = datetime(2024, 3, 1, 8, 0, tzinfo=NEW_YORK)
    entries = [
        Entry("a", "pain", at, {"score": 4}),
        Entry("b", "pain", at + timedelta(hours=12), {"score": 6}),
        Entry("c", "pain", at + timedelta(days=1), {"score": 3}),
        Entry("d", "dose", at, {"mg": 100}),
    ]
    assert daily_pain(entries) == {date(2024, 3, 1): 5.0, date(2024, 3, 2): 3.0}


def test_mean_window_needs_enough_scored_days() -> None:
    pain = {date(2024, 3, d): 5.0 for d in range(1, 5)}
    window = mean_window(pain, date(2024, 3, 1), date(2024, 3, 7), 5)
    assert not window.sufficient
    assert window.days_scored == 4
    assert "Only 4 of the 5" in (window.note or "")


def test_dose_response_uses_the_previous_days_dose() -> None:
    days = [date(2024, 3, 1) + timedelta(days=i) for i in range(20)]
    dose = {d: (300.0 if i % 2 else 0.0) for i, d in enumerate(days)}
    # Pain follows yesterday's dose exactly: high after a day off, low after a dose.
    pain = {d: (3.0 if dose.get(d - timedelta(days=1), 0.0) else 6.0) for d in days[1:]}
    lags = {e.lag_days: e for e in dose_response(pain, dose, days[0], days[-1])}
    assert lags[1].r == pytest.approx(-1.0)
    assert lags[1].slope_per_100mg == pytest.approx(-1.0)
    assert lags[0].r == pytest.approx(1.0)          # same-day dose is the opposite here
    assert lags[1].n == 19


def test_spring_forward_keeps_late_scores_on_their_local_day(person: Person) -> None:
    """Scores at 23:30 New York time either side of 10 March 2024 stay one per day."""
    p = person
    start = p.day(1)
    for n in range(-9, 1):
        p.pain(n, 6.0, "23:30")
    p.follow(range(1, 21))
    for n in range(1, 21):
        p.pain(n, 3.0, "23:30")
    result = p.review(20, "23:45")
    scored = [d for d in result.days if d.pain is not None]
    assert len(scored) == 30
    assert [d.day for d in scored] == [start + timedelta(days=i) for i in range(-10, 20)]
    assert result.baseline.days_scored == 10
    # Bucketed by UTC date instead, every one of these scores would land a day late.
    utc_days = sorted({e.at.astimezone(UTC).date() for e in p.entries
                       if e.kind == "pain"})
    assert utc_days == [d.day + timedelta(days=1) for d in scored]


def test_review_in_a_fixed_offset_now_after_the_change_keeps_days(person: Person) -> None:
    """The CLI passes datetime.now().astimezone(): a fixed -04:00 offset, not a zone."""
    person.baseline([6.0] * 10, clock="23:30")
    person.follow(range(1, 15))
    for n in range(1, 15):
        person.pain(n, 3.0, "23:30")
    now = datetime.combine(person.day(14), time(23, 45), tzinfo=timezone(timedelta(hours=-4)))
    result = review(person.entries, person.stored(), person.kb, now=now)
    assert result.today == person.day(14)
    assert result.baseline.days_scored == 10
    assert result.current is not None
    assert result.current.days_scored == 7


def test_autumn_repeated_hour_in_london_is_one_day(kb: Knowledge) -> None:
    """01:30 happens twice on 27 October 2024 in London; both scores belong to that day."""
    first = datetime(2024, 10, 27, 1, 30, tzinfo=LONDON)            # BST, +01:00
    second = datetime(2024, 10, 27, 1, 30, fold=1, tzinfo=LONDON)    # GMT, +00:00
    assert second - first == timedelta(0) or first.utcoffset() != second.utcoffset()
    entries = [Entry("a", "pain", first, {"score": 4}), Entry("b", "pain", second, {"score": 6})]
    assert daily_pain(entries) == {date(2024, 10, 27): 5.0}


def test_separation_is_measured_in_real_hours_across_the_clock_change(person: Person) -> None:
    """Gabapentin at 01:30 EST and magnesium at 03:15 EDT are 45 minutes apart, not 1h45."""
    change_day = (date(2024, 3, 10) - person.start).days + 1
    person.follow(range(1, change_day))
    person.med(change_day, "gabapentin", "01:30", "gabapentin")
    person.dose(change_day, 250, "03:15")
    result = person.review(change_day)
    [violation] = result.violations
    assert violation.hours_apart == pytest.approx(0.75)
    assert "magnesium 0.8 h after Gabapentin" in advice(result, "separation_violated")
