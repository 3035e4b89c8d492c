"""The one place where errors become HTTP responses: RFC 9457 problem details.

Every error the web app returns, whatever raised it (our ``InputError``, FastAPI's request
validation, Starlette's 404/405, the body-size limit, a bug), leaves as the same envelope::

    {"type": "urn:magnerve:problem:invalid-input", "title": "Invalid input", "status": 422,
     "detail": "'age' must be a whole number of years from 0 to 120 (got -3).",
     "instance": "/api/v1/plan", "field": "age", "value": -3,
     "expected": "a whole number of years from 0 to 120", "suggestion": null}

``field``, ``value``, ``expected`` and ``suggestion`` appear when the error is about one
input, so programs can point at the field without parsing the sentence, exactly as the CLI
renders the same ``InputError`` attributes. Plain HTTP errors (404, 405, 413...) use
``type: "about:blank"`` and the status phrase as the title, as RFC 9457 §4.2.1 asks.

Pages get the same facts rendered as a readable HTML page (a person's browser asked for
HTML); programs and anything under ``/api/`` always get ``application/problem+json``.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from magnerve.errors import (
    InputError,
    JournalError,
    KnowledgeError,
    MagnerveError,
    ReportError,
    UnknownNameError,
)

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "LAST_RESORT",
    "PROBLEM_JSON",
    "MalformedBodyError",
    "Problem",
    "ProblemMiddleware",
    "install_error_handlers",
    "printable",
    "problem_for",
    "problem_response",
]

log = logging.getLogger("magnerve.web")

PROBLEM_JSON = "application/problem+json"
_URN = "urn:magnerve:problem:"
_MAX_VALUE_CHARS = 200


class MalformedBodyError(InputError):
    """The request body cannot be decoded at all (not JSON, not UTF-8): a 400, not a 422."""


@dataclass(frozen=True, slots=True)
class Problem:
    """RFC 9457 problem details plus magnerve's input facts (field, value, expected...)."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    field: str | None = None
    value: Any = None
    expected: str | None = None
    suggestion: str | None = None
    headers: dict[str, str] = dataclass_field(default_factory=dict)
    has_value: bool = False

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """The JSON envelope; input facts only when the problem is about one field."""
        data: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            data["instance"] = instance
        if self.field is not None:
            data["field"] = self.field
            data["value"] = _json_safe(self.value) if self.has_value else None
            data["expected"] = self.expected
            data["suggestion"] = self.suggestion
        return data


