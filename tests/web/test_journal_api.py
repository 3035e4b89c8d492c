"""Journal CRUD over HTTP, with paging and date filters; saved plans, review and reports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import FROZEN_AT, PROFILES, Clock
from tests.web.test_errors import assert_problem

from magnerve.journal import Journal

ENTRIES = "/api/v1/journal/entries"
PROFILE = {"age": 58, "sex": "female", "egfr": 78, "routine": {"meals": ["08:00", "18:00"]}}


def _add(client: TestClient, kind: str, values: dict[str, Any], at: str | None = None
         ) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "values": values}
    if at is not None:
        body["at"] = at
    response = client.post(ENTRIES, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_add_returns_the_stored_entry_with_its_location(client: TestClient) -> None:
    response = client.post(ENTRIES, json={"kind": "pain", "values": {"score": 6}})
    assert response.status_code == 201
    entry = response.json()
    assert response.headers["location"] == f"{ENTRIES}/{entry['id']}"
    assert entry["kind"] == "pain"
    assert entry["at"] == FROZEN_AT.isoformat()
    assert entry["values"] == {"score": 6.0, "worst": None, "qualities": [], "location": None}


def test_entry_is_durable_in_the_journal_file(client: TestClient, db_path: Any) -> None:
    entry = _add(client, "dose", {"mg": 150, "form": "glycinate"})
    with Journal.open(db_path) as journal:
        stored = journal.get(entry["id"])
    assert stored.values["mg"] == 150.0


def test_get_patch_delete_round_trip(client: TestClient) -> None:
    entry = _add(client, "pain", {"score": 6, "qualities": ["burning"]})
    url = f"{ENTRIES}/{entry['id']}"
    assert client.get(url).json() == entry
    changed = client.patch(url, json={"values": {"score": 4},
                                      "at": "2024-03-11T21:00:00-04:00"})
    assert changed.status_code == 200
    body = changed.json()
    assert body["values"]["score"] == 4.0
    assert body["values"]["qualities"] == ["burning"]
    assert body["at"] == "2024-03-11T21:00:00-04:00"
    assert client.delete(url).status_code == 204
    assert_problem(client.get(url), 404, "entry_id")
    assert_problem(client.delete(url), 404, "entry_id")
    assert_problem(client.patch(url, json={"values": {"score": 1}}), 404, "entry_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"kind": "pain", "values": {"score": 11}}, "values.score", id="range"),
        pytest.param({"kind": "dose", "values": {}}, "values.mg", id="missing"),
        pytest.param({"kind": "pain", "values": {"scor": 3}}, "scor", id="unknown-key"),
        pytest.param({"kind": "gi", "values": {}}, "values.bristol", id="gi-empty"),
        pytest.param({"kind": "pain", "values": {"score": 3}, "at": "soon"}, "at",
                     id="bad-time"),
        pytest.param({"kind": "pain", "values": {"score": 3}, "at": "2024-03-13T09:00"}, "at",
                     id="future"),
        pytest.param({"kind": "walk", "values": {}}, "kind", id="kind"),
        pytest.param({"kind": "pain", "values": {"score": 3}, "mood": 2}, "mood",
                     id="extra-key"),
    ],
)
def test_bad_entries_are_422_naming_the_field(client: TestClient, body: dict,
                                              field: str) -> None:
    assert_problem(client.post(ENTRIES, json=body), 422, field)
    assert client.get(ENTRIES).json()["total"] == 0


def test_times_accept_what_the_cli_accepts(client: TestClient) -> None:
    assert _add(client, "pain", {"score": 3}, "08:15")["at"] == "2024-03-12T08:15:00-04:00"
    assert _add(client, "pain", {"score": 3}, "yesterday 21:00")["at"] == (
        "2024-03-11T21:00:00-04:00")
    # Before the daylight-saving change New York was at -05:00.
    assert _add(client, "pain", {"score": 3}, "2024-03-09T08:00")["at"] == (
        "2024-03-09T08:00:00-05:00")


def _seed(client: TestClient, clock: Clock, days: int = 30) -> None:
    for day in range(days):
        at = (FROZEN_AT - timedelta(days=day)).replace(hour=8, minute=0)
        _add(client, "pain", {"score": 5}, at.isoformat())
        _add(client, "dose", {"mg": 100}, at.replace(hour=9).isoformat())


def test_paging_newest_first(client: TestClient, clock: Clock) -> None:
    _seed(client, clock, days=30)
    first = client.get(ENTRIES, params={"limit": 25}).json()
    assert first["total"] == 60
    assert first["pages"] == 3
    assert first["page"] == 1
    assert len(first["items"]) == 25
    times = [item["at"] for item in first["items"]]
    assert times == sorted(times, reverse=True)
    last = client.get(ENTRIES, params={"limit": 25, "page": 3}).json()
    assert len(last["items"]) == 10
    everything = [i["id"] for p in (1, 2, 3)
                  for i in client.get(ENTRIES, params={"limit": 25, "page": p}).json()["items"]]
    assert len(set(everything)) == 60
    beyond = client.get(ENTRIES, params={"limit": 25, "page": 9}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 60


def test_oldest_first_and_kind_filter(client: TestClient, clock: Clock) -> None:
    _seed(client, clock, days=5)
    page = client.get(ENTRIES, params=[("order", "asc"), ("kind", "dose")]).json()
    assert page["total"] == 5
    assert {item["kind"] for item in page["items"]} == {"dose"}
    times = [item["at"] for item in page["items"]]
    assert times == sorted(times)
    both = client.get(ENTRIES, params=[("kind", "dose"), ("kind", "pain")]).json()
    assert both["total"] == 10
    assert_problem(client.get(ENTRIES, params={"kind": "walk"}), 422, "kind[0]")


def test_date_filters_are_whole_local_days(client: TestClient, clock: Clock) -> None:
    _seed(client, clock, days=10)
    one_day = client.get(ENTRIES, params={"since": "2024-03-10",
                                          "until": "2024-03-10"}).json()
    assert one_day["total"] == 2
    assert {i["at"][:10] for i in one_day["items"]} == {"2024-03-10"}
    week = client.get(ENTRIES, params={"since": "7d"}).json()
    assert week["total"] == 14
    today = client.get(ENTRIES, params={"since": "today"}).json()
    assert today["total"] == 2
    assert_problem(client.get(ENTRIES, params={"since": "last tuesday"}), 422, "since")


def test_plans_save_current_and_list(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/journal/plans/current"), 404)
    saved = client.post("/api/v1/journal/plans", json=PROFILE)
    assert saved.status_code == 201
    body = saved.json()
    assert body["version"] == 1
    assert body["new_version"] is True
    assert body["plan"] == client.post("/api/v1/plan", json=PROFILE).json()
    again = client.post("/api/v1/journal/plans", json=PROFILE).json()
    assert again["version"] == 1
    assert again["new_version"] is False
    assert client.get("/api/v1/journal/plans/current").json()["version"] == 1
    assert len(client.get("/api/v1/journal/plans").json()) == 1
    assert_problem(client.post("/api/v1/journal/plans", json={"age": 500, "sex": "male"}),
                   422, "age")


def test_review_needs_a_plan(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/review"), 404)
    assert "No plan is saved" in body["detail"]


def test_review_equals_the_cli_review(client: TestClient, clock: Clock, db_path: Any) -> None:
    """GET /review is what `magnerve review --format json` prints for the same journal and
    moment (the CLI's own loader, ``load_review``)."""
    from magnerve.cli.review_cmd import load_review

    client.post("/api/v1/journal/plans", json=PROFILE)
    _seed(client, clock, days=12)
    api = client.get("/api/v1/review").json()
    cli, _entries, _knowledge = load_review(str(db_path), now=FROZEN_AT)
    assert api == cli.to_dict()
    assert api["status"] == "start"
    assert "days" in client.get("/api/v1/review", params={"days": "true"}).json()


@pytest.mark.parametrize(("fmt", "media", "magic"), [
    ("html", "text/html; charset=utf-8", b"<!doctype html"),
    ("fhir", "application/fhir+json", b'{\n  "resourceType": "Bundle"'),
    ("pdf", "application/pdf", b"%PDF"),
])
def test_report_downloads(client: TestClient, clock: Clock, fmt: str, media: str,
                          magic: bytes) -> None:
    client.post("/api/v1/journal/plans", json=PROFILE)
    _seed(client, clock, days=3)
    response = client.get("/api/v1/report", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content[:len(magic)].lower() == magic.lower()


def test_report_format_is_checked(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/report", params={"format": "docx"}), 422, "format")


def test_example_profiles_can_be_saved(client: TestClient) -> None:
    """Every example profile saves (the journal keeps the parsed profile, as the CLI does)."""
    import tomllib

    for path in PROFILES:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        assert client.post("/api/v1/journal/plans", json=data).status_code == 201, path
