"""Planning speed: in-process plan latency, knowledge load time, and CLI cold start.

Goals (issue 2): plan latency median under 1 ms over 10,000 varied profiles; `magnerve plan`
cold start under 250 ms median wall. Run: .venv/bin/python benchmarks/bench_plan.py
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

MEDS = [
    "Cipro", "levothyroxine", "gabapentin", "pregabalin", "omeprazole", "Lasix",
    "spironolactone", "digoxin", "doxycycline hyclate", "alendronate", "Tivicay", "amlodipine",
    "metformin", "tramadol", "Isentress", "Biktarvy", "hydrochlorothiazide", "amitriptyline",
]
CONDITIONS = [
    "type 2 diabetes", "diabetic neuropathy", "fibromyalgia", "CKD stage 3", "CKD stage 4",
    "multiple sclerosis", "sciatica", "postherpetic neuralgia", "Crohn's disease", "migraine",
    "ICD10:E11.42", "SNOMED:431857002", "heart block", "spinal cord injury", "hypertension",
]


def _time(rng: random.Random) -> str:
    return f"{rng.randrange(24):02d}:{rng.choice((0, 15, 30, 45)):02d}"


def random_profile(rng: random.Random) -> dict[str, Any]:
    """A varied but valid profile: every branch of the planner gets exercised."""
    profile: dict[str, Any] = {
        "age": rng.randint(12, 95),
        "sex": rng.choice(("female", "male")),
        "jurisdiction": rng.choice(("US", "UK", "EU")),
    }
    if rng.random() < 0.8:
        profile["egfr"] = rng.randint(10, 120)
    if rng.random() < 0.4:
        profile["serum_magnesium"] = f"{rng.uniform(0.5, 1.2):.2f} mmol/L"
    profile["conditions"] = rng.sample(CONDITIONS, rng.randint(0, 3))
    profile["medications"] = [
        {"name": name, "times": sorted({_time(rng) for _ in range(rng.randint(0, 3))})}
        for name in rng.sample(MEDS, rng.randint(0, 4))
    ]
    for flag in ("gi_sensitive", "diarrhea_prone", "constipation", "sleep_problems", "anxiety",
                 "fatigue", "clinician_supervised"):
        if rng.random() < 0.2:
            profile[flag] = True
    if rng.random() < 0.2:
        profile["current_supplements"] = [{"form": "citrate", "elemental_mg": rng.randint(50, 400)}]
    if rng.random() < 0.5:
        profile["routine"] = {
            "wake": "06:30", "sleep": "22:30", "meals": ["07:00", "12:30", "19:00"]
        }
    return profile


def bench_plan(count: int, seed: int = 20261120) -> dict[str, float]:
    from magnerve.core.planner import plan
    from magnerve.core.profile import parse_profile
    from magnerve.knowledge import load_knowledge

    knowledge = load_knowledge()
    rng = random.Random(seed)
    profiles = [parse_profile(random_profile(rng), knowledge) for _ in range(count)]
    for profile in profiles[:200]:  # warm caches
        plan(profile, knowledge)
    samples = []
    for profile in profiles:
        start = time.perf_counter_ns()
        plan(profile, knowledge)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return {
        "profiles": count,
        "median_ms": statistics.median(samples),
        "p99_ms": samples[int(len(samples) * 0.99) - 1],
        "max_ms": samples[-1],
    }


def bench_knowledge(repeats: int = 20) -> dict[str, float]:
    from magnerve.knowledge.loader import _build, _data_root

    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        _build(_data_root())
        samples.append((time.perf_counter() - start) * 1000)
    code = "import time; t=time.perf_counter(); from magnerve.knowledge import load_knowledge; " \
           "load_knowledge(); print((time.perf_counter()-t)*1000)"
    cold = [float(subprocess.check_output([sys.executable, "-c", code], text=True))
            for _ in range(5)]
    return {"build_median_ms": statistics.median(samples),
            "import_and_load_cold_median_ms": statistics.median(cold)}


def bench_cli(repeats: int = 30) -> dict[str, float]:
    exe = Path(sys.executable).with_name("magnerve")
    profile = ROOT / "examples" / "profiles" / "diabetic_neuropathy.toml"
    results = {}
    for fmt in ("json", "text"):
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([str(exe), "plan", str(profile), "--format", fmt], check=True,
                           stdout=subprocess.DEVNULL)
            samples.append((time.perf_counter() - start) * 1000)
        results[f"cold_start_{fmt}_median_ms"] = statistics.median(samples)
        results[f"cold_start_{fmt}_p90_ms"] = sorted(samples)[int(repeats * 0.9) - 1]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    args = parser.parse_args()
    figures = {**bench_plan(args.profiles), **bench_knowledge(), **bench_cli()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:40s} {value:10.3f}")


if __name__ == "__main__":
    main()
