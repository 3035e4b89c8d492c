"""Titration that listens: today's step from the plan, the doses logged and the gut's answer.

The plan's titration is a ladder of daily amounts with the days between rungs. Replaying the
journal day by day from day 1 (the local date of the first logged dose) gives the step for
any day. Three things move a person off the plan's timetable, and why:

- **Diarrhoea** (a ``gi`` entry with ``diarrhea`` or Bristol type 6-7) at a step starts an
  *episode*: step back to the last tolerated rung, hold it for ``hold_days`` after the last
  loose stool, then climb again at ``retry_factor`` x the plan's interval. Diarrhoea is the
  dose-related critical effect behind every upper limit (IOM 1997; Peikert 1996: 18.6% at
  600 mg/day), and a slower climb is the usual way to get past it (BfR 2017 advises
  splitting doses for the same reason). Entries within ``episode_gap_days`` of each other
  are one episode: a loose stool on two consecutive days is one event, not two.
- **Repeated intolerance at the same rung** (``failures_before_ceiling`` episodes within
  ``repeat_window_days``) makes the rung below a ceiling: magnerve stops retrying a dose the
  gut has refused twice in a short time; the review suggests a gentler form instead. Two
  episodes a year apart are two chances, not a pattern.
- **Missed doses**: a step up waits until the current step was actually taken (at least one
  logged dose) on ``step_up_min_fraction`` of the days before it; stepping up on a dose that
  was never taken would skip the test of tolerance the titration exists for.

An episode at the lowest rung cannot step back within the plan, so the ladder has one extra
rung below the plan's first step: half of it, rounded down to ``round_mg`` (never below one
step). Everything here is policy (``ReviewPolicy``, read from dosing.toml [review]), not a
guideline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from magnerve.core.dosing import doses_per_day, round_down
from magnerve.knowledge.models import Dosing, ReviewPolicy

__all__ = [
    "GIEpisode",
    "Level",
    "ReviewPolicy",
    "Segment",
    "TitrationState",
    "build_ladder",
    "replay",
]




@dataclass(frozen=True, slots=True)
class Level:
    """One rung: a daily amount, its doses, and the plan's days before the next rung."""

    mg: int
    doses: int
    interval: int
    in_plan: bool = True


def build_ladder(titration: Sequence[Mapping[str, Any]], dosing: Dosing) -> list[Level]:
    """Rungs from the plan JSON's titration, with a reduced rung below the first step."""
    steps = sorted(
        (
            (int(s["day"]), int(s["elemental_mg_per_day"]), int(s["doses_per_day"]))
            for s in titration
            if int(s["elemental_mg_per_day"]) > 0
        ),
    )
    rungs: list[tuple[int, int, int]] = []  # (day, mg, doses), one per distinct amount
    for day, mg, doses in steps:
        if rungs and mg <= rungs[-1][1]:
            continue
        rungs.append((day, mg, doses))
    if not rungs:
        return []
    default_interval = dosing.titration.step_days
    levels: list[Level] = []
    for index, (day, mg, doses) in enumerate(rungs):
        interval = rungs[index + 1][0] - day if index + 1 < len(rungs) else default_interval
        levels.append(Level(mg, max(1, doses), max(1, interval)))
    unit = dosing.target.round_mg
    reduced = max(unit, round_down(levels[0].mg / 2, unit))
    if reduced < levels[0].mg:
        levels.insert(
            0, Level(reduced, doses_per_day(reduced, dosing), levels[0].interval, in_plan=False)
        )
    return levels


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of days at one step; ``end`` None while it lasts."""

    start: date
    end: date | None
    elemental_mg_per_day: int
    doses_per_day: int
    reason: Literal["plan", "step_back_gi", "retry", "stop"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": None if self.end is None else self.end.isoformat(),
            "elemental_mg_per_day": self.elemental_mg_per_day,
            "doses_per_day": self.doses_per_day,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class GIEpisode:
    """Loose stools at one step, and what the titration did about it."""

    start: date
    end: date
    events: int
    at_mg: int
    stepped_back_to: int | None
    hold_until: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "events": self.events,
            "at_mg_per_day": self.at_mg,
            "stepped_back_to_mg_per_day": self.stepped_back_to,
            "hold_until": None if self.hold_until is None else self.hold_until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class TitrationState:
    """The replay's result: where the person is today and how they got there."""

    levels: tuple[Level, ...]
    level: int
    since: date
    next_up: date | None
    ceiling: int
    retry_factor: int
    postponed: bool
    segments: tuple[Segment, ...]
    episodes: tuple[GIEpisode, ...]
    #: planned (mg/day, doses/day) for day 1..today, index 0 is day 1
    planned: tuple[tuple[int, int], ...] = field(default=())

    @property
    def current(self) -> Level:
        return self.levels[self.level]

    @property
    def tolerated_target_mg(self) -> int:
        """The highest amount the person will be stepped up to (the plan's target unless
        repeated intolerance set a lower ceiling)."""
        return self.levels[self.ceiling].mg

    @property
    def at_ceiling(self) -> bool:
        return self.level == self.ceiling


def _day(start: date, n: int) -> date:
    return start + timedelta(days=n - 1)


