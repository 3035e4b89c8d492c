"""Journal export and import formats (JSON and CSV), kept apart from the store.

Both formats carry the *whole* history, entries and plan versions, so an export is a
complete backup and ``import`` of it into an empty journal gives back the same journal.

JSON (what ``magnerve journal export`` writes)::

    {"format": "magnerve.journal", "format_version": 1, "schema_version": 3,
     "entries": [{"id", "kind", "at", "values"}, ...],
     "plans": [{"version", "created_at", "profile", "plan"}, ...]}

A bare list of entries (what ``magnerve journal list --format json`` prints) imports too.

CSV: one header row ``record,id,kind,at,values`` and one row per entry (``record`` =
``entry``) or plan version (``record`` = ``plan``, ``id`` = the version, ``at`` = when it
was made, ``values`` = ``{"profile": ..., "plan": ...}``). ``values`` is a JSON object in
one cell: it is the only way to keep every kind's shape lossless in a flat table. For rows
written by hand, ``record`` and ``id`` may be left out or empty (a new id is made) and
``at`` may omit the offset (local time).

Parsing keeps the line each row starts on, so a bad row is reported as "line 14: ..." and
skipped while the good rows are imported. Nothing here touches SQLite.

An imported plan version must have the plan's contract shape (:func:`check_plan_shape`) and
must not be less safe than planning again with its own profile (:func:`check_plan_safety`):
a file can never lower the safety status or raise the daily target.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from magnerve.core.entries import Entry, EntryKind, StoredPlan
from magnerve.errors import InputError, MagnerveError
from magnerve.journal.times import parse_iso
from magnerve.journal.values import check_kind, field_name, validate_values

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMAT",
    "STATUS_ORDER",
    "EntryCandidate",
    "ImportReport",
    "ImportRow",
    "ParsedImport",
    "PlanCandidate",
    "canonical_json",
    "check_plan_shape",
    "entry_candidate",
    "export_document",
    "parse_csv_text",
    "parse_json_data",
    "parse_json_text",
    "plan_candidate",
    "render_csv",
]


def _reason(exc: BaseException) -> str:
    """An exception's text without its own final full stop (we end the sentence)."""
    return str(exc).strip().rstrip(".")


EXPORT_FORMAT = "magnerve.journal"
EXPORT_FORMAT_VERSION = 1
CSV_COLUMNS = ("record", "id", "kind", "at", "values")
_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_ENTRY_KEYS = ("id", "kind", "at", "values")
_PLAN_KEYS = ("version", "created_at", "profile", "plan")


def canonical_json(data: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8, no NaN. Used to compare."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def compact_json(data: Any) -> str:
    """Compact JSON that keeps the documented key order (for storage and CSV cells)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(slots=True)
class ImportReport:
    """What an import did. ``errors`` and ``conflicts`` are (line, message) pairs.

    ``added`` counts entries and plan versions stored; ``duplicates`` rows already in the
    journal (same id, or same kind, time and values as a stored entry no other row of the
    file matched; same plan and time for plans);
    ``conflicts`` rows whose id is already used by a *different* entry (the stored entry is
    kept, never overwritten); ``errors`` rows that could not be read (skipped).
    """

    added: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    conflicts: list[tuple[int, str]] = field(default_factory=list)
    plans_added: int = 0

    @property
    def ok(self) -> bool:
        """True when every row was read (duplicates and conflicts are not failures)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "plans_added": self.plans_added,
            "duplicates": self.duplicates,
            "conflicts": [{"line": line, "message": msg} for line, msg in self.conflicts],
            "errors": [{"line": line, "message": msg} for line, msg in self.errors],
        }


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of an import file before validation, with the line it starts on."""

    line: int
    record: Literal["entry", "plan"]
    data: Mapping[str, Any]
    #: Where in a JSON file (``plans[0]``), for messages: several rows can share a line.
    where: str = ""


@dataclass(slots=True)
class ParsedImport:
    """Rows that could be read, and (line, message) for the ones that could not."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EntryCandidate:
    """A validated entry to import; ``id`` None means "make a new one"."""

    id: str | None
    kind: EntryKind
    at: datetime
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlanCandidate:
    """A validated plan version to import."""

    version: int | None
    created_at: datetime
    profile: dict[str, Any]
    plan: dict[str, Any]


