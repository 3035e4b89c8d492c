"""Validation of journal entry values, one shape per kind (see magnerve.core.entries).

Every path into the journal (``Journal.add``, ``Journal.edit``, imports) goes through
:func:`validate_values`, so the store only ever holds values the review can trust: numbers
are finite and in range, flags are real booleans, and every key of a kind's shape is present
(absent optional fields are ``None``/``False``/``[]``) so readers index instead of guessing.

Errors are :class:`~magnerve.errors.InputError` naming the field, the value and what would
have been accepted, e.g. ``'mg' must be a number of elemental mg above 0 and at most 5000
(got -5).``
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from magnerve.core.entries import ENTRY_KINDS, EntryKind
from magnerve.core.text import forbidden_character
from magnerve.errors import InputError

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge

__all__ = [
    "KIND_FIELDS",
    "MAX_DOSE_MG",
    "MAX_NOTE_CHARS",
    "check_kind",
    "check_text",
    "stored_problem",
    "validate_values",
]

#: Largest single logged dose in elemental mg. Far above any sane dose (the US adult upper
#: limit is 350 mg/day), so it only catches typos such as 20000 for 200.
MAX_DOSE_MG = 5000.0
MAX_NOTE_CHARS = 5000
MAX_TEXT_CHARS = 500
MAX_QUALITIES = 20

#: The keys of each kind, in the order they are stored and printed.
KIND_FIELDS: dict[EntryKind, tuple[str, ...]] = {
    "dose": ("mg", "form", "product"),
    "pain": ("score", "worst", "qualities", "location"),
    "gi": ("bristol", "diarrhea", "nausea", "cramps"),
    "sleep": ("quality",),
    "note": ("text",),
    "med": ("name", "drug", "drugs"),
}

_WORD = re.compile(r"^[^\W\d_]+(?:['\- ][^\W\d_]+)*$")


def check_kind(kind: object, field: str = "kind") -> EntryKind:
    """The kind as an EntryKind, or an InputError that suggests the nearest kind."""
    if isinstance(kind, str) and kind.strip().lower() in ENTRY_KINDS:
        return cast("EntryKind", kind.strip().lower())
    close = difflib.get_close_matches(str(kind).lower(), ENTRY_KINDS, n=1, cutoff=0.5)
    raise InputError(
        field, kind, "one of " + ", ".join(ENTRY_KINDS), suggestion=close[0] if close else None
    )


#: Whitespace controls a note may hold (a note keeps its line breaks); other text only tab.
_NOTE_CONTROLS = "\t\n\r"
_TEXT_CONTROLS = "\t"


def check_text(value: str, field: str, expected: str, *, newlines: bool = False) -> str:
    """``value`` if it holds no lone surrogates and no control characters (tab always, line
    breaks only with ``newlines``), else an InputError naming the character."""
    bad = forbidden_character(value, _NOTE_CONTROLS if newlines else _TEXT_CONTROLS)
    if bad is None:
        return value
    code = f"U+{ord(bad):04X}"
    if unicodedata.category(bad) == "Cs":
        raise InputError(
            field,
            value,
            f"{expected} in valid UTF-8",
            message=f"'{field}' must be {expected} "
            f"in valid UTF-8; it holds the invalid character {code} (was the text or file "
            "saved in another encoding?).",
        )
    allowed = "tabs and line breaks" if newlines else "tabs"
    raise InputError(
        field,
        value,
        f"{expected} without control characters",
        message=f"'{field}' must be {expected} without control characters such as escape or "
        f"bell (only {allowed} are allowed); it holds {code}.",
    )


def _number(
    values: Mapping[str, Any],
    key: str,
    low: float,
    high: float,
    expected: str,
    *,
    low_inclusive: bool = True,
    required: bool = True,
) -> float | None:
    value = values.get(key)
    if value is None:
        if required:
            raise InputError(key, value, expected, message=f"'{key}' is required: {expected}.")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(key, value, expected)
    if isinstance(value, float) and not math.isfinite(value):  # ints may be too big to test
        raise InputError(key, value, expected)
    too_low = value < low if low_inclusive else value <= low
    if too_low or value > high:
        raise InputError(key, value, expected)
    return float(value)


def _text(
    values: Mapping[str, Any],
    key: str,
    limit: int,
    expected: str,
    *,
    required: bool = False,
    newlines: bool = False,
) -> str | None:
    value = values.get(key)
    if value is None:
        if required:
            raise InputError(key, value, expected, message=f"'{key}' is required: {expected}.")
        return None
    if not isinstance(value, str):
        raise InputError(key, value, expected)
    if len(value) > limit:
        raise InputError(key, f"{len(value)} characters", expected)
    check_text(value, key, expected, newlines=newlines)
    if not value.strip():
        if required:
            raise InputError(key, value, expected)
        return None
    return value


def _stripped(text: str | None) -> str | None:
    """Short labels are stored trimmed; note text is kept exactly as written."""
    return None if text is None else " ".join(text.split())


def _flag(values: Mapping[str, Any], key: str) -> bool:
    value = values.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(key, value, "true or false")
    return value


def _form(value: object) -> str | None:
    from magnerve.knowledge import FORM_IDS

    if value is None:
        return None
    expected = "a magnesium form id such as 'glycinate' or 'citrate'"
    if not isinstance(value, str):
        raise InputError("form", value, expected)
    key = re.sub(r"[\s\-]+", "_", value.strip().lower())
    key = key.removeprefix("magnesium_").removeprefix("mg_")
    if not key:
        return None
    if key in FORM_IDS:
        return key
    close = difflib.get_close_matches(key, FORM_IDS, n=1, cutoff=0.6)
    raise InputError("form", value, expected, suggestion=close[0] if close else None)


def _qualities(value: object) -> list[str]:
    expected = 'a list of words such as "burning", "shooting" or "tingling"'
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or len(value) > MAX_QUALITIES:
        raise InputError("qualities", value, expected)
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise InputError("qualities", item, expected)
        word = " ".join(item.split()).lower()
        if not word or len(word) > 40 or not _WORD.match(word):
            raise InputError(
                "qualities",
                item,
                'a word such as "burning" or "pins and '
                'needles" (letters, spaces, hyphens; up to 40 characters)',
            )
        if word not in out:
            out.append(word)
    return out


def _bristol(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise InputError("bristol", value, "a Bristol stool type, a whole number from 1 to 7")
    return value


def _dose(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    return {
        "mg": _number(
            values,
            "mg",
            0.0,
            MAX_DOSE_MG,
            f"a number of elemental mg above 0 and at most {MAX_DOSE_MG:g}",
            low_inclusive=False,
        ),
        "form": _form(values.get("form")),
        "product": _stripped(
            _text(
                values,
                "product",
                MAX_TEXT_CHARS,
                f"product text of at most {MAX_TEXT_CHARS} characters",
            )
        ),
    }


def _pain(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    return {
        "score": _number(values, "score", 0, 10, "a pain score from 0 to 10"),
        "worst": _number(values, "worst", 0, 10, "a worst-pain score from 0 to 10", required=False),
        "qualities": _qualities(values.get("qualities")),
        "location": _stripped(
            _text(
                values,
                "location",
                MAX_TEXT_CHARS,
                f"a place on the body in at most {MAX_TEXT_CHARS} characters",
            )
        ),
    }


def _gi(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    out = {
        "bristol": _bristol(values.get("bristol")),
        "diarrhea": _flag(values, "diarrhea"),
        "nausea": _flag(values, "nausea"),
        "cramps": _flag(values, "cramps"),
    }
    if out["bristol"] is None and not (out["diarrhea"] or out["nausea"] or out["cramps"]):
        raise InputError(
            "bristol",
            None,
            "a Bristol type or a symptom",
            message="A gi entry needs a Bristol stool type (1-7) or at least one "
            "of diarrhea, nausea, cramps.",
        )
    return out


def _sleep(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    return {"quality": _number(values, "quality", 0, 10, "a sleep quality from 0 to 10")}


def _note(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    return {
        "text": _text(
            values,
            "text",
            MAX_NOTE_CHARS,
            f"note text of 1 to {MAX_NOTE_CHARS} characters",
            required=True,
            newlines=True,
        )
    }


def _med(values: Mapping[str, Any], knowledge: Knowledge | None) -> dict[str, Any]:
    name = _text(values, "name", 200, "a medicine name of 1 to 200 characters", required=True)
    assert name is not None  # required=True
    name = name.strip()
    if "drug" in values or "drugs" in values:
        # Re-validating stored (imported or edited-around) values: keep what was resolved
        # then, so an export/import round trip is lossless even if the knowledge changed.
        drug = values.get("drug")
        drugs = values.get("drugs", [] if drug is None else [drug])
        if drug is not None and (not isinstance(drug, str) or not drug.strip()):
            raise InputError("drug", drug, "a generic drug id or null")
        if not isinstance(drugs, list) or not all(isinstance(d, str) and d for d in drugs):
            raise InputError("drugs", drugs, "a list of generic drug ids")
        for item in ([drug] if drug is not None else []) + drugs:
            check_text(item, "drugs", "a list of generic drug ids")
        return {"name": name, "drug": drug, "drugs": list(drugs)}
    if knowledge is None:
        from magnerve.knowledge import load_knowledge

        knowledge = load_knowledge()
    from magnerve.core.medications import resolve_medication

    found: list[str] = []
    for resolved in resolve_medication(name, (), knowledge):
        for entry in resolved.entries:
            if entry.drug.id not in found:
                found.append(entry.drug.id)
    return {"name": name, "drug": found[0] if found else None, "drugs": found}


_VALIDATORS: dict[EntryKind, Callable[[Mapping[str, Any], Knowledge | None], dict[str, Any]]] = {
    "dose": _dose,
    "pain": _pain,
    "gi": _gi,
    "sleep": _sleep,
    "note": _note,
    "med": _med,
}


def validate_values(
    kind: str, values: Mapping[str, Any], *, knowledge: Knowledge | None = None
) -> dict[str, Any]:
    """Check one entry's values and return them complete and normalised.

    Args:
        kind: the entry kind (``dose``, ``pain``, ``gi``, ``sleep``, ``note``, ``med``).
        values: the values as given; unknown keys are refused with a "did you mean".
        knowledge: used to recognise medicine names (loaded on demand when omitted).

    Returns:
        A new dict with every key of the kind's shape, in the documented order.

    Raises:
        InputError: naming the field, the value and what is expected.
    """
    checked_kind = check_kind(kind)
    if not isinstance(values, Mapping):
        raise InputError("values", values, f"an object of {checked_kind} values")
    allowed = KIND_FIELDS[checked_kind]
    for key in values:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
            raise InputError(
                str(key),
                values[key],
                "one of " + ", ".join(allowed),
                suggestion=close[0] if close else None,
                message=f"{field_name(key)} is not a field of a {checked_kind} entry; "
                f"expected one of {', '.join(allowed)}."
                + (f" Did you mean '{close[0]}'?" if close else ""),
            )
    return _VALIDATORS[checked_kind](values, knowledge)


def field_name(key: object) -> str:
    """A field name for a message: quoted as typed when plain, escaped when it holds control
    characters or invalid text (an error message must not drive the terminal either)."""
    text = str(key)
    if len(text) <= 40 and text.isprintable():
        return f"'{text}'"
    return repr(text if len(text) <= 40 else text[:37] + "...")


# --------------------------------------------------------------------------------------------
# Reading back: what a stored row must hold for the readers (review, report, summaries)

#: Far above any dose validation ever allowed; a stored amount beyond it is damage.
_STORED_MG_LIMIT = 1_000_000.0
_NUMBER_KEYS: dict[EntryKind, tuple[tuple[str, bool, float, float], ...]] = {
    # (key, required, low, high): numbers the readers do arithmetic with
    "dose": (("mg", True, 0.0, _STORED_MG_LIMIT),),
    "pain": (("score", True, 0.0, 10.0), ("worst", False, 0.0, 10.0)),
    "gi": (),
    "sleep": (("quality", True, 0.0, 10.0),),
    "note": (),
    "med": (),
}
_TEXT_KEYS: dict[EntryKind, tuple[tuple[str, bool], ...]] = {
    "dose": (("form", False), ("product", False)),
    "pain": (("location", False),),
    "gi": (),
    "sleep": (),
    "note": (("text", True),),
    "med": (("name", True), ("drug", False)),
}


def _finite(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int with hundreds of digits
        return False


def stored_problem(kind: str, values: object) -> str | None:
    """Why a stored entry's values cannot be used by the readers, or None when they can.

    Lenient on purpose (it runs on every row read): it checks what the review, the report
    and the summaries index and compute with (required keys present, numbers finite, text
    and lists of the right type), not every rule :func:`validate_values` applies to new
    input, so an entry stored by an older magnerve stays readable.
    """
    if kind not in KIND_FIELDS:
        return f"unknown kind {kind!r}"
    checked: EntryKind = kind
    if not isinstance(values, dict):
        return f"values are {type(values).__name__}, not an object"
    for key, required, low, high in _NUMBER_KEYS[checked]:
        value = values.get(key)
        if value is None:
            if required:
                return f"a {kind} entry without '{key}'"
        elif not _finite(value):
            return f"'{key}' is not a finite number"
        elif not low <= value <= high or (key == "mg" and value <= 0):
            return f"'{key}' is {value:g}, outside {low:,.0f}-{high:,.0f}"
    for key, required in _TEXT_KEYS[checked]:
        value = values.get(key)
        if value is None:
            if required:
                return f"a {kind} entry without '{key}'"
        elif not isinstance(value, str):
            return f"'{key}' is not text"
    if checked == "pain":
        qualities = values.get("qualities")
        if qualities is not None and (
            not isinstance(qualities, list) or not all(isinstance(q, str) for q in qualities)
        ):
            return "'qualities' is not a list of words"
    elif checked == "med":
        drugs = values.get("drugs")
        if drugs is not None and (
            not isinstance(drugs, list) or not all(isinstance(d, str) for d in drugs)
        ):
            return "'drugs' is not a list of drug ids"
    elif checked == "gi":
        bristol = values.get("bristol")
        if bristol is not None and (
            isinstance(bristol, bool) or not isinstance(bristol, int) or not 1 <= bristol <= 7
        ):
            return "'bristol' is not a Bristol type from 1 to 7"
        for flag in ("diarrhea", "nausea", "cramps"):
            if values.get(flag) not in (None, True, False):
                return f"'{flag}' is not true or false"
    extra = {k: v for k, v in values.items() if k not in KIND_FIELDS[checked]}
    if extra:  # kept as stored, but they must still export as JSON (no NaN, no infinity)
        try:
            json.dumps(extra, allow_nan=False)
        except (TypeError, ValueError):
            return "a value is not a finite number"
    return None
