"""Is it helping? Pain before and after magnesium, judged honestly (design.md 3.7).

Pure functions over per-day numbers: no clock, no I/O, no third-party numerics (the review
must run with the core install, which has no numpy). The rules and why:

- **Daily means first.** A person may score pain several times a day; each local day counts
  once (the mean of its scores), so a day with many entries does not outweigh a quiet one.
- **Baseline** = the mean over the scored days in the ``baseline_window_days`` before day 1
  (default 28). At least ``baseline_days`` (7, dosing.toml) scored days are needed: Farrar
  2001 and IMMPACT (Dworkin 2008) judge change against a baseline mean of a week or more,
  because single days are noisy.
- **Current** = the mean over the latest 7 days. It is only *judged* when all 7 days were at
  the target dose and at least ``min_current_days`` (5) of them were scored.
- **Change** = (current - baseline) / baseline x 100, negative when better. Categories use
  the IMMPACT thresholds from dosing.toml: >= 50% reduction substantial, 30-49% moderate,
  10-29% minimal, < 10% (or worse) no response (domain.md section 9).
- **Uncertainty**: a percentile bootstrap of the change (days resampled with replacement
  within each window) with a fixed seed, so the same journal always gives the same interval.
  The interval is optimistic: days are autocorrelated and windows are small; it is a guide
  to how much the number could move, not a test.
- **Dose-response (lag view)**: daily pain against the mean logged dose of the previous
  1-3 days (and the same day), reported descriptively with n, Pearson r and a least-squares
  slope per 100 mg. Never used for the verdict: pain drifts over weeks for many reasons.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from magnerve.core.entries import Entry
from magnerve.knowledge.models import FollowUpPolicy

__all__ = [
    "RESPONSE_CATEGORIES",
    "BootstrapInterval",
    "LagEffect",
    "PainWindow",
    "ResponseCategory",
    "bootstrap_change",
    "classify_change",
    "daily_pain",
    "dose_response",
    "mean_window",
]

ResponseCategory = Literal["insufficient_data", "no_response", "minimal", "moderate", "substantial"]
RESPONSE_CATEGORIES: tuple[ResponseCategory, ...] = (
    "insufficient_data", "no_response", "minimal", "moderate", "substantial",
)


def daily_pain(entries: Iterable[Entry]) -> dict[date, float]:
    """Mean pain score per local day (the day on the wall clock where it was logged).

    Each entry's own offset decides its day, so a score logged at 23:30 on the night the
    clocks change stays on that day whatever zone the review runs in.
    """
    sums: dict[date, float] = {}
    counts: dict[date, int] = {}
    for entry in entries:
        if entry.kind != "pain":
            continue
        score = entry.values.get("score")
        if not isinstance(score, (int, float)) or isinstance(score, bool):
            continue
        if not math.isfinite(score):
            continue
        day = entry.at.date()
        sums[day] = sums.get(day, 0.0) + float(score)
        counts[day] = counts.get(day, 0) + 1
    return {day: sums[day] / counts[day] for day in sorted(sums)}


@dataclass(frozen=True, slots=True)
class PainWindow:
    """Scored days in a date window and their mean; ``sufficient`` says it may be judged."""

    start: date
    end: date
    values: tuple[float, ...]
    needed: int
    sufficient: bool
    note: str | None = None

    @property
    def days_scored(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    def to_dict(self) -> dict[str, Any]:
        mean = self.mean
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "days_scored": self.days_scored,
            "days_needed": self.needed,
            "mean": None if mean is None else round(mean, 2),
            "sufficient": self.sufficient,
            "note": self.note,
        }


def mean_window(
    pain: Mapping[date, float], start: date, end: date, needed: int, note: str | None = None
) -> PainWindow:
    """The scored days from ``start`` to ``end`` inclusive; sufficient with ``needed`` days."""
    values = tuple(
        pain[start + timedelta(days=i)]
        for i in range((end - start).days + 1)
        if start + timedelta(days=i) in pain
    )
    sufficient = len(values) >= needed
    if not sufficient and note is None:
        note = (
            f"Only {len(values)} of the {needed} scored days needed between "
            f"{start.isoformat()} and {end.isoformat()}."
        )
    return PainWindow(start, end, values, needed, sufficient, note)


def classify_change(change_pct: float, policy: FollowUpPolicy) -> ResponseCategory:
    """IMMPACT category for a percent change (negative = less pain). Worse counts as none."""
    reduction = -change_pct
    if reduction >= policy.substantial_reduction_pct:
        return "substantial"
    if reduction >= policy.meaningful_reduction_pct:
        return "moderate"
    if reduction >= policy.minimal_reduction_pct:
        return "minimal"
    return "no_response"


@dataclass(frozen=True, slots=True)
class BootstrapInterval:
    """Percentile bootstrap interval of the percent and point change in mean daily pain."""

    level: float
    low_pct: float
    high_pct: float
    low_points: float
    high_points: float
    resamples: int
    seed: int

    def categories(self, policy: FollowUpPolicy) -> list[ResponseCategory]:
        """The response categories the interval reaches, best first."""
        found = {classify_change(self.low_pct, policy), classify_change(self.high_pct, policy)}
        order: tuple[ResponseCategory, ...] = ("substantial", "moderate", "minimal",
                                                "no_response")
        # Every category between the two ends is also inside the interval.
        ends = [order.index(c) for c in found]
        return list(order[min(ends) : max(ends) + 1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "percentile bootstrap of daily means",
            "level": self.level,
            "change_pct": [round(self.low_pct, 1), round(self.high_pct, 1)],
            "change_points": [round(self.low_points, 2), round(self.high_points, 2)],
            "resamples": self.resamples,
            "seed": self.seed,
        }


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), q in [0, 1]."""
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] * (1 - weight) + sorted_values[high] * weight