class _Replay:
    """The mutable state of one replay (kept out of ``replay`` so each rule reads alone)."""

    def __init__(self, levels: Sequence[Level], policy: ReviewPolicy) -> None:
        self.levels = levels
        self.policy = policy
        self.level = next((i for i, lv in enumerate(levels) if lv.in_plan), 0)
        self.since = 1
        self.ceiling = len(levels) - 1
        self.factor = 1
        self.next_up: int | None = (
            1 + levels[self.level].interval if self.level < self.ceiling else None
        )
        self.failures: list[list[int]] = [[] for _ in levels]  # episode days at each rung
        self.postponed = False
        self.last_gi: int | None = None
        self.segments: list[list[Any]] = [
            [1, None, levels[self.level].mg, levels[self.level].doses, "plan"]
        ]
        self.episodes: list[list[Any]] = []  # [start, end, events, at_mg, back_to, hold_until]

    def _move(self, new_level: int, day: int, reason: str) -> None:
        self.level = new_level
        self.since = day
        self.segments[-1][1] = day - 1
        self.segments.append([day, None, self.levels[new_level].mg,
                              self.levels[new_level].doses, reason])

    def _hold_until(self, day: int) -> int | None:
        if self.level >= self.ceiling:
            return None
        return day + max(self.policy.hold_days, self.levels[self.level].interval * self.factor)

    def step_up(self, d: int, taken_on: Callable[[int], bool]) -> None:
        """Step up when due, if the current step was taken on enough of the days before."""
        if self.next_up is None or d < self.next_up:
            return
        window = min(self.levels[self.level].interval * self.factor, 7)
        need = math.ceil(window * self.policy.step_up_min_fraction)
        taken = sum(1 for k in range(1, window + 1) if d - k >= self.since and taken_on(d - k))
        if taken < need:
            self.postponed = True
            self.next_up = d + 1
            return
        self.postponed = False
        self._move(self.level + 1, d, "retry" if self.episodes else "plan")
        self.next_up = (d + self.levels[self.level].interval * self.factor
                        if self.level < self.ceiling else None)

    def intolerance(self, d: int) -> None:
        """Loose stools on day ``d``: a new episode steps back; a continuing one extends
        the hold."""
        policy = self.policy
        if self.last_gi is not None and d - self.last_gi <= policy.episode_gap_days:
            episode = self.episodes[-1]
            episode[1] = d
            episode[2] += 1
            if self.next_up is not None:
                self.next_up = self._hold_until(d)
                episode[5] = self.next_up
            self.last_gi = d
            return
        at = self.level
        self.failures[at].append(d)
        recent = [x for x in self.failures[at] if d - x < policy.repeat_window_days]
        if len(recent) >= policy.failures_before_ceiling:
            self.ceiling = min(self.ceiling, max(at - 1, 0))
        self.factor = min(policy.max_retry_factor, self.factor * policy.retry_factor)
        back_to: int | None = None
        if at > 0:
            self._move(at - 1, d, "step_back_gi")
            back_to = self.levels[self.level].mg
        self.next_up = self._hold_until(d)
        self.postponed = False
        self.episodes.append([d, d, 1, self.levels[at].mg, back_to, self.next_up])
        self.last_gi = d


def replay(
    levels: Sequence[Level],
    start: date,
    today: date,
    dose_days: set[date],
    intolerance_days: Sequence[date],
    policy: ReviewPolicy,
    *,
    before_first_dose: set[date] | frozenset[date] = frozenset(),
) -> TitrationState:
    """Replay days 1..today and return the step in effect today.

    Args:
        levels: the ladder (``build_ladder``); must not be empty.
        start: the local date of the first logged dose (day 1).
        today: the local date of the review.
        dose_days: local dates with at least one logged dose.
        intolerance_days: local dates with diarrhoea or Bristol 6-7, any order.
        before_first_dose: intolerance days whose first loose stool came before that day's
            first dose (or on a day without one). Those are blamed on the step taken the day
            before, so a step-up due that day does not happen; otherwise the day's own step
            (after any step-up) is blamed.
    """
    state = _Replay(levels, policy)
    today_n = (today - start).days + 1
    gi = {(d - start).days + 1 for d in intolerance_days if start <= d <= today}
    early = {(d - start).days + 1 for d in before_first_dose}
    planned: list[tuple[int, int]] = []

    def taken_on(n: int) -> bool:
        return _day(start, n) in dose_days

    for d in range(1, today_n + 1):
        if d in gi and d in early:
            state.intolerance(d)
        state.step_up(d, taken_on)
        if d in gi and d not in early:
            state.intolerance(d)
        planned.append((levels[state.level].mg, levels[state.level].doses))

    next_up = state.next_up
    return TitrationState(
        levels=tuple(levels),
        level=state.level,
        since=_day(start, state.since),
        next_up=None if next_up is None else _day(start, next_up),
        ceiling=state.ceiling,
        retry_factor=state.factor,
        postponed=state.postponed,
        segments=tuple(
            Segment(_day(start, s[0]), None if s[1] is None else _day(start, s[1]), s[2], s[3],
                    s[4])
            for s in state.segments
            if s[1] is None or s[1] >= s[0]
        ),
        episodes=tuple(
            GIEpisode(_day(start, e[0]), _day(start, e[1]), e[2], e[3], e[4],
                      None if e[5] is None else _day(start, e[5]))
            for e in state.episodes
        ),
        planned=tuple(planned),
    )
