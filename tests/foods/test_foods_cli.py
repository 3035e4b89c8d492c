"""`magnerve foods search` and `magnerve diet` through a typer app built like the real one.

The commands are registered here the way app.py registers them (``app.add_typer(foods_app,
name="foods")`` and ``app.command("diet")(diet_command)``), and errors are turned into one
line on stderr the way ``magnerve.cli.app.run`` does.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from magnerve.cli.foods_cmd import diet_command, foods_app
from magnerve.errors import MagnerveError

app = typer.Typer(add_completion=False)
app.add_typer(foods_app, name="foods")
app.command("diet")(diet_command)


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    command = typer.main.get_command(app)
    try:
        result = command.main(args=list(args), prog_name="magnerve", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except MagnerveError as exc:
        sys.stderr.write(f"magnerve: error: {exc}\n")
        code = 1
    except Exception as exc:  # click usage errors, as run() shows them
        show = getattr(exc, "show", None)
        if not callable(show):
            raise
        show()
        code = int(getattr(exc, "exit_code", 2))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(code: int, out: str, err: str) -> str:
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_search_json_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "foods", "search", "pumpkin", "seeds", "--format", "json")
    assert (code, err) == (0, "")
    foods: list[dict[str, Any]] = json.loads(out)
    assert len(foods) == 10
    assert foods[0]["id"] == "sr28:12016"
    for food in foods:
        assert {"id", "name", "mg_per_100g", "portions"} <= food.keys()
        for portion in food["portions"]:
            assert {"description", "grams"} <= portion.keys()


def test_search_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "foods", "search", "dark chocolate", "-n", "2", "-f", "json")
    assert code == 0
    assert [f["id"] for f in json.loads(out)][:1] == ["sr28:19904"]
    assert len(json.loads(out)) == 2


def test_search_text_shows_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "foods", "search", "almonds", "--limit", "3")
    assert code == 0
    assert "sr28:12061" in out
    assert "270" in out


def test_search_with_no_match_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(capsys, "foods", "search", "xyzzyq", "-f", "json")[:2] == (0, "[]\n")
    code, out, _ = invoke(capsys, "foods", "search", "xyzzyq")
    assert code == 0
    assert "No food matches" in out


def test_search_without_a_food_name_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    line = one_error_line(*invoke(capsys, "foods", "search", "   "))
    assert "'QUERY'" in line


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_search_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                           limit: str) -> None:
    code, out, err = invoke(capsys, "foods", "search", "banana", "--limit", limit)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err


LOG = "# breakfast\n1 oz pumpkin seeds\na banana\n\n2 handfuls almonds\n"


def test_diet_json_is_the_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text(LOG, encoding="utf-8")
    code, out, err = invoke(capsys, "diet", str(path), "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {"items", "unresolved", "total_mg"} <= data.keys()
    assert [i["food_id"] for i in data["items"]] == ["sr28:12016", "sr28:09040"]
    for item in data["items"]:
        assert {"line", "food_id", "food", "grams", "mg"} <= item.keys()
    assert data["unresolved"][0]["line"] == "2 handfuls almonds"
    assert "handful" in data["unresolved"][0]["reason"]
    assert data["total_mg"] == pytest.approx(187.8, abs=0.1)


def test_diet_reads_stdin(capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LOG.encode())))
    code, out, _ = invoke(capsys, "diet", "-", "-f", "json")
    assert code == 0
    assert len(json.loads(out)["items"]) == 2


def test_diet_text_lists_what_was_not_counted(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text(LOG, encoding="utf-8")
    code, out, _ = invoke(capsys, "diet", str(path))
    assert code == 0
    assert "Not counted" in out
    assert "188 mg" in out


def test_diet_toml_with_a_questionnaire(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    path = tmp_path / "diet.toml"
    path.write_text('foods = ["30 g dark chocolate"]\n\n[questionnaire]\n'
                    'almonds = "3/week"\nspinach = 1\n', encoding="utf-8")
    code, out, _ = invoke(capsys, "diet", str(path), "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["total_mg"] == pytest.approx(68.4)
    assert [f["key"] for f in data["questionnaire"]["foods"]] == ["almonds", "spinach"]
    code, out, _ = invoke(capsys, "diet", str(path))
    assert code == 0
    assert "Questionnaire" in out


def test_diet_unknown_questionnaire_key_is_one_line(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    path = tmp_path / "diet.json"
    path.write_text(json.dumps({"questionnaire": {"almond": 1}}), encoding="utf-8")
    line = one_error_line(*invoke(capsys, "diet", str(path)))
    assert str(path) in line
    assert "'almond'" in line
    assert "almonds" in line


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "no food lines", id="empty"),
        pytest.param(b"\x00\x01binary", "binary", id="binary"),
        pytest.param(b"\xff\xfe\xfa", "not UTF-8", id="not-utf8"),
    ],
)
def test_diet_bad_files_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     content: bytes, message: str) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(content)
    assert message in one_error_line(*invoke(capsys, "diet", str(path)))


def test_diet_invalid_toml_is_one_line(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    path = tmp_path / "diet.toml"
    path.write_text("foods = [", encoding="utf-8")
    assert "not valid TOML" in one_error_line(*invoke(capsys, "diet", str(path)))


def test_diet_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not found" in one_error_line(*invoke(capsys, "diet", "/no/such/log.txt"))
