"""Server-rendered pages without JavaScript: forms in, readable pages out."""

from __future__ import annotations

import html as html_text
import re
from datetime import timedelta
from typing import Any

import pytest
from starlette.datastructures import FormData
from starlette.testclient import TestClient
from tests.web.conftest import FROZEN_AT, csrf_token

from magnerve.web.pages import form_field_id, profile_from_form

PLAN_FORM = {
    "age": "58", "sex": "female", "jurisdiction": "US", "egfr": "78", "serum_value": "0.78",
    "serum_unit": "mmol/L", "conditions": "type 2 diabetes\npainful diabetic neuropathy",
    "med_name": ["Synthroid", "gabapentin 300 mg", ""],
    "med_times": ["06:30", "07:30, 15:00 22:30", ""],
    "pain_score": "6", "pain_qualities": ["burning", "tingling"], "pain_pattern": "peripheral",
    "sleep_problems": "on", "wake": "06:30", "sleep": "23:00",
    "meal": ["07:30", "12:30", "18:30"], "budget": "any", "start_date": "2024-03-12",
}
PLAN_PROFILE = {
    "age": 58, "sex": "female", "jurisdiction": "US", "egfr": 78,
    "serum_magnesium": "0.78 mmol/L",
    "conditions": ["type 2 diabetes", "painful diabetic neuropathy"],
    "medications": [{"name": "Synthroid", "times": ["06:30"]},
                    {"name": "gabapentin 300 mg", "times": ["07:30", "15:00", "22:30"]}],
    "pain": {"score": 6, "qualities": ["burning", "tingling"], "pattern": "peripheral"},
    "sleep_problems": True,
    "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
}


def _form(data: dict[str, Any]) -> FormData:
    items: list[tuple[str, str]] = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            items.append((key, item))
    return FormData(items)


