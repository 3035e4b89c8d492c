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

import json
import logging
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
    "PROBLEM_JSON",
    "MalformedBodyError",
    "Problem",
    "ProblemMiddleware",
    "install_error_handlers",
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


def _json_safe(value: Any) -> Any:
    """A value that can go into JSON and is short enough to echo back safely."""
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


def _validation_expected(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "a valid value"))
    for prefix in ("Input should be ", "Value should be ", "Value error, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message[:1].lower() + message[1:]


def validation_problem(exc: RequestValidationError) -> Problem:
    """FastAPI's request validation (query, path, JSON body) named like our InputErrors."""
    errors = list(exc.errors())
    if not errors:
        return Problem(status=422, title="Invalid input", detail="The request is not valid.",
                       type=_URN + "invalid-input")
    error = errors[0]
    loc = list(error.get("loc", ()))
    where = str(loc[0]) if loc else "body"
    parts = loc[1:] if where in ("query", "path", "body", "header", "cookie") else loc
    name = _dotted(parts) or where
    if error.get("type") == "json_invalid":
        why = (error.get("ctx") or {}).get("error", "parse error")
        return Problem(status=400, title="Malformed request body",
                       detail=f"The request body is not valid JSON ({why}).",
                       type=_URN + "malformed-body", field="body", value=None,
                       expected="a JSON document", has_value=False)
    if error.get("type") == "missing":
        expected = "present"
        detail = f"'{name}' is required."
        value: Any = None
    else:
        expected = _validation_expected(error)
        value = error.get("input")
        detail = f"'{name}' must be {expected} (got {_short(value)})."
    more = len(errors) - 1
    if more:
        detail += f" ({more} more problem{'s' if more > 1 else ''} in this request.)"
    return Problem(status=422, title="Invalid input", detail=detail,
                   type=_URN + "invalid-input", field=name, value=value, expected=expected,
                   has_value=True)


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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problem_for(exc: BaseException) -> Problem:
    """Map any exception to its problem. The single table of error -> status."""
    if isinstance(exc, StarletteHTTPException):
        return http_problem(exc.status_code, str(exc.detail) if exc.detail else None,
                            dict(exc.headers or {}))
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc)
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
    body = json.dumps(problem.to_dict(instance), ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=problem.status, media_type=PROBLEM_JSON,
                    headers=problem.headers)


async def _handle(request: Request, exc: Exception) -> Response:
    problem = problem_for(exc)
    if problem.status >= 500:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(problem, request)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping for every exception type the routes can raise."""
    for kind in (StarletteHTTPException, RequestValidationError, MagnerveError):
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
