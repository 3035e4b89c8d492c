"""POST /api/v1/plan is the CLI's plan: same engine, same JSON, for every example profile."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import PROFILES

from magnerve.cli.app import run


def _cli_plan(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    capsys.readouterr()
    assert run(["plan", str(path), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _profile_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)


def test_every_example_profile_is_covered() -> None:
    """The comparison below runs over real files (a renamed folder would skip it silently)."""
    assert len(PROFILES) >= 10


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_plan_equals_cli_json(client: TestClient, path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """The API's plan for a profile is exactly `magnerve plan PROFILE --format json`."""
    expected = _cli_plan(path, capsys)
    response = client.post("/api/v1/plan", json=_profile_data(path))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected


@pytest.mark.parametrize("path", [p for p in PROFILES if p.suffix == ".toml"][:3],
                         ids=lambda p: p.name)
def test_plan_accepts_toml_bodies(client: TestClient, path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """TOML sent as application/toml gives the same plan as the CLI reading the file."""
    response = client.post("/api/v1/plan", content=path.read_bytes(),
                           headers={"content-type": "application/toml"})
    assert response.status_code == 200
    assert response.json() == _cli_plan(path, capsys)


def test_explain_adds_the_rule_trace_like_the_cli(client: TestClient,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = PROFILES[0]
    response = client.post("/api/v1/plan?explain=true", json=_profile_data(path))
    assert response.status_code == 200
    assert "trace" in response.json()
    assert response.json() == _cli_plan(path, capsys, "--explain")


def test_plan_is_deterministic_across_requests(client: TestClient) -> None:
    body = _profile_data(PROFILES[0])
    first = client.post("/api/v1/plan", json=body).content
    assert all(client.post("/api/v1/plan", json=body).content == first for _ in range(3))


def test_forms_and_interactions_equal_the_cli(client: TestClient,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """GET /forms and /interactions return the JSON of `magnerve forms|interactions`."""
    capsys.readouterr()
    assert run(["forms", "--format", "json"]) == 0
    assert client.get("/api/v1/forms").json() == json.loads(capsys.readouterr().out)
    assert run(["interactions", "Cipro", "Synthroid", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    response = client.get("/api/v1/interactions", params=[("drug", "Cipro"),
                                                          ("drug", "Synthroid")])
    assert response.status_code == 200
    assert response.json() == expected


def test_unknown_medicine_is_listed_as_unrecognised_never_safe(client: TestClient) -> None:
    response = client.get("/api/v1/interactions", params={"drug": "ciproflaxacin"})
    assert response.status_code == 200
    (item,) = response.json()
    assert item["recognised"] is False


def test_interactions_needs_a_drug(client: TestClient) -> None:
    response = client.get("/api/v1/interactions")
    assert response.status_code == 422
    assert response.json()["field"] == "drug"


def test_medicine_autocomplete_comes_from_the_knowledge_base(client: TestClient) -> None:
    found = client.get("/api/v1/medicines", params={"q": "synth"}).json()
    assert {"name": "synthroid", "drug": "levothyroxine", "drug_name": "Levothyroxine"} in [
        {**f, "name": f["name"].lower()} for f in found]
    assert client.get("/api/v1/medicines", params={"q": ""}).json() == []


def test_openapi_documents_every_route_and_the_profile_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/plan", "/api/v1/labels/parse", "/api/v1/foods", "/api/v1/diet",
                 "/api/v1/journal/entries", "/api/v1/journal/entries/{entry_id}",
                 "/api/v1/review", "/api/v1/report", "/api/v1/forms", "/api/v1/interactions"):
        assert path in paths, path
    body = paths["/api/v1/plan"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["oneOf"][0]["required"] == ["age", "sex"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/api/v1/plan" in docs.text


LABEL = "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"


def test_plan_with_a_product_equals_cli_product_option(client: TestClient, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """{"profile", "product"} is `magnerve plan PROFILE --product LABEL`."""
    path = PROFILES[0]
    label = tmp_path / "label.txt"
    label.write_text(LABEL)
    expected = _cli_plan(path, capsys, "--product", str(label))
    response = client.post("/api/v1/plan", json={"profile": _profile_data(path),
                                                 "product": LABEL})
    assert response.status_code == 200
    assert response.json() == expected
    assert "product" in response.json()


def test_product_errors_name_the_product(client: TestClient) -> None:
    profile = {"age": 40, "sex": "male"}
    response = client.post("/api/v1/plan", json={"profile": profile, "product": "Vitamin C"})
    assert response.status_code == 422
    assert response.json()["field"] == "product"
    response = client.post("/api/v1/plan", json={"profile": profile, "label": LABEL})
    assert response.status_code == 422
    assert response.json()["field"] == "label"
