"""Journal speed on a real file: time to log one entry, and to read a two-year journal.

    .venv/bin/python benchmarks/bench_journal.py [--adds 2000] [--years 2] [--dir PATH]

Goals: adding an entry (validated, committed, fsynced with synchronous=FULL) takes under
5 ms at the median and p99, so ``magnerve journal add`` feels instant; listing a two-year
journal (about 5,000 entries) takes a small fraction of a second, so ``review`` and
``report`` can read everything they need on each run.

The file lives in a temporary directory on the same disk as the system temp dir unless
``--dir`` says otherwise; fsync cost depends on that disk, so say which one when quoting
figures.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from magnerve.journal import Journal

ZONE = ZoneInfo("America/New_York")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(func: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds per call, ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def describe(name: str, samples: list[float]) -> str:
    return (
        f"{name:<42} median {statistics.median(samples):8.3f} ms   "
        f"p99 {percentile(samples, 0.99):8.3f} ms   max {max(samples):8.3f} ms   "
        f"(n={len(samples)})"
    )


def bench_adds(path: Path, count: int, rng: random.Random) -> list[str]:
    lines = []
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("dose", {"mg": 100, "form": "glycinate"}),
        ("pain", {"score": 5, "qualities": ["burning"], "location": "feet"}),
        ("gi", {"bristol": 4}),
        ("sleep", {"quality": 6}),
        ("note", {"text": "slept badly; feet burning after the walk"}),
    ]
    start_at = datetime(2024, 1, 1, 8, tzinfo=ZONE)
    with Journal.open(path) as journal:
        samples = []
        for i in range(count):
            kind, values = rng.choice(kinds)
            at = start_at + timedelta(minutes=17 * i)
            t0 = time.perf_counter()
            journal.add(kind, values, at)
            samples.append((time.perf_counter() - t0) * 1000)
        lines.append(describe(f"add (mixed kinds, {count} to one file)", samples))
        journal.add("med", {"name": "warm the knowledge cache"}, start_at)
        med = timed(lambda: journal.add("med", {"name": "Lasix 40 mg"}, start_at), 200)
        lines.append(describe("add med (name resolved)", med))
    open_close = timed(lambda: Journal.open(path).close(), 50)
    lines.append(describe("open + close (what every CLI command pays)", open_close))
    return lines


def two_year_document(years: int, rng: random.Random) -> dict[str, Any]:
    """A realistic journal: 2 doses, 2 pain scores, sleep, med daily; GI, notes some days."""
    entries: list[dict[str, Any]] = []
    day0 = datetime(2022, 1, 1, tzinfo=ZONE)
    for d in range(365 * years):
        day = day0 + timedelta(days=d)

        def at(hour: int, minute: int, day: datetime = day) -> str:
            return day.replace(hour=hour, minute=minute).isoformat()

        entries += [
            {
                "kind": "med",
                "at": at(7, 0),
                "values": {
                    "name": "levothyroxine",
                    "drug": "levothyroxine",
                    "drugs": ["levothyroxine"],
                },
            },
            {
                "kind": "dose",
                "at": at(12, 30),
                "values": {"mg": 100.0, "form": "glycinate", "product": None},
            },
            {
                "kind": "dose",
                "at": at(21, 0),
                "values": {"mg": 100.0, "form": "glycinate", "product": None},
            },
            {"kind": "pain", "at": at(9, 0), "values": {"score": float(rng.randint(2, 8))}},
            {
                "kind": "pain",
                "at": at(20, 0),
                "values": {"score": float(rng.randint(2, 8)), "qualities": ["burning"]},
            },
            {"kind": "sleep", "at": at(7, 30), "values": {"quality": float(rng.randint(3, 9))}},
        ]
        if d % 3 == 0:
            entries.append({"kind": "gi", "at": at(10, 0), "values": {"bristol": 4}})
        if d % 2 == 0:
            entries.append(
                {
                    "kind": "note",
                    "at": at(22, 0),
                    "values": {"text": f"day {d}: walked {rng.randint(1, 9)} km"},
                }
            )
    return {"format": "magnerve.journal", "entries": entries, "plans": []}


def bench_reads(path: Path, years: int, rng: random.Random) -> list[str]:
    lines = []
    document = two_year_document(years, rng)
    with Journal.open(path) as journal:
        start = time.perf_counter()
        report = journal.import_json(document)
        lines.append(
            f"{'import ' + str(report.added) + ' entries (one transaction)':<42} "
            f"{(time.perf_counter() - start) * 1000:8.1f} ms"
        )
        total = journal.count()
        end = datetime(2022, 1, 1, tzinfo=ZONE) + timedelta(days=365 * years)
        lines.append(
            describe(f"list all {total} entries ({years} years)", timed(journal.entries, 20))
        )
        lines.append(
            describe(
                "list last 7 days",
                timed(lambda: journal.entries(since=end - timedelta(days=7)), 200),
            )
        )
        lines.append(
            describe(
                f"list pain only ({years} years)",
                timed(lambda: journal.entries(kinds=["pain"]), 20),
            )
        )
        lines.append(
            describe(
                "list most recent 20 (CLI --limit 20)",
                timed(lambda: journal.entries(limit=20, newest_first=True), 200),
            )
        )
        lines.append(describe("count", timed(journal.count, 200)))
        lines.append(describe("export JSON (whole journal)", timed(journal.export_json, 5)))
        lines.append(describe("export CSV (whole journal)", timed(journal.export_csv, 5)))
    size_kb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1024
    lines.append(f"{'file size':<42} {size_kb:8.0f} KiB")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=2000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(
            f"magnerve journal benchmark: Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}, {platform.system()} {platform.machine()}, "
            f"files in {tmp}"
        )
        for line in bench_adds(Path(tmp) / "adds.sqlite3", args.adds, rng):
            print(line)
        for line in bench_reads(Path(tmp) / "two_years.sqlite3", args.years, rng):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
