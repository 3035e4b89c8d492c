"""Review and report speed over a long journal.

Goals (issue: titration that listens): ``review()`` over two years of entries (about six a
day: two doses, two medicines, a pain score, a sleep score, the odd loose stool) in under
200 ms median; report generation timed for HTML, PDF and FHIR. Also times the CLI path (read
the SQLite journal, then review) because that is what a person waits for.

Run: .venv/bin/python benchmarks/bench_review.py [--runs 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/London")
START = date(2023, 1, 2)
DAYS = 730
PROFILE: dict[str, Any] = {
    "age": 58, "sex": "female", "egfr": 78,
    "medications": [{"name": "gabapentin", "times": ["07:30", "15:00", "22:30"]},
                    {"name": "Synthroid", "times": ["06:30"]}],
}


def _setup() -> tuple[Any, ...]:
    from magnerve.core.entries import StoredPlan
    from magnerve.core.planner import plan
    from magnerve.core.profile import parse_profile
    from magnerve.knowledge import load_knowledge
    from magnerve.report.scripted import simulated_journal

    knowledge = load_knowledge()
    profile = parse_profile(PROFILE, knowledge)
    plan_json = plan(profile, knowledge).to_dict()
    entries = simulated_journal(
        plan_json["titration"], zone=ZONE, start=START, baseline_days=14, days_on=DAYS,
        form="glycinate", meds=[("gabapentin", "07:30", "gabapentin"),
                                ("Synthroid", "06:30", "levothyroxine")],
        gi_days=(9, 40, 200, 420), missed_days=tuple(range(300, 306)), sleep=True,
    )
    stored = StoredPlan(1, datetime(2022, 12, 10, 9, 0, tzinfo=ZONE), profile.to_dict(),
                        plan_json)
    now = datetime(2024, 12, 31, 21, 30, tzinfo=ZONE)
    return knowledge, entries, stored, now


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm caches (knowledge, imports, fonts)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _p99(samples: list[float]) -> float:
    return samples[max(0, round(len(samples) * 0.99) - 1)]


def bench_review(runs: int) -> dict[str, float]:
    from magnerve.core.review import review

    knowledge, entries, stored, now = _setup()
    samples = _time(lambda: review(entries, stored, knowledge, now=now), runs)
    return {"entries": len(entries), "entries_per_day": len(entries) / (DAYS + 14),
            "review_median_ms": statistics.median(samples), "review_p99_ms": _p99(samples),
            "review_max_ms": samples[-1]}


def bench_store_path(runs: int) -> dict[str, float]:
    """Read every entry from a real SQLite journal, then review (the CLI's work)."""
    from magnerve.cli.review_cmd import load_review
    from magnerve.journal import Journal

    knowledge, entries, stored, now = _setup()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.sqlite3"
        with Journal.open(path) as journal:
            journal.save_plan(stored.profile, stored.plan, stored.created_at)
            journal.import_json([e.to_dict() for e in entries], knowledge=knowledge)
        samples = _time(lambda: load_review(str(path), now), runs)
    return {"store_read_and_review_median_ms": statistics.median(samples),
            "store_read_and_review_p99_ms": _p99(samples)}


def bench_reports(runs: int) -> dict[str, float]:
    from magnerve.core.review import review
    from magnerve.report.fhir import build_bundle
    from magnerve.report.html import render_html
    from magnerve.report.pdf import html_to_pdf

    knowledge, entries, stored, now = _setup()
    result = review(entries, stored, knowledge, now=now)
    html = render_html(result, knowledge)
    figures: dict[str, float] = {}
    for name, fn in (
        ("report_html", lambda: render_html(result, knowledge)),
        ("report_pdf_from_html", lambda: html_to_pdf(html)),
        ("report_fhir", lambda: build_bundle(result, entries, knowledge)),
    ):
        samples = _time(fn, runs)
        figures[f"{name}_median_ms"] = statistics.median(samples)
    figures["report_pdf_pages"] = float(html_to_pdf(html)[1])
    figures["report_html_kb"] = len(html.encode()) / 1024
    figures["report_fhir_resources"] = float(len(build_bundle(result, entries,
                                                              knowledge)["entry"]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    args = parser.parse_args()
    figures = {**bench_review(args.runs), **bench_store_path(max(5, args.runs // 3)),
               **bench_reports(max(3, args.runs // 10))}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:40s} {value:10.1f}")


if __name__ == "__main__":
    main()
