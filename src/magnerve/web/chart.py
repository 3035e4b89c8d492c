"""The progress chart as inline SVG geometry, computed on the server from the review.

Why SVG drawn here rather than a chart library in the browser: the page works without
JavaScript, prints crisply, needs no build step or CDN, passes a strict CSP (no inline
script, no style attributes: presentation goes through CSS classes), and tests can read the
points it drew. The figure shows what the report's PNG shows: daily pain, the baseline and
the lines 30% and 50% below it (the IMMPACT thresholds for a meaningful and a substantial
change), the planned dose steps, the doses taken, and days with intolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Chart", "pain_chart"]

WIDTH = 640
PAIN_TOP, PAIN_BOTTOM = 24, 196
DOSE_TOP, DOSE_BOTTOM = 232, 292
HEIGHT = 318
#: The plot spans LEFT..RIGHT; line labels sit to the right of it, axis labels to the left.
LEFT, RIGHT = 40, 548
MEANINGFUL_PCT = 30
SUBSTANTIAL_PCT = 50


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    day: str
    value: float


@dataclass(frozen=True, slots=True)
class Line:
    y: float
    label: str
    kind: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: str
    mg: float


@dataclass
class Chart:
    """Everything the SVG template draws, in viewBox units."""

    width: int = WIDTH
    height: int = HEIGHT
    pain: list[Point] = field(default_factory=list)
    pain_path: str = ""
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    steps_path: str = ""
    intolerance: list[Point] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_labels: list[tuple[float, str]] = field(default_factory=list)
    dose_labels: list[tuple[float, str]] = field(default_factory=list)
    max_mg: float = 0.0
    summary: str = ""

    @property
    def empty(self) -> bool:
        return not self.pain and not self.bars


def _pain_y(score: float) -> float:
    return PAIN_BOTTOM - (PAIN_BOTTOM - PAIN_TOP) * max(0.0, min(10.0, score)) / 10.0


def _trim(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop leading days with nothing logged or planned (the review may start earlier)."""
    for index, record in enumerate(days):
        if (record.get("pain") is not None or record.get("taken_mg")
                or record.get("planned_mg")):
            return days[index:]
    return []


def pain_chart(days: list[dict[str, Any]], baseline: float | None) -> Chart:
    """Lay out the review's day records (``Review.to_dict(days=True)["days"]``)."""
    chart = Chart()
    days = _trim(days)
    if not days:
        chart.summary = "No entries to chart yet."
        return chart
    first = date.fromisoformat(days[0]["date"])
    last = date.fromisoformat(days[-1]["date"])
    span = max(6, (last - first).days)
    step = (RIGHT - LEFT) / span

    def x_of(day: str) -> float:
        return round(LEFT + (date.fromisoformat(day) - first).days * step, 1)

    for record in days:
        pain = record.get("pain")
        if isinstance(pain, (int, float)):
            chart.pain.append(Point(x_of(record["date"]), round(_pain_y(pain), 1),
                                    record["date"], float(pain)))
        if record.get("intolerance"):
            chart.intolerance.append(Point(x_of(record["date"]), DOSE_BOTTOM - 4,
                                           record["date"], 1.0))
    chart.pain_path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}"
                               for i, p in enumerate(chart.pain))

    if baseline is not None:
        chart.lines.append(Line(round(_pain_y(baseline), 1), "baseline", "baseline"))
        for pct, kind in ((MEANINGFUL_PCT, "meaningful"), (SUBSTANTIAL_PCT, "substantial")):
            level = baseline * (100 - pct) / 100
            chart.lines.append(Line(round(_pain_y(level), 1), f"\u2212{pct}%", kind))

    max_mg = max([float(r.get("planned_mg") or 0) for r in days]
                 + [float(r.get("taken_mg") or 0) for r in days] + [0.0])
    chart.max_mg = max_mg
    if max_mg > 0:
        scale = (DOSE_BOTTOM - DOSE_TOP) / max_mg
        width = max(2.0, min(14.0, step * 0.6))
        points: list[str] = []
        for record in days:
            x = x_of(record["date"])
            taken = float(record.get("taken_mg") or 0)
            if taken > 0:
                height = round(taken * scale, 1)
                chart.bars.append(Bar(round(x - width / 2, 1), round(DOSE_BOTTOM - height, 1),
                                      round(width, 1), height, record["date"], taken))
            planned = float(record.get("planned_mg") or 0)
            y = round(DOSE_BOTTOM - planned * scale, 1)
            points.append(f"{'M' if not points else 'L'}{round(x - step / 2, 1)},{y} "
                          f"L{round(x + step / 2, 1)},{y}")
        chart.steps_path = " ".join(points)
        chart.dose_labels = [(DOSE_TOP, f"{max_mg:g}"), (DOSE_BOTTOM, "0")]

    chart.y_labels = [(_pain_y(v), str(v)) for v in (0, 5, 10)]
    labels = [first, last] if span < 14 else [first, first + (last - first) / 2, last]
    chart.x_labels = [(x_of(d.isoformat()), f"{d.day} {d:%b}") for d in labels]
    scored = len(chart.pain)
    chart.summary = (f"{scored} day{'s' if scored != 1 else ''} with a pain score from "
                     f"{first:%d %b %Y} to {last:%d %b %Y}"
                     + (f"; baseline {baseline:.1f} out of 10" if baseline is not None else "")
                     + f"; {len(chart.bars)} day{'s' if len(chart.bars) != 1 else ''} with "
                     "magnesium taken.")
    return chart
