"""Label reader throughput: labels parsed per second over a varied corpus.

Goal (labels issue): more than 5,000 labels/s on one core. The corpus mixes the formats the
reader meets: US Supplement and Drug Facts panels, multivitamins with a dozen nutrients, UK/EU
%NRV panels with columns, front-of-pack lines, pharmacy leaflets in mmol/mEq, proprietary
blends, misspellings and table exports. Amounts are varied per copy so no result is reused.

Run:  .venv/bin/python benchmarks/bench_labels.py [--seconds 3] [--check]
``--check`` exits 1 when the goal is missed (for CI); figures are printed either way.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Sequence

from magnerve.core.labels import parse_label
from magnerve.errors import LabelError
from magnerve.knowledge import Knowledge, load_knowledge

GOAL_LABELS_PER_S = 5_000

TEMPLATES: tuple[str, ...] = (
    # US Supplement Facts
    "Supplement Facts\nServing Size 2 Capsules\nServings Per Container 60\n"
    "Amount Per Serving %Daily Value\n"
    "Magnesium (as magnesium bisglycinate chelate, magnesium oxide) {a} mg 48%\n"
    "Other ingredients: hypromellose, magnesium stearate, rice flour.",
    "Supplement Facts\nServing Size: 2 Vegetarian Capsules\nAmount Per Serving   % DV\n"
    "Magnesium (as magnesium citrate)   {a} mg   71%",
    "Supplement Facts\nServing Size 3 Capsules\n"
    "Magnesium (as Magtein® magnesium L-threonate) {a} mg 34%",
    "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate, magnesium malate) {a} mg 48%\n"
    "Magnesium glycinate 1,000 mg\nMagnesium malate 400 mg",
    # Multivitamin
    "Supplement Facts\nServing Size 1 Tablet\nAmount Per Serving % Daily Value\n"
    "Vitamin A (as beta carotene) 900 mcg 100%\nVitamin C (as ascorbic acid) 90 mg 100%\n"
    "Vitamin D3 (as cholecalciferol) 20 mcg 100%\nVitamin E (as d-alpha tocopherol) 15 mg 100%\n"
    "Thiamin (as thiamine mononitrate) 1.2 mg 100%\nRiboflavin 1.3 mg 100%\n"
    "Niacin (as niacinamide) 16 mg 100%\nVitamin B6 (as pyridoxine HCl) 1.7 mg 100%\n"
    "Folate 400 mcg DFE 100%\nVitamin B12 (as cyanocobalamin) 2.4 mcg 100%\n"
    "Calcium (as calcium carbonate) 200 mg 15%\nIron (as ferrous fumarate) 8 mg 44%\n"
    "Magnesium (as magnesium oxide) {a} mg 24%\nZinc (as zinc citrate) 11 mg 100%\n"
    "Selenium (as sodium selenate) 55 mcg 100%\nCopper (as cupric sulfate) 0.9 mg 100%\n"
    "Manganese (as manganese gluconate) 2.3 mg 100%\n"
    "Chromium (as chromium picolinate) 35 mcg 100%\n"
    "Chloride (as potassium chloride) 72 mg 3%\n"
    "Other ingredients: microcrystalline cellulose, magnesium stearate, silicon dioxide.",
    "Calcium 500 mg, Magnesium {a} mg, Zinc 10 mg",
    # Drug Facts
    "Drug Facts\nActive ingredient (in each 15 mL) Purpose\n"
    "Magnesium hydroxide {a} mg ......... Saline laxative\nUses relieves occasional "
    "constipation\nWarnings Ask a doctor before use if you have kidney disease",
    # UK / EU
    "Nutrition Information   Per tablet   %NRV*\nMagnesium {a} mg 50% NRV\n"
    "*NRV = Nutrient Reference Value",
    "Nutrition Information\nTypical values  Per 100g  Per capsule  %NRV\n"
    "Magnesium  25000 mg  {a} mg  53%",
    "Nutritional information   Per tablet   %NRV\nMagnesium   {a}mg   100%\n"
    "Ingredients: Magnesium Citrate, Bulking Agent (Microcrystalline Cellulose), "
    "Anti-caking Agent (Magnesium Stearate)",
    "Per daily dose (2 capsules)   % RI\nMagnesium   {a} mg   80 %",
    # Front of pack
    "Magnesium Glycinate {a} mg",
    "High Strength Magnesium Citrate {a}mg per tablet",
    "Magnesium {a}mg (as citrate)",
    # Leaflets
    "Each tablet contains 535 mg magnesium chloride hexahydrate equivalent to {a} mg "
    "elemental magnesium.",
    "Each caplet contains magnesium L-lactate dihydrate providing {a} mg (7 mEq) of magnesium.",
    "Each sachet contains 6.5 g of powder containing 3,245 mg magnesium aspartate dihydrate, "
    "equivalent to {a} mg (10.0 mmol) of magnesium.",
    # Blends, misspellings, exports
    "Supplement Facts\nServing Size 3 Capsules\nCalm Blend {a} mg **\nMagnesium Glycinate\n"
    "L-Theanine\nGABA\n** Daily Value not established",
    "magnesuim glycinate {a} mg",
    "Magnesium (as magnesium bisglycinte) {a} mg",
    "| Calcium | 300 mg |\n| Magnesium (as oxide) | {a} mg |\n| Zinc | 15 mg |",
    "{{Magnesium Citrate}} {a} mg",
    "Magnesium.......{a} mg",
    "Magnesium glycinate 1,000 mg providing Magnesium {a} mg",
)


def corpus(copies: int = 20) -> list[str]:
    """The templates with varied amounts (so no two texts are the same)."""
    return [template.format(a=60 + (i * 37 + j * 11) % 340)
            for i in range(copies) for j, template in enumerate(TEMPLATES)]  # fmt: skip


def throughput(
    labels: Sequence[str], knowledge: Knowledge, seconds: float
) -> tuple[float, float, int]:
    """Labels per second of wall-clock and of CPU time over repeated passes (~``seconds``).

    CPU time is reported beside wall time because a shared machine (parallel test runs)
    slows the wall clock without the code getting any slower.
    """
    done = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while True:
        for text in labels:
            with contextlib.suppress(LabelError):  # every corpus label is readable
                parse_label(text, knowledge)
        done += len(labels)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            cpu = max(time.process_time() - cpu_start, 1e-9)
            return done / elapsed, done / cpu, done


def latencies(labels: Sequence[str], knowledge: Knowledge) -> list[float]:
    """Microseconds per label, one measurement each."""
    out = []
    for text in labels:
        start = time.perf_counter()
        parse_label(text, knowledge)
        out.append((time.perf_counter() - start) * 1e6)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--check", action="store_true", help="exit 1 if the goal is missed")
    args = parser.parse_args(argv)

    knowledge = load_knowledge()
    labels = corpus()
    start = time.perf_counter()
    parse_label(labels[0] + "\nmagnesuim citate 10 mg", knowledge)  # builds the form index
    first = (time.perf_counter() - start) * 1e3
    for text in labels:  # warm the word cache, as a long-running process would be
        parse_label(text, knowledge)

    rate, cpu_rate, count = throughput(labels, knowledge, args.seconds)
    each = sorted(latencies(labels, knowledge))
    paste = "\n".join(labels)
    big = (paste * (990_000 // len(paste) + 1))[:990_000]  # a long paste, just under 1 MB
    start = time.perf_counter()
    parse_label(big, knowledge)
    big_ms = (time.perf_counter() - start) * 1e3

    print(f"label corpus: {len(TEMPLATES)} formats x {len(labels) // len(TEMPLATES)} copies")
    print(f"throughput: {rate:,.0f} labels/s wall clock, {cpu_rate:,.0f} labels/s of CPU time "
          f"({count:,} labels in {args.seconds:g} s)")  # fmt: skip
    print(
        f"per label: median {statistics.median(each):.0f} us, "
        f"p95 {each[int(len(each) * 0.95)]:.0f} us, max {each[-1]:.0f} us"
    )
    print(f"first label (builds the index): {first:.1f} ms")
    print(f"one {len(big.encode()) / 1e6:.2f} MB paste: {big_ms:.0f} ms")
    met = rate > GOAL_LABELS_PER_S
    print(f"goal > {GOAL_LABELS_PER_S:,} labels/s: {'met' if met else 'MISSED'}")
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
