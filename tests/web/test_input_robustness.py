"""Review findings: input that used to answer 500 or leak pydantic's wording.

Every case answers a 4xx ``application/problem+json`` with one sentence naming the field:
lone surrogates in JSON text, times outside the journal's years, unknown query parameters,
a body declared in another charset, and pydantic's error types in our own words. The one
error handler also turns a UnicodeError, OverflowError or RecursionError that some check
missed into a 4xx (logged), never a 500.
"""

from __future__ import annotations

import html as html_text
import json
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import csrf_token
from tests.web.test_errors import assert_problem

from magnerve.web import create_app

ENTRIES = "/api/v1/journal/entries"
JSON_HEADERS = {"content-type": "application/json"}
PROFILE = '{"age": 40, "sex": "female"}'
#: Pydantic's own phrases that must never reach a person.
PYDANTIC_WORDS = ("should have", "Input should", "extra inputs", "Field required",
                  "valid dictionary", "not permitted", "to extract fields")


def _raw(client: TestClient, method: str, path: str, body: str | bytes,
         headers: dict[str, str] | None = None) -> Any:
    content = body.encode("utf-8") if isinstance(body, str) else body
    return client.request(method, path, content=content, headers=headers or JSON_HEADERS)


def _entry(client: TestClient) -> str:
    response = client.post(ENTRIES, json={"kind": "pain", "values": {"score": 5}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _plain(body: dict[str, Any]) -> None:
    """One sentence in magnerve's words: no pydantic phrasing, no raw bytes."""
    detail = body["detail"]
    assert "\n" not in detail
    assert detail.endswith((".", ".)", "?"))
    for words in PYDANTIC_WORDS:
        assert words not in detail, detail
    assert "b'" not in detail


# --------------------------------------------------------------------------------------------
# 6. Lone surrogates: a 422 naming the field, never a 500


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param("/api/v1/plan", '{"age": 40, "sex": "female", "conditions": ["\\ud800"]}',
                     "conditions[0]", id="plan-profile"),
        pytest.param("/api/v1/plan",
                     '{"profile": ' + PROFILE + ', "product": "Magnesium \\ud800 200 mg"}',
                     "product", id="plan-product"),
        pytest.param("/api/v1/journal/plans",
                     '{"age": 40, "sex": "female", "conditions": ["x\\udfff"]}',
                     "conditions[0]", id="journal-plans"),
        pytest.param(ENTRIES, '{"kind": "note", "values": {"text": "\\ud800"}}',
                     "values.text", id="entry-note"),
        pytest.param(ENTRIES, '{"kind": "med", "values": {"name": "Cipro \\udc00"}}',
                     "values.name", id="entry-med"),
        pytest.param(ENTRIES, '{"kind": "note", "at": "\\ud800", "values": {"text": "x"}}',
                     "at", id="entry-at"),
        pytest.param("/api/v1/labels/parse", '{"text": "Magnesium 200 mg \\ud800"}', "text",
                     id="label-text"),
        pytest.param("/api/v1/diet", '{"foods": ["1 oz almonds", "\\ud83d"]}', "foods[1]",
                     id="diet-foods"),
        pytest.param("/api/v1/plan", '{"age": 40, "sex": "female", "\\ud800": 1}', "\\ud800",
                     id="key"),
    ],
)
def test_lone_surrogate_is_a_422_naming_the_field(client: TestClient, path: str, body: str,
                                                  field: str) -> None:
    problem = assert_problem(_raw(client, "POST", path, body), 422, field)
    _plain(problem)
    assert "valid Unicode" in problem["detail"]
    assert "surrogate" in problem["detail"]
    json.dumps(problem, ensure_ascii=False).encode("utf-8")  # the echo itself is valid UTF-8


def test_lone_surrogate_in_a_patch_is_a_422(client: TestClient) -> None:
    url = f"{ENTRIES}/{_entry(client)}"
    problem = assert_problem(_raw(client, "PATCH", url, '{"values": {"location": "\\ud800"}}'),
                             422, "values.location")
    _plain(problem)
    assert client.get(url).json()["values"]["location"] is None  # nothing was changed


