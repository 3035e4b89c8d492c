"""Journal fixtures: a non-UTC local zone, a frozen clock, real SQLite files, a CLI runner.

Every journal test runs in America/New_York (cumulus habit: a non-UTC zone catches code
that silently assumes UTC), against real files in ``tmp_path``, never ``:memory:``, so WAL,
permissions and fsync behave as they do for a person.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import typer

from magnerve.journal import Journal

NEW_YORK = ZoneInfo("America/New_York")
#: A Tuesday morning, a few days after the 2024 spring daylight-saving change (10 March).
FROZEN_AT = datetime(2024, 3, 12, 9, 30, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is New York for every journal test (and for their subprocesses)."""
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.delenv("MAGNERVE_DB", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def frozen() -> Iterator[time_machine.Coordinates]:
    """The clock stopped at FROZEN_AT (New York)."""
    with time_machine.travel(FROZEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def journal(db_path: Path) -> Iterator[Journal]:
    with Journal.open(db_path) as opened:
        yield opened


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_path: Path
) -> Callable[..., Result]:
    """Run ``magnerve journal ...`` through the real ``magnerve.cli.app.run``.

    ``run`` looks the app up at call time, so the app is swapped for one that has the
    journal group, whether or not ``app.py`` has registered it yet. ``--db`` is added
    unless the test passes its own.
    """
    import magnerve.cli.app as app_module
    from magnerve.cli.journal_cmd import journal_app

    app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(journal_app, name="journal")

    @app.callback()
    def _root() -> None:
        """magnerve (test app)."""

    monkeypatch.setattr(app_module, "app", app)

    def run(*args: str, stdin: str | None = None, db: bool = True) -> Result:
        import io
        import sys

        argv = ["journal", *args]
        if db and "--db" not in args:
            argv += ["--db", str(db_path)]
        capsys.readouterr()
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = app_module.run(argv)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
