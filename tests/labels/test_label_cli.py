"""`magnerve label`: exit codes and messages through the real error handling of run().

The command is registered on a throwaway Typer app swapped in for the real one, so these
tests exercise magnerve.cli.app.run (the one place errors become exit codes) whether or not
app.py registers `label` yet.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import magnerve.cli.app as cli_app
from magnerve.cli.common import read_input_file
from magnerve.cli.label_cmd import label_command, label_from_source
from magnerve.core.labels import MAX_LABEL_BYTES
from magnerve.errors import InputError

Runner = Callable[[list[str]], int]

LABEL = "Serving Size 2 Capsules\nMagnesium (as magnesium glycinate) 200 mg 48%"


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    app.command("label")(label_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "label" a subcommand
        """Placeholder."""

    return app


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.setattr(cli_app, "app", _app())
    return cli_app.run


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_json_output(run: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints the contract and exits 0."""
    assert run(["label", LABEL, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["elemental_mg_per_serving"] == 200
    assert data["elemental_mg_per_unit"] == 100
    assert data["items"][0]["forms"] == ["glycinate"]


def test_text_output(run: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    """The text view gives the per-serving and per-unit amounts in words."""
    assert run(["label", LABEL]) == 0
    out = capsys.readouterr().out
    assert "200 mg per serving (2 capsules), 100 mg per capsule" in out


def test_file_and_stdin(
    run: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--file reads a file; --file - reads standard input."""
    path = tmp_path / "label.txt"
    path.write_text(LABEL, encoding="utf-8")
    assert run(["label", "--file", str(path), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["elemental_mg_per_serving"] == 200
    _stdin(monkeypatch, b"Magnesium 7 mEq")
    assert run(["label", "--file", "-", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["elemental_mg_per_serving"] == 85.07


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        pytest.param(["   "], None, "label text: The label text is empty", id="empty"),
        pytest.param(["Magnesium glycinate"], None, "gives no amount", id="no-amount"),
        pytest.param([], None, "Give the label text", id="nothing-given"),
        pytest.param(["x", "--file", "{file}"], b"Magnesium 1 mg", "not both", id="both"),
        pytest.param(["--file", "{file}"], b"\x00\x01binary\xff", "binary", id="binary-file"),
        pytest.param(
            ["--file", "{file}"],
            b"Magnesium 100 mg\n" * 600_000,
            "larger than 1 MB",
            id="ten-mb-file",
        ),
        pytest.param(["--file", "{file}"], b"\xff\xfeMagnesium", "not UTF-8", id="not-utf8"),
        pytest.param(["--file", "{file}"], b"", "empty", id="empty-file"),
        pytest.param(["--file", "/no/such/label.txt"], None, "File not found", id="missing"),
    ],
)
def test_bad_input_exits_1_with_one_sentence(
    run: Runner,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    content: bytes | None,
    message: str,
) -> None:
    """Bad input: exit status 1, one line on stderr naming the problem, no traceback."""
    path = tmp_path / "label.txt"
    if content is not None:
        path.write_bytes(content)
    argv = ["label", *(a.replace("{file}", str(path)) for a in args)]
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_ten_megabyte_stdin(
    run: Runner,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 10 MB stream on stdin is refused before it is parsed."""
    _stdin(monkeypatch, b"Magnesium 100 mg\n" * 600_000)
    assert run(["label", "--file", "-"]) == 1
    assert "stdin is larger than 1 MB" in capsys.readouterr().err


def test_common_reader_limit(tmp_path: Path) -> None:
    """read_input_file with the label limit refuses a file one byte over 1 MB."""
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (MAX_LABEL_BYTES + 1))
    with pytest.raises(InputError, match="larger than 1 MB"):
        read_input_file(str(path), "--file", limit=MAX_LABEL_BYTES)


def test_cli_runner_direct_call() -> None:
    """The command also runs under typer's test runner (success path)."""
    result = CliRunner().invoke(_app(), ["label", LABEL, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["elemental_mg_per_unit"] == 100


def test_label_from_source_text_or_file(tmp_path: Path) -> None:
    """plan --product takes either label text or a file name."""
    path = tmp_path / "label.txt"
    path.write_text(LABEL, encoding="utf-8")
    assert label_from_source(str(path)).elemental_mg_per_unit == 100
    assert label_from_source(LABEL).elemental_mg_per_unit == 100
    assert label_from_source("Magnesium 100 mg " + "x" * 5000).elemental_mg_per_serving == 100
    with pytest.raises(InputError, match="label text:"):
        label_from_source("Magnesium citrate")