def test_a_valid_surrogate_pair_is_fine(client: TestClient) -> None:
    """"\\ud83d\\ude00" is one character (😀), not a lone surrogate."""
    response = _raw(client, "POST", ENTRIES,
                    '{"kind": "note", "values": {"text": "ok \\ud83d\\ude00"}}')
    assert response.status_code == 201, response.text
    assert response.json()["values"]["text"] == "ok \U0001f600"


# --------------------------------------------------------------------------------------------
# 6. Times outside the journal's years


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "0001-01-01T00:00:00+00:00",
                                "9999-12-31T23:59", "1899-12-31T12:00", "9999-12-31T23:00-05:00"])
def test_entry_time_out_of_range_is_a_422(client: TestClient, at: str) -> None:
    problem = assert_problem(client.post(ENTRIES, json={"kind": "pain", "at": at,
                                                        "values": {"score": 5}}), 422, "at")
    assert "1900" in problem["expected"]
    assert "9998" in problem["expected"]
    assert problem["value"] == at
    _plain(problem)
    url = f"{ENTRIES}/{_entry(client)}"
    patched = assert_problem(client.patch(url, json={"at": at}), 422, "at")
    assert "1900" in patched["detail"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("since", "0001-01-01"), ("until", "9999-12-31"), ("since", "0001-01-01T00:00"),
     ("until", "9999-12-31T23:59+00:00"), ("since", "99999d")],
)
def test_list_bounds_out_of_range_are_a_422(client: TestClient, param: str, value: str) -> None:
    problem = assert_problem(client.get(ENTRIES, params={param: value}), 422, param)
    assert "between the years 1900 and 9998" in problem["detail"]
    _plain(problem)


def test_bounds_inside_the_range_still_work(client: TestClient) -> None:
    _entry(client)
    response = client.get(ENTRIES, params={"since": "1900-01-02", "until": "9998-12-30"})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 1


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_journal_form_time_out_of_range_is_shown(client: TestClient, at: str) -> None:
    token = csrf_token(client, "/journal")
    response = client.post("/journal", data={"kind": "pain", "score": "5", "at": at,
                                             "csrf_token": token})
    assert response.status_code == 422
    text = html_text.unescape(response.text)
    assert "'at' must be" in text
    assert "1900" in text


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_edit_form_time_out_of_range_is_shown(client: TestClient, at: str) -> None:
    entry_id = _entry(client)
    token = csrf_token(client, f"/journal/{entry_id}/edit")
    response = client.post(f"/journal/{entry_id}/edit",
                           data={"score": "5", "at": at, "csrf_token": token})
    assert response.status_code == 422
    assert "1900" in html_text.unescape(response.text)


# --------------------------------------------------------------------------------------------
# 6. The last-resort mapping in the one error handler


def _app_raising(db_path: Any, exc: BaseException) -> TestClient:
    app = create_app(db_path=db_path)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise exc

    @app.get("/page-boom")
    def page_boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=True)


