"""Server-rendered pages: plan, journal, progress, labels, foods (and the login page).

Progressive enhancement: every page is a plain HTML form that works without JavaScript;
``static/app.js`` only adds conveniences (medicine autocomplete, logging without a page
reload, a confirmation before deleting, the print button). Pages call the same core and
journal functions as the API (:mod:`magnerve.web.adapters`), translating form fields to the
profile and entry shapes and errors back to the field that caused them.

Every POST is CSRF-checked by the router's dependency, so a new form cannot forget it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from magnerve.errors import InputError, MagnerveError
from magnerve.web import adapters
from magnerve.web.context import WebContext, context
from magnerve.web.errors import problem_for
from magnerve.web.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, new_csrf_cookie

__all__ = ["page_values", "profile_from_form", "router"]

MAX_FORM_FIELDS = 400
MEDICINE_ROWS = 4
SUPPLEMENT_ROWS = 2
PAIN_QUALITIES = ("burning", "shooting", "tingling", "stabbing", "electric", "aching",
                  "numbness", "pins and needles")
FLAGS = (
    ("gi_sensitive", "My stomach is sensitive"),
    ("diarrhea_prone", "I get diarrhoea easily"),
    ("constipation", "I am often constipated"),
    ("sleep_problems", "I sleep badly"),
    ("anxiety", "I have anxiety"),
    ("muscle_cramps", "I get muscle cramps"),
    ("fatigue", "I am often tired"),
)
PAGE_SIZE = 25


async def csrf_guard(request: Request) -> None:
    """Refuse a state-changing form that did not come from one of this server's pages."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await _form(request)
    token = form.get(CSRF_FIELD)
    web = context(request)
    if not web.signer.csrf_ok(request.cookies.get(CSRF_COOKIE),
                              token if isinstance(token, str) else None):
        raise HTTPException(403, "This form has expired or did not come from magnerve's own "
                            "pages (CSRF check failed). Reload the page and try again.")


router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_guard)])


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


def _csrf_cookie(request: Request) -> tuple[str, bool]:
    """This browser's CSRF cookie, and whether it is new (and must be set)."""
    cached = getattr(request.state, "csrf_cookie", None)
    if cached is not None:
        return cached, getattr(request.state, "csrf_new", False)
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = not cookie or len(cookie) > 100
    if fresh:
        cookie = new_csrf_cookie()
    request.state.csrf_cookie = cookie
    request.state.csrf_new = fresh
    return str(cookie), fresh


def page_values(request: Request, *, title: str) -> dict[str, Any]:
    """What the base template needs on every page."""
    from magnerve import __version__
    from magnerve.core.planner import DISCLAIMER

    web = context(request)
    cookie, _ = _csrf_cookie(request)
    return {
        "title": title,
        "path": request.url.path,
        "csrf_field": CSRF_FIELD,
        "csrf_token": web.signer.csrf_token(cookie),
        "remote": web.settings.remote,
        "version": __version__,
        "disclaimer": DISCLAIMER,
    }


def _page(request: Request, template: str, *, title: str, status: int = 200,
          **values: Any) -> HTMLResponse:
    web = context(request)
    html = web.render(template, **page_values(request, title=title), **values)
    response = HTMLResponse(html, status_code=status)
    cookie, fresh = _csrf_cookie(request)
    if fresh:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict",
                            secure=web.settings.remote, path="/")
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _local_target(raw: object, default: str = "/") -> str:
    """Only same-site paths: a crafted ``next`` must not send someone to another site."""
    if isinstance(raw, str) and raw.startswith("/") and not raw.startswith(("//", "/\\")):
        return raw
    return default


def _error(exc: MagnerveError) -> dict[str, Any]:
    """An error's facts for a form: the sentence, and the field it belongs to."""
    problem = problem_for(exc)
    return {"detail": problem.detail, "field": problem.field, "status": problem.status}


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --------------------------------------------------------------------------------------------
# Home: one-tap logging


