"""``create_app``: the FastAPI application factory (no module-level state).

The stack, outermost first, and why in that order:

1. ``SecurityMiddleware``: headers go on *every* response, including errors and 413s, and
   an oversize body is refused before any route reads it.
2. ``ProblemMiddleware``: a bug becomes the 500 problem envelope (logged), never a
   plain-text traceback page.
3. ``AuthMiddleware`` (remote mode only): nothing but the login page and static files
   without a session.
4. The routers: ``/api/v1`` (:mod:`magnerve.web.api`) and the pages
   (:mod:`magnerve.web.pages`), both calling the same core functions as the CLI.

Swagger UI and ReDoc load their scripts from a CDN, which a local, offline, CSP-locked app
cannot use; ``/docs`` is instead a server-rendered reference built from the same OpenAPI
document (``/openapi.json``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from fastapi import FastAPI
from starlette.requests import Request
from starlette.staticfiles import StaticFiles

from magnerve.web.context import WebContext, WebSettings
from magnerve.web.errors import Problem, ProblemMiddleware, install_error_handlers
from magnerve.web.security import AuthMiddleware, Credentials, SecurityMiddleware, Signer

if TYPE_CHECKING:
    from magnerve.knowledge import Knowledge

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app", "create_app_from_env"]

DEFAULT_MAX_BODY_BYTES = 1_000_000

#: Environment variables the ``serve`` command sets for uvicorn worker processes (each
#: worker builds its own app with :func:`create_app_from_env`).
ENV_DB = "MAGNERVE_WEB_DB"
ENV_PASSWORD_HASH = "MAGNERVE_WEB_PASSWORD_HASH"
ENV_KEY = "MAGNERVE_WEB_KEY"
ENV_TLS = "MAGNERVE_WEB_TLS"

API_DESCRIPTION = """\
The REST API of magnerve: safe, cited magnesium plans for nerve pain, supplement labels,
food magnesium, a private journal, the review and reports. The same engine as the
`magnerve` command line: `POST /api/v1/plan` returns exactly the JSON of
`magnerve plan PROFILE --format json`.

Every error is an RFC 9457 problem (`application/problem+json`):
`{type, title, status, detail, instance, field?, value?, expected?, suggestion?}`.
`field`/`value`/`expected`/`suggestion` name the one bad input when there is one.

Request bodies are UTF-8 JSON (`Content-Type: application/json`; a `charset` other than
UTF-8 is a 415). A query parameter a route does not take is refused with a 422 naming it
(and the nearest known one), never silently ignored.

Not medical advice: check every plan with a doctor or pharmacist.
"""


def _templates() -> jinja2.Environment:
    from magnerve.web import render

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("magnerve.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "svg")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    render.install(env)
    return env


def _local_now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def create_app(
    knowledge: Knowledge | None = None,
    db_path: str | os.PathLike[str] | None = None,
    *,
    password_hash: str | None = None,
    secret_key: bytes | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    tls: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the web app.

    Args:
        knowledge: the knowledge base (default: the packaged one, loaded once per process).
        db_path: the journal file; None resolves like the CLI (``MAGNERVE_DB``, else the
            user data directory). Opened on first use.
        password_hash: an argon2 hash; when given the app is in remote mode (login page,
            Secure session cookies) — see ``magnerve serve --allow-remote``.
        secret_key: the HMAC key for CSRF tokens and sessions (default: random per app).
            Several worker processes of one server share one key so a session made by one
            is honoured by the others.
        max_body_bytes: larger request bodies get a 413 problem.
        tls: the server itself speaks HTTPS (adds Strict-Transport-Security).
        clock: "now" as an aware datetime (tests freeze it); default the local clock.
    """
    from magnerve.knowledge import load_knowledge
    from magnerve.web.api import router as api_router
    from magnerve.web.pages import router as pages_router

    if db_path is None or str(db_path) == "":
        from magnerve.journal.paths import resolve_db_path

        resolved: Path | str = resolve_db_path(None)
    else:
        resolved = ":memory:" if str(db_path) == ":memory:" else Path(db_path)
    settings = WebSettings(db_path=resolved, max_body_bytes=max_body_bytes,
                           remote=password_hash is not None, tls=tls)
    web = WebContext(
        knowledge=knowledge if knowledge is not None else load_knowledge(),
        settings=settings,
        signer=Signer(secret_key) if secret_key is not None else Signer(),
        credentials=Credentials(password_hash) if password_hash is not None else None,
        templates=_templates(),
        clock=clock or _local_now,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.close()

    from magnerve import __version__

    app = FastAPI(
        title="magnerve",
        version=__version__,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.web = web
    app.state.render_problem = _problem_page
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(packages=[("magnerve.web", "static")]), name="static")

    if settings.remote:
        app.add_middleware(AuthMiddleware, signer=web.signer)
    app.add_middleware(ProblemMiddleware)
    app.add_middleware(SecurityMiddleware, max_body_bytes=max_body_bytes, hsts=tls)
    return app


def _problem_page(request: Request, problem: Problem) -> str:
    """The HTML face of a problem, for people (same facts as the JSON envelope)."""
    web: WebContext = request.app.state.web
    from magnerve.web.pages import page_values

    return web.render("error.html", **page_values(request, title=problem.title),
                      problem=problem.to_dict(request.url.path))


def create_app_from_env() -> FastAPI:
    """The app for a uvicorn worker process, configured by the ``serve`` command's env."""
    key = os.environ.get(ENV_KEY)
    return create_app(
        db_path=os.environ.get(ENV_DB) or None,
        password_hash=os.environ.get(ENV_PASSWORD_HASH) or None,
        secret_key=bytes.fromhex(key) if key else None,
        tls=os.environ.get(ENV_TLS) == "1",
    )
