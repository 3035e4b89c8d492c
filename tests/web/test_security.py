"""Security: headers, CSRF for page forms, the Origin check, and remote mode's login."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import csrf_token
from tests.web.test_errors import assert_problem

from magnerve.web.security import (
    CSP,
    CSRF_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    Signer,
    hash_password,
)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.mark.parametrize("path", ["/", "/plan", "/api/v1/forms", "/openapi.json",
                                  "/no-such-page", "/static/app.css"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP
    assert "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


def test_personal_pages_are_not_cached_but_static_files_may_be(client: TestClient) -> None:
    assert client.get("/journal").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/journal/entries").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/static/app.js").headers.get("cache-control", "")


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    """The CSP would block them, so there must be none (the chart styles by class too)."""
    for path in ("/", "/plan", "/journal", "/progress", "/labels", "/foods", "/docs"):
        html = client.get(path).text
        others = html.replace('<script src="/static/app.js" defer></script>', "")
        assert "<script" not in others, path
        assert " style=" not in html, path
        assert "<style" not in html, path
        assert " on" + "click=" not in html, path


def test_csrf_cookie_is_httponly_and_strict(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith(CSRF_COOKIE + "=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


def test_form_post_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/")
    response = client.post("/log", data={"kind": "pain", "score": "4"},
                           headers={"accept": "application/json"})
    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert client.get("/api/v1/journal/entries").json()["total"] == 0


def test_form_post_with_a_forged_token_is_refused(client: TestClient) -> None:
    client.get("/")
    response = client.post("/log", data={"kind": "pain", "score": "4", "csrf_token": "x" * 43},
                           headers={"accept": "application/json"})
    assert_problem(response, 403)


def test_token_from_another_browser_is_refused(make_client: Any) -> None:
    """A token is bound to its own cookie: one browser's token is useless in another."""
    first = make_client()
    token = csrf_token(first)
    second = make_client()
    second.get("/")
    response = second.post("/log", data={"kind": "pain", "score": "4", "csrf_token": token},
                           headers={"accept": "application/json"})
    assert_problem(response, 403)


def test_form_post_with_the_page_token_works(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post("/log", data={"kind": "pain", "score": "4", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/v1/journal/entries").json()["total"] == 1


def test_cross_site_origin_is_refused_for_api_and_pages(client: TestClient) -> None:
    token = csrf_token(client)
    evil = {"origin": "https://evil.example"}
    assert_problem(client.post("/api/v1/journal/entries", json={"kind": "pain",
                                                                "values": {"score": 3}},
                               headers=evil), 403)
    assert_problem(client.post("/log", data={"kind": "pain", "score": "4",
                                             "csrf_token": token},
                               headers={**evil, "accept": "application/json"}), 403)
    same = client.post("/api/v1/journal/entries", json={"kind": "pain", "values": {"score": 3}},
                       headers={"origin": "http://testserver"})
    assert same.status_code == 201


def test_signer_rejects_tampering() -> None:
    signer = Signer()
    token = signer.sign("session", "123:abc")
    assert signer.unsign("session", token) == "123:abc"
    assert signer.unsign("session", token.replace("123", "999")) is None
    assert signer.unsign("csrf", token) is None
    assert Signer().unsign("session", token) is None


def test_sessions_expire() -> None:
    signer = Signer()
    cookie = signer.session_cookie(1_000_000.0)
    assert signer.session_ok(cookie, 1_000_100.0)
    assert not signer.session_ok(cookie, 1_000_000.0 + 13 * 3600)
    assert not signer.session_ok(None, 0.0)


def test_login_throttle_blocks_after_repeated_failures() -> None:
    now = [0.0]
    throttle = LoginThrottle(limit=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked()
        throttle.failed()
    assert throttle.blocked()
    now[0] = 61.0
    assert not throttle.blocked()


# --------------------------------------------------------------------------------------------
# Remote mode


def test_remote_mode_needs_a_login(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    assert_problem(client.get("/api/v1/forms"), 401)
    assert_problem(client.post("/api/v1/plan", json={"age": 40, "sex": "male"}), 401)
    page = client.get("/journal?kind=pain", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fjournal%3Fkind%3Dpain"
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_wrong_password_is_refused(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"password": "guess", "csrf_token": token,
                                           "next": "/"})
    assert response.status_code == 401
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert client.get("/api/v1/forms").status_code == 401


def test_login_sets_a_secure_session_cookie(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": token,
                                           "next": "/journal"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/journal"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict"):
        assert flag in cookie
    assert client.get("/api/v1/forms").status_code == 200
    assert client.get("/journal").status_code == 200


def test_login_cannot_redirect_to_another_site(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_login_form_itself_needs_csrf(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    client.get("/login")
    assert_problem(client.post("/login", data={"password": PASSWORD},
                               headers={"accept": "application/json"}), 403)


def test_forged_session_cookie_is_refused(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    client.cookies.set(SESSION_COOKIE, "1700000000:abc.forged", domain="testserver")
    assert client.get("/api/v1/forms").status_code == 401


def test_too_many_wrong_passwords_are_throttled(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    token = csrf_token(client, "/login")
    for _ in range(5):
        client.post("/login", data={"password": "wrong", "csrf_token": token})
    response = client.post("/login", data={"password": PASSWORD, "csrf_token": token},
                           headers={"accept": "application/json"})
    assert_problem(response, 429)
    assert response.headers["retry-after"] == "60"


def test_logout_forgets_the_session(make_client: Any, password_hash: str) -> None:
    client = make_client(password_hash=password_hash)
    token = csrf_token(client, "/login")
    client.post("/login", data={"password": PASSWORD, "csrf_token": token})
    assert client.get("/api/v1/forms").status_code == 200
    token = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/api/v1/forms").status_code == 401


def test_tls_adds_hsts(make_client: Any) -> None:
    client = make_client(tls=True)
    assert client.get("/").headers["strict-transport-security"] == "max-age=31536000"
