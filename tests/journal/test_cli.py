"""``magnerve journal ...`` through ``magnerve.cli.app.run`` (exit codes, stdout, stderr)."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from magnerve.journal import Journal

from .conftest import Result

pytestmark = pytest.mark.usefixtures("frozen")  # Tuesday 12 March 2024, 09:30 New York

Cli = Callable[..., Result]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "profiles"


def add_json(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("add", *args, "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def one_error_line(result: Result) -> str:
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("magnerve: error: ")
    assert "Traceback" not in result.err
    return lines[0]


# --- add --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kind", "values"),
    [
        pytest.param(
            ("dose", "--mg", "200", "--form", "glycinate"),
            "dose",
            {"mg": 200.0, "form": "glycinate", "product": None},
            id="dose",
        ),
        pytest.param(
            ("dose", "150"),
            "dose",
            {"mg": 150.0, "form": None, "product": None},
            id="dose-positional",
        ),
        pytest.param(
            (
                "pain",
                "--score",
                "6",
                "--worst",
                "8",
                "--qualities",
                "burning,shooting",
                "--location",
                "both feet",
            ),
            "pain",
            {
                "score": 6.0,
                "worst": 8.0,
                "qualities": ["burning", "shooting"],
                "location": "both feet",
            },
            id="pain",
        ),
        pytest.param(
            ("pain", "4"),
            "pain",
            {"score": 4.0, "worst": None, "qualities": [], "location": None},
            id="pain-positional",
        ),
        pytest.param(
            ("gi", "--bristol", "6", "--cramps"),
            "gi",
            {"bristol": 6, "diarrhea": False, "nausea": False, "cramps": True},
            id="gi",
        ),
        pytest.param(
            ("gi", "--diarrhea", "--nausea"),
            "gi",
            {"bristol": None, "diarrhea": True, "nausea": True, "cramps": False},
            id="gi-flags",
        ),
        pytest.param(("sleep", "--quality", "7"), "sleep", {"quality": 7.0}, id="sleep"),
        pytest.param(
            ("note", "feet", "burning", "after", "the", "walk"),
            "note",
            {"text": "feet burning after the walk"},
            id="note-words",
        ),
        pytest.param(
            ("note", "[bold]not markup[/bold]"),
            "note",
            {"text": "[bold]not markup[/bold]"},
            id="note-brackets",
        ),
        pytest.param(
            ("med", "Lasix", "40", "mg"),
            "med",
            {"name": "Lasix 40 mg", "drug": "furosemide", "drugs": ["furosemide"]},
            id="med",
        ),
    ],
)
def test_add_prints_the_stored_entry(
    cli: Cli, db_path: Path, args: tuple[str, ...], kind: str, values: dict[str, Any]
) -> None:
    printed = add_json(cli, *args)
    assert set(printed) == {"id", "kind", "at", "values"}
    assert printed["kind"] == kind
    assert printed["values"] == values
    assert printed["at"] == "2024-03-12T09:30:00-04:00"
    with Journal.open(db_path) as journal:  # durable: a fresh connection sees it
        assert journal.get(printed["id"]).to_dict() == printed


def test_add_text_output_is_one_line_with_the_short_id(cli: Cli) -> None:
    result = cli("add", "pain", "6", "--qualities", "burning")
    assert result.code == 0
    assert result.out.count("\n") == 1
    assert result.out.startswith("Logged pain at 2024-03-12 09:30 -04:00: pain 6/10 burning")
    assert "[id " in result.out


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param("08:15", "2024-03-12T08:15:00-04:00", id="clock"),
        pytest.param("yesterday 21:00", "2024-03-11T21:00:00-04:00", id="yesterday"),
        pytest.param("2024-03-09T22:00", "2024-03-09T22:00:00-05:00", id="naive-before-dst"),
        pytest.param("2024-03-12T14:00+01:00", "2024-03-12T14:00:00+01:00", id="offset-kept"),
    ],
)
def test_add_at(cli: Cli, at: str, expected: str) -> None:
    assert add_json(cli, "sleep", "--quality", "5", "--at", at)["at"] == expected


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ("pain", "--score", "11"), "'score' must be a pain score from 0 to 10", id="score-range"
        ),
        pytest.param(("pain",), "Give the pain score", id="score-missing"),
        pytest.param(("pain", "5", "--score", "6"), "Give the value once", id="score-twice"),
        pytest.param(("dose",), "Give the dose", id="dose-missing"),
        pytest.param(("dose", "--mg", "0"), "'mg' must be", id="dose-zero"),
        pytest.param(
            ("dose", "--mg", "100", "--form", "glycinte"),
            "Did you mean 'glycinate'",
            id="form-typo",
        ),
        pytest.param(("dose", "--mg", "100", "--product", "x"), "not both", id="mg-and-product"),
        pytest.param(("gi",), "needs a Bristol stool type", id="gi-empty"),
        pytest.param(("gi", "--bristol", "9"), "'bristol' must be", id="gi-bristol"),
        pytest.param(("sleep",), "Give the sleep quality", id="sleep-missing"),
        pytest.param(("note", "   "), "'text' must be", id="note-blank"),
        pytest.param(("sleep", "5", "--at", "11:00"), "not in the future", id="future"),
        pytest.param(
            ("sleep", "5", "--at", "tomorrow"), "'--at' must be a time like", id="at-unreadable"
        ),
        pytest.param(
            ("sleep", "5", "--at", "2024-03-11"), "Add the time of day", id="at-date-only"
        ),
    ],
)
def test_add_errors_are_one_sentence_and_store_nothing(
    cli: Cli, db_path: Path, args: tuple[str, ...], fragment: str
) -> None:
    line = one_error_line(cli("add", *args))
    assert fragment in line
    with Journal.open(db_path) as journal:
        assert journal.count() == 0


def test_usage_errors_exit_2(cli: Cli) -> None:
    result = cli("add", "dose", "--mg", "lots")
    assert result.code == 2
    assert "--mg" in result.err
    assert cli("add", "pain", "--colour", "red").code == 2


def test_unwritable_journal_is_one_sentence(cli: Cli, tmp_path: Path) -> None:
    line = one_error_line(cli("add", "pain", "3", "--db", str(tmp_path)))
    assert "is a directory" in line


def test_db_from_environment(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env" / "j.sqlite3"
    monkeypatch.setenv("MAGNERVE_DB", str(target))
    assert cli("add", "pain", "3", db=False).code == 0
    with Journal.open(target) as journal:
        assert journal.count() == 1


# --- list -------------------------------------------------------------------------------------


@pytest.fixture
def logged(cli: Cli) -> list[dict[str, Any]]:
    out = [
        add_json(cli, "dose", "200", "--at", "2024-03-09T08:00"),
        add_json(cli, "pain", "6", "--at", "2024-03-10T09:00"),
        add_json(cli, "dose", "200", "--at", "yesterday 08:00"),
        add_json(cli, "pain", "5", "--at", "yesterday 20:00"),
        add_json(cli, "note", "better", "today", "--at", "07:00"),
    ]
    return out


def test_list_json_is_the_contract(cli: Cli, logged: list[dict[str, Any]]) -> None:
    result = cli("list", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out) == logged
    assert [e["at"][-6:] for e in logged] == ["-05:00", "-04:00", "-04:00", "-04:00", "-04:00"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(("--kind", "pain"), [1, 3], id="kind"),
        pytest.param(("--kind", "pain,note"), [1, 3, 4], id="kinds-comma"),
        pytest.param(("-k", "dose", "-k", "note"), [0, 2, 4], id="kinds-repeated"),
        pytest.param(("--since", "yesterday"), [2, 3, 4], id="since-yesterday"),
        pytest.param(
            ("--since", "2024-03-10", "--until", "2024-03-11"), [1, 2, 3], id="whole-days"
        ),
        pytest.param(("--until", "2024-03-10T09:00"), [0], id="until-time-exclusive"),
        pytest.param(("--since", "2d"), [2, 3, 4], id="since-days-ago"),
        pytest.param(("--limit", "2"), [3, 4], id="limit-most-recent"),
        pytest.param(("--kind", "dose", "-n", "1"), [2], id="kind-limit"),
    ],
)
def test_list_filters(
    cli: Cli, logged: list[dict[str, Any]], args: tuple[str, ...], expected: list[int]
) -> None:
    result = cli("list", *args, "-f", "json")
    assert result.code == 0, result.err
    assert [e["id"] for e in json.loads(result.out)] == [logged[i]["id"] for i in expected]


def test_list_text_is_a_table(cli: Cli, logged: list[dict[str, Any]]) -> None:
    result = cli("list")
    assert result.code == 0
    assert logged[0]["id"][:8] in result.out
    assert "2024-03-09 08:00 -05:00" in result.out
    assert "5 entries" in result.out


def test_list_empty_and_bad_kind(cli: Cli, db_path: Path) -> None:
    Journal.open(db_path).close()  # an empty journal (list refuses one that does not exist)
    assert "No entries" in cli("list").out
    assert json.loads(cli("list", "-f", "json").out) == []
    assert "Did you mean 'pain'" in one_error_line(cli("list", "--kind", "pian"))


# --- edit and delete ----------------------------------------------------------------------------


def test_edit_by_short_id(cli: Cli, logged: list[dict[str, Any]]) -> None:
    dose = logged[2]
    result = cli("edit", dose["id"][:8], "--mg", "150", "--at", "yesterday 08:30", "-f", "json")
    assert result.code == 0, result.err
    edited = json.loads(result.out)
    assert edited["id"] == dose["id"]
    assert edited["values"]["mg"] == 150.0
    assert edited["at"] == "2024-03-11T08:30:00-04:00"
    text = cli("edit", dose["id"][:8], "--form", "citrate")
    assert text.code == 0
    assert text.out.startswith("Updated dose")


def test_edit_gi_flags_can_be_turned_off(cli: Cli) -> None:
    gi = add_json(cli, "gi", "--diarrhea", "--cramps")
    result = cli("edit", gi["id"], "--no-cramps", "-f", "json")
    assert json.loads(result.out)["values"]["cramps"] is False
    assert "needs a Bristol" in one_error_line(cli("edit", gi["id"], "--no-diarrhea"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(("--score", "3"), "--score does not apply to a dose entry", id="wrong-kind"),
        pytest.param((), "Nothing to change", id="nothing"),
        pytest.param(("--mg", "-1"), "'mg' must be", id="bad-value"),
    ],
)
def test_edit_errors(
    cli: Cli, logged: list[dict[str, Any]], args: tuple[str, ...], fragment: str
) -> None:
    assert fragment in one_error_line(cli("edit", logged[0]["id"], *args))
    assert json.loads(cli("list", "-f", "json").out) == logged


def test_edit_unknown_id(cli: Cli, logged: list[dict[str, Any]]) -> None:
    assert "No journal entry has the id 'zzzz'" in one_error_line(cli("edit", "zzzz", "--mg", "1"))


def test_delete_asks_unless_yes(cli: Cli, logged: list[dict[str, Any]]) -> None:
    target = logged[1]["id"]
    refused = cli("delete", target[:8], stdin="n\n")
    assert refused.code == 1
    assert "Delete pain" in refused.out
    assert len(json.loads(cli("list", "-f", "json").out)) == 5
    confirmed = cli("delete", target[:8], stdin="y\n")
    assert confirmed.code == 0
    assert "Deleted pain" in confirmed.out
    gone = cli("delete", logged[0]["id"], "--yes", "-f", "json")
    assert json.loads(gone.out)["deleted"]["id"] == logged[0]["id"]
    remaining = [e["id"] for e in json.loads(cli("list", "-f", "json").out)]
    assert remaining == [e["id"] for e in logged[2:]]


# --- export and import --------------------------------------------------------------------------


def test_export_to_stdout_and_to_a_private_file(
    cli: Cli, logged: list[dict[str, Any]], tmp_path: Path
) -> None:
    doc = json.loads(cli("export").out)
    assert doc["entries"] == logged
    assert doc["plans"] == []
    target = tmp_path / "backup.json"
    result = cli("export", "-o", str(target))
    assert result.code == 0
    assert "Exported 5 entries and 0 plan versions" in result.err
    assert json.loads(target.read_text()) == doc
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    csv_text = cli("export", "--format", "csv").out
    assert csv_text.splitlines()[0] == "record,id,kind,at,values"
    assert len(csv_text.splitlines()) == 6


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_import_round_trip_and_idempotence(
    cli: Cli, logged: list[dict[str, Any]], tmp_path: Path, suffix: str
) -> None:
    backup = tmp_path / f"backup.{suffix}"
    assert cli("export", "--format", suffix, "-o", str(backup)).code == 0
    other = tmp_path / "other.sqlite3"
    first = cli("import", str(backup), "--db", str(other))
    assert first.code == 0, first.err
    assert first.out.startswith("Imported 5 entries and 0 plan versions; 0 already")
    again = cli("import", str(backup), "--db", str(other), "-f", "json")
    assert json.loads(again.out)["duplicates"] == 5
    assert json.loads(cli("list", "-f", "json", "--db", str(other)).out) == logged


def test_import_reports_bad_rows_by_line_and_exits_1(
    cli: Cli, logged: list[dict[str, Any]], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        'kind,at,values\npain,2024-03-12 08:00,"{""score"": 3}"\n'
        'pain,2024-03-12 08:30,"{""score"": 30}"\n'
        'gi,2024-03-12 08:45,"{}"\n'
    )
    result = cli("import", str(bad))
    assert result.code == 1
    assert "Imported 1 entry" in result.out
    assert "2 bad rows skipped" in result.out
    assert f"{bad}: line 3: 'score' must be a pain score" in result.err
    assert f"{bad}: line 4: A gi entry needs" in result.err
    assert len(json.loads(cli("list", "-f", "json").out)) == 6


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        pytest.param("notes.txt", "x", "a .json or .csv file", id="extension"),
        pytest.param(
            "broken.json", '{\n  "entries": [\n', "Not valid JSON at line 3", id="broken-json"
        ),
        pytest.param("missing.json", None, "File not found", id="missing"),
    ],
)
def test_import_refuses_unreadable_files(
    cli: Cli, tmp_path: Path, name: str, content: str | None, fragment: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    line = one_error_line(cli("import", str(path)))
    assert fragment in line


# --- start ------------------------------------------------------------------------------------


def test_start_saves_a_plan_version_only_when_the_profile_changes(cli: Cli, tmp_path: Path) -> None:
    profile = tmp_path / "me.toml"
    shutil.copy(EXAMPLES / "diabetic_neuropathy.toml", profile)
    first = cli("start", str(profile), "-f", "json")
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert (data["version"], data["new_version"]) == (1, True)
    assert data["status"] in {"start", "start_with_caution", "see_clinician_first", "do_not_start"}
    assert data["created_at"] == "2024-03-12T09:30:00-04:00"
    assert data["plan"]["schema_version"] == "1"
    same = cli("start", str(profile))
    assert same.code == 0
    assert "has not changed: plan version 1" in same.out
    profile.write_text("weight_kg = 70\n" + profile.read_text())
    changed = cli("start", str(profile))
    assert changed.code == 0
    assert changed.out.startswith("Saved plan version 2")
    doc = json.loads(cli("export").out)
    assert [p["version"] for p in doc["plans"]] == [1, 2]
    assert doc["plans"][1]["profile"]["weight_kg"] == 70


def test_start_with_a_bad_profile(cli: Cli, tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text("age = 300\nsex = 'female'\n")
    line = one_error_line(cli("start", str(profile)))
    assert "'age'" in line


# --- labels (another module; tested last) --------------------------------------------------------


def test_dose_from_a_product_label(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("magnerve.core.labels")
    label = "Magnesium glycinate\nEach capsule contains 120 mg of magnesium (as glycinate)."
    printed = add_json(cli, "dose", "--product", label, "--units", "2")
    assert printed["values"]["mg"] == pytest.approx(240)
    assert printed["values"]["product"] == "Magnesium glycinate x2"
    assert printed["values"]["form"] == "glycinate"
    label_file = tmp_path / "label.txt"
    label_file.write_text(label)
    assert add_json(cli, "dose", "--product", str(label_file))["values"]["mg"] == pytest.approx(120)
    assert "--units" in one_error_line(cli("add", "dose", "--product", label, "--units", "0"))


# --- the real app --------------------------------------------------------------------------------


def test_registered_in_the_real_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Once app.py registers the group, the real ``magnerve journal`` works end to end."""
    from magnerve.cli import app as app_module

    names = {group.name for group in app_module.app.registered_groups}
    if "journal" not in names:
        pytest.skip("app.py does not register the journal group yet")
    db = str(tmp_path / "real.sqlite3")
    assert app_module.run(["journal", "add", "pain", "4", "--db", db, "-f", "json"]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert app_module.run(["journal", "list", "--db", db, "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [entry]


def test_units_without_a_product_is_refused(cli: Cli, logged: list[dict[str, Any]]) -> None:
    assert "give --product too" in one_error_line(cli("add", "dose", "--mg", "100", "--units", "2"))
    assert "give --product too" in one_error_line(cli("edit", logged[0]["id"], "--units", "2"))
