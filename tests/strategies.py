"""Hypothesis strategies for profiles, and independent checkers used by property tests.

``profiles()`` draws *valid* profile dicts (design.md 3.1): every value is one a person could
legitimately write, so every draw must parse and plan without error. The checkers here
re-derive contract rules (separation semantics of design.md 3.2, severity -> status) from
the plan JSON without importing the code under test.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

#: Medicine names the knowledge base knows (generic, brand, salt and combination spellings)
#: plus two it does not (metformin, sertraline) so the fail-closed path is exercised.
MEDICINES: tuple[str, ...] = (
    "Cipro", "levofloxacin", "Avelox", "doxycycline hyclate", "minocycline", "Synthroid",
    "gabapentin 300 mg", "Neurontin", "pregabalin", "Tivicay", "Triumeq", "Juluca", "Biktarvy",
    "Isentress", "eltrombopag", "penicillamine", "ferrous sulfate", "sodium fluoride",
    "CellCept", "Lanoxin", "amlodipine", "gentamicin", "morphine", "Lasix",
    "hydrochlorothiazide", "Aldactone", "furosemide/amiloride", "Nexium", "omeprazole 20 mg",
    "cisplatin", "zinc", "milk of magnesia", "Fosamax", "Actonel", "tacrolimus",
    "metformin", "sertraline",
)

CONDITIONS: tuple[str, ...] = (
    "type 2 diabetes", "painful diabetic peripheral neuropathy", "fibromyalgia",
    "multiple sclerosis", "CKD stage 3a", "CKD stage 4", "chronic kidney disease",
    "Crohn's disease", "coeliac disease", "migraine", "second degree heart block",
    "myasthenia gravis", "sciatica", "ICD10:E11.42", "SNOMED:431857002", "ICD10:G89.0",
    "postherpetic neuralgia", "alcohol use disorder", "kidney stones", "low back pain",
    "chemotherapy-induced peripheral neuropathy", "pregnant", "purple elephant syndrome",
)

#: Oral forms with a formula (the ones the planner may recommend) plus the others.
FORM_IDS: tuple[str, ...] = (
    "oxide", "hydroxide", "carbonate", "citrate", "glycinate", "malate", "threonate", "taurate",
    "chloride", "sulfate", "lactate", "gluconate", "aspartate", "orotate", "pidolate",
    "acetyl_taurate", "ascorbate", "glycerophosphate", "amino_acid_chelate", "unknown",
)

SERUM_UNITS = ("mmol/L", "mg/dL", "mEq/L")
_TO_UNIT = {"mmol/L": 1.0, "mg/dL": 2.4305, "mEq/L": 2.0}

DAY = 1440


def clock(minutes: int) -> str:
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


clock_times = st.integers(min_value=0, max_value=DAY - 1).map(clock)


@st.composite
def serum_values(draw: st.DrawFn) -> str | dict[str, Any]:
    """A plausible serum magnesium, as text or {value, unit}, in any of the three units."""
    mmol = draw(st.floats(min_value=0.3, max_value=3.0, allow_nan=False))
    unit = draw(st.sampled_from(SERUM_UNITS))
    value = round(mmol * _TO_UNIT[unit], 2)
    if draw(st.booleans()):
        return f"{value} {unit}"
    return {"value": value, "unit": unit}


@st.composite
def medications(draw: st.DrawFn) -> list[dict[str, Any]]:
    """0-4 different medicines, each with 0-3 distinct "HH:MM" times (or none given)."""
    names = draw(st.lists(st.sampled_from(MEDICINES), max_size=4, unique=True))
    out: list[dict[str, Any]] = []
    for name in names:
        med: dict[str, Any] = {"name": name}
        if draw(st.integers(0, 5)) > 0:  # usually give times
            med["times"] = draw(st.lists(clock_times, min_size=1, max_size=3, unique=True))
        out.append(med)
    return out


@st.composite
def routines(draw: st.DrawFn) -> dict[str, Any]:
    """A routine: wake and sleep times at least 8 h apart, meals inside the waking day."""
    routine: dict[str, Any] = {}
    if not draw(st.booleans()):
        return routine
    wake = draw(st.integers(0, DAY - 1))
    awake = draw(st.integers(8 * 60, 18 * 60))
    routine["wake"] = clock(wake)
    routine["sleep"] = clock(wake + awake)
    if draw(st.booleans()):
        offsets = draw(st.lists(st.integers(0, awake), min_size=1, max_size=4, unique=True))
        routine["meals"] = [clock(wake + o) for o in sorted(offsets)]
    return routine


@st.composite
def current_supplements(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 2))):
        item: dict[str, Any] = {}
        if draw(st.booleans()):
            item["form"] = draw(st.sampled_from(FORM_IDS))
        if draw(st.integers(0, 3)) > 0 or not item:
            item["elemental_mg"] = draw(st.integers(1, 500))
        out.append(item)
    return out


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid profile dict (design.md 3.1)."""
    sex = draw(st.sampled_from(["female", "male"]))
    age = draw(st.one_of(st.integers(18, 95), st.integers(0, 120)))
    data: dict[str, Any] = {"age": age, "sex": sex}
    if sex == "female" and 12 <= age <= 55:
        data["pregnant"] = draw(st.booleans())
        data["breastfeeding"] = draw(st.booleans())
    if draw(st.booleans()):
        data["jurisdiction"] = draw(st.sampled_from(["US", "UK", "EU"]))
    if draw(st.integers(0, 3)) > 0:
        data["egfr"] = draw(st.one_of(st.integers(5, 130), st.floats(0, 200, allow_nan=False)))
    elif draw(st.booleans()):
        data["creatinine_clearance"] = draw(st.integers(5, 200))
    if draw(st.integers(0, 9)) == 0:
        data["dialysis"] = True
    if draw(st.booleans()):
        data["serum_magnesium"] = draw(serum_values())
    data["conditions"] = draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True))
    data["medications"] = draw(medications())
    data["current_supplements"] = draw(current_supplements())
    for flag in ("gi_sensitive", "diarrhea_prone", "constipation", "sleep_problems", "anxiety",
                 "muscle_cramps", "fatigue", "clinician_supervised"):
        if draw(st.integers(0, 3)) == 0:
            data[flag] = True
    if draw(st.booleans()):
        data["pain"] = {
            "score": draw(st.integers(0, 10)),
            "pattern": draw(st.sampled_from(["peripheral", "central", "widespread",
                                             "localized"])),
        }
    preferences: dict[str, Any] = {}
    if draw(st.booleans()):
        preferences["avoid_forms"] = draw(
            st.lists(st.sampled_from(FORM_IDS), max_size=4, unique=True)
        )
    if draw(st.booleans()):
        preferences["budget"] = draw(st.sampled_from(["low", "any"]))
    if draw(st.integers(0, 3)) == 0:
        preferences["max_pills_per_day"] = draw(st.integers(1, 6))
    if preferences:
        data["preferences"] = preferences
    routine = draw(routines())
    if routine:
        data["routine"] = routine
    return data


