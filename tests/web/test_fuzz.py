"""Schema-driven fuzzing: every operation in /openapi.json, valid and invalid inputs, in
process (no network), and not one server error (5xx) allowed.

The journal holds a saved plan and a few entries first, so the review and report routes do
real work instead of answering 404; the PDF report is fuzzed with fewer examples because
each one lays out a document.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
from starlette.testclient import TestClient
from tests.web.conftest import FROZEN_AT

from magnerve.web import create_app

SLOW_PATHS = ("/api/v1/report",)


#: The app under test is built at import time because schemathesis reads its schema while
#: collecting (its lazy fixture loader does not work with this pytest); its journal lives in
#: a temporary directory removed when the module's tests finish.
_JOURNAL_DIR = tempfile.TemporaryDirectory(prefix="magnerve-fuzz-")
APP = create_app(db_path=Path(_JOURNAL_DIR.name) / "journal.sqlite3", clock=lambda: FROZEN_AT)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def seeded_journal() -> Iterator[None]:
    """A saved plan and ten days of entries, so review and report do real work."""
    with TestClient(APP) as client:
        saved = client.post("/api/v1/journal/plans", json={"age": 50, "sex": "male",
                                                           "egfr": 90})
        assert saved.status_code == 201
        for day in range(10):
            at = (FROZEN_AT - timedelta(days=day)).isoformat()
            client.post("/api/v1/journal/entries", json={"kind": "pain", "at": at,
                                                         "values": {"score": 5}})
            client.post("/api/v1/journal/entries", json={"kind": "dose", "at": at,
                                                         "values": {"mg": 150}})
        yield
    APP.state.web.close()
    _JOURNAL_DIR.cleanup()


@pytest.mark.slow
@schema.exclude(path=list(SLOW_PATHS)).parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case: Any) -> None:
    """Any input the schema can describe (or violate) gets a 2xx/4xx, never a 5xx."""
    case.call_and_validate(checks=[not_a_server_error])


@pytest.mark.slow
@schema.include(path=list(SLOW_PATHS)).parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_server_errors_in_reports(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])


_form_values = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", "58", "-1", "1e309", "nan", "female", "on", "07:30", "25:99", "0.8", "mg/dL",
     "Cipro", "07:30, 22:00"]))
_form_keys = st.sampled_from(
    ["age", "sex", "jurisdiction", "egfr", "creatinine_clearance", "serum_value", "serum_unit",
     "conditions", "med_name", "med_times", "supp_form", "supp_mg", "pain_score",
     "pain_qualities", "pain_pattern", "avoid_forms", "budget", "max_pills_per_day", "wake",
     "sleep", "meal", "diet_foods", "pregnant", "dialysis", "save", "start_date", "weight_kg"])


@pytest.mark.slow
@given(fields=st.lists(st.tuples(_form_keys, _form_values), max_size=25))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_plan_form_never_fails_with_a_server_error(fields: list[tuple[str, str]]) -> None:
    """The page form (not in the OpenAPI schema) also answers 200 or a 4xx for anything."""
    import re

    with TestClient(APP) as client:
        page = client.get("/plan")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        body = urlencode([*fields, ("csrf_token", token[1])])
        response = client.post("/plan", content=body, headers={
            "content-type": "application/x-www-form-urlencoded"})
    assert response.status_code in (200, 422), response.text[:500]
