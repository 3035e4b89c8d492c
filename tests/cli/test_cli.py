"""The command line (design.md 3.5) through magnerve.cli.app.run, plus real subprocesses."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from magnerve.cli.app import app, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "profiles"
DIABETIC = str(EXAMPLES / "diabetic_neuropathy.toml")
MS_JSON = str(EXAMPLES / "ms_central_pain.json")


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str) -> str:
    """Exit non-zero, nothing on stdout, one line on stderr, no traceback."""
    assert code != 0
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("magnerve: error: ")
    return lines[0]


# ------------------------------------------------------------------------------------------
# plan


def test_plan_json_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "plan", DIABETIC, "--format", "json")
    assert (code, err) == (0, "")
    plan = json.loads(out)
    for field in ("schema_version", "status", "reasons", "daily_target_mg", "upper_limit_mg",
                  "recommended_form", "forms", "titration", "schedule", "interactions",
                  "evidence", "follow_up", "sources", "disclaimer"):
        assert field in plan, field
    assert plan["schema_version"] == "1"
    assert plan["status"] == "start_with_caution"
    assert "trace" not in plan
    assert out.endswith("}\n")


def test_plan_json_from_a_json_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "plan", MS_JSON, "-f", "json")
    assert code == 0
    assert json.loads(out)["recommended_form"] == "threonate"


def test_explain_adds_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "plan", DIABETIC, "--format", "json", "--explain")
    assert code == 0
    plan = json.loads(out)
    assert plan["trace"]
    rules = {step["rule"] for step in plan["trace"]}
    assert {"kidney", "serum_magnesium", "target", "forms", "timetable"} <= rules
    for step in plan["trace"]:
        assert set(step) == {"rule", "fired", "inputs", "outcome"}
    _, plain, _ = invoke(capsys, "plan", DIABETIC, "--format", "json")
    without = json.loads(plain)
    del plan["trace"]
    assert plan == without


def test_plan_text_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "plan", DIABETIC)
    assert (code, err) == (0, "")
    assert "START WITH CAUTION" in out
    assert "300 mg/day" in out
    assert "glycinate" in out.lower()
    assert "Levothyroxine" in out
    assert "not medical advice" in out.lower()


def test_plan_text_explain_shows_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "plan", DIABETIC, "--explain")
    assert code == 0
    assert "kidney" in out
    assert "timetable" in out


def test_plan_text_do_not_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "plan", str(EXAMPLES / "ckd_stage4.toml"))
    assert code == 0
    assert "DO NOT START" in out


def test_plan_reads_json_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps({"age": 40, "sex": "male", "egfr": 95}).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = invoke(capsys, "plan", "-", "--format", "json")
    assert code == 0
    assert json.loads(out)["status"] == "start"


# ------------------------------------------------------------------------------------------
# bad input: exit 1, one line on stderr, never a traceback


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


BAD_FILES = [
    pytest.param("missing.toml", None, ["missing.toml", "not found"], id="missing-file"),
    pytest.param("profile.yaml", b"age: 40\n", ["profile.yaml", ".toml or .json"],
                 id="yaml-extension"),
    pytest.param("binary.toml", b"\x00\x01\x02age = 1\xff", ["binary.toml", "binary"],
                 id="binary-file"),
    pytest.param("latin1.toml", "age = 40\nsex = \"f\xe9male\"\n".encode("latin-1"),
                 ["latin1.toml", "UTF-8"], id="not-utf8"),
    pytest.param("broken.toml", b'age = 40\nsex = "female"\negfr = = 3\n',
                 ["broken.toml", "TOML", "line 3"], id="malformed-toml"),
    pytest.param("broken.json", b'{"age": 40,\n"sex": "female",\n}',
                 ["broken.json", "JSON", "line 3"], id="malformed-json"),
    pytest.param("typo.toml", b'age = 40\nsex = "female"\negrf = 80\n',
                 ["typo.toml", "'egrf'", "'egfr'"], id="unknown-key"),
    pytest.param("age.toml", b'age = -3\nsex = "female"\n', ["age.toml", "'age'", "-3"],
                 id="negative-age"),
    pytest.param("time.json", b'{"age": 40, "sex": "male", "medications": '
                 b'[{"name": "Cipro", "times": ["25:00"]}]}',
                 ["time.json", "medications[0].times[0]", "25:00"], id="bad-time"),
    pytest.param("unit.toml", b'age = 40\nsex = "male"\nserum_magnesium = "0.8 g/L"\n',
                 ["unit.toml", "serum_magnesium", "mmol/L"], id="bad-unit"),
    pytest.param("list.json", b"[1, 2, 3]", ["list.json", "profile"], id="json-not-object"),
    pytest.param("empty.toml", b"", ["empty.toml", "'age' is required"], id="empty-file"),
]


@pytest.mark.parametrize(("name", "content", "pieces"), BAD_FILES)
def test_bad_profile_file(
    capsys: pytest.CaptureFixture[str], workdir: Path, name: str, content: bytes | None,
    pieces: list[str],
) -> None:
    if content is not None:
        (workdir / name).write_bytes(content)
    line = assert_one_line_error(*invoke(capsys, "plan", name, "--format", "json"))
    for piece in pieces:
        assert piece in line


def test_directory_is_not_a_profile(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    (workdir / "dir.toml").mkdir()
    line = assert_one_line_error(*invoke(capsys, "plan", "dir.toml"))
    assert "directory" in line


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["plan"], id="missing-argument"),
        pytest.param(["plan", DIABETIC, "--format", "xml"], id="bad-format"),
        pytest.param(["plan", DIABETIC, "--frobnicate"], id="unknown-option"),
        pytest.param(["no-such-command"], id="unknown-command"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, err = invoke(capsys, *args)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert "Error" in err


# ------------------------------------------------------------------------------------------
# forms and interactions


def test_forms_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "forms", "--format", "json")
    assert code == 0
    forms = json.loads(out)
    assert len(forms) == 20
    by_id = {f["form"]: f for f in forms}
    assert by_id["oxide"]["elemental_fraction"] == pytest.approx(0.603, abs=0.001)
    assert by_id["amino_acid_chelate"]["elemental_fraction"] is None
    chloride = {v["formula"]: v for v in by_id["chloride"]["variants"]}
    assert chloride["MgCl2·6H2O"]["elemental_fraction"] == pytest.approx(0.1196, abs=0.0005)


def test_forms_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "forms")
    assert code == 0
    assert "oxide" in out
    assert "60.3%" in out
    assert "glycinate" in out
    assert "14.1%" in out


def test_interactions_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "interactions", "Cipro", "Triumeq", "Isentress", "-f", "json")
    assert code == 0
    rows = {row["query"]: row for row in json.loads(out)}
    assert rows["Cipro"]["drug"] == "ciprofloxacin"
    assert (rows["Cipro"]["drug_then_mg_h"], rows["Cipro"]["mg_then_drug_h"]) == (2, 6)
    assert rows["Triumeq"]["drug"] == "dolutegravir"
    assert rows["Isentress"]["separable"] is False


def test_interactions_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "interactions", "Cipro")
    assert code == 0
    assert "Ciprofloxac" in out
    assert "major" in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_unknown_drug_exits_1_with_suggestion(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, _, err = invoke(capsys, "interactions", "gabapentn", "--format", fmt)
    assert code == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "'gabapentn'" in err
    assert "Did you mean 'gabapentin'?" in err


def test_unknown_drug_without_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    line = assert_one_line_error(*invoke(capsys, "interactions", "zzqxv"))
    assert "'zzqxv'" in line
    assert "unknown" in line


def test_known_and_unknown_drugs_together(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "interactions", "Cipro", "gabapentn", "--format", "json")
    assert code == 1
    rows = json.loads(out)
    assert [r["recognised"] for r in rows] == [True, False]
    assert "gabapentin" in err


# ------------------------------------------------------------------------------------------
# help


def _command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(root, [])
    return paths


COMMANDS = _command_paths()


def test_core_commands_exist() -> None:
    assert {"plan", "forms", "interactions"} <= {p[0] for p in COMMANDS if p}


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "magnerve" for p in COMMANDS])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(
    capsys: pytest.CaptureFixture[str], path: list[str], flag: str
) -> None:
    code, out, err = invoke(capsys, *path, flag)
    assert (code, err) == (0, "")
    assert "Usage:" in out
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{path} has no help text"


# ------------------------------------------------------------------------------------------
# Real processes: the installed entry point and python -m magnerve


def _magnerve() -> list[str]:
    script = Path(sys.executable).with_name("magnerve")
    return [str(script)] if script.exists() else [sys.executable, "-m", "magnerve"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_subprocess_plan_json() -> None:
    result = _run([*_magnerve(), "plan", DIABETIC, "--format", "json"], ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["daily_target_mg"] == 300
    assert "Traceback" not in result.stderr


def test_subprocess_bad_profile_has_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('age = "old"\nsex = "female"\n', encoding="utf-8")
    result = _run([*_magnerve(), "plan", "bad.toml"], tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "magnerve: error: bad.toml: 'age' must be a whole number of years from 0 to 120 "
        "(got 'old')."
    ]


def test_python_dash_m_unknown_drug(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "magnerve", "interactions", "Ciprofloxacn"], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Did you mean 'ciprofloxacin'?" in result.stderr
