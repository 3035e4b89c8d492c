"""Security for a health app that runs on someone's own machine (and, if asked, a LAN).

What each piece guards against:

- :class:`SecurityMiddleware` adds headers on every response: a Content-Security-Policy that
  allows only this origin's own scripts and styles (no inline script, so an injected
  ``<script>`` cannot run), ``frame-ancestors 'none'`` and ``X-Frame-Options`` against
  click-jacking, ``nosniff``, ``same-origin`` referrers (journal URLs never leak to other
  sites; not ``no-referrer``, which makes browsers send ``Origin: null`` on our own form
  posts), and ``no-store`` so a shared computer's cache keeps no pain diary. It also
  enforces the request body limit (413 before reading a declared oversize body, or as soon
  as a streamed one passes the limit) and refuses state-changing requests whose ``Origin``
  is another site.
- CSRF for page forms: a signed double-submit token. A random cookie plus a hidden field
  holding ``HMAC(key, cookie)``; a cross-site form can neither read the cookie nor forge
  the MAC. Keys are random per server run and never written to disk.
- Remote mode (``serve --allow-remote``): an argon2 hash of the password kept in memory, a
  login page, and a session cookie signed with HMAC-SHA256 (HttpOnly, Secure,
  SameSite=Strict). :class:`AuthMiddleware` keeps everything but the login page and static
  files behind it; API callers get a 401 problem, browsers a redirect to the login page.

The stdlib ``hmac`` does the signing (itsdangerous is not a dependency); tokens compare
with ``hmac.compare_digest`` so timing reveals nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import HTTPException
from starlette.requests import Request

from magnerve.web.errors import http_problem, problem_response

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "AuthMiddleware",
    "Credentials",
    "LoginThrottle",
    "SecurityMiddleware",
    "Signer",
    "hash_password",
]

CSRF_COOKIE = "magnerve_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "magnerve_session"
SESSION_MAX_AGE_S = 12 * 3600

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --------------------------------------------------------------------------------------------
# Signing


@dataclass(frozen=True)
class Signer:
    """HMAC-SHA256 with a random key per server run: CSRF tokens and session cookies."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def mac(self, purpose: str, data: str) -> str:
        """A URL-safe MAC of ``data``; ``purpose`` keeps a CSRF token from being a session."""
        digest = hmac.new(self.key, f"{purpose}\x00{data}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, purpose: str, data: str) -> str:
        return f"{data}.{self.mac(purpose, data)}"

    def unsign(self, purpose: str, token: str) -> str | None:
        """The signed data, or None when the token was not made by this server."""
        data, dot, mac = token.rpartition(".")
        if not dot or not hmac.compare_digest(mac, self.mac(purpose, data)):
            return None
        return data

    # CSRF ----------------------------------------------------------------------------------

    def csrf_token(self, cookie: str) -> str:
        """The hidden-field token that proves a form came from one of our pages."""
        return self.mac("csrf", cookie)

    def csrf_ok(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(token, self.csrf_token(cookie))

    # Sessions ------------------------------------------------------------------------------

    def session_cookie(self, now: float) -> str:
        nonce = secrets.token_urlsafe(12)
        return self.sign("session", f"{int(now)}:{nonce}")

    def session_ok(self, cookie: str | None, now: float) -> bool:
        if not cookie:
            return False
        data = self.unsign("session", cookie)
        if data is None:
            return False
        issued, _, _nonce = data.partition(":")
        try:
            age = now - int(issued)
        except ValueError:
            return False
        return 0 <= age <= SESSION_MAX_AGE_S


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


# --------------------------------------------------------------------------------------------
# Passwords


def hash_password(password: str) -> str:
    """An argon2id hash of the password (the password itself is never kept)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


@dataclass(frozen=True)
class Credentials:
    """The remote-mode credential: an argon2 hash held in memory for this server run."""

    password_hash: str

    def verify(self, password: str) -> bool:
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            return PasswordHasher().verify(self.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class LoginThrottle:
    """At most ``limit`` failed logins per ``window_s``: slows password guessing to a crawl."""

    def __init__(self, limit: int = 5, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: list[float] = []
        self._lock = threading.Lock()

    def blocked(self) -> bool:
        with self._lock:
            now = self.clock()
            self._failures = [t for t in self._failures if now - t < self.window_s]
            return len(self._failures) >= self.limit

    def failed(self) -> None:
        with self._lock:
            self._failures.append(self.clock())

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


# --------------------------------------------------------------------------------------------
# Middleware


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _same_origin(scope: Scope, origin: str) -> bool:
    host = _header(scope, b"host")
    if host is None:
        return False
    scheme = scope.get("scheme", "http")
    return origin in (f"{scheme}://{host}", f"http://{host}", f"https://{host}")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit (-> 413 problem)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit:,} bytes, the most "
                         "magnerve accepts.")


class SecurityMiddleware:
    """Security headers, the body size limit and the cross-site Origin check (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, hsts: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        headers = list(_HEADERS)
        if hsts:
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        self.headers = tuple(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.extend(extra)
                if not static and not any(k == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        limit = self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(scope, receive, send_with_headers, BodyTooLarge(limit))
                return
        if scope["method"] in _UNSAFE:
            origin = _header(scope, b"origin")
            if origin is not None and origin != "null" and not _same_origin(scope, origin):
                await self._refuse(scope, receive, send_with_headers, HTTPException(
                    403, f"Cross-site request from {origin} refused: magnerve only accepts "
                    "changes from its own pages."))
                return
            if origin == "null":
                await self._refuse(scope, receive, send_with_headers, HTTPException(
                    403, "Request from an opaque origin refused."))
                return

        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_with_limit, send_with_headers)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, exc: HTTPException) -> None:
        problem = http_problem(exc.status_code, str(exc.detail))
        response = problem_response(problem, Request(scope, receive))
        await response(scope, receive, send)


class AuthMiddleware:
    """Remote mode: every path except the login page and static files needs a session."""

    OPEN_PATHS = ("/login", "/static/", "/api/v1/health")

    def __init__(self, app: ASGIApp, *, signer: Signer,
                 clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.signer = signer
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if self.signer.session_ok(request.cookies.get(SESSION_COOKIE), self.clock()):
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith(("/api/", "/openapi.json"))
        if not api and scope["method"] in ("GET", "HEAD"):
            target = scope["path"]
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            from starlette.responses import RedirectResponse

            response = RedirectResponse("/login?next=" + quote(target, safe=""),
                                        status_code=303)
            await response(scope, receive, send)
            return
        problem = http_problem(401, "Log in first: this magnerve server is shared on the "
                               "network and needs its password.")
        await problem_response(problem, request)(scope, receive, send)