def printable(text: str) -> str:
    """Text that encodes as UTF-8: an unpaired surrogate ("\\ud800", which JSON can carry
    but UTF-8 cannot) is shown as its escape, so echoing a bad value never fails."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _json_safe(value: Any) -> Any:
    """A value that can go into JSON and is short enough to echo back safely."""
    if isinstance(value, str):
        value = printable(value)
    if isinstance(value, (bool, int, type(None))):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else (
            str(value))
    if isinstance(value, str):
        return value if len(value) <= _MAX_VALUE_CHARS else value[:_MAX_VALUE_CHARS] + "..."
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
        return value if len(value) <= _MAX_VALUE_CHARS else value[:_MAX_VALUE_CHARS] + "..."
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    if len(text) <= _MAX_VALUE_CHARS:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text[:_MAX_VALUE_CHARS] + "..."


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def http_problem(status: int, detail: str | None = None,
                 headers: dict[str, str] | None = None) -> Problem:
    """A plain HTTP error (404, 405, 413, 415...) as a problem of type about:blank."""
    phrase = _phrase(status)
    return Problem(status=status, title=phrase, detail=detail or phrase,
                   headers=dict(headers or {}))


def input_problem(exc: InputError, *, status: int = 422) -> Problem:
    """Our InputError hierarchy: the field, value, expectation and suggestion, as attributes."""
    return Problem(
        status=status,
        title="Invalid input",
        detail=str(exc),
        type=_URN + "invalid-input",
        field=exc.field,
        value=exc.value,
        expected=exc.expected,
        suggestion=exc.suggestion,
        has_value=True,
    )


def _count(number: Any, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _choices(expected: Any) -> str:
    """Pydantic's "'a', 'b' or 'c'" (a literal's choices) as "one of 'a', 'b' or 'c'"."""
    text = str(expected)
    return f"one of {text}" if (" or " in text or "," in text) else text


#: Pydantic error types as what the input should have been, in words (ctx fills the
#: numbers). Types not listed fall back to pydantic's own message, reworded.
_EXPECTED: dict[str, Callable[[dict[str, Any], str], str]] = {
    "string_type": lambda ctx, _where: "text (a JSON string)",
    "string_unicode": lambda ctx, _where: "text that is valid Unicode (no unpaired surrogate)",
    "string_too_short": lambda ctx, _where: "a text of at least "
    + _count(ctx.get("min_length", 1), "character"),
    "string_too_long": lambda ctx, _where: "a text of at most "
    + _count(ctx.get("max_length", 0), "character"),
    "string_pattern_mismatch": lambda ctx, _where: "letters, digits, '-' or '_' only"
    if ctx.get("pattern") == "^[0-9A-Za-z_-]+$"
    else f"text matching the pattern {ctx.get('pattern')}",
    "int_type": lambda ctx, _where: "a whole number",
    "int_parsing": lambda ctx, _where: "a whole number",
    "int_from_float": lambda ctx, _where: "a whole number",
    "float_type": lambda ctx, _where: "a number",
    "float_parsing": lambda ctx, _where: "a number",
    "finite_number": lambda ctx, _where: "a finite number",
    "bool_type": lambda ctx, _where: "true or false",
    "bool_parsing": lambda ctx, _where: "true or false",
    "greater_than_equal": lambda ctx, _where: f"a number of at least {ctx.get('ge')}",
    "greater_than": lambda ctx, _where: f"a number above {ctx.get('gt')}",
    "less_than_equal": lambda ctx, _where: f"a number of at most {ctx.get('le')}",
    "less_than": lambda ctx, _where: f"a number below {ctx.get('lt')}",
    "literal_error": lambda ctx, _where: _choices(ctx.get("expected", "an allowed value")),
    "enum": lambda ctx, _where: _choices(ctx.get("expected", "an allowed value")),
    "dict_type": lambda ctx, _where: "a JSON object",
    "model_type": lambda ctx, _where: "a JSON object",
    "model_attributes_type": lambda ctx, _where: "a JSON object",
    "list_type": lambda ctx, _where: "a list",
    "too_short": lambda ctx, where: (
        f"given at least {_count(ctx.get('min_length', 1), 'time')}" if where == "query"
        else f"a list of at least {_count(ctx.get('min_length', 1), 'item')}"),
    "too_long": lambda ctx, where: (
        f"given at most {_count(ctx.get('max_length', 0), 'time')}" if where == "query"
        else f"a list of at most {_count(ctx.get('max_length', 0), 'item')}"),
}


def _validation_expected(error: dict[str, Any], where: str = "body") -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind](ctx, where)
    message = str(error.get("msg", "a valid value"))
    for prefix in ("Input should be ", "Value should be ", "Value error, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
            break
    return message[:1].lower() + message[1:]


def _model_fields(request: Request | None, parts: list[Any]) -> list[str]:
    """The fields a JSON body model allows, for "did you mean" on an unknown one."""
    if request is None or len(parts) != 1:
        return []
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", None)
    return list(fields) if isinstance(fields, dict) else []


def validation_problem(exc: RequestValidationError, request: Request | None = None) -> Problem:
    """FastAPI's request validation (query, path, JSON body) named like our InputErrors:
    pydantic's error types become the same one sentence ("'limit' must be a whole number
    (got 'many')."), never pydantic's own wording."""
    errors = list(exc.errors())
    if not errors:
        return Problem(status=422, title="Invalid input", detail="The request is not valid.",
                       type=_URN + "invalid-input")
    error = errors[0]
    loc = list(error.get("loc", ()))
    where = str(loc[0]) if loc else "body"
    parts = loc[1:] if where in ("query", "path", "body", "header", "cookie") else loc
    name = printable(_dotted(parts) or where)
    kind = error.get("type")
    suggestion: str | None = None
    if kind == "json_invalid":
        why = (error.get("ctx") or {}).get("error", "parse error")
        return Problem(status=400, title="Malformed request body",
                       detail=f"The request body is not valid JSON ({why}).",
                       type=_URN + "malformed-body", field="body", value=None,
                       expected="a JSON document", has_value=False)
    value: Any = None
    if kind == "missing":
        expected = "present"
        if name == "body":
            detail = "The request body is required: send a JSON object."
            expected = "a JSON object"
        else:
            noun = {"query": "query parameter ", "header": "header "}.get(where, "")
            detail = f"The {noun}'{name}' is required." if noun else f"'{name}' is required."
    elif kind == "extra_forbidden":
        allowed = _model_fields(request, parts)
        value = error.get("input")
        expected = ("one of " + ", ".join(f"'{f}'" for f in allowed)) if allowed else (
            "a known field")
        detail = f"Unknown field '{name}'"
        if allowed:
            detail += f"; expected {expected}"
            close = difflib.get_close_matches(str(parts[-1]), allowed, n=1, cutoff=0.6)
            if close:
                suggestion = close[0]
                detail += f" (did you mean '{suggestion}'?)"
        detail += "."
    else:
        expected = _validation_expected(error, where)
        value = error.get("input")
        detail = f"'{name}' must be {expected} (got {_short(value)})."
        if kind in ("literal_error", "enum") and isinstance(value, str):
            choices = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected")))
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
            if close:
                suggestion = close[0]
                detail += f" Did you mean '{suggestion}'?"
    more = len(errors) - 1
    if more:
        detail += f" ({more} more problem{'s' if more > 1 else ''} in this request.)"
    return Problem(status=422, title="Invalid input", detail=detail,
                   type=_URN + "invalid-input", field=name, value=value, expected=expected,
                   suggestion=suggestion, has_value=True)


