"""Reports from one review: figures, a self-contained HTML page, a 1-2 page PDF and a FHIR
R4 Bundle that fhir.resources validates."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time

import pytest
from fhir.resources.R4B.bundle import Bundle
from tests.review.journals import BASE_PROFILE, Person, step_for

from magnerve.core.review import Review
from magnerve.knowledge import Knowledge
from magnerve.report.fhir import LOINC_PAIN, build_bundle
from magnerve.report.html import render_html
from magnerve.report.pdf import html_to_pdf, render_pdf
from magnerve.report.plots import dose_response_png, pain_trend_png

PNG = b"\x89PNG\r\n\x1a\n"
SECTIONS = ("summary", "verdict", "advice", "pain-trend", "dose-history", "adherence",
            "side-effects", "dose-response", "interactions", "labs", "plan", "sources",
            "disclaimer")


def _followed(n: int) -> tuple[int, int]:
    """The step the review gives after the loose stool on day 8 (at 250 mg/day): 200 until
    the hold ends on day 15, then 250, then 300 from day 21 (a 6-day retry interval)."""
    if n < 8:
        return step_for(n)
    if n < 15:
        return (200, 1)
    return (250, 2) if n < 21 else (300, 2)


def _journal(kb: Knowledge, days: int = 70) -> Person:
    """Ten weeks: baseline 6, a loose stool at 250 mg, gabapentin (one dose too close), pain
    falling to about 3 at the target. Crosses the 10 March 2024 clock change."""
    profile = dict(BASE_PROFILE, medications=[{"name": "gabapentin",
                                               "times": ["07:00", "15:00", "23:00"]}],
                   serum_magnesium="0.78 mmol/L")
    p = Person(kb, profile=profile)
    p.baseline([6.0, 6.4, 5.6, 6.2, 5.8, 6.0, 6.1, 5.9, 6.3, 5.7])
    for n in range(1, days + 1):
        p.take(n, *_followed(n), clocks=("12:00", "19:00"))
        p.med(n, "gabapentin", "07:00", "gabapentin")
        p.pain(n, max(0.0, 6.0 - 3.0 * min(1.0, n / 28) + (0.3 if n % 3 else -0.4)))
    p.loose(8)
    p.dose(30, 150, "07:30")                 # 0.5 h after gabapentin
    return p


@pytest.fixture(scope="module")
def journal(kb: Knowledge) -> Person:
    return _journal(kb)


@pytest.fixture(scope="module")
def result(journal: Person) -> Review:
    return journal.review(70, "22:00")


def test_scripted_report_journal_is_a_responder(result: Review) -> None:
    assert result.response in ("moderate", "substantial")
    assert len(result.gi_episodes) == 1
    assert len(result.violations) == 1


def test_figures_are_png_and_deterministic(result: Review) -> None:
    trend = pain_trend_png(result)
    assert trend.startswith(PNG)
    assert trend == pain_trend_png(result)
    assert b"Matplotlib" not in trend                  # no version stamp in the metadata
    scatter = dose_response_png(result)
    assert scatter.startswith(PNG)
    assert scatter == dose_response_png(result)


def test_html_is_self_contained_with_every_section(result: Review, kb: Knowledge) -> None:
    html = render_html(result, kb)
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    images = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert len(images) == 2
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r'(src|href)="https?://[^"]*\.(css|js|png|woff2?)"', html)
    assert "not medical advice" in html
    assert "Gabapentin" in html or "gabapentin" in html
    assert "bootstrap interval" in html
    assert "Serum magnesium" in html
    assert "0.78 mmol/L" in html


def test_html_escapes_journal_text(kb: Knowledge) -> None:
    p = Person(kb)
    p.follow(range(1, 4))
    p.med(2, "<script>alert(1)</script>", "08:00")
    html = render_html(p.review(3), kb)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_pdf_is_one_to_two_a4_pages(result: Review, kb: Knowledge) -> None:
    data, pages = html_to_pdf(render_html(result, kb))
    assert data.startswith(b"%PDF-")
    assert 1 <= pages <= 2
    assert render_pdf(result, kb).startswith(b"%PDF-")


def test_pdf_of_two_years_still_fits_two_pages(kb: Knowledge) -> None:
    p = _journal(kb, days=730)
    result = p.review(730, "22:00")
    _data, pages = html_to_pdf(render_html(result, kb))
    assert 1 <= pages <= 2


def test_fhir_bundle_validates_with_fhir_resources(journal: Person, result: Review,
                                                   kb: Knowledge) -> None:
    bundle = build_bundle(result, journal.entries, kb)
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    pains = [e for e in journal.entries if e.kind == "pain"]
    assert kinds["Patient"] == 1
    assert kinds["MedicationStatement"] == len(result.segments)
    loinc = [e["resource"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Observation"
             and e["resource"]["code"].get("coding", [{}])[0].get("code") == LOINC_PAIN]
    assert LOINC_PAIN == "72514-3"
    assert len(loinc) == len(pains)
    first = loinc[0]
    assert first["valueQuantity"]["unit"] == "{score}"
    assert first["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    offsets = {o["effectiveDateTime"][-6:] for o in loinc}
    assert offsets == {"-05:00", "-04:00"}             # EST and EDT, as logged
    gi = [e["resource"] for e in bundle["entry"]
          if e["resource"]["resourceType"] == "Observation" and "component" in e["resource"]]
    assert len(gi) == 1
    assert gi[0]["valueInteger"] == 6
    assert gi[0]["component"][0]["code"]["coding"][0]["code"] == "62315008"
    patient_url = bundle["entry"][0]["fullUrl"]
    assert all(e["resource"]["subject"]["reference"] == patient_url
               for e in bundle["entry"][1:])
    active = [e["resource"] for e in bundle["entry"]
              if e["resource"]["resourceType"] == "MedicationStatement"
              and e["resource"]["status"] == "active"]
    assert len(active) == 1
    assert active[0]["dosage"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 150.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}


def test_fhir_bundle_is_deterministic_and_minimal(journal: Person, result: Review,
                                                  kb: Knowledge) -> None:
    one = build_bundle(result, journal.entries, kb)
    assert one == build_bundle(result, journal.entries, kb)
    patient = one["entry"][0]["resource"]
    assert set(patient) == {"resourceType", "id", "gender"}


def test_reports_before_day_one(kb: Knowledge) -> None:
    p = Person(kb)
    p.baseline([6.0, 5.0])
    result = p.review(0, "23:00")
    assert "No dose logged yet" in render_html(result, kb)
    bundle = build_bundle(result, p.entries, kb)
    Bundle.model_validate(bundle)
    statuses = [e["resource"]["status"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "MedicationStatement"]
    assert statuses == ["intended"]


def test_reports_after_a_safety_stop(kb: Knowledge) -> None:
    p = Person(kb)
    p.follow(range(1, 12))
    stored = p.stored(datetime.combine(p.day(10), time(9, 0), tzinfo=p.zone),
                      profile=dict(BASE_PROFILE, egfr=22))
    result = p.review(11, stored=stored)
    html = render_html(result, kb)
    assert "Do not start / stop" in html
    assert "no longer applies" in html
    assert "stopped" in html
    bundle = build_bundle(result, p.entries, kb)
    Bundle.model_validate(bundle)
    statuses = [e["resource"]["status"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "MedicationStatement"]
    assert statuses[-1] == "stopped"
    assert "active" not in statuses