# --------------------------------------------------------------------------------------------
# Export


def export_document(
    entries: Iterable[Entry], plans: Iterable[StoredPlan], schema_version: int
) -> dict[str, Any]:
    """The whole journal as one JSON-ready dict (deterministic: no export timestamp)."""
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_FORMAT_VERSION,
        "schema_version": schema_version,
        "entries": [entry.to_dict() for entry in entries],
        "plans": [
            {
                "version": p.version,
                "created_at": p.created_at.isoformat(),
                "profile": p.profile,
                "plan": p.plan,
            }
            for p in plans
        ],
    }


def render_csv(document: Mapping[str, Any]) -> str:
    """The export document as CSV: entries first, then plan versions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in document["entries"]:
        writer.writerow(
            ["entry", entry["id"], entry["kind"], entry["at"], compact_json(entry["values"])]
        )
    for plan in document["plans"]:
        writer.writerow(
            [
                "plan",
                plan["version"],
                "",
                plan["created_at"],
                compact_json({"profile": plan["profile"], "plan": plan["plan"]}),
            ]
        )
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Reading files into rows


class _LineCounter:
    """Line numbers of offsets in a text, counted incrementally (rows come in order)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def line_at(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


_WS = re.compile(r"[ \t\n\r]*")


def _skip(text: str, i: int) -> int:
    """The index of the first non-whitespace character at or after ``i``."""
    found = _WS.match(text, i)
    return found.end() if found else i


def _array_lines(text: str, start: int, counter: _LineCounter) -> list[int]:
    """Start lines of the elements of the JSON array at ``text[start] == '['``."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    i = _skip(text, start + 1)
    if text.startswith("]", i):
        return lines
    while True:
        lines.append(counter.line_at(i))
        _, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        return lines


def _element_lines(text: str) -> dict[str, list[int]]:
    """For valid JSON text: where each element of the top-level arrays starts.

    Returns {"": lines} for a top-level array, else {"entries": lines, "plans": lines}.
    ``json`` reports no positions, so this walks the top level with ``raw_decode``.
    """
    decoder = json.JSONDecoder()
    counter = _LineCounter(text)
    i = _skip(text, 0)
    if text.startswith("[", i):
        return {"": _array_lines(text, i, counter)}
    found: dict[str, list[int]] = {}
    if not text.startswith("{", i):
        return found
    i = _skip(text, i + 1)
    while text.startswith('"', i):
        key, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        i = _skip(text, i + 1)  # past the ':'
        if key in ("entries", "plans") and text.startswith("[", i):
            found[key] = _array_lines(text, i, counter)
        _, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
    return found


def _not_json(exc: json.JSONDecodeError) -> InputError:
    return InputError(
        "FILE",
        None,
        "valid JSON",
        message=f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
    )


def parse_json_text(text: str) -> ParsedImport:
    """Rows of a JSON export (or a bare list of entries) with the line each starts on.

    Raises:
        InputError: the text is not JSON, or not an export or a list of entries (nothing
            in such a file can be trusted, so nothing is imported).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(exc) from None
    except RecursionError:
        raise InputError(
            "FILE", None, "valid JSON", message="Not valid JSON: nested too deeply."
        ) from None
    except ValueError as exc:  # e.g. a number with more digits than Python will convert
        raise InputError(
            "FILE", None, "valid JSON", message=f"Not valid JSON: {_reason(exc)}."
        ) from None
    lines = _element_lines(text)
    return _rows_from_data(data, lines)


def parse_json_data(data: object) -> ParsedImport:
    """Rows of an already-parsed export; "lines" are 1-based positions in each list."""
    return _rows_from_data(data, {})


def _rows_from_data(data: object, lines: Mapping[str, list[int]]) -> ParsedImport:
    parsed = ParsedImport()
    expected = (
        'a magnerve journal export ({"format": "magnerve.journal", ...}) or a list of entries'
    )
    if isinstance(data, list):
        groups: list[tuple[str, Literal["entry", "plan"], list[Any]]] = [("", "entry", data)]
    elif isinstance(data, dict):
        fmt = data.get("format", EXPORT_FORMAT)
        if fmt != EXPORT_FORMAT:
            raise InputError("format", fmt, f'"{EXPORT_FORMAT}"')
        version = data.get("format_version", EXPORT_FORMAT_VERSION)
        if not isinstance(version, int) or version > EXPORT_FORMAT_VERSION:
            raise InputError(
                "format_version",
                version,
                f"{EXPORT_FORMAT_VERSION} or lower",
                hint="The file was written by a newer magnerve; upgrade to import it.",
            )
        if "entries" not in data and "plans" not in data:
            raise InputError("FILE", "{...}", expected)
        groups = []
        for key, record in (("entries", "entry"), ("plans", "plan")):
            items = data.get(key, [])
            if not isinstance(items, list):
                raise InputError(key, items, "a list")
            groups.append((key, record, items))  # type: ignore[arg-type]
    else:
        raise InputError("FILE", data, expected)
    for key, record, items in groups:
        starts = lines.get(key)
        for index, item in enumerate(items):
            line = starts[index] if starts and index < len(starts) else index + 1
            if not isinstance(item, dict):
                what = (
                    "an entry {id, kind, at, values}"
                    if record == "entry"
                    else "a plan {version, created_at, profile, plan}"
                )
                parsed.errors.append((line, f"expected {what}, got {type(item).__name__}"))
                continue
            parsed.rows.append(ImportRow(line, record, item, f"{key or 'entries'}[{index}]"))
    return parsed


def parse_csv_text(text: str) -> ParsedImport:
    """Rows of a CSV export (header ``record,id,kind,at,values``; only kind, at and values
    are required) with the line each row starts on."""
    parsed = ParsedImport()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            "FILE", "", f"a CSV file with a header row {','.join(CSV_COLUMNS)}"
        ) from None
    except csv.Error as exc:
        raise InputError(
            "FILE", None, "CSV", message=f"Not valid CSV at line 1: {_reason(exc)}."
        ) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("kind", "at", "values") if c not in names]
    unknown = [h for h in names if h not in CSV_COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise InputError(
            "header",
            ",".join(header),
            "the columns " + ",".join(CSV_COLUMNS),
            message="The CSV header must name the columns "
            f"{','.join(CSV_COLUMNS)} (record and id are optional); got "
            f"{','.join(header)!r}.",
        )
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.errors.append((start, f"not valid CSV: {exc}"))
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            parsed.errors.append(
                (start, f"expected {len(names)} columns ({','.join(names)}), got {len(row)}")
            )
            continue
        cells = dict(zip(names, row, strict=True))
        record = cells.get("record", "").strip().lower() or "entry"
        if record not in ("entry", "plan"):
            parsed.errors.append(
                (start, f'\'record\' must be "entry" or "plan" (got {cells["record"]!r})')
            )
            continue
        try:
            # strict=False: a hand-edited cell may hold a real line break inside a string
            values = json.loads(cells["values"], strict=False)
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            parsed.errors.append(
                (
                    start,
                    "'values' must be a JSON object such as "
                    f'{{"score": 4}} (got {_short(cells["values"])})',
                )
            )
            continue
        if record == "entry":
            data: dict[str, Any] = {"kind": cells["kind"], "at": cells["at"], "values": values}
            if cells.get("id", "").strip():
                data["id"] = cells["id"].strip()
            parsed.rows.append(ImportRow(start, "entry", data))
        else:
            if not isinstance(values, dict) or set(values) != {"profile", "plan"}:
                parsed.errors.append(
                    (start, 'a plan row\'s \'values\' must be {"profile": {...}, "plan": {...}}')
                )
                continue
            version: object = cells.get("id", "").strip()
            if isinstance(version, str) and version.isdigit():
                version = int(version)
            parsed.rows.append(
                ImportRow(
                    start,
                    "plan",
                    {
                        "version": version or None,
                        "created_at": cells["at"],
                        "profile": values["profile"],
                        "plan": values["plan"],
                    },
                )
            )
    return parsed


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


# --------------------------------------------------------------------------------------------
# Rows into validated candidates


def _unknown_keys(data: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    extra = [k for k in data if k not in allowed]
    if extra:
        raise InputError(
            str(extra[0]),
            data[extra[0]],
            "one of " + ", ".join(allowed),
            message=f"{field_name(extra[0])} is not a field of {what}; "
            f"expected {', '.join(allowed)}.",
        )


#: Plan statuses from least to most cautious (design.md 3.2).
STATUS_ORDER: dict[str, int] = {
    "start": 0,
    "start_with_caution": 1,
    "see_clinician_first": 2,
    "do_not_start": 3,
}
_REASON_SEVERITIES = ("info", "caution", "see_clinician", "stop")


def _whole(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _is_number(value: object) -> bool:
    """A finite int or float (not a bool, not NaN, not an int too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _items(plan: Mapping[str, Any], key: str, what: str, *, required: bool) -> list[Any]:
    if key not in plan and not required:
        return []
    value = plan.get(key)
    if not isinstance(value, list):
        raise InputError(f"plan.{key}", value, f"a list of {what}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(f"plan.{key}[{index}]", item, f"an object (one of the plan's {what})")
    return value


def check_plan_shape(plan: object, *, strict: bool = True) -> None:
    """Refuse plan JSON that does not have the contract shape (``Plan.to_dict``) that the
    review and the reports read.

    ``strict`` (imports): the status, the whole-mg daily target and the titration,
    schedule, reasons and interactions lists must all be there. Not strict (reading a
    stored plan back): fields may be missing (readers fall back, and an unknown status
    fails closed), but any that are there must have the shape readers index into.

    Raises:
        InputError: naming the first field that is wrong (``plan.titration[2].day``).
    """
    if not isinstance(plan, dict):
        raise InputError("plan", plan, "a plan object")
    status = plan.get("status")
    if strict and (not isinstance(status, str) or status not in STATUS_ORDER):
        raise InputError("plan.status", status, "one of " + ", ".join(STATUS_ORDER))
    target = plan.get("daily_target_mg")
    if (strict or target is not None) and not _whole(target, 0):
        raise InputError("plan.daily_target_mg", target, "a whole number of mg, 0 or more")
    limit = plan.get("upper_limit_mg")
    if limit is not None and not _whole(limit, 0):
        raise InputError("plan.upper_limit_mg", limit, "a whole number of mg or null")
    form = plan.get("recommended_form")
    if form is not None and not isinstance(form, str):
        raise InputError("plan.recommended_form", form, "a form id or null")
    expected_step = "a step {day >= 1, elemental_mg_per_day >= 0, doses_per_day >= 0}"
    for index, step in enumerate(_items(plan, "titration", "titration steps", required=strict)):
        for key, low in (("day", 1), ("elemental_mg_per_day", 0), ("doses_per_day", 0)):
            if not _whole(step.get(key), low):
                raise InputError(
                    f"plan.titration[{index}].{key}",
                    step.get(key),
                    f"a whole number from {low} ({expected_step})",
                )
    for index, dose in enumerate(_items(plan, "schedule", "scheduled doses", required=strict)):
        if not isinstance(dose.get("time"), str):
            raise InputError(f"plan.schedule[{index}].time", dose.get("time"), 'a time "HH:MM"')
        if not _is_number(dose.get("elemental_mg")):
            raise InputError(
                f"plan.schedule[{index}].elemental_mg", dose.get("elemental_mg"), "a number of mg"
            )
    for index, reason in enumerate(_items(plan, "reasons", "reasons", required=strict)):
        if reason.get("severity") not in _REASON_SEVERITIES:
            raise InputError(
                f"plan.reasons[{index}].severity",
                reason.get("severity"),
                "one of " + ", ".join(_REASON_SEVERITIES),
            )
        if not isinstance(reason.get("message"), str):
            raise InputError(f"plan.reasons[{index}].message", reason.get("message"), "text")
    for index, item in enumerate(_items(plan, "interactions", "interactions", required=strict)):
        for key in ("drug_then_mg_h", "mg_then_drug_h"):
            value = item.get(key)
            if value is not None and not _is_number(value):
                raise InputError(
                    f"plan.interactions[{index}].{key}", value, "a number of hours or null"
                )
    for key in ("forms", "evidence", "follow_up", "sources"):
        _items(plan, key, key.replace("_", "-") + " entries", required=False)
    assumptions = plan.get("assumptions", [])
    if not isinstance(assumptions, list):
        raise InputError("plan.assumptions", assumptions, "a list")


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, value, 'an ISO 8601 date-time such as "2024-03-10T08:30:00-05:00"')
    return parse_iso(value, field, 'an ISO 8601 date-time such as "2024-03-10T08:30:00-05:00"')


def entry_candidate(data: Mapping[str, Any], knowledge: Knowledge | None = None) -> EntryCandidate:
    """Validate one imported entry (same rules as ``Journal.add``)."""
    _unknown_keys(data, _ENTRY_KEYS, "an entry")
    raw_id = data.get("id")
    if raw_id is not None and (not isinstance(raw_id, str) or not _ID.match(raw_id)):
        raise InputError("id", raw_id, "an id of 1-64 letters, digits, '_', '-', '.' or ':'")
    kind = check_kind(data.get("kind"))
    at = _time(data.get("at"), "at")
    values = data.get("values")
    if not isinstance(values, Mapping):
        raise InputError("values", values, f"an object of {kind} values")
    return EntryCandidate(raw_id, kind, at, validate_values(kind, values, knowledge=knowledge))


def check_plan_safety(
    profile: Mapping[str, Any], plan: Mapping[str, Any], knowledge: Knowledge | None = None
) -> None:
    """Refuse an imported plan that is less safe than planning again with its own profile.

    A file must never be able to override the safety status: the profile must be one
    magnerve can read, and the plan made from it now decides the floor. The imported plan
    may be as cautious or more (an older, stricter plan), never less: its status may not be
    less severe and its daily target not higher than the fresh plan's.

    Raises:
        InputError: the profile cannot be read, or the plan is less safe (the message says
            to run ``magnerve journal start``).
    """
    from magnerve.core.profile import parse_profile
    from magnerve.planning import make_plan

    if knowledge is None:
        from magnerve.knowledge import load_knowledge

        knowledge = load_knowledge()
    try:
        person = parse_profile(dict(profile), knowledge)
        if person.diet is not None:  # the diet adds the food ledger only, never a status
            person = person.model_copy(update={"diet": None})
        fresh = make_plan(person, knowledge)
    except MagnerveError as exc:
        raise InputError(
            f"profile.{getattr(exc, 'field', '')}".rstrip("."),
            getattr(exc, "value", None),
            "a valid profile",
            message=f"The plan's profile cannot be read ({_reason(exc)}); an imported plan "
            "must come with a valid profile. Make the plan again with 'magnerve journal "
            "start PROFILE'.",
        ) from None
    status, target = str(plan.get("status")), plan.get("daily_target_mg")
    if STATUS_ORDER[status] < STATUS_ORDER[fresh.status]:
        raise InputError(
            "plan.status",
            status,
            f"at least as cautious as {fresh.status!r}",
            message=f"The plan's status {status!r} is less cautious than {fresh.status!r}, "
            "which planning again with its profile gives, and an import must never make a "
            "plan less safe; run 'magnerve journal start PROFILE' to make the plan again.",
        )
    if isinstance(target, int) and target > fresh.daily_target_mg:
        raise InputError(
            "plan.daily_target_mg",
            target,
            f"at most {fresh.daily_target_mg}",
            message=f"The plan's daily target of {target} mg is higher than the "
            f"{fresh.daily_target_mg} mg that planning again with its profile gives, and an "
            "import must never make a plan less safe; run 'magnerve journal start PROFILE' to "
            "make the plan again.",
        )


def plan_candidate(
    data: Mapping[str, Any], knowledge: Knowledge | None = None, *, check_safety: bool = True
) -> PlanCandidate:
    """Validate one imported plan version: its fields, the plan's contract shape and (with
    ``check_safety``) that it is no less safe than planning again with its profile."""
    _unknown_keys(data, _PLAN_KEYS, "a plan")
    version = data.get("version")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        raise InputError("version", version, "a whole number from 1")
    created_at = _time(data.get("created_at"), "created_at")
    profile, plan = data.get("profile"), data.get("plan")
    if not isinstance(profile, dict):
        raise InputError("profile", profile, "a profile object")
    if not isinstance(plan, dict):
        raise InputError("plan", plan, "a plan object")
    for name, data_ in (("profile", profile), ("plan", plan)):
        try:
            canonical_json(data_).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                name,
                "...",
                "valid UTF-8 text",
                message=f"The {name} holds text that is "
                f"not valid UTF-8 (the character U+{ord(exc.object[exc.start]):04X}).",
            ) from None
        except (TypeError, ValueError):
            raise InputError(name, "...", "JSON data without NaN or infinity") from None
    check_plan_shape(plan)
    if check_safety:
        check_plan_safety(profile, plan, knowledge)
    return PlanCandidate(version, created_at, profile, plan)
