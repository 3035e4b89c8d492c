"""Formatting for templates: words for codes, numbers for people. Nothing here decides.

The plan says ``start_with_caution``; a person reads "You can start, carefully". These
tables only *name* what the core decided, so changing a wording can never change a plan.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import jinja2

__all__ = ["STATUS_TEXT", "install"]

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "start": ("You can start", "Nothing in your answers stands in the way of trying "
              "magnesium. Follow the calendar below."),
    "start_with_caution": ("You can start, carefully", "Read the cautions below first: they "
                           "change when or how you take it."),
    "see_clinician_first": ("See your clinician first", "Something in your answers needs a "
                            "doctor or pharmacist to look at it before you start."),
    "do_not_start": ("Do not start magnesium", "Magnesium supplements are not safe for you "
                     "on these answers. Talk to your doctor."),
}
SEVERITY_TEXT = {"info": "Note", "caution": "Caution", "see_clinician": "See clinician",
                 "stop": "Stop"}
RESPONSE_TEXT = {
    "insufficient_data": "Not enough data yet",
    "no_response": "No meaningful change (less than 10%)",
    "minimal": "A small change (10-29% less pain)",
    "moderate": "A meaningful change (30-49% less pain)",
    "substantial": "A substantial change (50% or more less pain)",
}
KIND_TEXT = {"dose": "Magnesium dose", "pain": "Pain score", "gi": "Stomach / stool",
             "sleep": "Sleep", "note": "Note", "med": "Medicine taken"}


def mg(value: Any) -> str:
    """``150`` -> ``150 mg``; ``62.5`` -> ``62.5 mg``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g} mg"
    return "-"


def number(value: Any, digits: int = 1) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{round(value, digits):g}"
    return "-"


def hours(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g} h"
    return "-"


def day_label(value: date | str) -> str:
    """``Mon 20 Nov``: short enough for a phone, unambiguous across locales."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%a} {day.day} {day:%b}"


def stamp(value: datetime | str) -> str:
    """``Mon 20 Nov 08:30``: a logged time on its own wall clock."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{day_label(at.date())} {at:%H:%M}"


def plus_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


def words(code: Any) -> str:
    """``see_clinician_first`` -> ``see clinician first``."""
    return str(code).replace("_", " ")


def describe_entry(kind: str, values: dict[str, Any]) -> str:
    """One line for a journal entry, e.g. ``Pain 4/10 (burning)``."""
    if kind == "dose":
        text = mg(values.get("mg"))
        if values.get("form"):
            text += f" {words(values['form'])}"
        if values.get("product"):
            text += f" ({values['product']})"
        return text
    if kind == "pain":
        text = f"{number(values.get('score'))}/10"
        if values.get("worst") is not None:
            text += f", worst {number(values['worst'])}"
        if values.get("qualities"):
            text += " (" + ", ".join(values["qualities"]) + ")"
        if values.get("location"):
            text += f" at {values['location']}"
        return text
    if kind == "gi":
        parts = [name for name in ("diarrhea", "nausea", "cramps") if values.get(name)]
        if values.get("bristol") is not None:
            parts.insert(0, f"Bristol type {values['bristol']}")
        return ", ".join(parts).replace("diarrhea", "diarrhoea") or "-"
    if kind == "sleep":
        return f"quality {number(values.get('quality'))}/10"
    if kind == "note":
        text = str(values.get("text") or "")
        return text if len(text) <= 120 else text[:117] + "..."
    if kind == "med":
        name = str(values.get("name") or "")
        drug = values.get("drug")
        return f"{name} ({drug})" if drug and drug != name.lower() else name
    return ""


def install(env: jinja2.Environment) -> None:
    """Register the filters and tables templates use."""
    env.filters.update(mg=mg, number=number, hours=hours, day_label=day_label, stamp=stamp,
                       plus_days=plus_days, words=words)
    env.globals.update(STATUS_TEXT=STATUS_TEXT, SEVERITY_TEXT=SEVERITY_TEXT,
                       RESPONSE_TEXT=RESPONSE_TEXT, KIND_TEXT=KIND_TEXT,
                       describe_entry=describe_entry)