# ------------------------------------------------------------------------------------------
# Independent checkers (design.md 3.2), written without the code under test.

SEVERITY_RANK = {"info": 0, "caution": 1, "see_clinician": 2, "stop": 3}
STATUS_FOR_WORST = {0: "start", 1: "start_with_caution", 2: "see_clinician_first",
                    3: "do_not_start"}


def expected_status(reasons: list[dict[str, Any]]) -> str:
    worst = max((SEVERITY_RANK[r["severity"]] for r in reasons), default=0)
    return STATUS_FOR_WORST[worst]


def separation_violations(
    plan_json: dict[str, Any], medications_given: list[dict[str, Any]]
) -> list[str]:
    """Every (dose, medicine) pair in the maintenance schedule that breaks design.md 3.2.

    For a medicine taken at d and magnesium at m (24 h clock wrapping at midnight): the hours
    from the medicine's latest dose forward to m must be >= drug_then_mg_h, and the hours from
    m forward to the medicine's next dose must be >= mg_then_drug_h. Times come from the
    profile (every entry with the name the interaction names), not from the plan.
    """
    problems: list[str] = []
    for interaction in plan_json["interactions"]:
        before = interaction["drug_then_mg_h"]
        after = interaction["mg_then_drug_h"]
        if before is None and after is None:
            continue
        times = sorted(
            {minutes(t) for med in medications_given if med["name"] == interaction["medication"]
             for t in med.get("times", [])}
        )
        if not times:
            continue
        for dose in plan_json["schedule"]:
            m = minutes(dose["time"])
            since = min((m - d) % DAY for d in times)
            until = min((d - m) % DAY for d in times)
            if since < (before or 0) * 60 or until < (after or 0) * 60:
                problems.append(
                    f"{dose['time']} vs {interaction['medication']} at {times}: "
                    f"{since / 60:g} h after (needs {before}), {until / 60:g} h before "
                    f"(needs {after})"
                )
    return problems


def source_ids_used(plan_json: dict[str, Any]) -> set[str]:
    """Every source id cited anywhere in a plan (reasons, forms, interactions, evidence)."""
    used: set[str] = set()
    for key in ("reasons", "forms", "interactions", "evidence"):
        for item in plan_json[key]:
            used.update(item["sources"])
    return used


def check_titration(steps: list[dict[str, Any]], target: int, *, sensitive: bool) -> None:
    """The titration invariants of design.md 3.2 and dosing.toml, on plan-JSON shaped steps."""
    assert steps, "a positive target has a titration"
    start_cap = 100 if sensitive else 150
    gap = 7 if sensitive else 3
    first = steps[0]
    assert first["day"] == 1
    # A single 25 mg step cannot start at half of itself (see tests/core/test_dosing.py).
    if target >= 50:
        assert first["elemental_mg_per_day"] <= min(start_cap, target / 2)
    assert first["elemental_mg_per_day"] > 0
    for before, after in itertools.pairwise(steps):
        assert after["day"] - before["day"] >= gap
        assert after["elemental_mg_per_day"] >= before["elemental_mg_per_day"]
    assert steps[-1]["elemental_mg_per_day"] == target
    for step in steps:
        mg, doses = step["elemental_mg_per_day"], step["doses_per_day"]
        assert mg % 25 == 0
        if mg > 200:
            assert doses >= 2
        assert mg / doses <= 200