def _dotted(parts: list[Any]) -> str:
    """('medications', 0, 'times') -> 'medications[0].times': the profile's path style."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _short(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = printable(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def problem_for(exc: BaseException, request: Request | None = None) -> Problem:
    """Map any exception to its problem. The single table of error -> status."""
    if isinstance(exc, StarletteHTTPException):
        return http_problem(exc.status_code, str(exc.detail) if exc.detail else None,
                            dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc, request)
    if isinstance(exc, MalformedBodyError):
        return Problem(status=400, title="Malformed request body", detail=str(exc),
                       type=_URN + "malformed-body", field=exc.field, value=None,
                       expected=exc.expected, has_value=True)
    if isinstance(exc, InputError):
        return input_problem(exc)
    if isinstance(exc, UnknownNameError):
        return Problem(status=404, title="Not found", detail=str(exc),
                       type=_URN + "unknown-name", field=exc.kind, value=exc.name,
                       expected=f"a known {exc.kind}", suggestion=exc.suggestion,
                       has_value=True)
    if isinstance(exc, JournalError) and isinstance(exc, LookupError):
        entry_id = getattr(exc, "entry_id", None)
        return Problem(status=404, title="Not Found", detail=str(exc),
                       type=_URN + "not-found", field="entry_id", value=entry_id,
                       expected="the id of a stored journal entry", has_value=True)
    if isinstance(exc, JournalError):
        return Problem(status=503, title="Journal unavailable", detail=str(exc),
                       type=_URN + "journal")
    if isinstance(exc, ReportError):
        return Problem(status=503, title="Report not available", detail=str(exc),
                       type=_URN + "report")
    if isinstance(exc, KnowledgeError):
        return Problem(status=500, title="Knowledge base error", detail=str(exc),
                       type=_URN + "knowledge")
    if isinstance(exc, MagnerveError):
        return Problem(status=400, title="Request refused", detail=str(exc),
                       type=_URN + "refused")
    # Last resort: input that no check caught but Python itself refused. Each cause is also
    # checked where it enters (the routes name the field); these keep a missed case a 4xx.
    if isinstance(exc, UnicodeError):
        return Problem(status=400, title="Malformed request",
                       detail="The request holds text that is not valid Unicode (for "
                       "example an unpaired surrogate such as \\ud800); send UTF-8 text.",
                       type=_URN + "malformed-body")
    if isinstance(exc, OverflowError):
        return Problem(status=422, title="Invalid input",
                       detail="A number or date in the request is out of range (dates must "
                       "fall between the years 1900 and 9998).",
                       type=_URN + "invalid-input")
    if isinstance(exc, RecursionError):
        return Problem(status=400, title="Malformed request",
                       detail="The request is nested too deeply to read.",
                       type=_URN + "malformed-body")
    return Problem(status=500, title="Internal error",
                   detail="magnerve hit an internal error; nothing was changed. This is a bug: "
                   "please report it with what you did.", type=_URN + "internal")


def wants_html(scope_path: str, accept: str) -> bool:
    """A person's browser navigating to a page, not a program calling the API."""
    if scope_path.startswith(("/api/", "/openapi.json", "/static/")):
        return False
    return "text/html" in accept


def problem_response(problem: Problem, request: Request | None = None) -> Response:
    """Render a problem: HTML for a page a browser asked for, problem+json otherwise."""
    instance = request.url.path if request is not None else None
    if request is not None and wants_html(request.url.path, request.headers.get("accept", "")):
        render = getattr(request.app.state, "render_problem", None)
        if render is not None:
            html: str = render(request, problem)
            return HTMLResponse(html, status_code=problem.status, headers=problem.headers)
    data = problem.to_dict(instance)
    for key in ("title", "detail", "instance", "field", "expected", "suggestion"):
        if isinstance(data.get(key), str):
            data[key] = printable(data[key])
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=problem.status, media_type=PROBLEM_JSON,
                    headers=problem.headers)


#: Built-in errors that mean bad input reached code that did not check it: answered 4xx
#: (see :func:`problem_for`), and logged with the traceback so the missed check is found.
LAST_RESORT: tuple[type[Exception], ...] = (UnicodeError, OverflowError, RecursionError)


async def _handle(request: Request, exc: Exception) -> Response:
    problem = problem_for(exc, request)
    if problem.status >= 500:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    elif isinstance(exc, LAST_RESORT) and not isinstance(exc, MagnerveError):
        log.warning("unchecked bad input on %s %s (answered %d)", request.method,
                    request.url.path, problem.status, exc_info=exc)
    return problem_response(problem, request)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping for every exception type the routes can raise."""
    for kind in (StarletteHTTPException, RequestValidationError, MagnerveError, *LAST_RESORT):
        app.add_exception_handler(kind, _handle)


class ProblemMiddleware:
    """Last line of defence: an unexpected exception becomes a 500 envelope, not a crash.

    Starlette's own ``ServerErrorMiddleware`` would answer with plain text and re-raise; this
    pure ASGI middleware sits inside it so a bug still answers in the one envelope (and is
    logged with its traceback for the person running the server).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            request = Request(scope, receive)
            response = await _handle(request, exc)
            await response(scope, receive, send)