@pytest.mark.parametrize(
    ("exc", "status", "words"),
    [
        pytest.param(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), 400,
                     "not valid Unicode", id="unicode-encode"),
        pytest.param(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), 400,
                     "not valid Unicode", id="unicode-decode"),
        pytest.param(OverflowError("date value out of range"), 422, "out of range",
                     id="overflow"),
        pytest.param(RecursionError("maximum recursion depth exceeded"), 400, "nested",
                     id="recursion"),
    ],
)
def test_last_resort_errors_are_4xx_and_logged(db_path: Any, exc: BaseException, status: int,
                                               words: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    client = _app_raising(db_path, exc)
    with caplog.at_level(logging.WARNING, logger="magnerve.web"):
        problem = assert_problem(client.get("/api/v1/boom"), status)
    assert words in problem["detail"]
    assert str(exc) not in problem["detail"]  # Python's wording stays in the log
    assert any(record.exc_info and record.exc_info[1] is exc for record in caplog.records)
    page = client.get("/page-boom", headers={"accept": "text/html"})
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")


# --------------------------------------------------------------------------------------------
# 7. Pydantic's error types in our own words


@pytest.mark.parametrize(
    ("request_args", "field", "detail", "suggestion"),
    [
        pytest.param(("GET", "/api/v1/interactions", {"params": {"drug": ""}}), "drug[0]",
                     "'drug[0]' must be a text of at least 1 character (got '').", None,
                     id="string-too-short"),
        pytest.param(("GET", "/api/v1/interactions", {}), "drug",
                     "The query parameter 'drug' is required.", None, id="missing-query"),
        pytest.param(("POST", ENTRIES, {"json": {"kind": "pain", "bogus": 1}}), "bogus",
                     "Unknown field 'bogus'; expected one of 'kind', 'at', 'values'.", None,
                     id="extra-forbidden"),
        pytest.param(("POST", ENTRIES, {"json": {"kind": "pain", "vaules": {}}}), "vaules",
                     "Unknown field 'vaules'; expected one of 'kind', 'at', 'values' (did you "
                     "mean 'values'?).", "values", id="extra-with-suggestion"),
        pytest.param(("POST", ENTRIES, {"json": {"values": {}}}), "kind", "'kind' is required.",
                     None, id="missing"),
        pytest.param(("POST", ENTRIES, {"json": {"kind": "pian"}}), "kind",
                     "'kind' must be one of 'dose', 'pain', 'gi', 'sleep', 'note' or 'med' (got "
                     "'pian'). Did you mean 'pain'?", "pain", id="literal"),
        pytest.param(("GET", ENTRIES, {"params": {"limit": "many"}}), "limit",
                     "'limit' must be a whole number (got 'many').", None, id="int-parsing"),
        pytest.param(("GET", ENTRIES, {"params": {"limit": "0"}}), "limit",
                     "'limit' must be a number of at least 1 (got '0').", None, id="ge"),
        pytest.param(("GET", ENTRIES, {"params": {"limit": "501"}}), "limit",
                     "'limit' must be a number of at most 500 (got '501').", None, id="le"),
        pytest.param(("GET", "/api/v1/review", {"params": {"days": "maybe"}}), "days",
                     "'days' must be true or false (got 'maybe').", None, id="bool"),
        pytest.param(("POST", ENTRIES, {"json": {"kind": "pain", "at": "x" * 65}}), "at",
                     "'at' must be a text of at most 64 characters", None, id="too-long"),
        pytest.param(("POST", ENTRIES, {"json": {"kind": "pain", "values": [1]}}), "values",
                     "'values' must be a JSON object (got [1]).", None, id="dict-type"),
        pytest.param(("GET", f"{ENTRIES}/bad%20id", {}), "entry_id",
                     "'entry_id' must be letters, digits, '-' or '_' only (got 'bad id').",
                     None, id="pattern"),
    ],
)
def test_validation_errors_are_sentences(client: TestClient, request_args: tuple,
                                         field: str, detail: str,
                                         suggestion: str | None) -> None:
    method, path, kwargs = request_args
    problem = assert_problem(client.request(method, path, **kwargs), 422, field)
    assert problem["detail"].startswith(detail), problem["detail"]
    assert problem["suggestion"] == suggestion
    _plain(problem)


def test_missing_body_is_a_sentence(client: TestClient) -> None:
    problem = assert_problem(client.post(ENTRIES, headers=JSON_HEADERS), 422, "body")
    assert problem["detail"] == "The request body is required: send a JSON object."


@pytest.mark.parametrize(
    ("method", "path"), [("POST", ENTRIES), ("PATCH", f"{ENTRIES}/abc")],
)
@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded",
                                   "application/xml"])
def test_entry_bodies_must_be_json(client: TestClient, method: str, path: str,
                                   media: str) -> None:
    """Like /plan: a body that is not JSON is a 415, not pydantic's "valid dictionary"."""
    response = _raw(client, method, path, b"hello", {"content-type": media})
    problem = assert_problem(response, 415)
    assert "application/json" in problem["detail"]
    assert media in problem["detail"]
    _plain(problem)


