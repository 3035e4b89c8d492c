"""Robustness of `magnerve journal/review/report/serve` through magnerve.cli.app.run.

Bad input is exit status 1 and one sentence on stderr naming the input (never exit 70, never
a traceback), and nothing already stored in the journal is ever lost. Each test names the
review finding it covers (A1-A5, B, D, E/F).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from magnerve.cli.app import run
from magnerve.journal import Journal

ROOT = Path(__file__).resolve().parents[2]
PROFILE = str(ROOT / "examples" / "profiles" / "diabetic_neuropathy.toml")


@pytest.fixture(autouse=True)
def _no_env_journal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAGNERVE_DB", raising=False)
    monkeypatch.delenv("MAGNERVE_PASSWORD", raising=False)


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run, expect exit 1 and exactly one 'magnerve: error:' line; return that line."""
    code, _out, err = invoke(capsys, *args)
    assert code == 1, err
    assert "Traceback" not in err
    assert "internal error" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("magnerve: error: ")
    return lines[0]


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A journal with a plan and two entries, made through the CLI."""
    path = tmp_path / "journal.sqlite3"
    assert invoke(capsys, "journal", "start", PROFILE, "--db", str(path))[0] == 0
    for score in ("3", "4"):
        assert invoke(capsys, "journal", "add", "pain", score, "--db", str(path))[0] == 0
    return path


def entry_count(path: Path) -> int:
    with Journal.open(path) as journal:
        assert journal.integrity_check() == ["ok"]
        return journal.count()


# --- A1: -o never overwrites the journal, a device or a directory --------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_report_and_export_refuse_the_journal_and_its_files(
    capsys: pytest.CaptureFixture[str], db: Path, suffix: str
) -> None:
    target = str(db) + suffix
    line = one_error(capsys, "report", "--db", str(db), "-f", "fhir", "-o", target)
    assert "Refusing to write" in line
    assert "journal" in line
    line = one_error(capsys, "journal", "export", "--db", str(db), "-o", target)
    assert "Refusing to write" in line
    assert entry_count(db) == 2


def test_the_journal_is_recognised_however_it_is_spelled(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.sqlite3"
    link.symlink_to(db)
    hard = tmp_path / "hard.sqlite3"
    os.link(db, hard)
    monkeypatch.chdir(tmp_path)
    for target in (str(link), str(hard), "journal.sqlite3", "./sub/../journal.sqlite3"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        line = one_error(capsys, "journal", "export", "--db", str(db), "-o", target)
        assert "Refusing to write" in line, target
    line = one_error(capsys, "journal", "export", "--db", str(hard), "-o", str(db))
    assert "Refusing to write" in line
    assert entry_count(db) == 2


def test_output_to_special_files_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_error(capsys, "journal", "export", "--db", str(db), "-o", str(fifo))
    assert "not a regular file" in line
    assert fifo.is_fifo()
    line = one_error(capsys, "report", "--db", str(db), "-f", "fhir", "-o", str(tmp_path))
    assert "'--output'" in line
    assert "directory" in line


def test_os_errors_while_writing_name_the_path_and_reason(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_name = str(tmp_path / ("r" * 5000))
    line = one_error(capsys, "report", "--db", str(db), "-f", "fhir", "-o", long_name)
    assert "File name too long" in line
    assert len(line) < 400

    import tempfile

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    line = one_error(capsys, "journal", "export", "--db", str(db), "-o", str(tmp_path / "x.json"))
    assert "Cannot write" in line
    assert "permission denied" in line


def test_a_regular_output_file_is_still_replaced(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("old")
    code, _out, err = invoke(capsys, "report", "--db", str(db), "-f", "fhir", "-o", str(target))
    assert code == 0, err
    assert json.loads(target.read_text())["resourceType"] == "Bundle"


# --- A2, A3: imports validate row by row ---------------------------------------------------------


def test_a_junk_plan_import_is_refused_and_report_keeps_working(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text(
        json.dumps(
            {
                "plans": [
                    {
                        "version": 5,
                        "created_at": "2024-01-01T08:00:00Z",
                        "profile": {"age": 50, "sex": "female"},
                        "plan": {"status": "start", "titration": "lots", "schedule": 5},
                    }
                ]
            }
        )
    )
    db = tmp_path / "j.sqlite3"
    code, out, err = invoke(capsys, "journal", "import", str(junk), "--db", str(db))
    assert code == 1
    assert "1 bad row skipped" in out
    assert "plans[0]" in err
    assert "Traceback" not in err
    line = one_error(capsys, "report", "--db", str(db), "-o", str(tmp_path / "r.html"))
    assert "has no plan yet" in line


def test_an_import_cannot_make_the_plan_less_safe(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    code, out, _ = invoke(capsys, "journal", "export", "--db", str(db))
    document = json.loads(out)
    document["plans"][0]["plan"]["status"] = "start"  # the profile gives start_with_caution
    document["plans"][0]["created_at"] = "2024-01-01T08:00:00+00:00"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    other = tmp_path / "other.sqlite3"
    code, out, err = invoke(capsys, "journal", "import", str(edited), "--db", str(other))
    assert code == 1
    assert "Imported 2 entries and 0 plan versions" in out
    assert "must never make a plan less safe" in err
    assert "magnerve journal start" in err


def test_one_bad_row_does_not_stop_the_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        "kind,at,values\n"
        'pain,2024-03-12T08:00,"{""score"": 3}"\n'
        'pain,1800-01-01T08:00,"{""score"": 3}"\n'
        'pain,2024-03-12T09:00,"{""score"": 4}"\n'
        'pain,2099-03-12T09:00,"{""score"": 4}"\n'
    )
    db = tmp_path / "j.sqlite3"
    code, out, err = invoke(capsys, "journal", "import", str(source), "--db", str(db))
    assert code == 1
    assert "Imported 2 entries" in out
    assert "2 bad rows skipped" in out
    assert f"{source}: line 3: 'at' must be a date between the years 1900 and 9998" in err
    assert f"{source}: line 5: 'at' must be a time that is not in the future" in err
    assert entry_count(db) == 2


def test_invalid_unicode_in_an_imported_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "rows.json"
    source.write_text(
        '[{"kind": "note", "at": "2024-03-12T08:00:00Z", "values": {"text": "\\ud800"}},\n'
        ' {"kind": "note", "at": "2024-03-12T08:00:00Z", "values": {"text": "ok"}}]\n'
    )
    db = tmp_path / "j.sqlite3"
    code, out, err = invoke(capsys, "journal", "import", str(source), "--db", str(db))
    assert code == 1
    assert "Imported 1 entry" in out
    assert "U+D800" in err
    assert "Traceback" not in err


# --- A4: damaged rows ----------------------------------------------------------------------------


def damage(db: Path, statement: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_damaged_entries_are_skipped_with_one_warning(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    damage(
        db,
        "UPDATE entries SET values_json = '{not json' WHERE rowid = "
        "(SELECT min(rowid) FROM entries)",
    )
    for args in (
        ("journal", "list"),
        ("journal", "export"),
        ("review",),
        ("report", "-f", "fhir", "-o", str(tmp_path / "b.json")),
    ):
        code, out, err = invoke(capsys, *args, "--db", str(db))
        assert code == 0, (args, err)
        lines = err.strip().splitlines()
        assert any(
            line.startswith("magnerve: warning: skipped 1 damaged journal row") for line in lines
        ), (args, err)
        assert "Traceback" not in err
    code, out, _ = invoke(capsys, "journal", "export", "--db", str(db))
    assert len(json.loads(out)["entries"]) == 1  # everything readable is rescued
    assert entry_count(db) == 2  # nothing was deleted


def test_a_damaged_plan_is_one_clear_error_until_start_runs_again(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    damage(db, "UPDATE plans SET plan_json = '{'")
    line = one_error(capsys, "review", "--db", str(db))
    assert "is damaged" in line
    assert "journal start" in line
    one_error(capsys, "report", "--db", str(db), "-o", str(tmp_path / "r.html"))
    code, _out, err = invoke(capsys, "journal", "export", "--db", str(db))
    assert code == 0
    assert "plan version 1" in err
    assert invoke(capsys, "journal", "start", PROFILE, "--db", str(db))[0] == 0
    code, _out, err = invoke(capsys, "review", "--db", str(db), "-f", "json")
    assert code == 0, err


def test_a_damaged_entry_can_be_deleted(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    damage(db, "UPDATE entries SET at_utc = 'garbage'")
    with Journal.open(db) as journal:
        journal.entries()
        damaged_id = journal.damaged[0][0]
    line = one_error(capsys, "journal", "edit", damaged_id[:8], "--score", "2", "--db", str(db))
    assert "is damaged" in line
    code, out, _ = invoke(capsys, "journal", "delete", damaged_id[:8], "--yes", "--db", str(db))
    assert code == 0
    assert "damaged entry" in out
    assert entry_count(db) == 1


# --- B: invalid text, out-of-range times and numbers, unusable paths -----------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("note", "\udcff"), id="note-invalid-utf8"),
        pytest.param(("med", "levo\udcff"), id="med-invalid-utf8"),
        pytest.param(("note", "x\ud800"), id="note-surrogate"),
    ],
)
def test_invalid_text_is_refused(
    capsys: pytest.CaptureFixture[str], db: Path, args: tuple[str, ...]
) -> None:
    line = one_error(capsys, "journal", "add", *args, "--db", str(db))
    assert "valid UTF-8" in line
    assert entry_count(db) == 2


def test_edit_refuses_invalid_text(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    _code, out, _ = invoke(capsys, "journal", "add", "note", "fine", "--db", str(db), "-f", "json")
    note = json.loads(out)["id"]
    _code, out, _ = invoke(
        capsys, "journal", "add", "med", "levothyroxine", "--db", str(db), "-f", "json"
    )
    med = json.loads(out)["id"]
    assert "valid UTF-8" in one_error(
        capsys, "journal", "edit", note, "--text", "\udcff", "--db", str(db)
    )
    assert "control characters" in one_error(
        capsys, "journal", "edit", med, "--name", "\x1b[2J", "--db", str(db)
    )
    _code, out, _ = invoke(
        capsys, "journal", "list", "--db", str(db), "-f", "json", "-k", "note,med"
    )
    assert sorted(e["values"].get("text") or e["values"]["name"] for e in json.loads(out)) == [
        "fine",
        "levothyroxine",
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ("add", "pain", "3", "--at", "0001-01-01T00:00"),
            "'--at' must be a date between the years 1900 and 9998",
            id="at-year-1",
        ),
        pytest.param(
            ("list", "--since", "0001-01-01"), "'--since' must be a date between", id="since-year-1"
        ),
        pytest.param(
            ("list", "--until", "9999-12-31"), "'--until' must be a date between", id="until-9999"
        ),
        pytest.param(
            ("list", "--limit", "99999999999999999999999"),
            "'--limit' must be a whole number of entries from 1 to 10000000",
            id="limit-huge",
        ),
        pytest.param(("list", "--limit", "0"), "'--limit'", id="limit-0"),
        pytest.param(
            ("list", "--since", "2024-03-10", "--until", "2024-03-01"),
            "is later than --until",
            id="since-after-until",
        ),
    ],
)
def test_out_of_range_arguments(
    capsys: pytest.CaptureFixture[str], db: Path, args: tuple[str, ...], fragment: str
) -> None:
    assert fragment in one_error(capsys, "journal", *args, "--db", str(db))


def test_edit_at_out_of_range(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    with Journal.open(db) as journal:
        entry_id = journal.entries()[0].id
    line = one_error(
        capsys, "journal", "edit", entry_id, "--at", "0001-01-01T00:00", "--db", str(db)
    )
    assert "between the years 1900 and 9998" in line


def test_unusable_journal_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_db = str(tmp_path / ("a" * 5000))
    for args in (("journal", "add", "pain", "3"), ("journal", "list"), ("review",)):
        line = one_error(capsys, *args, "--db", long_db)
        assert "File name too long" in line
        assert len(line) < 400
    line = one_error(capsys, "journal", "add", "pain", "3", "--db", "~no-such-user-x/j.sqlite3")
    assert "home directory" in line


def test_a_read_only_journal_directory_is_named(
    capsys: pytest.CaptureFixture[str], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access

    def access(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == db.parent and mode & os.W_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    line = one_error(capsys, "journal", "add", "pain", "3", "--db", str(db))
    assert "is not writable" in line
    line = one_error(capsys, "journal", "add", "pain", "3", "--db", str(db.parent / "new.db"))
    assert "is not writable" in line


# --- B: serve checks its files and host before it says it is running -----------------------------


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    path = tmp_path / "binary.json"
    path.write_bytes(bytes(range(256)) * 4)
    return path


def test_serve_refuses_a_binary_certificate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, binary: Path
) -> None:
    code, out, err = invoke(
        capsys,
        "serve",
        "--db",
        str(tmp_path / "j.sqlite3"),
        "--ssl-certfile",
        str(binary),
        "--ssl-keyfile",
        str(binary),
    )
    assert code == 1
    assert "running at" not in out
    assert "--ssl-certfile" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param(None, "No such file or directory", id="missing"),
        pytest.param("not a certificate\n", "not a PEM certificate", id="text"),
    ],
)
def test_serve_checks_tls_files_before_printing_the_address(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, fragment: str
) -> None:
    cert = tmp_path / "cert.pem"
    if content is not None:
        cert.write_text(content)
    code, out, err = invoke(
        capsys,
        "serve",
        "--db",
        str(tmp_path / "j.sqlite3"),
        "--ssl-certfile",
        str(cert),
        "--ssl-keyfile",
        str(cert),
    )
    assert code == 1, err
    assert out == ""  # never "running at https://..."
    assert fragment in err
    assert "Traceback" not in err


def test_serve_refuses_a_binary_password_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, binary: Path
) -> None:
    line = one_error(
        capsys,
        "serve",
        "--db",
        str(tmp_path / "j.sqlite3"),
        "--allow-remote",
        "--host",
        "0.0.0.0",
        "--password-file",
        str(binary),
    )
    assert "not UTF-8 text" in line


@pytest.mark.parametrize("host", ["999.1.1.1", "", "exa mple", "::zz", "-bad-.example"])
def test_serve_refuses_an_invalid_host(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, host: str
) -> None:
    line = one_error(capsys, "serve", "--db", str(tmp_path / "j.sqlite3"), "--host", host)
    assert "--host" in line
    assert "Refusing to listen" not in line  # not mistaken for a remote address


def test_valid_hosts_pass_the_check() -> None:
    from magnerve.cli.serve_cmd import check_host

    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "my-box.local", "0.0.0.0"):
        check_host(host)


# --- D: terminal escapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("note", "hi \x1b[31mred"), id="note-escape"),
        pytest.param(("med", "\x07"), id="med-only-bell"),
        pytest.param(("pain", "3", "--location", "feet\x1b]0;owned\x07"), id="location"),
    ],
)
def test_control_characters_are_refused(
    capsys: pytest.CaptureFixture[str], db: Path, args: tuple[str, ...]
) -> None:
    line = one_error(capsys, "journal", "add", *args, "--db", str(db))
    assert "control characters" in line
    assert "\x1b" not in line
    assert "\x07" not in line
    assert entry_count(db) == 2


def test_stored_control_characters_are_never_printed_raw(
    capsys: pytest.CaptureFixture[str], db: Path
) -> None:
    damage(
        db,
        "UPDATE entries SET values_json = "
        '\'{"score":3.0,"worst":null,"qualities":[],"location":"x\\u001b[2Jy"}\'',
    )
    code, out, err = invoke(capsys, "journal", "list", "--db", str(db))
    assert code == 0, err
    assert "\x1b" not in out
    assert "\\x1b[2J" in out


# --- E/F: a typo in --db is not an empty journal -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("journal", "list"), id="list"),
        pytest.param(("journal", "export"), id="export"),
        pytest.param(("journal", "edit", "abc", "--score", "3"), id="edit"),
        pytest.param(("journal", "delete", "abc", "--yes"), id="delete"),
        pytest.param(("review",), id="review"),
        pytest.param(("report", "-o", "-"), id="report"),
    ],
)
def test_read_commands_refuse_a_missing_journal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    target = tmp_path / "typo" / "jornal.sqlite3"
    line = one_error(capsys, *args, "--db", str(target))
    assert "no journal at" in line
    assert not target.parent.exists()


def test_start_add_and_import_create_the_journal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    added = tmp_path / "a" / "j.sqlite3"
    assert invoke(capsys, "journal", "add", "pain", "3", "--db", str(added))[0] == 0
    started = tmp_path / "s" / "j.sqlite3"
    assert invoke(capsys, "journal", "start", PROFILE, "--db", str(started))[0] == 0
    source = tmp_path / "rows.json"
    source.write_text('[{"kind": "pain", "at": "2024-03-12T08:00:00Z", "values": {"score": 1}}]')
    imported = tmp_path / "i" / "j.sqlite3"
    assert invoke(capsys, "journal", "import", str(source), "--db", str(imported))[0] == 0
    assert all(p.exists() for p in (added, started, imported))


def test_an_impossible_date_is_called_that(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    line = one_error(capsys, "journal", "add", "pain", "3", "--at", "2026-13-40", "--db", str(db))
    assert "a real calendar date" in line
    assert "Add the time of day" not in line


def test_a_long_at_is_echoed_truncated(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    value = "2024-01-01T08:00" + "9" * 1000
    line = one_error(capsys, "journal", "add", "pain", "3", "--at", value, "--db", str(db))
    assert len(line) < 400
    assert "...'" in line


def test_an_import_file_name_too_long(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = str(tmp_path / ("a" * 5000)) + ".json"
    line = one_error(capsys, "journal", "import", name, "--db", str(tmp_path / "j.sqlite3"))
    assert "File name too long" in line
    assert len(line) < 400
    assert not (tmp_path / "j.sqlite3").exists()
