"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright.

Each test starts uvicorn on a free loopback port (``live_server``) with a fresh journal and
a fresh Chromium profile, then does what a person would: fill the plan form and read the
plan, log with one tap on a phone-sized screen and see it in the chart, download a report.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.web.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("/", "/plan", "/journal", "/progress", "/labels", "/foods", "/docs")
PROFILE = {"age": 58, "sex": "female", "egfr": 78,
           "medications": [{"name": "Synthroid", "times": ["06:30"]}],
           "routine": {"wake": "06:30", "sleep": "23:00",
                       "meals": ["07:30", "12:30", "18:30"]}}


def _watch(page: Any) -> list[str]:
    """Collect console errors (a CSP violation or a script error shows up here)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _seed(server: LiveServer, days: int = 10) -> None:
    """A saved plan and `days` days of pain scores before today (a baseline)."""
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/api/v1/journal/plans", json=PROFILE).status_code == 201
        for day in range(days, 0, -1):
            at = (server.clock.now - timedelta(days=day)).replace(hour=20, minute=0)
            response = client.post("/api/v1/journal/entries", json={
                "kind": "pain", "at": at.isoformat(), "values": {"score": 6}})
            assert response.status_code == 201


def test_fill_the_plan_form_and_read_the_plan(live_server: LiveServer, desktop: Any) -> None:
    page = desktop.new_page()
    errors = _watch(page)
    page.goto(live_server.url + "/plan")
    page.get_by_label(re.compile(r"^Age\b")).fill("58")
    page.get_by_label(re.compile(r"^Sex\b")).select_option("female")
    page.get_by_label(re.compile(r"^eGFR\b")).fill("78")
    page.fill("#serum_value", "0.78")
    page.get_by_label(re.compile(r"^Medicine 1$")).fill("Synthroid")
    page.locator("#med_times_0").fill("06:30")
    # The JavaScript enhancement says whether the name was recognised.
    page.get_by_label(re.compile(r"^Medicine 2$")).fill("gabapentin")
    hint = page.locator("#med_name_1 ~ .med-hint")
    hint.filter(has_text="Recognised: Gabapentin").wait_for()
    page.locator("#med_times_1").fill("07:30, 15:00, 22:30")
    page.get_by_label(re.compile(r"^Wake up\b")).fill("06:30")
    page.get_by_label(re.compile(r"^Go to sleep\b")).fill("23:00")
    page.get_by_label(re.compile(r"^Breakfast\b")).fill("07:30")
    page.get_by_label(re.compile(r"^Lunch\b")).fill("12:30")
    page.get_by_label(re.compile(r"^Dinner\b")).fill("18:30")
    page.get_by_role("button", name="Make my plan").click()

    banner = page.locator("#plan-status")
    banner.wait_for()
    assert "You can start, carefully" in banner.inner_text()
    expected = httpx.post(live_server.url + "/api/v1/plan", json={
        "age": 58, "sex": "female", "egfr": 78, "serum_magnesium": "0.78 mmol/L",
        "medications": [{"name": "Synthroid", "times": ["06:30"]},
                        {"name": "gabapentin", "times": ["07:30", "15:00", "22:30"]}],
        "routine": {"wake": "06:30", "sleep": "23:00", "meals": ["07:30", "12:30", "18:30"]},
    }).json()
    assert expected["status"] == "start_with_caution"
    assert page.locator("#daily-target").inner_text() == (
        f"{expected['daily_target_mg']} mg a day")
    rows = page.locator("#calendar tbody tr")
    assert rows.count() == len(expected["titration"])
    assert page.locator("#timetable tbody tr").count() == len(expected["schedule"])
    interactions = page.locator("#interactions").inner_text()
    assert "Synthroid" in interactions
    assert "gabapentin" in interactions
    assert page.locator("#sources li").count() == len(expected["sources"])
    # The print view hides navigation and forms.
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("#plan-status").is_visible()
    assert errors == []


def test_form_error_names_the_field_and_moves_focus(live_server: LiveServer,
                                                    desktop: Any) -> None:
    page = desktop.new_page()
    page.goto(live_server.url + "/plan")
    page.get_by_label(re.compile(r"^Age\b")).fill("58")
    page.get_by_label(re.compile(r"^Sex\b")).select_option("male")
    page.locator("#med_name_0").fill("Cipro")
    page.locator("#med_times_0").fill("8.30")
    page.get_by_role("button", name="Make my plan").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "medications[0].times[0]" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary.get_by_role("link").click()
    assert page.locator("#med_times_0").get_attribute("aria-invalid") == "true"


def test_one_tap_logging_on_a_phone_shows_in_the_chart(live_server: LiveServer,
                                                       phone: Any) -> None:
    _seed(live_server)
    page = phone.new_page()
    errors = _watch(page)
    page.goto(live_server.url + "/")
    dose = page.locator("#log-dose")
    assert dose.inner_text().startswith("I took my dose (")
    box = dose.bounding_box()
    assert box is not None
    assert box["height"] >= 44

    page.get_by_role("button", name="Pain 3 of 10").click()
    page.locator("#flash").filter(has_text="Logged pain score: 3/10").wait_for()
    assert page.url.rstrip("/") == live_server.url  # no page load: logged by fetch
    dose.click()
    page.locator("#flash").filter(has_text="Logged magnesium dose").wait_for()
    page.get_by_role("button", name="Loose stool").click()
    page.locator("#flash").filter(has_text="Logged stomach").wait_for()
    assert page.locator("#today-list li").count() == 3

    page.goto(live_server.url + "/progress")
    today = live_server.clock.now.date().isoformat()
    point = page.locator(f'circle.pain-point[data-date="{today}"]')
    assert point.get_attribute("data-pain") == "3.0"
    assert page.locator("circle.pain-point").count() == 11
    assert page.locator(f'rect.dose-bar[data-date="{today}"]').count() == 1
    assert page.locator(f'rect.intolerance[data-date="{today}"]').count() == 1
    assert page.locator('line[data-line="baseline"]').count() == 1
    assert page.locator('line[data-line="meaningful"]').count() == 1
    assert page.locator('line[data-line="substantial"]').count() == 1
    assert page.locator("#baseline-pain").inner_text() == "6"
    assert errors == []


def test_undo_and_delete_from_the_phone(live_server: LiveServer, phone: Any) -> None:
    page = phone.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Pain 8 of 10").click()
    page.locator("#flash").get_by_role("button", name="Undo").click()
    page.locator("#flash").filter(has_text="Removed").wait_for()
    entries = httpx.get(live_server.url + "/api/v1/journal/entries").json()
    assert entries["total"] == 0

    page.get_by_role("button", name="Pain 5 of 10").click()
    page.locator("#flash").filter(has_text="5/10").wait_for()
    page.goto(live_server.url + "/journal")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete pain score").click()
    page.wait_for_load_state()
    assert "No entries yet" in page.locator("#entries").inner_text()


def test_download_reports(live_server: LiveServer, desktop: Any) -> None:
    _seed(live_server, days=5)
    page = desktop.new_page()
    page.goto(live_server.url + "/progress")
    with page.expect_download() as pdf_download:
        page.locator("#report-pdf").click()
    pdf = pdf_download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with page.expect_download() as fhir_download:
        page.locator("#report-fhir").click()
    with open(fhir_download.value.path(), encoding="utf-8") as handle:
        assert json.load(handle)["resourceType"] == "Bundle"
    with page.expect_download() as html_download:
        page.locator("#report-html").click()
    with open(html_download.value.path(), encoding="utf-8") as handle:
        assert "<html" in handle.read(500).lower()


@pytest.mark.parametrize("path", PAGES)
def test_phone_width_has_no_sideways_scrolling(live_server: LiveServer, phone: Any,
                                               path: str) -> None:
    """At 375 px every page fits: nothing wider than the screen, no script errors."""
    _seed(live_server, days=3)
    page = phone.new_page()
    errors = _watch(page)
    page.goto(live_server.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} is {width} px wide"
    assert errors == []


def test_every_control_has_a_label_and_readable_contrast(live_server: LiveServer,
                                                         desktop: Any) -> None:
    """Each visible input has an accessible name; text colours meet WCAG AA (4.5:1)."""
    _seed(live_server, days=3)
    page = desktop.new_page()
    problems: list[str] = []
    for path in PAGES:
        page.goto(live_server.url + path)
        problems += [f"{path}: {p}" for p in page.evaluate(A11Y_SCRIPT)]
    assert problems == []


def test_keyboard_only_logging(live_server: LiveServer, desktop: Any) -> None:
    """The skip link comes first, and Enter on a focused pain button logs it."""
    page = desktop.new_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("button", name="Pain 1 of 10").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Pain 2 of 10")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.locator("#flash").filter(has_text="2/10").wait_for()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Pain 2 of 10")


A11Y_SCRIPT = """
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') ||
      el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!labelled) problems.push('no label: ' + el.outerHTML.slice(0, 80));
  }
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) {
      problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.outerHTML.slice(0, 80));
    }
  }
  return problems;
}
"""
