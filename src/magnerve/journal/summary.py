"""One-line, plain-text summaries of journal entries (CLI tables, web lists, reports).

Kept beside the store rather than in one adapter so every surface words an entry the same
way. Plain text only: callers escape or style it for their medium (the CLI prints it with
markup off, so a note containing "[bold]" is shown as typed).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from magnerve.core.entries import Entry

__all__ = ["describe_entry", "format_number", "format_stamp", "printable", "summarize"]

#: C0 and C1 control characters, DEL and lone surrogates: never printed raw.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (escape, bell...) and
    invalid text are shown as escapes such as ``\\x1b``, never sent raw. New entries cannot
    hold them (validation refuses them); this covers rows stored before that, or by hand."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def format_stamp(at: datetime) -> str:
    """``2024-03-10 08:30 -04:00``: the wall-clock time as logged, with its offset."""
    delta = at.utcoffset()
    seconds = 0 if delta is None else int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    offset = f"{sign}{hours:02d}:{rest // 60:02d}" + (f":{rest % 60:02d}" if rest % 60 else "")
    return f"{at:%Y-%m-%d %H:%M} {offset}"


def summarize(entry: Entry) -> str:
    """``pain at 2024-03-10 08:30 -04:00: pain 6/10 burning``: kind, time and values."""
    return f"{entry.kind} at {format_stamp(entry.at)}: {describe_entry(entry)}"


def format_number(value: Any) -> str:
    """200.0 -> '200', 6.5 -> '6.5': numbers as a person writes them."""
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def describe_entry(entry: Entry) -> str:
    """A one-line summary of an entry's values, for text output."""
    return printable(_describe(entry))


def _describe(entry: Entry) -> str:
    v = entry.values
    if entry.kind == "dose":
        text = f"{format_number(v['mg'])} mg"
        if v.get("form"):
            text += f" {v['form']}"
        if v.get("product"):
            text += f" ({v['product']})"
        return text
    if entry.kind == "pain":
        text = f"pain {format_number(v['score'])}/10"
        if v.get("worst") is not None:
            text += f" (worst {format_number(v['worst'])})"
        if v.get("qualities"):
            text += " " + ", ".join(str(q) for q in v["qualities"])
        if v.get("location"):
            text += f"; {v['location']}"
        return text
    if entry.kind == "gi":
        parts = [f"Bristol {v['bristol']}"] if v.get("bristol") is not None else []
        parts += [flag for flag in ("diarrhea", "nausea", "cramps") if v.get(flag)]
        return "GI: " + ", ".join(parts)
    if entry.kind == "sleep":
        return f"sleep {format_number(v['quality'])}/10"
    if entry.kind == "med":
        drugs = v.get("drugs") or ([v["drug"]] if v.get("drug") else [])
        known = (
            ", ".join(str(d) for d in drugs)
            if drugs
            else ("not recognised: interactions not checked")
        )
        return f"{v['name']} ({known})"
    text = " ".join(str(v.get("text", "")).split())
    return "note: " + (text if len(text) <= 70 else text[:67] + "...")