def test_entry_body_without_a_content_type_is_a_415(client: TestClient) -> None:
    response = client.post(ENTRIES, content=b'{"kind": "pain"}')
    problem = assert_problem(response, 415)
    assert "no content type" in problem["detail"]


# --------------------------------------------------------------------------------------------
# 8. Unknown query parameters


@pytest.mark.parametrize(
    ("path", "params", "name", "suggestion"),
    [
        pytest.param("/api/v1/forms", {"bogus": "1"}, "bogus", None, id="route-without-params"),
        pytest.param("/api/v1/foods", {"q": "almonds", "limt": "5"}, "limt", "limit",
                     id="typo"),
        pytest.param(ENTRIES, {"sinse": "today"}, "sinse", "since", id="entries-typo"),
        pytest.param("/api/v1/medicines", {"q": "cip", "lang": "en"}, "lang", None,
                     id="medicines"),
        pytest.param("/api/v1/review", {"day": "true"}, "day", "days", id="review"),
        pytest.param("/api/v1/plan", {"explian": "true"}, "explian", "explain", id="plan"),
    ],
)
def test_unknown_query_parameter_is_a_422(client: TestClient, path: str, params: dict,
                                          name: str, suggestion: str | None) -> None:
    method = "POST" if path.endswith("/plan") else "GET"
    kwargs: dict[str, Any] = {"params": params}
    if method == "POST":
        kwargs["json"] = {"age": 40, "sex": "female"}
    problem = assert_problem(client.request(method, path, **kwargs), 422, name)
    assert f"Unknown query parameter '{name}'" in problem["detail"]
    assert problem["suggestion"] == suggestion
    if suggestion:
        assert f"did you mean '{suggestion}'?" in problem["detail"]
    _plain(problem)


def test_known_query_parameters_still_work(client: TestClient) -> None:
    assert client.get("/api/v1/foods", params={"q": "almonds", "limit": 3}).status_code == 200
    assert client.get("/api/v1/medicines", params={"q": "cip", "limit": 1}).status_code == 200
    assert client.get(ENTRIES, params=[("kind", "pain"), ("kind", "dose"),
                                       ("order", "asc")]).status_code == 200
    plan = client.post("/api/v1/plan", params={"explain": "true"}, json={"age": 40,
                                                                          "sex": "female"})
    assert plan.status_code == 200


def test_pages_still_ignore_extra_query_parameters(client: TestClient) -> None:
    """Only the API is strict: a browser's page URL may carry anything (utm_..., logged)."""
    assert client.get("/journal", params={"utm_source": "x"}).status_code == 200


# --------------------------------------------------------------------------------------------
# 9. Charsets


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "utf-16", "windows-1252",
                                     '"latin-1"'])
@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/labels/parse", '{"text": "Magnesium (as citrate) 200 mg \u00e9"}'),
     ("/api/v1/plan", PROFILE),
     (ENTRIES, '{"kind": "note", "values": {"text": "caf\u00e9"}}')],
)
def test_other_charsets_are_a_415(client: TestClient, charset: str, path: str,
                                  body: str) -> None:
    response = _raw(client, "POST", path, body.encode("latin-1"),
                    {"content-type": f"application/json; charset={charset}"})
    problem = assert_problem(response, 415)
    assert "UTF-8" in problem["detail"]
    assert charset.strip('"').lower() in problem["detail"].lower()
    _plain(problem)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/json; charset=UTF-8",
                                          'application/json; charset="utf-8"',
                                          "application/json;charset=utf8"])
def test_utf8_charset_is_accepted(client: TestClient, content_type: str) -> None:
    body = '{"text": "Magnesium (as citrate) 200 mg \u00e9"}'.encode()
    response = _raw(client, "POST", "/api/v1/labels/parse", body,
                    {"content-type": content_type})
    assert response.status_code == 200, response.text
    assert response.json()["elemental_mg_per_serving"] == 200
