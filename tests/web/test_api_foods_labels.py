"""Labels, foods and diet over HTTP: the same JSON as `magnerve label|foods search|diet`."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.web.test_errors import assert_problem

from magnerve.cli.foods_cmd import read_diet
from magnerve.cli.label_cmd import read_label
from magnerve.core.foods import search

LABEL = "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"
LOG = "1 oz pumpkin seeds\n1 cup cooked spinach\n1 glass of unobtainium\n"


def test_label_equals_the_cli(client: TestClient) -> None:
    response = client.post("/api/v1/labels/parse", json={"text": LABEL})
    assert response.status_code == 200
    assert response.json() == read_label(LABEL, None).to_dict()
    assert response.json()["elemental_mg_per_serving"] == 200


@pytest.mark.parametrize(("body", "field"), [
    pytest.param({"text": ""}, None, id="empty"),
    pytest.param({"text": 42}, "text", id="not-text"),
    pytest.param({"txt": LABEL}, "txt", id="typo"),
    pytest.param({"text": "Vitamin C 500 mg"}, None, id="no-magnesium"),
])
def test_bad_labels_are_422(client: TestClient, body: dict, field: str | None) -> None:
    problem = assert_problem(client.post("/api/v1/labels/parse", json=body), 422, field)
    assert problem["detail"]


def test_food_search_equals_the_cli(client: TestClient) -> None:
    response = client.get("/api/v1/foods", params={"q": "pumpkin seeds", "limit": 3})
    assert response.status_code == 200
    assert response.json() == [m.food.to_dict() for m in search("pumpkin seeds", limit=3)]
    assert response.json()[0]["id"].startswith(("sr28:", "fndds:"))


def test_food_search_needs_words(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/foods", params={"q": "!!!"}), 422, "q")
    assert_problem(client.get("/api/v1/foods"), 422, "q")


def test_diet_text_equals_the_cli(client: TestClient, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text(LOG)
    response = client.post("/api/v1/diet", json={"text": LOG})
    assert response.status_code == 200
    body = response.json()
    assert body == read_diet(str(log)).to_dict()
    assert body["total_mg"] > 0
    assert len(body["unresolved"]) == 1


def test_diet_structured_equals_the_cli(client: TestClient, tmp_path: Path) -> None:
    import json

    data = {"foods": ["1 oz almonds"], "questionnaire": {}}
    file = tmp_path / "diet.json"
    file.write_text(json.dumps(data))
    response = client.post("/api/v1/diet", json=data)
    assert response.status_code == 200
    assert response.json() == read_diet(str(file)).to_dict()


def test_diet_unknown_key_is_named(client: TestClient) -> None:
    body = assert_problem(client.post("/api/v1/diet", json={"food": ["1 egg"]}), 422)
    assert "food" in body["field"]