def bootstrap_change(
    baseline: Sequence[float],
    current: Sequence[float],
    *,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 20240301,
) -> BootstrapInterval | None:
    """Bootstrap interval of the change from ``baseline`` to ``current`` daily means.

    Returns None when either window is empty or every resampled baseline mean is zero (a
    percent change from zero pain is undefined).
    """
    if not baseline or not current:
        return None
    rng = random.Random(seed)
    pct: list[float] = []
    points: list[float] = []
    n_base, n_cur = len(baseline), len(current)
    for _ in range(resamples):
        base = sum(rng.choices(baseline, k=n_base)) / n_base
        cur = sum(rng.choices(current, k=n_cur)) / n_cur
        points.append(cur - base)
        if base > 0:
            pct.append((cur - base) / base * 100)
    if not pct:
        return None
    pct.sort()
    points.sort()
    tail = (1 - level) / 2
    return BootstrapInterval(
        level=level,
        low_pct=_percentile(pct, tail),
        high_pct=_percentile(pct, 1 - tail),
        low_points=_percentile(points, tail),
        high_points=_percentile(points, 1 - tail),
        resamples=resamples,
        seed=seed,
    )


@dataclass(frozen=True, slots=True)
class LagEffect:
    """Pain against the mean dose of earlier days: descriptive, never a verdict."""

    lag_days: int
    n: int
    r: float | None
    slope_per_100mg: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "lag_days": self.lag_days,
            "dose": "same day" if self.lag_days == 0 else f"mean of previous {self.lag_days} day"
            + ("s" if self.lag_days > 1 else ""),
            "n": self.n,
            "r": None if self.r is None else round(self.r, 3),
            "slope_points_per_100mg": (
                None if self.slope_per_100mg is None else round(self.slope_per_100mg, 3)
            ),
        }


def _fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float | None, float | None]:
    """Pearson r and least-squares slope; None where undefined (no spread)."""
    n = len(xs)
    if n < 3:
        return None, None
    mx = sum(xs) / n
    my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    if sxx <= 1e-12:
        return None, None
    slope = sxy / sxx
    r = sxy / math.sqrt(sxx * syy) if syy > 1e-12 else None
    return r, slope


def dose_pairs(
    pain: Mapping[date, float],
    dose_mg: Mapping[date, float],
    start: date,
    end: date,
    lag: int,
) -> tuple[list[float], list[float]]:
    """(dose, pain) pairs for scored days in [start, end]; dose averaged over the lag days.

    ``lag`` 0 is the same day's logged dose; ``lag`` k the mean over the k days before.
    Days without a dose entry count as 0 mg (the journal is the record of what was taken).
    """
    xs: list[float] = []
    ys: list[float] = []
    day = start
    while day <= end:
        if day in pain:
            if lag == 0:
                x = dose_mg.get(day, 0.0)
            else:
                x = sum(dose_mg.get(day - timedelta(days=k), 0.0) for k in range(1, lag + 1)) / lag
            xs.append(x)
            ys.append(pain[day])
        day += timedelta(days=1)
    return xs, ys


def dose_response(
    pain: Mapping[date, float],
    dose_mg: Mapping[date, float],
    start: date,
    end: date,
    lags: Sequence[int] = (0, 1, 2, 3),
) -> list[LagEffect]:
    """Correlation and slope of pain on recent dose for each lag (from ``start`` to ``end``)."""
    out = []
    for lag in lags:
        xs, ys = dose_pairs(pain, dose_mg, start, end, lag)
        r, slope = _fit(xs, ys)
        out.append(LagEffect(lag, len(xs), r, None if slope is None else slope * 100))
    return out
