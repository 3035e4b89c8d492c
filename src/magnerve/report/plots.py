"""Report figures as PNG bytes (matplotlib, Agg): the pain trend and the dose-response view.

Figures are built on a bare ``matplotlib.figure.Figure`` with an explicit Agg canvas (no
pyplot), so they are safe in a web server thread and never open a window. Output is
deterministic for the same review: fixed size, fixed DPI, the bundled DejaVu font, and no
"Software" metadata in the PNG, so tests can compare bytes and the README figures do not
change unless the data do.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from importlib import import_module
from typing import TYPE_CHECKING, Any

from magnerve.core.response import dose_pairs

if TYPE_CHECKING:
    from magnerve.core.review import Review

__all__ = ["dose_response_png", "pain_trend_png"]

_BLUE = "#1f5f8b"
_GREY = "#9aa5b1"
_GREEN = "#2e7d32"
_ORANGE = "#c26a00"
_RED = "#b3261e"
_PURPLE = "#5b2c83"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _style(axis: Any) -> None:
    axis.spines["top"].set_visible(False)
    axis.spines["right"].set_visible(False)
    axis.tick_params(labelsize=7)
    axis.grid(axis="y", color="#e3e7eb", linewidth=0.6)


def _rolling(days: list[date], values: dict[date, float], width: int = 7) -> tuple[
    list[date], list[float]
]:
    """Trailing mean over ``width`` days, shown where at least half the days are scored."""
    xs: list[date] = []
    ys: list[float] = []
    for day in days:
        window = [values[d] for d in (day - timedelta(days=k) for k in range(width))
                  if d in values]
        if len(window) * 2 >= width:
            xs.append(day)
            ys.append(sum(window) / len(window))
    return xs, ys


def pain_trend_png(
    review: Review, *, meaningful_pct: float = 30.0, substantial_pct: float = 50.0
) -> bytes:
    """Daily pain with its 7-day mean, the baseline and the 30%/50% lines; doses below.

    The reduction lines come from the knowledge's follow-up policy (IMMPACT thresholds); the
    report passes them in so a reviewed change to dosing.toml changes the figure too.
    """
    mdates: Any = import_module("matplotlib.dates")  # untyped functions: keep them as Any
    figure = _figure(7.2, 3.0)
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 1.4), hspace=0.12)
    pain_ax = figure.add_subplot(grid[0])
    dose_ax = figure.add_subplot(grid[1], sharex=pain_ax)
    for axis in (pain_ax, dose_ax):
        _style(axis)

    days = [d.day for d in review.days]
    pain = {d.day: d.pain for d in review.days if d.pain is not None}
    if days:
        used = [d.day for d in review.days if d.pain is not None or d.taken_mg > 0]
        first, last = (used[0] if used else days[0]), days[-1]
        pain_ax.set_xlim(first - timedelta(days=1), last + timedelta(days=1))
        pain_ax.scatter(list(pain), list(pain.values()), s=6, color=_GREY, zorder=2,
                        label="daily pain")
        xs, ys = _rolling(days, pain)
        if xs:
            pain_ax.plot(xs, ys, color=_BLUE, linewidth=1.4, label="7-day mean", zorder=3)
        baseline = review.baseline_pain
        if baseline is not None:
            pain_ax.axhline(baseline, color="#333333", linewidth=1.0, label="baseline")
            pain_ax.axhline(baseline * (1 - meaningful_pct / 100), color=_ORANGE,
                            linewidth=0.9, linestyle="--", label=f"{meaningful_pct:g}% lower")
            pain_ax.axhline(baseline * (1 - substantial_pct / 100), color=_GREEN,
                            linewidth=0.9, linestyle="--", label=f"{substantial_pct:g}% lower")
            pain_ax.axvspan(review.baseline.start, review.baseline.end + timedelta(days=1),
                            color="#eef2f6", zorder=0)
        if review.start_date is not None:
            for axis in (pain_ax, dose_ax):
                axis.axvline(review.start_date, color="#555555", linewidth=0.8, linestyle=":")
            pain_ax.annotate("day 1", (mdates.date2num(review.start_date), 10), fontsize=6,
                             xytext=(2, -8), textcoords="offset points", color="#555555")

        dose_ax.bar(days, [d.taken_mg for d in review.days], width=0.8, color="#b7c9d9",
                    label="logged mg")
        dose_ax.step(days, [d.planned_mg for d in review.days], where="post", color=_PURPLE,
                     linewidth=1.2, label="planned step")
        gi_days = [d.day for d in review.days if d.intolerance]
        if gi_days:
            top = max([d.planned_mg for d in review.days] + [d.taken_mg for d in review.days]
                      + [1])
            dose_ax.scatter(gi_days, [top * 1.08] * len(gi_days), marker="v", s=14,
                            color=_RED, label="loose stool", zorder=4)
    pain_ax.set_ylim(0, 10.4)
    pain_ax.set_ylabel("pain (0-10)", fontsize=7)
    dose_ax.set_ylabel("mg/day", fontsize=7)
    dose_ax.set_ylim(bottom=0)
    pain_ax.tick_params(labelbottom=False)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    dose_ax.xaxis.set_major_locator(locator)
    dose_ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    dose_ax.xaxis.get_offset_text().set_fontsize(7)
    handles, labels = pain_ax.get_legend_handles_labels()
    more_handles, more_labels = dose_ax.get_legend_handles_labels()
    figure.legend(handles + more_handles, labels + more_labels, fontsize=6, loc="upper center",
                  ncol=8, frameon=False, handlelength=1.6, columnspacing=1.2)
    figure.subplots_adjust(left=0.07, right=0.975, top=0.9, bottom=0.11)
    return _png(figure)


def dose_response_png(review: Review, lag: int = 3) -> bytes:
    """Pain against the mean logged dose of the previous ``lag`` days, with a fitted line."""
    figure = _figure(3.5, 2.0)
    axis = figure.add_subplot(1, 1, 1)
    _style(axis)
    pain = {d.day: d.pain for d in review.days if d.pain is not None}
    dose = {d.day: d.taken_mg for d in review.days}
    xs: list[float] = []
    ys: list[float] = []
    if review.days:
        xs, ys = dose_pairs(pain, dose, review.days[0].day, review.days[-1].day, lag)
    axis.scatter(xs, ys, s=6, color=_BLUE, alpha=0.6)
    effect = next((e for e in review.dose_response if e.lag_days == lag), None)
    if effect is not None and effect.slope_per_100mg is not None and xs:
        mean_x = sum(xs) / len(xs)
        mean_y = sum(ys) / len(ys)
        slope = effect.slope_per_100mg / 100
        low, high = min(xs), max(xs)
        axis.plot([low, high], [mean_y + slope * (low - mean_x), mean_y + slope * (high - mean_x)],
                  color=_ORANGE, linewidth=1.2)
        r_text = "n/a" if effect.r is None else f"{effect.r:.2f}"
        axis.set_title(f"r = {r_text}, {effect.slope_per_100mg:+.2f} points per 100 mg, "
                       f"n = {effect.n}", fontsize=7)
    axis.set_ylim(0, 10.4)
    axis.set_xlabel(f"mean logged mg/day over the previous {lag} days", fontsize=7)
    axis.set_ylabel("pain (0-10)", fontsize=7)
    figure.subplots_adjust(left=0.13, right=0.98, top=0.88, bottom=0.2)
    return _png(figure)