def _today(web: WebContext) -> dict[str, Any]:
    """Today's dose and advice from the review, or what is missing to make one."""
    journal = web.journal()
    stored = journal.current_plan()
    out: dict[str, Any] = {"plan": None, "review": None, "dose_mg": None, "form": None}
    if stored is None:
        return out
    out["plan"] = stored.plan
    try:
        result = adapters.review(web)
    except HTTPException:
        return out
    data = result.to_dict()
    out["review"] = data
    step = data["step"]
    if step["elemental_mg_per_day"] and step["doses_per_day"]:
        per_dose = step["elemental_mg_per_day"] / step["doses_per_day"]
        out["dose_mg"] = round(per_dose) if per_dose == round(per_dose) else round(per_dose, 1)
    out["form"] = data.get("form")
    return out


@router.get("/", response_class=HTMLResponse)
def home(request: Request, logged: str | None = None) -> HTMLResponse:
    web = context(request)
    today = _today(web)
    now = web.now()
    start = now.replace(hour=0, minute=0, second=0)
    recent = web.journal().entries(since=start, newest_first=True, limit=20)
    just = None
    if logged:
        just = next((e for e in recent if e.id == logged), None)
    return _page(request, "home.html", title="Today", today=today, recent=recent, just=just,
                 now=now)


_QUICK_GI: dict[str, dict[str, Any]] = {"diarrhea": {"diarrhea": True}, "loose": {"bristol": 6},
             "nausea": {"nausea": True}, "cramps": {"cramps": True},
             "normal": {"bristol": 4}, "hard": {"bristol": 2}}


def _quick_values(form: FormData) -> tuple[str, dict[str, Any]]:
    """One tap -> one entry: which button was pressed says what to log."""
    kind = str(form.get("kind") or "")
    if kind == "pain":
        return "pain", {"score": _number(form.get("score"), "score")}
    if kind == "gi":
        event = str(form.get("event") or "")
        if event not in _QUICK_GI:
            raise InputError("event", event, "one of " + ", ".join(_QUICK_GI))
        return "gi", dict(_QUICK_GI[event])
    if kind == "dose":
        values: dict[str, Any] = {"mg": _number(form.get("mg"), "mg")}
        if form.get("form"):
            values["form"] = str(form.get("form"))
        return "dose", values
    if kind == "sleep":
        return "sleep", {"quality": _number(form.get("quality"), "quality")}
    raise InputError("kind", kind, "dose, pain, gi or sleep")


