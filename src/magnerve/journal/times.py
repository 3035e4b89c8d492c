"""Journal times: how an aware datetime is stored, and how people write times on the CLI.

Storage keeps two facts per time: the instant in UTC (fixed-width ISO text, so the text
order *is* the time order and an index on it serves every range query) and the UTC offset
the person was living in when they logged it. Keeping only UTC would lose "this dose was at
08:00 local"; keeping only local text would sort wrongly across a daylight-saving change or
a trip. With both, an entry comes back exactly as it was logged, offset included, and a
review can still put every entry on the right local day.

Pure functions: the caller passes "now" in, so tests and the web app decide the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from magnerve.errors import InputError

__all__ = [
    "FUTURE_SLACK",
    "MAX_YEAR",
    "MIN_YEAR",
    "from_storage",
    "local_now",
    "parse_bound",
    "parse_iso",
    "parse_when",
    "require_aware",
    "to_storage",
]

MIN_YEAR = 1900
MAX_YEAR = 9998
#: How far ahead of the clock a logged or imported time may be: a little slack for clocks
#: that disagree, no more. A time in the future is nearly always a mistake ("21:00" typed
#: at 20:00 meaning yesterday evening, or a file from a device with a wrong clock).
FUTURE_SLACK = timedelta(minutes=5)

_CLOCK = re.compile(r"^(?:(today|yesterday)\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.IGNORECASE)
_DAYS_AGO = re.compile(r"^(\d{1,5})\s*d(?:ays?)?$", re.IGNORECASE)
WHEN_TEXT = (
    'a time like "08:30", "yesterday 21:00" or an ISO 8601 date-time such as '
    '"2024-03-10T08:30" or "2024-03-10T08:30-05:00"'
)
BOUND_TEXT = 'a date like "2024-03-10", "today", "yesterday", "7d", or a date-time'
RANGE_TEXT = f"a time between the years {MIN_YEAR} and {MAX_YEAR}"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def local_now() -> datetime:
    """Now in the machine's local zone, to the second (what a person means by "now")."""
    return datetime.now().astimezone().replace(microsecond=0)


def require_aware(value: datetime, field: str) -> datetime:
    """Refuse naive datetimes: a journal time without an offset could be any of 38 zones."""
    if not isinstance(value, datetime):
        raise InputError(field, value, "a timezone-aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(field, value.isoformat(), "a timezone-aware datetime (with a UTC offset)")
    return value


def to_storage(at: datetime, field: str = "at") -> tuple[str, int]:
    """An aware datetime as (UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, offset in seconds)."""
    require_aware(at, field)
    offset = at.utcoffset()
    assert offset is not None  # checked by require_aware
    if offset.microseconds:
        raise InputError(field, at.isoformat(), "a UTC offset in whole seconds")
    try:
        utc = at.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise InputError(
            field, at.isoformat(), f"a time between the years {MIN_YEAR} and {MAX_YEAR}"
        )
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond:06d}Z"
    )
    return text, int(offset.total_seconds())


def from_storage(at_utc: str, offset_s: int) -> datetime:
    """The inverse of :func:`to_storage`: the instant, shown in the offset it was logged in."""
    instant = datetime.fromisoformat(at_utc)
    return instant.astimezone(timezone(timedelta(seconds=offset_s)))


def _local(naive: datetime) -> datetime:
    """A wall-clock time in the machine's zone, with the offset in force *at that time*.

    ``naive.astimezone()`` asks the C library for the offset of that very moment, so
    "yesterday 08:00" logged the day after a daylight-saving change gets yesterday's offset.
    """
    return naive.astimezone()


def _in_range(value: datetime, text: str, field: str) -> datetime:
    """``value`` (parsed from ``text``) if its year is one the journal can store.

    Checked on the *typed* value, before any zone conversion: year 1 or 9999 cannot be
    converted at all (Python raises OverflowError), and the error should echo what the
    person typed, not a reinterpretation of it.
    """
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(field, text, RANGE_TEXT)
    try:
        local = value if value.tzinfo is not None else _local(value)
        utc = local.astimezone(UTC)
    except (OverflowError, ValueError, OSError):
        raise InputError(field, text, RANGE_TEXT) from None
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise InputError(field, text, RANGE_TEXT)
    return local


def _real_date(raw: str, text: str, field: str) -> date:
    """The date ``YYYY-MM-DD`` in ``raw``, or an error saying it is not a real date."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(
            field, text, "a real calendar date (YYYY-MM-DD, month 01-12, day within the month)"
        ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InputError(field, text, f"a date between the years {MIN_YEAR} and {MAX_YEAR}")
    return day


def parse_iso(text: str, field: str, expected: str = WHEN_TEXT) -> datetime:
    """An ISO 8601 date-time; with an offset it is kept, without one it is local time."""
    candidate = text.strip()
    if candidate[-1:] in ("z", "Z"):
        candidate = candidate[:-1] + "+00:00"
    if _DATE.match(candidate[:10]) is not None:
        _real_date(candidate[:10], text, field)  # "2024-02-30T08:00" is not a real date
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise InputError(field, text, expected) from None
    return _in_range(value, text, field)


def parse_when(text: str, now: datetime, field: str = "--at") -> datetime:
    """When something happened, as a person types it on the command line.

    Accepts ``now``, ``HH:MM`` (today, local), ``today HH:MM``, ``yesterday HH:MM``, and
    ISO 8601 date-times with an offset (kept) or without one (local time that day).
    """
    raw = text.strip()
    if not raw:
        raise InputError(field, text, WHEN_TEXT)
    if raw.lower() == "now":
        return now
    clock = _CLOCK.match(raw)
    if clock:
        day_word, hour, minute, second = clock.groups()
        h, m, s = int(hour), int(minute), int(second or 0)
        if h > 23 or m > 59 or s > 59:
            raise InputError(field, text, "a clock time from 00:00 to 23:59")
        day = now.date() - timedelta(days=1 if (day_word or "").lower() == "yesterday" else 0)
        return _local(datetime.combine(day, time(h, m, s)))
    if _DATE.match(raw):
        _real_date(raw, text, field)  # "2026-13-40" is not a date: say so, not "add a time"
        raise InputError(field, text, WHEN_TEXT, hint=f'Add the time of day, e.g. "{raw}T08:30".')
    return parse_iso(raw, field, WHEN_TEXT)


def parse_bound(text: str, now: datetime, field: str, *, end: bool = False) -> datetime:
    """A ``--since``/``--until`` bound. Dates mean whole local days.

    ``--since 2024-03-01`` starts at local midnight that day; ``--until 2024-03-07`` ends at
    the *next* local midnight, so the named day is included (the store's ``until`` is
    exclusive). ``7d`` means seven days before now; ``today``/``yesterday`` are local days.
    """
    raw = text.strip()
    lowered = raw.lower()
    day: date | None = None
    if lowered == "today":
        day = now.date()
    elif lowered == "yesterday":
        day = now.date() - timedelta(days=1)
    elif (ago := _DAYS_AGO.match(raw)) is not None:
        try:
            back = now - timedelta(days=int(ago[1]))
        except OverflowError:
            raise InputError(field, text, RANGE_TEXT) from None
        return _in_range(back, text, field)
    elif _DATE.match(raw):
        day = _real_date(raw, text, field)
    if day is not None:
        if end:
            day += timedelta(days=1)  # at most 9999-01-01: refused just below
        return _in_range(datetime.combine(day, time()), text, field)
    if lowered == "now":
        return now
    if _CLOCK.match(raw):
        return parse_when(raw, now, field)
    return parse_iso(raw, field, BOUND_TEXT)
