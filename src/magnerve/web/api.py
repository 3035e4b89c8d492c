"""The REST API under ``/api/v1``: thin translations of HTTP to the core, and back.

Why the plan route reads its own body instead of declaring a pydantic model: the profile's
one validator is :func:`magnerve.core.profile.parse_profile` (the CLI's, with its field
paths, units and "did you mean"s); a second model here would disagree with it sooner or
later, and would cost time on the hottest route. The OpenAPI document still describes the
body (``openapi_extra``), so ``/docs`` and schema-driven clients know its shape.

Journal routes use small pydantic models for their envelopes ({kind, at, values}); the
values themselves are validated by the journal (``magnerve.journal.values``), which names
the bad field exactly as ``magnerve journal add`` would.
"""

from __future__ import annotations

import difflib
import email.message
import json
import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from magnerve.errors import InputError
from magnerve.web import adapters, schemas
from magnerve.web.context import context
from magnerve.web.errors import MalformedBodyError, printable

__all__ = ["ApiRoute", "check_unicode", "decode_json", "json_response", "router"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_UTF8 = frozenset({"utf-8", "utf8"})


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route declares, its dependencies' included."""
    names = {str(getattr(p, "alias", None) or p.name) for p in dependant.query_params}
    for sub in getattr(dependant, "dependencies", ()):
        names |= _query_names(sub)
    return names


def _unknown_query(request: Request, known: set[str]) -> None:
    """Refuse a query parameter the route does not take (a typo must not be ignored)."""
    for name in request.query_params:
        if name in known:
            continue
        shown = printable(name)
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        listed = ", ".join(f"'{k}'" for k in sorted(known))
        expected = f"one of {listed}" if known else "no query parameters"
        takes = f"takes {listed}" if known else "takes no query parameters"
        message = f"Unknown query parameter '{shown}'; {request.url.path} {takes}"
        message += f" (did you mean '{close[0]}'?)." if close else "."
        raise InputError(shown, request.query_params.get(name), expected,
                         suggestion=close[0] if close else None, message=message)


def _check_charset(request: Request) -> None:
    """Bodies are read as UTF-8: a declared other charset is refused, not misread."""
    raw = request.headers.get("content-type")
    if not raw or "charset" not in raw.lower():
        return
    header = email.message.Message()
    header["content-type"] = raw
    charset = header.get_content_charset()
    if charset is not None and charset.strip().lower() not in _UTF8:
        raise HTTPException(415, f"magnerve reads request bodies as UTF-8 only (got charset "
                            f"{printable(charset)!r}); send UTF-8 with 'Content-Type: "
                            "application/json' or 'application/json; charset=utf-8'.")


class ApiRoute(APIRoute):
    """An ``/api/v1`` route with the checks every one of them shares, made before FastAPI
    reads the body: unknown query parameters are a 422 naming the parameter (with the
    nearest known one), a body in a charset other than UTF-8 is a 415, and a route whose
    body is a JSON model answers 415 for any other media type (like ``/plan``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)
        json_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            _unknown_query(request, known)
            if request.method in _WITH_BODY:
                _check_charset(request)
                if json_body and await request.body():
                    media = _media_type(request)
                    if not _is_json(media):
                        raise HTTPException(415, "Send the request body as JSON with "
                                            "'Content-Type: application/json' (got "
                                            f"{media or 'no content type'!r}).")
            return await handler(request)

        return checked


router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ApiRoute)

JSON = "application/json"
MAX_PAGE_SIZE = 500
_PROBLEM = {"description": "A problem (RFC 9457)", "content": {
    "application/problem+json": {"schema": schemas.PROBLEM}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _PROBLEM, 413: _PROBLEM, 415: _PROBLEM, 422: _PROBLEM,
}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    """JSON out, fast: no pydantic response models on the way (the core made the dicts)."""
    body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status_code=status, media_type=JSON,
                    headers=headers)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == JSON or (media.startswith("application/") and media.endswith("+json"))


def decode_json(body: bytes, media: str, *, what: str = "the request body") -> Any:
    """Parse a JSON body or raise the problem a client can act on (415 or 400)."""
    if not _is_json(media):
        raise HTTPException(415, f"Send {what} as JSON with 'Content-Type: application/json' "
                            f"(got {media or 'no content type'!r}).")
    try:
        data = json.loads(body)
    except RecursionError:
        raise _malformed("it is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise _malformed(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed(str(exc)) from None
    check_unicode(data)
    return data


def _stores(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_unicode(data: Any, path: str = "") -> None:
    """Refuse any text in a JSON document that is not valid Unicode, naming its field.

    JSON may escape half of a surrogate pair on its own ("\\ud800"); Python accepts it,
    but it can be neither stored nor shown, so it is a 422 here rather than a 500 later.
    """
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if not _stores(value):
                raise _not_unicode(where or "body", value)
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                child = f"{where}.{key}" if where else str(key)
                if not _stores(str(key)):
                    raise _not_unicode(child, str(key), key=True)
                children.append((child, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{where}[{i}]", item) for i, item in enumerate(value)]))


def _not_unicode(field: str, text: str, *, key: bool = False) -> InputError:
    shown = printable(field)
    bad = next(ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF)
    what = "a key that is" if key else "text that is"
    return InputError(
        shown, printable(text), "text that is valid Unicode (no unpaired surrogate)",
        message=f"'{shown}' must be {what} valid Unicode, but it holds an unpaired surrogate "
        f"(\\u{ord(bad):04x}), which cannot be stored or shown; send it without that escape.")


def _malformed(why: str) -> MalformedBodyError:
    return MalformedBodyError("body", None, "a JSON document",
                              message=f"The request body is not valid JSON ({why}).")


async def _json_body(request: Request, what: str = "the request body") -> Any:
    return decode_json(await request.body(), _media_type(request), what=what)


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError("body", data, f"a JSON object ({what})")
    return data


# --------------------------------------------------------------------------------------------
# Plans and knowledge


_PLAN_BODY = {"oneOf": [schemas.PROFILE, {
    "title": "Profile with a product",
    "description": "A profile and the label text of the supplement bought: the plan then "
    "says how many units (capsules, tablets...) to take at each step, as `magnerve plan "
    "--product`.",
    "type": "object", "additionalProperties": False, "required": ["profile"],
    "properties": {"profile": schemas.PROFILE,
                   "product": {"type": "string", "maxLength": 1_000_000}}}]}


@router.post(
    "/plan",
    summary="Make a plan for a profile",
    description="The profile (design.md 3.1) in, the plan (3.2) out: the same JSON as "
    "`magnerve plan PROFILE --format json`. Also accepts TOML with "
    "`Content-Type: application/toml`, and `{\"profile\": ..., \"product\": label text}` "
    "for `--product`.",
    responses={200: {"description": "The plan", "content": {JSON: {"schema": schemas.PLAN}}},
               **_ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {
        JSON: {"schema": _PLAN_BODY}}}},
)
async def make_plan(
    request: Request,
    explain: Annotated[bool, Query(description="Add the rule trace.")] = False,
) -> Response:
    # Runs on the event loop, not a worker thread: planning takes well under a millisecond
    # and the thread hop would cost more than it (this is the route the benchmark drives).
    from magnerve.core.profile import parse_profile, parse_profile_text
    from magnerve.planning import make_plan as plan

    web = context(request)
    body = await request.body()
    media = _media_type(request)
    product: str | None = None
    if media in ("application/toml", "text/toml"):
        profile = parse_profile_text(_text(body), "toml", web.knowledge)
    else:
        data = decode_json(body, media, what="the profile")
        if isinstance(data, dict) and "profile" in data:
            data, product = _with_product(data)
        profile = parse_profile(data, web.knowledge)
    label = None
    if product is not None:
        from magnerve.core.labels import parse_label

        try:
            label = parse_label(product, web.knowledge)
        except InputError as exc:
            exc.field = "product"
            raise
    result = plan(profile, web.knowledge, product=label)
    return json_response(result.to_dict(explain=explain))


def _with_product(envelope: dict[str, Any]) -> tuple[Any, str | None]:
    """``{"profile": {...}, "product": "label text"}`` -> (profile data, label text)."""
    for key in envelope:
        if key not in ("profile", "product"):
            raise InputError(str(key), envelope[key], "'profile' or 'product'",
                             message=f"Unknown key '{key}' next to 'profile'; expected "
                             "'product' (label text) or a bare profile.")
    product = envelope.get("product")
    if product is not None and not isinstance(product, str):
        raise InputError("product", product, "supplement label text")
    return envelope["profile"], product


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBodyError("body", None, "UTF-8 text", message="The request body is "
                                 f"not UTF-8 text (invalid byte at {exc.start}).") from None


@router.get("/forms", summary="Magnesium forms and their chemistry",
            description="The same JSON as `magnerve forms --format json`.")
def list_forms(request: Request) -> Response:
    from magnerve.core.catalog import forms_catalog

    return json_response(forms_catalog(context(request).knowledge))


@router.get(
    "/interactions",
    summary="How medicines interact with magnesium",
    description="The same JSON as `magnerve interactions DRUG... --format json`. Unknown "
    "names are listed with `recognised: false` and a suggestion: an unknown medicine is "
    "never reported as safe.",
    responses=_ERRORS,
)
def list_interactions(
    request: Request,
    drug: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]],
                    Query(min_length=1, max_length=20,
                          description="Medicine names: generic, brand or salt.")],
) -> Response:
    from magnerve.core.catalog import interaction_lookup

    names = [d for d in drug if d.strip()]
    if not names:
        raise InputError("drug", drug[0], "a medicine name")
    return json_response(interaction_lookup(names, context(request).knowledge))


@router.get("/medicines", summary="Medicine names for autocomplete",
            description="Names the knowledge base recognises that start with (or contain) "
            "`q`, each with the generic drug it means.", responses=_ERRORS)
def list_medicines(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    return json_response([m.to_dict() for m in context(request).find_medicines(q, limit)])


@router.get("/health", summary="Is the server up", include_in_schema=True)
def health() -> Response:
    from magnerve import __version__

    return json_response({"status": "ok", "version": __version__})


# --------------------------------------------------------------------------------------------
# Foods, diet and labels


@router.get("/foods", summary="Search foods for their magnesium",
            description="A ranked list of {id, name, mg_per_100g, portions}, as "
            "`magnerve foods search QUERY --format json`.", responses=_ERRORS)
def search_foods(
    q: Annotated[str, Query(min_length=1, max_length=200, description="What you ate.")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    return json_response(adapters.food_search(q, limit))


MAX_TEXT_CHARS = 1_000_000
_TEXT_BODY = {"type": "object", "additionalProperties": False, "required": ["text"],
              "properties": {"text": {"type": "string", "maxLength": MAX_TEXT_CHARS}}}


def _text_field(data: dict[str, Any], what: str) -> str:
    """The ``text`` of a ``{"text": ...}`` body (nothing else allowed, so typos show)."""
    for key in data:
        if key != "text":
            raise InputError(str(key), data[key], "only the key 'text'", suggestion="text",
                             message=f"Unknown key '{key}'; send {{\"text\": {what}}}.")
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError("text", text, f"a string of {what}")
    return text


@router.post(
    "/labels/parse", summary="Elemental magnesium from supplement label text",
    description="`{\"text\": label text}` in; the same JSON as `magnerve label TEXT "
    "--format json` out: `items`, `serving`, `elemental_mg_per_serving`, "
    "`elemental_mg_per_unit`, `warnings`.",
    responses=_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": _TEXT_BODY}}}},
)
async def parse_label(request: Request) -> Response:
    data = _object(await _json_body(request), "{\"text\": label text}")
    text = _text_field(data, "label text")
    result = await run_in_threadpool(adapters.label, text, context(request).knowledge)
    return json_response(result)


_DIET_BODY = {"oneOf": [_TEXT_BODY, {
    "type": "object", "additionalProperties": False, "properties": {
        "foods": {"type": "array", "items": {"type": "string"}},
        "questionnaire": {"type": "object"}}}]}


@router.post(
    "/diet", summary="Magnesium in a food log",
    description="`{\"text\": food log}` (one food per line, \"1 oz pumpkin seeds\") or "
    "`{foods: [lines], questionnaire: {food: servings}}`; the same JSON as `magnerve diet "
    "FILE --format json`: `items`, `unresolved`, `total_mg`.",
    responses=_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": _DIET_BODY}}}},
)
async def parse_diet(request: Request) -> Response:
    data = _object(await _json_body(request), "{\"text\": food log} or {foods, questionnaire}")
    source: Any = _text_field(data, "food log lines") if "text" in data else data
    return json_response(await run_in_threadpool(adapters.diet, source))


# --------------------------------------------------------------------------------------------
# Journal


class EntryIn(BaseModel):
    """A new journal entry. ``at`` defaults to now; without an offset it is server-local."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["dose", "pain", "gi", "sleep", "note", "med"]
    at: str | None = Field(default=None, max_length=64, examples=["2024-03-10T08:30:00+01:00"])
    values: dict[str, Any] = Field(default_factory=dict)


class EntryPatch(BaseModel):
    """Changes to an entry: a new time and/or some values (merged into the stored ones)."""

    model_config = ConfigDict(extra="forbid")
    at: str | None = Field(default=None, max_length=64)
    values: dict[str, Any] | None = None


def _in_values(call: Callable[[], Any]) -> Any:
    """Run a journal call; name value fields by their path in the request (values.mg)."""
    from magnerve.journal import KIND_FIELDS

    known = {name for fields in KIND_FIELDS.values() for name in fields} | {"bristol"}
    try:
        return call()
    except InputError as exc:
        if exc.field in known:
            exc.field = f"values.{exc.field}"
        raise


@router.get(
    "/journal/entries",
    summary="Journal entries, a page at a time",
    description="Newest first unless `order=asc`. `since`/`until` take what "
    "`magnerve journal list` takes: a date (`2024-03-10`, whole local days; `until` "
    "includes that day), `today`, `yesterday`, `7d`, or an ISO 8601 date-time.",
    responses=_ERRORS,
)
def list_entries(
    request: Request,
    kind: Annotated[list[Literal["dose", "pain", "gi", "sleep", "note", "med"]] | None,
                    Query(description="Only these kinds (repeatable).")] = None,
    since: Annotated[str | None, Query(max_length=64)] = None,
    until: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    order: Literal["asc", "desc"] = "desc",
) -> Response:
    web = context(request)
    start = adapters.bound(web, since, "since")
    end = adapters.bound(web, until, "until", end=True)
    journal = web.journal()
    total = journal.count(kinds=kind, since=start, until=end)
    items = journal.entries(kinds=kind, since=start, until=end, limit=limit,
                            offset=(page - 1) * limit, newest_first=order == "desc")
    pages = max(1, math.ceil(total / limit))
    return json_response({
        "items": [e.to_dict() for e in items],
        "total": total,
        "page": page,
        "limit": limit,
        "pages": pages,
        "order": order,
    })


@router.post("/journal/entries", status_code=201, summary="Log an entry",
             description="{kind, at?, values}: values by kind as in `magnerve journal add`.",
             responses=_ERRORS)
def add_entry(request: Request, body: EntryIn) -> Response:
    web = context(request)
    check_unicode({"at": body.at, "values": body.values})
    at = adapters.when(web, body.at)
    entry = _in_values(lambda: web.journal().add(body.kind, body.values, at,
                                                 knowledge=web.knowledge))
    return json_response(entry.to_dict(), 201,
                         {"Location": f"/api/v1/journal/entries/{entry.id}"})


_ID = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


@router.get("/journal/entries/{entry_id}", summary="One entry",
            responses={404: _PROBLEM, 422: _PROBLEM})
def get_entry(request: Request, entry_id: _ID) -> Response:
    return json_response(context(request).journal().get(entry_id).to_dict())


@router.patch("/journal/entries/{entry_id}", summary="Change an entry's time or values",
              responses={404: _PROBLEM, **_ERRORS})
def edit_entry(request: Request, entry_id: _ID, body: EntryPatch) -> Response:
    web = context(request)
    check_unicode({"at": body.at, "values": body.values})
    at = None if body.at is None else adapters.when(web, body.at)
    entry = _in_values(lambda: web.journal().edit(entry_id, at=at, values=body.values,
                                                  knowledge=web.knowledge))
    return json_response(entry.to_dict())


@router.delete("/journal/entries/{entry_id}", status_code=204, summary="Delete an entry",
               responses={404: _PROBLEM, 422: _PROBLEM})
def delete_entry(request: Request, entry_id: _ID) -> Response:
    context(request).journal().delete(entry_id)
    return Response(status_code=204)


@router.get("/journal/plans/current", summary="The plan being followed",
            responses={404: _PROBLEM})
def current_plan(request: Request) -> Response:
    stored = context(request).journal().current_plan()
    if stored is None:
        raise HTTPException(404, "No plan is saved in the journal yet: POST a profile to "
                            "/api/v1/journal/plans (or save one from the Plan page).")
    return json_response(adapters.stored_plan_dict(stored))


@router.get("/journal/plans", summary="Every saved plan version, oldest first")
def list_plans(request: Request) -> Response:
    return json_response([adapters.stored_plan_dict(p)
                          for p in context(request).journal().plans()])


@router.post(
    "/journal/plans", status_code=201, summary="Save the plan for a profile as the one to follow",
    description="Plans the profile (as `POST /plan`) and keeps it in the journal with the "
    "profile; the review and reports follow the latest saved plan. Saving the same profile "
    "again returns the stored version.",
    responses=_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": {
        JSON: {"schema": schemas.PROFILE}}}},
)
async def save_plan(request: Request) -> Response:
    web = context(request)
    data = await _json_body(request, "the profile")
    saved = await run_in_threadpool(adapters.save_plan, web, data)
    return json_response(saved, 201)


# --------------------------------------------------------------------------------------------
# Review and report


@router.get("/review", summary="What to do today, and is it helping",
            description="The same JSON as `magnerve review --format json`. 404 until a plan "
            "is saved in the journal.", responses={404: _PROBLEM, 422: _PROBLEM})
def get_review(
    request: Request,
    days: Annotated[bool, Query(description="Add the per-day series used by plots.")] = False,
) -> Response:
    return json_response(adapters.review(context(request)).to_dict(days=days))


@router.get(
    "/report",
    summary="A report for a clinician",
    description="`html`: one self-contained page; `pdf`: the same as PDF; `fhir`: a FHIR R4 "
    "Bundle (JSON). 404 until a plan is saved in the journal.",
    responses={200: {"content": {"text/html": {}, "application/pdf": {},
                                 "application/fhir+json": {}}},
               404: _PROBLEM, 422: _PROBLEM},
)
def get_report(
    request: Request,
    format: Annotated[Literal["html", "pdf", "fhir"], Query()] = "html",
) -> Response:
    report = adapters.report(context(request), format)
    return Response(report.content, media_type=report.media_type, headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"'})
