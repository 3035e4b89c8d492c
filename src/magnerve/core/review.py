"""``review(entries, stored_plan, knowledge, now=...) -> Review``: what to do today.

Pure: the clock comes in as ``now`` (aware), the journal as plain ``Entry`` values and the
plan as the ``StoredPlan`` it was saved as. The review answers, in order of importance:

1. **Is it still safe?** The stored profile is re-planned with today's knowledge; a stop
   reason (a new eGFR below 30, a heart block...) or a stored ``do_not_start`` plan makes
   the status ``do_not_start`` and the step zero, whatever the titration says.
2. **What dose today?** The plan's titration replayed from day 1 (the local date of the
   first logged dose) and adjusted by the gut's answer (``magnerve.core.tolerance``).
3. **Was it taken, and spaced from medicines?** Adherence (doses logged / planned, per
   week) and logged doses too close to logged interacting medicines
   (``magnerve.core.spacing``).
4. **Is it helping?** Baseline against the latest week at the target, with an interval and
   the stopping rule (``magnerve.core.response``). Never a verdict from too little data.

Local days: every entry belongs to the local date on its own wall clock (its own offset),
and "today" is ``now``'s local date. A person who logs at 23:30 on the night the clocks go
forward keeps that score on that day. The JSON field names in ``Review.to_dict`` are the
design.md 3.7 contract; other fields may be added, never renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from magnerve.core.entries import Entry, StoredPlan
from magnerve.core.plan import SEVERITY_ORDER, Status
from magnerve.core.profile import Profile, parse_profile
from magnerve.core.response import (
    BootstrapInterval,
    LagEffect,
    PainWindow,
    ResponseCategory,
    bootstrap_change,
    classify_change,
    daily_pain,
    dose_response,
    mean_window,
)
from magnerve.core.review_records import (
    RESPONSE_SOURCES,
    Adherence,
    Advice,
    DayRecord,
    GIEvent,
    NextStep,
    Review,
    Severity,
    Step,
    WeekAdherence,
)
from magnerve.core.spacing import SpacingViolation, check_spacing
from magnerve.core.text import normalize
from magnerve.core.tolerance import (
    ReviewPolicy,
    Segment,
    TitrationState,
    build_ladder,
    replay,
)
from magnerve.errors import InputError
from magnerve.knowledge import Knowledge

__all__ = [
    "Adherence",
    "Advice",
    "DayRecord",
    "GIEvent",
    "NextStep",
    "Review",
    "ReviewPolicy",
    "Step",
    "WeekAdherence",
    "review",
]

_STATUSES: tuple[Status, ...] = (
    "start", "start_with_caution", "see_clinician_first", "do_not_start",
)


# --------------------------------------------------------------------------------------------
# Helpers


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _gi_event(entry: Entry) -> GIEvent:
    values = entry.values
    bristol = values.get("bristol")
    return GIEvent(
        at=entry.at,
        bristol=bristol if isinstance(bristol, int) and not isinstance(bristol, bool) else None,
        diarrhea=values.get("diarrhea") is True,
        nausea=values.get("nausea") is True,
        cramps=values.get("cramps") is True,
        mg_per_day=None,
    )


def _form_id(raw: object, knowledge: Knowledge) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    if raw in knowledge.forms:
        return raw
    return knowledge.form_names.get(normalize(raw))


def _hours(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _fmt_day(day: date) -> str:
    return day.isoformat()


def _status(value: object) -> Status:
    for status in _STATUSES:
        if value == status:
            return status
    return "see_clinician_first"  # an unreadable stored status fails closed


# --------------------------------------------------------------------------------------------
# The review


@dataclass
class _Context:
    knowledge: Knowledge
    policy: ReviewPolicy
    today: date
    plan: dict[str, Any]
    supervised: bool = False
    advice: list[Advice] = field(default_factory=list)

    def add(self, code: str, severity: Severity, message: str,
            sources: Sequence[str] = ()) -> None:
        self.advice.append(Advice(code, severity, message, tuple(dict.fromkeys(sources))))


def _safety(
    ctx: _Context, stored: StoredPlan, profile: Profile | None
) -> tuple[Status, bool]:
    """Current status and whether a stop rule holds (the stored plan or a fresh one)."""
    from magnerve.core.planner import plan as make_plan

    stored_status = _status(ctx.plan.get("status"))
    if profile is None:
        try:
            profile = parse_profile(stored.profile, ctx.knowledge)
        except InputError as exc:
            ctx.add("profile_unreadable", "see_clinician",
                    f"The saved profile could not be checked again ({exc}); the safety checks "
                    "use the saved plan only. Update the profile and save a new plan.")
            return (stored_status if stored_status == "do_not_start" else "see_clinician_first",
                    stored_status == "do_not_start")
    # The diet only adds the food ledger (it needs the food table, which is I/O) and never
    # changes a status or a target, so the safety re-check plans without it.
    if profile.diet is not None:
        profile = profile.model_copy(update={"diet": None})
    fresh = make_plan(profile, ctx.knowledge)
    stop = fresh.status == "do_not_start" or stored_status == "do_not_start"
    status: Status = "do_not_start" if stop else fresh.status
    stops = [r for r in fresh.reasons if r.severity == "stop"]
    if stop:
        titles = [ctx.knowledge.codes[r.code].title.lower() if r.code in ctx.knowledge.codes
                  else r.code for r in stops]
        why = ("a stop rule applies (" + "; ".join(dict.fromkeys(titles)) + "), see below"
               if stops else "the saved plan says not to start")
        ctx.add("stop_rule", "stop",
                f"Stop taking magnesium supplements and talk to your clinician: {why}.",
                [s for r in stops for s in r.sources])
        for reason in stops:
            ctx.add(reason.code, "stop", reason.message, reason.sources)
    elif fresh.daily_target_mg != int(ctx.plan.get("daily_target_mg") or 0):
        ctx.add("plan_outdated", "info",
                f"Planning again with the saved profile gives a target of "
                f"{fresh.daily_target_mg} mg/day instead of {ctx.plan.get('daily_target_mg')} "
                "mg/day. Save a new plan to follow it.", ["magnerve_policy"])
    return status, stop


def _stop_since(stored: StoredPlan, today: date) -> date:
    """When the stop began: the saved plan's date when it already said stop (the profile
    changed then), else today (re-planning with today's knowledge found it)."""
    if _status(stored.plan.get("status")) == "do_not_start":
        return min(stored.created_at.date(), today)
    return today


def _adherence(
    state: TitrationState | None,
    start: date,
    today: date,
    doses_per_day: dict[date, int],
    stop_from: date | None,
    policy: ReviewPolicy,
) -> Adherence | None:
    """Doses logged / planned over full days (today excluded: it is not over yet)."""
    if state is None:
        return None
    today_n = (today - start).days + 1

    def planned(n: int) -> int:
        day = start + timedelta(days=n - 1)
        if stop_from is not None and day >= stop_from:
            return 0
        return state.planned[n - 1][1]

    def taken(n: int) -> int:
        return min(doses_per_day.get(start + timedelta(days=n - 1), 0), planned(n))

    weekly: list[WeekAdherence] = []
    for week in range(1, (today_n - 2) // 7 + 2):
        first, last = 7 * week - 6, min(7 * week, today_n - 1)
        if last < first:
            break
        weekly.append(WeekAdherence(
            week, start + timedelta(days=first - 1), start + timedelta(days=last - 1),
            sum(taken(n) for n in range(first, last + 1)),
            sum(planned(n) for n in range(first, last + 1)),
        ))
    first = max(1, today_n - policy.adherence_days)
    last = today_n - 1
    days = range(first, last + 1)
    return Adherence(
        start=start + timedelta(days=first - 1),
        end=start + timedelta(days=max(first, last) - 1),
        taken=sum(taken(n) for n in days),
        planned=sum(planned(n) for n in days),
        missed_days=sum(1 for n in days if planned(n) > 0 and taken(n) == 0),
        today_taken=min(doses_per_day.get(today, 0), planned(today_n)),
        today_planned=planned(today_n),
        weekly=tuple(weekly),
    )


def _gentler_form(ctx: _Context, current: str | None) -> str | None:
    """glycinate when the plan allows it, else the best-ranked non-osmotic form."""
    ranked = [f.get("form") for f in ctx.plan.get("forms", []) if isinstance(f, dict)]
    candidates = [f for f in ranked if isinstance(f, str) and f in ctx.knowledge.forms
                  and not ctx.knowledge.forms[f].gi.osmotic and f != current
                  and ctx.knowledge.forms[f].oral]
    if "glycinate" in candidates:
        return "glycinate"
    return candidates[0] if candidates else None


def _gi_advice(
    ctx: _Context, state: TitrationState, form: str | None, gi_days: Sequence[date]
) -> None:
    policy = ctx.policy
    episodes = state.episodes
    sources = ("iom1997", "peikert1996", "bfr2017", "magnerve_policy")
    if episodes:
        last = episodes[-1]
        holding = last.hold_until is not None and ctx.today < last.hold_until
        fresh = last.hold_until is None and ctx.today - last.end <= timedelta(days=7)
        if last.stepped_back_to is not None and (holding or fresh):
            every = state.levels[state.level].interval * state.retry_factor
            then = (
                f"hold it until {_fmt_day(last.hold_until)}, then step up again more slowly "
                f"(every {every} days)" if last.hold_until is not None else
                "stay at this dose: it is the highest you have tolerated"
            )
            ctx.add("step_back_gi", "caution",
                    f"Loose stools on {_fmt_day(last.start)} at {last.at_mg} mg/day: step back "
                    f"to {last.stepped_back_to} mg/day (the last dose you tolerated), {then}. "
                    "Splitting the day's amount into doses with food also helps.", sources)
        elif last.stepped_back_to is None and last.at_mg == state.levels[0].mg:
            ctx.add("gi_intolerance_persistent", "see_clinician",
                    f"Loose stools even at {last.at_mg} mg/day, the lowest step. Pause magnesium "
                    "and discuss with your clinician or pharmacist whether to continue.",
                    sources)
    window_start = ctx.today - timedelta(days=policy.repeat_window_days - 1)
    repeated = [e for e in episodes if e.end >= window_start]
    if len(repeated) >= policy.switch_form_after:
        form_info = ctx.knowledge.forms.get(form) if form else None
        gentler = _gentler_form(ctx, form)
        times = (f"{len(repeated)} episodes of loose stools in the last "
                 f"{policy.repeat_window_days} days")
        already = any(a.code == "gi_intolerance_persistent" for a in ctx.advice)
        if form_info is not None and not form_info.gi.osmotic and not already:
            ctx.add("gi_intolerance_persistent", "see_clinician",
                    f"{times}, although {form_info.name.lower()} is not an osmotic laxative. "
                    "Check the label: products sold as 'glycinate' are often buffered with "
                    "magnesium oxide. Discuss with your pharmacist.",
                    ("buffered_glycinate", "magnerve_policy"))
        elif gentler is not None and (form_info is None or form_info.gi.osmotic):
            name = ctx.knowledge.forms[gentler].name.lower()
            what = (f"on {form_info.name.lower()}, which draws water into the gut (an osmotic "
                    "laxative)" if form_info is not None else "on a form magnerve does not know")
            ctx.add("switch_form", "caution",
                    f"{times} {what}. Consider switching to {name} ('{gentler}'), which is not "
                    "an osmotic laxative: keep the same elemental mg and save a new plan.",
                    (*(form_info.gi.sources if form_info else ()),
                     *ctx.knowledge.forms[gentler].gi.sources))
    if state.ceiling < len(state.levels) - 1:
        ctx.add("tolerance_ceiling", "info",
                f"Doses above {state.tolerated_target_mg} mg/day caused loose stools twice "
                f"within {policy.repeat_window_days} days, so "
                f"magnerve no longer steps up past {state.tolerated_target_mg} mg/day "
                f"(the plan's target is {state.levels[-1].mg} mg/day).", ("magnerve_policy",))
    recent = {d for d in gi_days if ctx.today - timedelta(days=6) <= d <= ctx.today}
    if len(recent) >= policy.persistent_gi_days:
        ctx.add("persistent_diarrhoea", "see_clinician",
                f"Loose stools on {len(recent)} of the last 7 days: pause magnesium (take none) "
                "and see a doctor. Persistent diarrhoea is a reason to stop magnesium.",
                ("iom1997", "magnerve_policy"))


def _spacing_advice(
    ctx: _Context, violations: Sequence[SpacingViolation],
    unrecognised: Sequence[tuple[str, datetime]],
) -> None:
    since = ctx.today - timedelta(days=ctx.policy.recent_days - 1)
    by_drug: dict[str, list[SpacingViolation]] = {}
    for violation in violations:
        if violation.dose_at.date() >= since:
            by_drug.setdefault(violation.drug, []).append(violation)
    for items in by_drug.values():
        last = items[-1]
        rule = last.rule
        count = len(items)
        times = "once" if count == 1 else f"{count} times"
        when = f"{_fmt_day(last.dose_at.date())} at {last.dose_at.strftime('%H:%M')}"
        if last.order == "not_separable":
            ctx.add("interaction_not_separable", "see_clinician",
                    f"Magnesium was logged within a day of {last.drug_name} {times} in the last "
                    f"{ctx.policy.recent_days} days (latest {when}). Spacing the doses does not "
                    f"make this combination safe: {rule.management}", rule.sources)
            continue
        if last.order == "drug_then_mg":
            what = (f"magnesium {_hours(last.hours_apart)} h after {last.drug_name}; the rule is "
                    f"at least {_hours(last.needed_h or 0)} h after it")
        else:
            what = (f"{last.drug_name} {_hours(last.hours_apart)} h after magnesium; the rule is "
                    f"at least {_hours(last.needed_h or 0)} h before it")
        ctx.add("separation_violated", "caution",
                f"Magnesium was logged too close to {last.drug_name} {times} in the last "
                f"{ctx.policy.recent_days} days (latest {when}: {what}). {rule.management}",
                rule.sources)
    names = sorted({name for name, at in unrecognised if at.date() >= since})
    if names:
        listed = ", ".join(f"'{n}'" for n in names)
        ctx.add("unrecognized_medication", "caution",
                f"You logged {listed}, which magnerve does not know, so spacing from magnesium "
                "could not be checked. Ask a pharmacist.", ("magnerve_policy",))


def _dose_advice(
    ctx: _Context, adherence: Adherence | None, state: TitrationState, start: date,
    dose_mg: dict[date, float], stop_from: date | None,
) -> None:
    policy = ctx.policy
    pct = None if adherence is None else adherence.pct
    if adherence is not None and pct is not None and pct < policy.low_adherence_pct:
        ctx.add("missed_doses", "info",
                f"{adherence.taken} of {adherence.planned} planned doses were logged from "
                f"{_fmt_day(adherence.start)} to {_fmt_day(adherence.end)} "
                f"({pct:.0f}%). Log every dose: step-ups wait for doses taken, "
                "and the response cannot be judged on doses missed.", ("magnerve_policy",))
    if state.postponed and state.next_up is not None:
        ctx.add("step_up_postponed", "info",
                "The next step up waits until the current dose has been taken (logged) on most "
                "of the days before it.", ("magnerve_policy",))
    over: list[tuple[date, float, int]] = []
    for offset in range(policy.adherence_days, -1, -1):
        day = ctx.today - timedelta(days=offset)
        n = (day - start).days + 1
        if n < 1 or n > len(state.planned):
            continue
        planned = 0 if stop_from is not None and day >= stop_from else state.planned[n - 1][0]
        taken = dose_mg.get(day, 0.0)
        if planned > 0 and taken > planned + 0.5:
            over.append((day, taken, planned))
    if over:
        day, taken, planned = over[-1]
        limit = ctx.plan.get("upper_limit_mg")
        severity: Severity = "caution"
        extra = ""
        if isinstance(limit, int) and taken > limit and not ctx.supervised:
            severity = "see_clinician"
            extra = f" That is above the upper limit of {limit} mg/day from supplements."
        ctx.add("dose_above_plan", severity,
                f"On {len(over)} recent day(s) more magnesium was logged than planned (latest "
                f"{_fmt_day(day)}: {taken:g} mg against {planned} mg).{extra} Diarrhoea is "
                "dose-related; keep to the step.", ("iom1997", "magnerve_policy"))


def _response(
    ctx: _Context,
    pain: dict[date, float],
    start: date | None,
    state: TitrationState | None,
    stopped: bool,
) -> tuple[PainWindow, PainWindow | None, float | None, float | None, ResponseCategory,
           BootstrapInterval | None, tuple[str, ...], float, tuple[str, ...]]:
    follow = ctx.knowledge.dosing.follow_up
    policy = ctx.policy
    today = ctx.today
    notes: list[str] = []
    if start is None:
        base_start, base_end = today - timedelta(days=policy.baseline_window_days - 1), today
    else:
        base_start = start - timedelta(days=policy.baseline_window_days)
        base_end = start - timedelta(days=1)
    baseline = mean_window(pain, base_start, base_end, follow.baseline_days)
    if not baseline.sufficient:
        if start is None:
            notes.append(f"Baseline so far: {baseline.days_scored} of {follow.baseline_days} "
                         "scored days. Keep scoring pain daily before day 1.")
        else:
            notes.append(f"Baseline missing or too short: {baseline.days_scored} scored days in "
                         f"the {policy.baseline_window_days} days before day 1 "
                         f"({follow.baseline_days} needed). Without it the response cannot be "
                         "judged.")
    if start is None or state is None:
        notes.append("Not started: no dose logged yet, so there is no response to judge.")
        return (baseline, None, None, None, "insufficient_data", None, (), 0.0, tuple(notes))

    cur_start = max(today - timedelta(days=6), start)
    current = mean_window(pain, cur_start, today, policy.min_current_days)
    if not current.sufficient:
        notes.append(f"Current pain needs at least {policy.min_current_days} scored days in the "
                     f"latest 7; found {current.days_scored}.")
    weeks_at_target = 0.0
    at_target_week = False
    if state.at_ceiling and not stopped:
        # Weeks completed at the target, as the plan counts them (its follow-up puts the
        # stopping rule on titration_end + 7 x stop_rule_weeks); a full latest week at the
        # target means the 7 days up to and including today.
        weeks_at_target = (today - state.since).days / 7
        at_target_week = (today - state.since).days + 1 >= 7
    if not at_target_week:
        if stopped:
            notes.append("Magnesium is stopped, so the response is not judged.")
        elif not state.at_ceiling:
            notes.append(f"Not yet at the target dose ({state.tolerated_target_mg} mg/day); the "
                         "response is judged on a full week at the target.")
        else:
            notes.append(f"At the target dose since {_fmt_day(state.since)}; the response is "
                         "judged once the latest 7 days are all at the target.")

    change_pct = change_points = None
    interval = None
    spans: tuple[str, ...] = ()
    base_mean, cur_mean = baseline.mean, current.mean
    if baseline.sufficient and current.sufficient and base_mean is not None and (
        cur_mean is not None
    ):
        change_points = cur_mean - base_mean
        if base_mean > 0:
            change_pct = change_points / base_mean * 100
            interval = bootstrap_change(
                baseline.values, current.values, resamples=policy.bootstrap_resamples,
                level=policy.bootstrap_level, seed=policy.bootstrap_seed,
            )
        else:
            notes.append("Baseline pain is 0, so a percent change cannot be computed.")
    response: ResponseCategory = "insufficient_data"
    if change_pct is not None and at_target_week:
        response = classify_change(change_pct, follow)
        if interval is not None:
            spans = tuple(interval.categories(follow))
            if len(spans) > 1:
                notes.append(
                    f"The {interval.level:.0%} interval of the change runs from "
                    f"{interval.low_pct:+.0f}% to {interval.high_pct:+.0f}%, which spans "
                    f"{' to '.join(s.replace('_', ' ') for s in (spans[0], spans[-1]))}: keep "
                    "scoring daily to narrow it."
                )
    return (baseline, current, change_pct, change_points, response, interval, spans,
            weeks_at_target, tuple(notes))


def _response_advice(
    ctx: _Context, response: ResponseCategory, change_pct: float | None, weeks: float,
    stopped: bool, started: bool, baseline: PainWindow,
) -> None:
    follow = ctx.knowledge.dosing.follow_up
    sources = (*RESPONSE_SOURCES, "magnerve_policy")
    if stopped:
        return
    if not started:
        ctx.add("not_started", "info",
                f"No dose logged yet. Score pain (0-10) every day for at least "
                f"{follow.baseline_days} days before day 1 ({baseline.days_scored} scored so "
                "far); then start with the first step of the plan.", sources)
        return
    if not baseline.sufficient:
        ctx.add("baseline_missing", "caution",
                f"Only {baseline.days_scored} days of pain scores before day 1 "
                f"({follow.baseline_days} needed), so whether magnesium helps cannot be judged "
                "against a baseline. Discuss with your clinician how to judge it instead.",
                sources)
    if weeks >= follow.stop_rule_weeks and baseline.sufficient:
        if response == "insufficient_data":
            ctx.add("pain_scores_needed", "caution",
                    f"{weeks:.0f} weeks at the target, but too few pain scores to apply the "
                    "stopping rule. Score pain every day for the next week.", sources)
        elif change_pct is not None and -change_pct < follow.meaningful_reduction_pct:
            ctx.add("stop_rule_no_benefit", "see_clinician",
                    f"After {weeks:.0f} weeks at the target, average pain is "
                    f"{abs(change_pct):.0f}% {'lower' if change_pct < 0 else 'higher'} than at "
                    f"baseline, less than the {follow.meaningful_reduction_pct:g}% most people "
                    "count as meaningful. Discuss stopping magnesium with your clinician.",
                    sources)
        else:
            ctx.add("benefit_meaningful", "info",
                    f"After {weeks:.0f} weeks at the target, average pain is "
                    f"{abs(change_pct or 0):.0f}% lower than at baseline (at least "
                    f"{follow.meaningful_reduction_pct:g}% is meaningful). Keep going and review "
                    "with your clinician.", sources)


def review(
    entries: Iterable[Entry],
    stored_plan: StoredPlan,
    knowledge: Knowledge,
    *,
    now: datetime,
    profile: Profile | None = None,
    earlier_plans: Sequence[StoredPlan] = (),
    policy: ReviewPolicy | None = None,
) -> Review:
    """Review the journal against the saved plan as of ``now`` (timezone-aware).

    Args:
        entries: journal entries in any order; entries after ``now`` are ignored.
        stored_plan: the plan being followed (its JSON and the profile that produced it).
        knowledge: the knowledge base (re-planning uses today's knowledge).
        now: the moment of the review; its local date is "today".
        profile: the stored profile already parsed (saves parsing it again).
        earlier_plans: older plan versions (any order). When the current plan has no
            titration (a stop), the latest earlier titration still explains the doses
            already taken, so the dose history survives the stop.
        policy: the review's policy numbers (default: dosing.toml [review]).

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    policy = policy if policy is not None else knowledge.dosing.review
    today = now.date()
    plan_json = stored_plan.plan
    supervised = stored_plan.profile.get("clinician_supervised") is True
    ctx = _Context(knowledge, policy, today, plan_json, supervised)
    status, stopped = _safety(ctx, stored_plan, profile)

    doses: list[Entry] = []
    meds: list[Entry] = []
    gi_entries: list[Entry] = []
    kept: list[Entry] = []
    for entry in entries:
        if entry.at > now:
            continue
        kept.append(entry)
        if entry.kind == "dose":
            mg = _number(entry.values.get("mg"))
            if mg is not None and mg > 0:
                doses.append(entry)
        elif entry.kind == "med":
            meds.append(entry)
        elif entry.kind == "gi":
            gi_entries.append(entry)
    doses.sort(key=lambda e: e.at)
    gi_entries.sort(key=lambda e: e.at)

    dose_count: dict[date, int] = {}
    dose_mg: dict[date, float] = {}
    for dose in doses:
        day = dose.at.date()
        dose_count[day] = dose_count.get(day, 0) + 1
        dose_mg[day] = dose_mg.get(day, 0.0) + float(dose.values["mg"])

    logged_forms = [f for f in (_form_id(d.values.get("form"), knowledge) for d in doses[-14:])
                    if f is not None and f != "unknown"]
    form = logged_forms[-1] if logged_forms else plan_json.get("recommended_form")
    form = form if isinstance(form, str) else None

    titration = [s for s in plan_json.get("titration", []) if isinstance(s, dict)]
    if not titration:
        for earlier in sorted(earlier_plans, key=lambda p: (p.created_at, p.version),
                              reverse=True):
            steps = [s for s in earlier.plan.get("titration", []) if isinstance(s, dict)]
            if steps and earlier.version != stored_plan.version:
                titration = steps
                break
    levels = build_ladder(titration, knowledge.dosing)
    start = doses[0].at.date() if doses else None
    gi_events = [_gi_event(e) for e in gi_entries]
    # Loose stools count against magnesium only once it has been taken.
    intolerant_events = [g for g in gi_events if g.intolerance and doses and g.at >= doses[0].at]
    intolerance_days = sorted({g.at.date() for g in intolerant_events})

    first_dose_at: dict[date, datetime] = {}
    for dose in doses:
        first_dose_at.setdefault(dose.at.date(), dose.at)
    first_gi_at: dict[date, datetime] = {}
    for event in intolerant_events:
        first_gi_at.setdefault(event.at.date(), event.at)
    early = {day for day, at in first_gi_at.items()
             if day not in first_dose_at or at < first_dose_at[day]}
    state: TitrationState | None = None
    if start is not None and levels:
        state = replay(levels, start, today, set(dose_count), intolerance_days, policy,
                       before_first_dose=early)
    stop_from = _stop_since(stored_plan, today) if stopped else None

    # Today's step.
    next_step: NextStep | None = None
    target_mg = int(plan_json.get("daily_target_mg") or 0)
    if stopped or not levels:
        step = Step(0, 0, stop_from if stopped else (start or None))
    elif state is None:
        first = next(lv for lv in levels if lv.in_plan)
        step = Step(first.mg, first.doses, None)
    else:
        step = Step(state.current.mg, state.current.doses, state.since)
        if state.next_up is not None:
            nxt = state.levels[state.level + 1]
            next_step = NextStep(nxt.mg, state.next_up)
    if not levels and not stopped:
        ctx.add("no_supplement_dose", "info",
                "The plan has no supplement dose (target 0 mg/day); nothing to titrate.",
                ("magnerve_policy",))

    segments: list[Segment] = list(state.segments) if state is not None else []
    if stopped and stop_from is not None and start is not None and stop_from <= today:
        trimmed: list[Segment] = []
        for seg in segments:
            if seg.start >= stop_from:
                continue
            if seg.end is None or seg.end >= stop_from:
                seg = Segment(seg.start, stop_from - timedelta(days=1), seg.elemental_mg_per_day,
                              seg.doses_per_day, seg.reason)
            trimmed.append(seg)
        trimmed.append(Segment(max(stop_from, start), None, 0, 0, "stop"))
        segments = trimmed
        after = [d for d in doses if d.at.date() >= stop_from]
        if after:
            ctx.add("doses_after_stop", "stop",
                    f"{len(after)} dose(s) were logged on or after {_fmt_day(stop_from)}, when the "
                    "plan said to stop. Do not take more magnesium until a clinician agrees.",
                    ("magnerve_policy",))

    adherence = (
        _adherence(state, start, today, dose_count, stop_from, policy)
        if start is not None else None
    )

    # GI events carry the step they happened at.
    if state is not None and start is not None:
        gi_events = [
            GIEvent(g.at, g.bristol, g.diarrhea, g.nausea, g.cramps,
                    state.planned[(g.at.date() - start).days][0]
                    if 0 <= (g.at.date() - start).days < len(state.planned) else None)
            for g in gi_events
        ]
        if not stopped:
            _gi_advice(ctx, state, form, intolerance_days)
            _dose_advice(ctx, adherence, state, start, dose_mg, stop_from)
            if any(a.code == "persistent_diarrhoea" for a in ctx.advice):
                # The advice says pause, so today's dose says so too.
                step, next_step = Step(0, 0, today), None

    spacing = check_spacing(doses, meds, knowledge)
    _spacing_advice(ctx, spacing.violations, spacing.unrecognised)

    pain = daily_pain(kept)
    (baseline, current, change_pct, change_points, response, interval, spans, weeks,
     notes) = _response(ctx, pain, start, state, stopped)
    _response_advice(ctx, response, change_pct, weeks, stopped, start is not None, baseline)

    lags: tuple[LagEffect, ...] = ()
    first_day = baseline.start
    if start is not None:
        lags = tuple(dose_response(pain, dose_mg, first_day, today))

    # Day records for plots and reports.
    records: list[DayRecord] = []
    intolerant = set(intolerance_days)
    day = first_day
    while day <= today:
        n = None if start is None else (day - start).days + 1
        planned_mg = planned_doses = 0
        stopped_today = stop_from is not None and day >= stop_from
        if state is not None and n is not None and 1 <= n <= len(state.planned) and (
            not stopped_today
        ):
            planned_mg, planned_doses = state.planned[n - 1]
        records.append(DayRecord(
            day, n if n is not None and n >= 1 else None, planned_mg, planned_doses,
            dose_mg.get(day, 0.0), dose_count.get(day, 0), pain.get(day), day in intolerant,
        ))
        day += timedelta(days=1)

    advice = tuple(sorted(ctx.advice, key=lambda a: -SEVERITY_ORDER[a.severity]))
    return Review(
        as_of=now,
        today=today,
        status=status,
        started=start is not None,
        start_date=start,
        plan_day=None if start is None else (today - start).days + 1,
        plan_version=stored_plan.version,
        form=form,
        target_mg=target_mg,
        tolerated_target_mg=(
            state.tolerated_target_mg if state is not None else (levels[-1].mg if levels else 0)
        ),
        step=step,
        next_step=next_step,
        adherence=adherence,
        baseline=baseline,
        current=current,
        change_pct=change_pct,
        change_points=change_points,
        response=response,
        interval=interval,
        interval_categories=spans,
        weeks_at_target=weeks,
        response_notes=notes,
        dose_response=lags,
        segments=tuple(segments),
        gi_episodes=state.episodes if state is not None else (),
        gi_events=tuple(gi_events),
        violations=spacing.violations,
        advice=advice,
        days=tuple(records),
        plan=plan_json,
        profile=dict(stored_plan.profile),
    )
