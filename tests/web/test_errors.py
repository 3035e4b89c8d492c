"""One error envelope (RFC 9457 problem+json) for every error, naming the bad field."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from magnerve.web import create_app
from magnerve.web.errors import PROBLEM_JSON

ENVELOPE = {"type", "title", "status", "detail", "instance"}
FIELD_KEYS = {"field", "value", "expected", "suggestion"}


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is a problem document with this status (and field, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert set(body) >= ENVELOPE, body
    assert set(body) <= ENVELOPE | FIELD_KEYS, body
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["type"] == "about:blank" or body["type"].startswith("urn:magnerve:problem:")
    if field is not None:
        assert body["field"] == field, body
        assert set(body) >= FIELD_KEYS
    return body


def test_400_malformed_json_names_the_body(client: TestClient) -> None:
    response = client.post("/api/v1/plan", content=b'{"age": 40,',
                           headers={"content-type": "application/json"})
    body = assert_problem(response, 400, "body")
    assert "not valid JSON" in body["detail"]


def test_400_body_that_is_not_utf8(client: TestClient) -> None:
    response = client.post("/api/v1/plan", content=b'{"age": "\xff\xfe"}',
                           headers={"content-type": "application/json"})
    assert_problem(response, 400, "body")


def test_404_unknown_path(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


def test_404_unknown_entry_names_the_id(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/journal/entries/0123abcd"), 404, "entry_id")
    assert body["value"] == "0123abcd"


def test_405_keeps_the_allow_header(client: TestClient) -> None:
    response = client.put("/api/v1/plan", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_413_declared_oversize_body(make_client: Any) -> None:
    client = make_client(max_body_bytes=1000)
    response = client.post("/api/v1/plan", content=b"x" * 2000,
                           headers={"content-type": "application/json"})
    body = assert_problem(response, 413)
    assert "1,000 bytes" in body["detail"]


def test_413_streamed_oversize_body_without_length(make_client: Any) -> None:
    """A chunked body with no Content-Length is cut off as soon as it passes the limit."""
    client = make_client(max_body_bytes=1000)

    def chunks() -> Any:
        for _ in range(10):
            yield b" " * 500

    response = client.post("/api/v1/plan", content=chunks(),
                           headers={"content-type": "application/json"})
    assert_problem(response, 413)


def test_413_for_page_forms_too(make_client: Any) -> None:
    client = make_client(max_body_bytes=2000)
    response = client.post("/journal", data={"kind": "note", "text": "x" * 5000},
                           headers={"accept": "application/json"})
    assert_problem(response, 413)


def test_default_limit_is_one_megabyte(client: TestClient) -> None:
    big = b'{"age": 40, "sex": "female", "conditions": ["' + b"a" * 1_000_001 + b'"]}'
    response = client.post("/api/v1/plan", content=big,
                           headers={"content-type": "application/json"})
    assert_problem(response, 413)


def test_415_plan_needs_json(client: TestClient) -> None:
    response = client.post("/api/v1/plan", content=b"age=40",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]


@pytest.mark.parametrize(
    ("profile", "field", "suggestion"),
    [
        pytest.param({"age": -3, "sex": "female"}, "age", None, id="out-of-range"),
        pytest.param({"age": 40}, "sex", None, id="missing"),
        pytest.param({"age": 40, "sex": "female", "egrf": 80}, "egrf", "egfr", id="typo-key"),
        pytest.param({"age": 40, "sex": "female", "serum_magnesium": "0.8 furlongs"},
                     "serum_magnesium", None, id="unit"),
        pytest.param({"age": 40, "sex": "female",
                      "medications": [{"name": "Cipro", "times": ["25:00"]}]},
                     "medications[0].times[0]", None, id="clock"),
        pytest.param({"age": 40, "sex": "femal"}, "sex", "female", id="suggest-value"),
    ],
)
def test_422_profile_errors_name_the_field(client: TestClient, profile: dict, field: str,
                                           suggestion: str | None) -> None:
    """The profile parser's InputError facts reach the client unchanged."""
    body = assert_problem(client.post("/api/v1/plan", json=profile), 422, field)
    assert body["type"] == "urn:magnerve:problem:invalid-input"
    assert body["title"] == "Invalid input"
    assert body["expected"]
    if suggestion is not None:
        assert body["suggestion"] == suggestion


def test_422_request_validation_uses_the_same_envelope(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/journal/entries", params={"limit": "many"}),
                          422, "limit")
    assert body["value"] == "many"
    body = assert_problem(client.post("/api/v1/journal/entries", json={"kind": "pian"}),
                          422, "kind")


def test_422_plan_body_that_is_not_an_object(client: TestClient) -> None:
    assert_problem(client.post("/api/v1/plan", json=[1, 2, 3]), 422, "profile")


def test_html_pages_get_a_readable_error_page(client: TestClient) -> None:
    """A browser asking for a missing page gets HTML with the same facts, not JSON."""
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text
    api = client.get("/api/v1/no-such", headers={"accept": "text/html"})
    assert api.headers["content-type"] == PROBLEM_JSON


def test_unexpected_exception_is_a_500_envelope_not_a_traceback(db_path: Any) -> None:
    """A bug still answers in the envelope (and the test client sees no raised error)."""
    app = create_app(db_path=db_path)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    client = TestClient(app, raise_server_exceptions=True)
    body = assert_problem(client.get("/boom"), 500)
    assert "secret internals" not in body["detail"]
    assert body["type"] == "urn:magnerve:problem:internal"


@pytest.mark.parametrize(
    "body",
    [b"null", b"123", b'"text"', b"[]", b"{}", b'{"age": 1e999, "sex": "male"}',
     b'{"age": NaN, "sex": "male"}', b"[" * 5000 + b"]" * 5000,
     b'{"age": 40, "sex": "male", "medications": "Cipro"}',
     b'{"age": 40, "sex": "male", "pain": {"score": "7"}}',
     b'{"age": ' + b"9" * 5000 + b', "sex": "male"}'],
    ids=["null", "number", "string", "list", "empty", "inf", "nan", "deep", "meds-string",
         "score-string", "huge-int"],
)
def test_odd_bodies_are_4xx_never_5xx(client: TestClient, body: bytes) -> None:
    response = client.post("/api/v1/plan", content=body,
                           headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