def _post(client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


@pytest.mark.parametrize(("path", "heading"), [
    ("/", "Today"), ("/plan", "Make a plan"), ("/journal", "Journal"),
    ("/progress", "Progress"), ("/labels", "Label calculator"), ("/foods", "Food magnesium"),
    ("/docs", "REST API reference"),
])
def test_every_page_renders(client: TestClient, path: str, heading: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in response.text
    assert '<html lang="en">' in response.text
    assert 'name="viewport"' in response.text


def test_form_translates_to_the_profile() -> None:
    """The plan form is a pure translation to design.md 3.1: nothing added or decided."""
    assert profile_from_form(_form(PLAN_FORM)) == PLAN_PROFILE


def test_blank_form_fields_are_left_out() -> None:
    assert profile_from_form(_form({"age": "40", "sex": "male", "egfr": " ", "meal": ["", ""],
                                    "med_name": [""], "med_times": [""]})) == {
        "age": 40, "sex": "male"}


def test_unparseable_numbers_reach_the_parser_as_typed() -> None:
    assert profile_from_form(_form({"age": "forty", "sex": "male"}))["age"] == "forty"


@pytest.mark.parametrize(("field", "element"), [
    ("age", "age"), ("medications[1].times[0]", "med_times_1"),
    ("medications[0].name", "med_name_0"), ("medications[2]", "med_name_2"),
    ("routine.meals[2]", "meal_2"), ("routine.wake", "wake"), ("pain.score", "pain_score"),
    ("serum_magnesium", "serum_value"), ("conditions[3]", "conditions"),
    ("current_supplements[0].elemental_mg", "supp_mg_0"),
    ("preferences.max_pills_per_day", "max_pills_per_day"), (None, None),
])
def test_profile_fields_map_to_form_inputs(field: str | None, element: str | None) -> None:
    assert form_field_id(field) == element


def test_plan_form_shows_the_same_plan_as_the_api(client: TestClient) -> None:
    data = {**PLAN_FORM, "save": "on"}
    response = _post(client, "/plan", data)
    assert response.status_code == 200
    html = response.text
    assert "You can start, carefully" in html
    assert "start_with_caution" in html
    api = client.post("/api/v1/plan", json=PLAN_PROFILE).json()
    assert f"{api['daily_target_mg']} mg a day" in html
    for section in ("plan-status", "form-and-dose", "calendar", "timetable", "interactions",
                    "evidence", "follow-up", "sources"):
        assert f'id="{section}"' in html, section
    for step in api["titration"]:
        assert re.search(rf"[Dd]ay {step['day']}\b", html)
    for dose in api["schedule"]:
        assert dose["time"] in html
    assert "Tue 12 Mar" in html  # the calendar starts on the chosen date
    assert api["disclaimer"] in html
    stored = client.get("/api/v1/journal/plans/current").json()
    assert stored["plan"] == api
    assert 'value="Synthroid"' in html  # answers kept for editing


def test_plan_form_without_save_does_not_touch_the_journal(client: TestClient) -> None:
    assert _post(client, "/plan", PLAN_FORM).status_code == 200
    assert client.get("/api/v1/journal/plans").json() == []


@pytest.mark.parametrize(("change", "element", "words"), [
    ({"age": "forty"}, "age", "'age' must be"),
    ({"med_times": ["6.30", "07:30", ""]}, "med_times_0", "medications[0].times[0]"),
    ({"egfr": "500"}, "egfr", "'egfr' must be"),
    ({"sex": ""}, None, "'sex' is required"),
])
def test_plan_form_errors_point_at_the_input(client: TestClient, change: dict,
                                             element: str | None, words: str) -> None:
    response = _post(client, "/plan", {**PLAN_FORM, **change})
    assert response.status_code == 422
    html = html_text.unescape(response.text)
    assert 'class="error-summary" role="alert"' in html
    assert words in html
    if element is not None:
        assert f'href="#{element}"' in html
        assert re.search(rf'id="{element}"[^>]*aria-invalid="true"', html)


def test_saved_plan_fills_the_form_and_has_its_own_page(client: TestClient) -> None:
    _post(client, "/plan", {**PLAN_FORM, "save": "on"})
    form = client.get("/plan").text
    assert 'value="gabapentin 300 mg"' in form
    assert 'value="07:30, 15:00, 22:30"' in form
    current = client.get("/plan/current")
    assert current.status_code == 200
    assert "Your magnesium plan" in current.text


def test_plan_current_without_a_plan_goes_to_the_form(client: TestClient) -> None:
    response = client.get("/plan/current", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/plan"


def test_medicine_names_autocomplete_from_the_knowledge_base(client: TestClient) -> None:
    html = client.get("/plan").text
    assert '<datalist id="medicine-names">' in html
    assert '<option value="Synthroid">' in html or '<option value="synthroid">' in html
    assert 'list="medicine-names"' in html


# --------------------------------------------------------------------------------------------
# One-tap logging


def test_one_tap_pain_logs_and_offers_undo(client: TestClient) -> None:
    response = _post(client, "/log", {"kind": "pain", "score": "7"}, follow_redirects=False)
    assert response.status_code == 303
    entry_id = response.headers["location"].split("logged=")[1]
    entry = client.get(f"/api/v1/journal/entries/{entry_id}").json()
    assert entry["values"]["score"] == 7.0
    assert entry["at"] == FROZEN_AT.isoformat()
    home = client.get(response.headers["location"]).text
    assert "Logged pain score: 7/10" in home
    assert f'action="/journal/{entry_id}/delete"' in home
    undo = _post(client, f"/journal/{entry_id}/delete", {"next": "/"},
                 follow_redirects=False)
    assert undo.headers["location"] == "/"
    assert client.get("/api/v1/journal/entries").json()["total"] == 0


@pytest.mark.parametrize(("event", "values"), [
    ("diarrhea", {"diarrhea": True, "bristol": None}),
    ("loose", {"bristol": 6, "diarrhea": False}),
    ("nausea", {"nausea": True}), ("cramps", {"cramps": True}),
])
def test_one_tap_gi_events(client: TestClient, event: str, values: dict) -> None:
    _post(client, "/log", {"kind": "gi", "event": event})
    (entry,) = client.get("/api/v1/journal/entries").json()["items"]
    assert entry["kind"] == "gi"
    assert values.items() <= entry["values"].items()


def test_one_tap_dose_is_todays_step(client: TestClient) -> None:
    _post(client, "/plan", {**PLAN_FORM, "save": "on"})
    home = client.get("/").text
    step = client.get("/api/v1/review").json()["step"]
    per_dose = step["elemental_mg_per_day"] // step["doses_per_day"]
    assert f"I took my dose ({per_dose} mg)" in home
    _post(client, "/log", {"kind": "dose", "mg": str(per_dose), "form": "glycinate"})
    (entry,) = client.get("/api/v1/journal/entries").json()["items"]
    assert entry["values"]["mg"] == per_dose


def test_one_tap_with_javascript_gets_json(client: TestClient) -> None:
    response = _post(client, "/log", {"kind": "pain", "score": "3"},
                     headers={"accept": "application/json"})
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == "Pain score: 3/10"
    assert body["when"].endswith("09:30")


def test_one_tap_uses_the_browsers_time_zone(client: TestClient) -> None:
    """A phone in London (offset 0) logs London time, not the server's New York time."""
    _post(client, "/log", {"kind": "pain", "score": "3", "client_offset": "0"})
    (entry,) = client.get("/api/v1/journal/entries").json()["items"]
    assert entry["at"] == "2024-03-12T13:30:00+00:00"


def test_one_tap_bad_value_shows_the_error(client: TestClient) -> None:
    response = _post(client, "/log", {"kind": "pain", "score": "eleven"})
    assert response.status_code == 422
    assert "score" in response.text
    assert "error-summary" in response.text


# --------------------------------------------------------------------------------------------
# Journal, progress, labels, foods


def test_journal_add_edit_delete_with_forms(client: TestClient) -> None:
    response = _post(client, "/journal", {"kind": "sleep", "quality": "6", "at": "07:00"},
                     follow_redirects=False)
    assert response.status_code == 303
    (entry,) = client.get("/api/v1/journal/entries").json()["items"]
    assert entry["values"] == {"quality": 6.0}
    listing = client.get("/journal").text
    assert "quality 6/10" in listing
    edit = client.get(f"/journal/{entry['id']}/edit")
    assert edit.status_code == 200
    assert 'value="6.0"' in edit.text
    saved = _post(client, f"/journal/{entry['id']}/edit",
                  {"quality": "8", "at": "2024-03-12T06:45"}, follow_redirects=False)
    assert saved.status_code == 303
    changed = client.get(f"/api/v1/journal/entries/{entry['id']}").json()
    assert changed["values"]["quality"] == 8.0
    assert changed["at"] == "2024-03-12T06:45:00-04:00"
    _post(client, f"/journal/{entry['id']}/delete", {"next": "/journal"})
    assert client.get("/api/v1/journal/entries").json()["total"] == 0


def test_journal_form_errors_are_shown(client: TestClient) -> None:
    response = _post(client, "/journal", {"kind": "pain", "score": "12"})
    assert response.status_code == 422
    assert "'score' must be" in html_text.unescape(response.text)


def test_journal_edit_of_a_missing_entry_is_404(client: TestClient) -> None:
    response = client.get("/journal/abcdef/edit", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "No journal entry" in response.text


def test_journal_pages(client: TestClient) -> None:
    for day in range(30):
        client.post("/api/v1/journal/entries", json={
            "kind": "pain", "values": {"score": 4},
            "at": (FROZEN_AT - timedelta(days=day)).isoformat()})
    first = client.get("/journal").text
    assert "Page 1 of 2" in first
    assert "Older" in first
    second = client.get("/journal?page=2").text
    assert "Page 2 of 2" in second
    assert "Newer" in second


def test_progress_chart_shows_pain_baseline_and_lines(client: TestClient) -> None:
    client.post("/api/v1/journal/plans", json=PLAN_PROFILE)
    for day in range(14, 0, -1):
        at = FROZEN_AT - timedelta(days=day)
        client.post("/api/v1/journal/entries", json={
            "kind": "pain", "values": {"score": 6 if day > 7 else 4},
            "at": at.replace(hour=20).isoformat()})
        if day <= 7:
            client.post("/api/v1/journal/entries", json={
                "kind": "dose", "values": {"mg": 150},
                "at": at.replace(hour=12).isoformat()})
    html = client.get("/progress").text
    points = re.findall(r'class="pain-point"[^>]*data-date="([^"]+)" data-pain="([^"]+)"', html)
    assert len(points) == 14
    assert ("2024-03-11", "4.0") in points
    for line in ("baseline", "meaningful", "substantial"):
        assert f'data-line="{line}"' in html
    assert len(re.findall(r'class="dose-bar"', html)) == 7
    assert 'href="/api/v1/report?format=pdf"' in html
    assert "Advice for today" in html or "Is it helping?" in html


def test_progress_without_a_plan_says_what_to_do(client: TestClient) -> None:
    assert "No plan saved yet" in client.get("/progress").text


def test_label_page(client: TestClient) -> None:
    text = "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"
    html = _post(client, "/labels", {"text": text}).text
    assert re.search(r'id="per-serving">200 mg<', html)
    error = _post(client, "/labels", {"text": ""})
    assert error.status_code == 422
    assert "error-summary" in error.text


def test_food_pages(client: TestClient) -> None:
    html = client.get("/foods", params={"q": "pumpkin seeds"}).text
    assert "Seeds, pumpkin" in html
    log = _post(client, "/foods/log", {"log": "1 oz pumpkin seeds\n1 cup cooked spinach"})
    assert log.status_code == 200
    assert re.search(r'id="diet-total">\d+(\.\d+)? mg<', log.text)


def test_plan_form_with_a_product_counts_units(client: TestClient) -> None:
    label = "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"
    html = _post(client, "/plan", {**PLAN_FORM, "product": label}).text
    assert 'id="product"' in html
    assert "capsules a day" in html


def test_plan_form_product_error_points_at_the_label_box(client: TestClient) -> None:
    response = _post(client, "/plan", {**PLAN_FORM, "product": "Vitamin C 500 mg"})
    assert response.status_code == 422
    assert 'href="#product"' in response.text
    assert re.search(r'id="product"[^>]*aria-invalid="true"', response.text)


def test_plan_form_with_food_shows_the_ledger(client: TestClient) -> None:
    html = _post(client, "/plan", {**PLAN_FORM, "diet_foods": "1 oz pumpkin seeds"}).text
    assert 'id="ledger"' in html
    assert "From food" in html


def test_login_page_in_local_mode_just_goes_home(client: TestClient) -> None:
    response = client.get("/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