def _number(raw: object, field: str) -> float | int | str | None:
    """Form text to a number; text that is not a number goes to the validator as it is, so
    the error names the field and the value exactly as typed."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


@router.post("/log")
async def quick_log(request: Request) -> Response:
    web = context(request)
    form = await _form(request)
    try:
        kind, values = _quick_values(form)
        at = adapters.when(web, _offset_now(web, form.get("client_offset")))
        entry = await run_in_threadpool(web.journal().add, kind, values, at,
                                        knowledge=web.knowledge)
    except MagnerveError as exc:
        if _wants_json(request):
            raise
        return _page(request, "home.html", title="Today", status=problem_for(exc).status,
                     today=_today(web), recent=web.journal().entries(limit=20,
                                                                      newest_first=True),
                     just=None, now=web.now(), error=_error(exc))
    if _wants_json(request):
        from magnerve.web.render import KIND_TEXT, describe_entry, stamp

        data = entry.to_dict()
        data["text"] = f"{KIND_TEXT[entry.kind]}: {describe_entry(entry.kind, entry.values)}"
        data["when"] = stamp(entry.at)
        return Response(json.dumps(data), status_code=201, media_type="application/json")
    return _redirect(f"/?logged={entry.id}")


def _offset_now(web: WebContext, raw: object) -> str | None:
    """Now on the browser's own clock: a phone in another time zone logs its local time.

    ``client_offset`` is JavaScript's ``getTimezoneOffset()`` (minutes *behind* UTC); the
    form works without it (server time).
    """
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d{1,4}", raw.strip()):
        return None
    minutes = -int(raw)
    if not -14 * 60 <= minutes <= 14 * 60:
        return None
    from datetime import timezone

    now = web.now().astimezone(timezone(timedelta(minutes=minutes)))
    return now.isoformat()


# --------------------------------------------------------------------------------------------
# Plan


_LIST_SPLIT = re.compile(r"[,;\s]+")


def _lines(raw: object) -> list[str]:
    return [line.strip() for line in str(raw or "").splitlines() if line.strip()]


def _checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def profile_from_form(form: FormData) -> dict[str, Any]:
    """The plan form's fields as a profile (design.md 3.1). Blank fields are left out.

    Pure translation: numbers that do not parse are passed on as text so the profile
    parser reports them with their field name and what it expects.
    """
    data: dict[str, Any] = {}
    for name in ("age", "weight_kg", "egfr", "creatinine_clearance"):
        value = _number(form.get(name), name)
        if value is not None:
            data[name] = value
    for name in ("sex", "jurisdiction"):
        text = str(form.get(name) or "").strip()
        if text:
            data[name] = text
    for name in ("pregnant", "breastfeeding", "dialysis", "clinician_supervised",
                 *(flag for flag, _ in FLAGS)):
        if _checked(form, name):
            data[name] = True
    serum = str(form.get("serum_value") or "").strip()
    if serum:
        unit = str(form.get("serum_unit") or "mmol/L").strip()
        data["serum_magnesium"] = serum if re.search(r"[a-zA-Z]", serum) else f"{serum} {unit}"
    conditions = _lines(form.get("conditions"))
    if conditions:
        data["conditions"] = conditions
    names = form.getlist("med_name")
    times = form.getlist("med_times")
    meds = []
    for index, raw_name in enumerate(names):
        text = str(raw_name).strip()
        clock = str(times[index]) if index < len(times) else ""
        if not text and not clock.strip():
            continue
        med: dict[str, Any] = {"name": text}
        slots = [t for t in _LIST_SPLIT.split(clock) if t]
        if slots:
            med["times"] = slots
        meds.append(med)
    if meds:
        data["medications"] = meds
    supplements = []
    supp_forms = form.getlist("supp_form")
    supp_mg = form.getlist("supp_mg")
    for index, raw_form in enumerate(supp_forms):
        amount = _number(supp_mg[index] if index < len(supp_mg) else None, "supp_mg")
        supplement: dict[str, Any] = {}
        if str(raw_form).strip():
            supplement["form"] = str(raw_form).strip()
        if amount is not None:
            supplement["elemental_mg"] = amount
        if supplement:
            supplements.append(supplement)
    if supplements:
        data["current_supplements"] = supplements
    pain: dict[str, Any] = {}
    score = _number(form.get("pain_score"), "pain_score")
    if score is not None:
        pain["score"] = score
    qualities = [str(q) for q in form.getlist("pain_qualities") if str(q).strip()]
    if qualities:
        pain["qualities"] = qualities
    pattern = str(form.get("pain_pattern") or "").strip()
    if pattern:
        pain["pattern"] = pattern
    if pain:
        data["pain"] = pain
    preferences: dict[str, Any] = {}
    avoid = [str(f) for f in form.getlist("avoid_forms") if str(f).strip()]
    if avoid:
        preferences["avoid_forms"] = avoid
    budget = str(form.get("budget") or "").strip()
    if budget and budget != "any":
        preferences["budget"] = budget
    pills = _number(form.get("max_pills_per_day"), "max_pills_per_day")
    if pills is not None:
        preferences["max_pills_per_day"] = pills
    if preferences:
        data["preferences"] = preferences
    routine: dict[str, Any] = {}
    for name in ("wake", "sleep"):
        text = str(form.get(name) or "").strip()
        if text:
            routine[name] = text
    meals = [str(m).strip() for m in form.getlist("meal") if str(m).strip()]
    if meals:
        routine["meals"] = meals
    if routine:
        data["routine"] = routine
    foods = _lines(form.get("diet_foods"))
    if foods:
        data["diet"] = {"foods": foods}
    return data


_FIELD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^medications\[(\d+)\]\.times(\[\d+\])?$"), "med_times_{0}"),
    (re.compile(r"^medications\[(\d+)\](\.name)?$"), "med_name_{0}"),
    (re.compile(r"^current_supplements\[(\d+)\]\.elemental_mg$"), "supp_mg_{0}"),
    (re.compile(r"^current_supplements\[(\d+)\].*$"), "supp_form_{0}"),
    (re.compile(r"^routine\.meals(?:\[(\d+)\])?$"), "meal_{0}"),
    (re.compile(r"^routine\.(wake|sleep)$"), "{0}"),
    (re.compile(r"^pain\.(score|qualities|pattern)(\[\d+\])?$"), "pain_{0}"),
    (re.compile(r"^preferences\.(avoid_forms|budget|max_pills_per_day)(\[\d+\])?$"), "{0}"),
    (re.compile(r"^conditions(\[\d+\])?$"), "conditions"),
    (re.compile(r"^serum_magnesium.*$"), "serum_value"),
    (re.compile(r"^diet.*$"), "diet_foods"),
)


def form_field_id(field: str | None) -> str | None:
    """The id of the form input a profile field path came from (for the error link)."""
    if not field:
        return None
    for pattern, template in _FIELD_PATTERNS:
        match = pattern.match(field)
        if match:
            groups = [g if g is not None else "0" for g in match.groups()]
            return template.format(*groups)
    return field if re.fullmatch(r"[a-z_]+", field) else None


def _plan_form_values(form: FormData | None, profile: dict[str, Any] | None) -> dict[str, Any]:
    """The values to show in the plan form: as submitted, else from a saved profile."""
    if form is not None:
        values: dict[str, Any] = {key: form.get(key) for key in form}
        values["med_name"] = form.getlist("med_name")
        values["med_times"] = form.getlist("med_times")
        values["supp_form"] = form.getlist("supp_form")
        values["supp_mg"] = form.getlist("supp_mg")
        values["meal"] = form.getlist("meal")
        values["pain_qualities"] = form.getlist("pain_qualities")
        values["avoid_forms"] = form.getlist("avoid_forms")
        return values
    if not profile:
        return {"sex": "", "jurisdiction": "US", "serum_unit": "mmol/L",
                "meal": ["", "", ""], "budget": "any", "save": "on"}
    values = {key: profile[key] for key in profile if not isinstance(profile[key], (dict, list))}
    values = {k: ("on" if v is True else v) for k, v in values.items()}
    serum = profile.get("serum_magnesium")
    if isinstance(serum, str) and " " in serum:
        values["serum_value"], values["serum_unit"] = serum.split(" ", 1)
    values["conditions"] = "\n".join(profile.get("conditions", []))
    meds = profile.get("medications", [])
    values["med_name"] = [m.get("name", "") for m in meds]
    values["med_times"] = [", ".join(m.get("times", [])) for m in meds]
    supplements = profile.get("current_supplements", [])
    values["supp_form"] = [s.get("form") or "" for s in supplements]
    values["supp_mg"] = [s.get("elemental_mg") or "" for s in supplements]
    pain = profile.get("pain") or {}
    values["pain_score"] = pain.get("score", "")
    values["pain_qualities"] = pain.get("qualities", [])
    values["pain_pattern"] = pain.get("pattern", "")
    preferences = profile.get("preferences") or {}
    values["avoid_forms"] = preferences.get("avoid_forms", [])
    values["budget"] = preferences.get("budget", "any")
    values["max_pills_per_day"] = preferences.get("max_pills_per_day", "")
    routine = profile.get("routine") or {}
    values["wake"] = routine.get("wake", "")
    values["sleep"] = routine.get("sleep", "")
    values["meal"] = list(routine.get("meals", [])) or ["", "", ""]
    values["diet_foods"] = "\n".join((profile.get("diet") or {}).get("foods", []))
    values["save"] = "on"
    return values


def _plan_page(request: Request, *, values: dict[str, Any], result: dict[str, Any] | None = None,
               error: dict[str, Any] | None = None, saved: dict[str, Any] | None = None,
               start: date | None = None, status: int = 200,
               profile: dict[str, Any] | None = None) -> HTMLResponse:
    web = context(request)
    forms = [(f.id, f.name) for f in web.knowledge.forms.values() if f.oral]
    return _page(request, "plan.html", title="Your magnesium plan" if result else "Make a plan",
                 status=status, values=values, result=result, error=error, saved=saved,
                 start=start or web.now().date(), forms=forms, medicines=web.medicines,
                 flags=FLAGS, qualities=PAIN_QUALITIES, medicine_rows=MEDICINE_ROWS,
                 supplement_rows=SUPPLEMENT_ROWS, profile=profile,
                 error_id=form_field_id(error["field"]) if error else None)


@router.get("/plan", response_class=HTMLResponse)
def plan_form(request: Request) -> HTMLResponse:
    stored = context(request).journal().current_plan()
    return _plan_page(request, values=_plan_form_values(None, stored.profile if stored else None))


@router.post("/plan", response_class=HTMLResponse)
async def plan_submit(request: Request) -> HTMLResponse:
    from magnerve.core.profile import parse_profile
    from magnerve.planning import make_plan

    web = context(request)
    form = await _form(request)
    values = _plan_form_values(form, None)
    start = _start_date(form.get("start_date"), web)
    try:
        data = profile_from_form(form)
        person = parse_profile(data, web.knowledge)
        label = _product_label(form.get("product"), web)
        result = make_plan(person, web.knowledge, product=label).to_dict()
        saved = None
        if _checked(form, "save"):
            saved = await run_in_threadpool(adapters.save_plan, web, data)
    except MagnerveError as exc:
        return _plan_page(request, values=values, error=_error(exc),
                          status=problem_for(exc).status)
    return _plan_page(request, values=values, result=result, saved=saved, start=start,
                      profile=person.to_dict())


def _product_label(raw: object, web: WebContext) -> Any:
    """The optional product label on the plan form; its errors point at that box."""
    from magnerve.core.labels import parse_label

    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return parse_label(text, web.knowledge)
    except InputError as exc:
        exc.field = "product"
        raise


def _start_date(raw: object, web: WebContext) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return web.now().date()


@router.get("/plan/current", response_class=HTMLResponse)
def plan_current(request: Request) -> Response:
    web = context(request)
    stored = web.journal().current_plan()
    if stored is None:
        return _redirect("/plan")
    start = web.now().date()
    try:
        started = adapters.review(web).start_date
    except HTTPException:
        started = None
    return _plan_page(request, values=_plan_form_values(None, stored.profile),
                      result=stored.plan, saved=adapters.stored_plan_dict(stored),
                      start=started or start, profile=stored.profile)


# --------------------------------------------------------------------------------------------
# Journal


_KINDS = ("dose", "pain", "gi", "sleep", "note", "med")


def _entry_values(kind: str, form: FormData) -> dict[str, Any]:
    """A full entry form's fields as the journal's values for that kind."""
    values: dict[str, Any] = {}
    if kind == "dose":
        values["mg"] = _number(form.get("mg"), "mg")
        for name in ("form", "product"):
            text = str(form.get(name) or "").strip()
            values[name] = text or None
    elif kind == "pain":
        values["score"] = _number(form.get("score"), "score")
        values["worst"] = _number(form.get("worst"), "worst")
        qualities = str(form.get("qualities") or "").strip()
        values["qualities"] = [q.strip() for q in qualities.split(",") if q.strip()]
        values["location"] = str(form.get("location") or "").strip() or None
    elif kind == "gi":
        values["bristol"] = _number(form.get("bristol"), "bristol")
        for name in ("diarrhea", "nausea", "cramps"):
            values[name] = _checked(form, name)
    elif kind == "sleep":
        values["quality"] = _number(form.get("quality"), "quality")
    elif kind == "note":
        values["text"] = str(form.get("text") or "")
    elif kind == "med":
        values["name"] = str(form.get("name") or "")
    return values


def _journal_page(request: Request, *, status: int = 200, error: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> HTMLResponse:
    web = context(request)
    params = request.query_params
    kind = params.get("kind") if params.get("kind") in _KINDS else None
    try:
        page = max(1, min(1_000_000, int(params.get("page", "1"))))
    except ValueError:
        page = 1
    journal = web.journal()
    kinds = [kind] if kind else None
    total = journal.count(kinds=kinds)
    entries = journal.entries(kinds=kinds, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                              newest_first=True)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return _page(request, "journal.html", title="Journal", status=status, entries=entries,
                 kind=kind, kinds=_KINDS, page=page, pages=pages, total=total, error=error,
                 values=values or {"kind": kind or "pain"},
                 forms=[(f.id, f.name) for f in web.knowledge.forms.values() if f.oral],
                 now=web.now())


@router.get("/journal", response_class=HTMLResponse)
def journal_list(request: Request) -> HTMLResponse:
    return _journal_page(request)


@router.post("/journal", response_class=HTMLResponse)
async def journal_add(request: Request) -> Response:
    web = context(request)
    form = await _form(request)
    kind = str(form.get("kind") or "")
    try:
        if kind not in _KINDS:
            raise InputError("kind", kind, "one of " + ", ".join(_KINDS))
        at = adapters.when(web, str(form.get("at") or "") or None)
        entry = await run_in_threadpool(web.journal().add, kind, _entry_values(kind, form),
                                        at, knowledge=web.knowledge)
    except MagnerveError as exc:
        values = {key: form.get(key) for key in form}
        return _journal_page(request, status=problem_for(exc).status, error=_error(exc),
                             values=values)
    return _redirect(f"/journal?logged={entry.id}")


@router.get("/journal/{entry_id}/edit", response_class=HTMLResponse)
def journal_edit_form(request: Request, entry_id: str) -> HTMLResponse:
    entry = context(request).journal().get(entry_id[:64])
    return _edit_page(request, entry)


def _edit_page(request: Request, entry: Any, *, error: dict[str, Any] | None = None,
               status: int = 200) -> HTMLResponse:
    web = context(request)
    values = dict(entry.values)
    if entry.kind == "pain":
        values["qualities"] = ", ".join(values.get("qualities") or [])
    return _page(request, "entry_edit.html", title="Edit entry", status=status, entry=entry,
                 values=values, error=error, at=entry.at.strftime("%Y-%m-%dT%H:%M"),
                 forms=[(f.id, f.name) for f in web.knowledge.forms.values() if f.oral])


@router.post("/journal/{entry_id}/edit", response_class=HTMLResponse)
async def journal_edit(request: Request, entry_id: str) -> Response:
    web = context(request)
    journal = web.journal()
    entry = journal.get(entry_id[:64])
    form = await _form(request)
    try:
        values = _entry_values(entry.kind, form)
        if entry.kind == "med" and values.get("name") == entry.values.get("name"):
            values = {}
        at_text = str(form.get("at") or "").strip()
        at = adapters.when(web, at_text) if at_text else None
        await run_in_threadpool(lambda: journal.edit(entry.id, at=at, values=values or None,
                                                     knowledge=web.knowledge))
    except MagnerveError as exc:
        return _edit_page(request, entry, error=_error(exc), status=problem_for(exc).status)
    return _redirect("/journal")


@router.post("/journal/{entry_id}/delete")
async def journal_delete(request: Request, entry_id: str) -> Response:
    web = context(request)
    form = await _form(request)
    await run_in_threadpool(web.journal().delete, entry_id[:64])
    if _wants_json(request):
        return Response(status_code=204)
    return _redirect(_local_target(form.get("next"), "/journal"))


# --------------------------------------------------------------------------------------------
# Progress


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request) -> HTMLResponse:
    from magnerve.web.chart import pain_chart

    web = context(request)
    try:
        result = adapters.review(web)
    except HTTPException:
        return _page(request, "progress.html", title="Progress", review=None, chart=None,
                     days=[])
    data = result.to_dict(days=True)
    chart = pain_chart(data["days"], data["baseline_pain"])
    return _page(request, "progress.html", title="Progress", review=data, chart=chart,
                 days=data["days"])


# --------------------------------------------------------------------------------------------
# Labels and foods


@router.get("/labels", response_class=HTMLResponse)
def labels_form(request: Request) -> HTMLResponse:
    return _page(request, "labels.html", title="Label calculator", text="", result=None,
                 error=None)


@router.post("/labels", response_class=HTMLResponse)
async def labels_submit(request: Request) -> HTMLResponse:
    web = context(request)
    form = await _form(request)
    text = str(form.get("text") or "")
    try:
        result = adapters.label(text, web.knowledge)
    except MagnerveError as exc:
        return _page(request, "labels.html", title="Label calculator", text=text,
                     result=None, error=_error(exc), status=problem_for(exc).status)
    return _page(request, "labels.html", title="Label calculator", text=text, result=result,
                 error=None)


@router.get("/foods", response_class=HTMLResponse)
def foods(request: Request, q: str = "") -> HTMLResponse:
    query = q[:200]
    results = adapters.food_search(query, 20) if query.strip() else []
    return _page(request, "foods.html", title="Food magnesium", q=query, results=results,
                 log="", diet=None, error=None)


@router.post("/foods/log", response_class=HTMLResponse)
async def foods_log(request: Request) -> HTMLResponse:
    form = await _form(request)
    text = str(form.get("log") or "")
    try:
        result = adapters.diet(text)
    except MagnerveError as exc:
        return _page(request, "foods.html", title="Food magnesium", q="", results=[],
                     log=text, diet=None, error=_error(exc), status=problem_for(exc).status)
    return _page(request, "foods.html", title="Food magnesium", q="", results=[], log=text,
                 diet=result, error=None)


# --------------------------------------------------------------------------------------------
# Login (remote mode) and the API reference


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if context(request).credentials is None:
        return _redirect(_local_target(next))  # local mode: nothing to log in to
    return _page(request, "login.html", title="Log in", next=_local_target(next), error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    import time

    web = context(request)
    form = await _form(request)
    target = _local_target(form.get("next"))
    if web.credentials is None:
        return _redirect(target)
    if web.throttle.blocked():
        raise HTTPException(429, "Too many wrong passwords; wait a minute and try again.",
                            headers={"Retry-After": "60"})
    password = form.get("password")
    ok = isinstance(password, str) and await run_in_threadpool(web.credentials.verify,
                                                               password)
    if not ok:
        web.throttle.failed()
        return _page(request, "login.html", title="Log in", next=target, status=401,
                     error={"detail": "That password is not right.", "field": "password"})
    web.throttle.reset()
    response = _redirect(target)
    response.set_cookie(SESSION_COOKIE, web.signer.session_cookie(time.time()),
                        httponly=True, secure=True, samesite="strict", path="/",
                        max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                           samesite="strict")
    return response


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            operations.append({
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": operation.get("parameters", []),
                "body": "requestBody" in operation,
                "anchor": quote(f"{method}-{path}", safe="").replace("%", ""),
            })
    return _page(request, "docs.html", title="API reference", operations=operations,
                 description=schema.get("info", {}).get("description", ""))
