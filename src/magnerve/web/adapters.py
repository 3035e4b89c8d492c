"""The calls the API and the pages share: core and journal functions, wired to one app.

Both surfaces call these, so a page and its JSON twin can never disagree (the datasette
habit of one handler per view). Nothing here decides anything clinical; each function is a
few lines of "open the journal, call the core, return its value".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException

from magnerve.errors import InputError

if TYPE_CHECKING:
    from magnerve.core.entries import StoredPlan
    from magnerve.core.review import Review
    from magnerve.knowledge import Knowledge
    from magnerve.web.context import WebContext

__all__ = [
    "FUTURE_SLACK",
    "Report",
    "bound",
    "diet",
    "food_search",
    "label",
    "review",
    "save_plan",
    "when",
]

#: How far ahead of the clock a logged time may be (as ``magnerve journal add --at``): a
#: future time is nearly always "21:00" typed at 20:00 meaning yesterday evening.
FUTURE_SLACK = timedelta(minutes=5)

NO_PLAN = ("No plan is saved in your journal yet. Make a plan and save it (the Plan page, "
           "POST /api/v1/journal/plans, or 'magnerve journal start PROFILE') first.")


def _in_range(parse: Callable[[], datetime], text: str, field: str, what: str) -> datetime:
    """Run a journal time parser, refusing times the journal cannot keep with an InputError
    naming the field: "0001-01-01T00:00" makes Python raise ValueError or OverflowError when
    it is put in a time zone, and "9999-12-31" as an end of day overflows. Checked here too,
    so the web layer never depends on the journal catching it."""
    from magnerve.journal.times import MAX_YEAR, MIN_YEAR

    expected = f"{what}, between the years {MIN_YEAR} and {MAX_YEAR}"
    try:
        at = parse()
        utc = at.astimezone(UTC)
    except InputError:
        raise
    except (ValueError, OverflowError, OSError):
        raise InputError(field, text, expected) from None
    if not MIN_YEAR <= at.year <= MAX_YEAR or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise InputError(field, text, expected)
    return at


def when(web: WebContext, text: str | None, field: str = "at") -> datetime:
    """A logged time as people write it ("08:30", "yesterday 21:00", ISO); default now."""
    from magnerve.journal.times import WHEN_TEXT, parse_when

    now = web.now()
    if text is None or not text.strip():
        return now
    at = _in_range(lambda: parse_when(text, now, field), text, field, WHEN_TEXT)
    if at > now + FUTURE_SLACK:
        raise InputError(field, text, "a time that is not in the future",
                         hint=f"It is now {now:%Y-%m-%d %H:%M}.")
    return at


def bound(web: WebContext, text: str | None, field: str, *, end: bool = False
          ) -> datetime | None:
    """A ``since``/``until`` filter as ``magnerve journal list`` takes it; None when absent."""
    from magnerve.journal.times import BOUND_TEXT, parse_bound

    if text is None:
        return None
    now = web.now()
    return _in_range(lambda: parse_bound(text, now, field, end=end), text, field, BOUND_TEXT)


def save_plan(web: WebContext, data: Any) -> dict[str, Any]:
    """Plan a profile and keep it as the plan to follow (``magnerve journal start``)."""
    from magnerve.core.profile import parse_profile
    from magnerve.planning import make_plan

    person = parse_profile(data, web.knowledge)
    result = make_plan(person, web.knowledge).to_dict()
    journal = web.journal()
    before = journal.current_plan()
    stored = journal.save_plan(person.to_dict(), result, web.now())
    return stored_plan_dict(stored, new=before is None or before.version != stored.version)


def stored_plan_dict(stored: StoredPlan, *, new: bool | None = None) -> dict[str, Any]:
    """A saved plan as JSON (the shape of ``magnerve journal start --format json``)."""
    data: dict[str, Any] = {
        "version": stored.version,
        "created_at": stored.created_at.isoformat(),
        "status": stored.plan.get("status"),
        "daily_target_mg": stored.plan.get("daily_target_mg"),
        "plan": stored.plan,
        "profile": stored.profile,
    }
    if new is not None:
        data["new_version"] = new
    return data


def review(web: WebContext) -> Review:
    """The review of the whole journal against the current plan, as of now.

    The same call as ``magnerve review`` (``magnerve.cli.review_cmd.load_review``), on the
    app's open journal instead of a fresh connection per request.
    """
    from magnerve.core.review import review as run_review

    journal = web.journal()
    stored = journal.current_plan()
    if stored is None:
        raise HTTPException(404, NO_PLAN)
    return run_review(journal.entries(), stored, web.knowledge, now=web.now(),
                      earlier_plans=journal.plans())


def food_search(query: str, limit: int) -> list[dict[str, Any]]:
    """Ranked foods for a query: the ``magnerve foods search --format json`` list."""
    from magnerve.core.foods import search, tokenize

    if not tokenize(query):
        raise InputError("q", query, "a food name, e.g. 'pumpkin seeds'")
    return [match.food.to_dict() for match in search(query, limit=limit)]


def label(text: str, knowledge: Knowledge) -> dict[str, Any]:
    """Elemental magnesium from supplement label text (the ``magnerve label`` JSON)."""
    from magnerve.core.labels import parse_label

    result: dict[str, Any] = parse_label(text, knowledge).to_dict()
    return result


def diet(data: Any) -> dict[str, Any]:
    """Magnesium in a food log: text (one food per line, as ``magnerve diet log.txt``) or
    ``{foods, questionnaire}`` (as ``magnerve diet diet.json``)."""
    from magnerve.core.diet import DietEstimate, estimate_diet, read_food_log

    if isinstance(data, str):
        estimate = DietEstimate(log=read_food_log(data))
    else:
        estimate = estimate_diet(data)
    result: dict[str, Any] = estimate.to_dict()
    return result


@dataclass(frozen=True, slots=True)
class Report:
    """A built report: bytes, media type and a file name for the download."""

    content: bytes
    media_type: str
    filename: str


def report(web: WebContext, fmt: str) -> Report:
    """The clinician report in ``fmt`` (html, pdf or fhir), as ``magnerve report`` writes it."""
    result = review(web)
    stamp = result.today.isoformat()
    if fmt == "fhir":
        import json

        from magnerve.report.fhir import build_bundle

        bundle = build_bundle(result, web.journal().entries(), web.knowledge)
        data = (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        return Report(data, "application/fhir+json", f"magnerve-report-{stamp}.fhir.json")
    from magnerve.report.html import render_html

    html = render_html(result, web.knowledge)
    if fmt == "pdf":
        from magnerve.report.pdf import html_to_pdf

        pdf, _pages = html_to_pdf(html)
        return Report(pdf, "application/pdf", f"magnerve-report-{stamp}.pdf")
    return Report(html.encode("utf-8"), "text/html; charset=utf-8",
                  f"magnerve-report-{stamp}.html")
