"""`magnerve serve`: loopback by default, remote only on purpose and with a password."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from magnerve.cli.serve_cmd import MIN_PASSWORD_CHARS, is_loopback, serve_command
from magnerve.errors import InputError

#: Runs serve_command as its own small CLI (the main app registers it as `serve`).
RUNNER = """
import sys, typer
from magnerve.cli.serve_cmd import serve_command
from magnerve.errors import MagnerveError
app = typer.Typer()
app.command()(serve_command)
try:
    typer.main.get_command(app).main(args=sys.argv[1:], standalone_mode=False)
except MagnerveError as exc:
    sys.stderr.write(f"magnerve: error: {exc}\\n")
    sys.exit(1)
"""


def _serve(*args: str, env: dict[str, str] | None = None) -> InputError:
    """Run serve_command in-process and return the InputError it refuses with."""
    app = typer.Typer()
    app.command()(serve_command)
    result = CliRunner().invoke(app, list(args), env=env or {})
    assert isinstance(result.exception, InputError), result.output
    return result.exception


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("192.168.1.10", False), ("::", False),
    ("example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_non_loopback_host_is_refused_without_allow_remote() -> None:
    error = _serve("--host", "0.0.0.0")
    assert str(error).startswith("Refusing to listen on 0.0.0.0")
    assert error.field == "--host"
    assert str(error).count(". ") == 0  # one sentence


def test_allow_remote_without_a_password_is_refused() -> None:
    error = _serve("--host", "0.0.0.0", "--allow-remote")
    assert "needs a password" in str(error)


def test_a_short_password_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("short\n")
    error = _serve("--host", "0.0.0.0", "--allow-remote", "--password-file", str(secret))
    assert f"at least {MIN_PASSWORD_CHARS} characters" in str(error)


def test_a_missing_password_file_is_one_sentence(tmp_path: Path) -> None:
    error = _serve("--host", "0.0.0.0", "--allow-remote", "--password-file",
                   str(tmp_path / "nope"))
    assert "Cannot read the password file" in str(error)


def test_https_needs_both_files() -> None:
    error = _serve("--ssl-certfile", "cert.pem")
    assert "both --ssl-certfile and --ssl-keyfile" in str(error)


def test_busy_port_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        error = _serve("--port", str(port), "--db", str(tmp_path / "j.sqlite3"))
    assert f"Cannot listen on 127.0.0.1 port {port}" in str(error)


def _start(tmp_path: Path, *args: str, env: dict[str, str] | None = None
           ) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, "--port", "0", "--db", str(tmp_path / "j.sqlite3"),
         *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("magnerve is running at "), line + process.stderr.read()
    url = line.split(" at ", 1)[1].split(" ", 1)[0]
    return process, url


def _stop(process: subprocess.Popen[str]) -> str:
    """Stop the server with Ctrl+C (SIGINT) and return what it wrote to stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _out, err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
        process.kill()
        _out, err = process.communicate(timeout=5)
    return err


def _get(url: str) -> httpx.Response:
    deadline = time.monotonic() + 10
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.slow
def test_serve_prints_its_address_and_answers_on_loopback(tmp_path: Path) -> None:
    process, url = _start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        health = _get(url + "api/v1/health")
        assert health.json()["status"] == "ok"
        assert "server" not in health.headers
        assert (tmp_path / "j.sqlite3").exists()
    finally:
        _stop(process)
    assert process.returncode == 0


@pytest.mark.slow
def test_serve_remote_mode_starts_with_a_login(tmp_path: Path) -> None:
    process, url = _start(tmp_path, "--host", "127.0.0.1", "--allow-remote",
                          env={"MAGNERVE_PASSWORD": "a long enough password"})
    try:
        assert _get(url + "api/v1/forms").status_code == 401
        assert _get(url + "login").status_code == 200
    finally:
        err = _stop(process)
    assert "Remote access is on" in err
    assert "without HTTPS" in err


def test_worker_processes_build_their_app_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --workers N` hands each worker the journal, the key and the password hash."""
    from magnerve.web.app import ENV_DB, ENV_KEY, ENV_PASSWORD_HASH, create_app_from_env
    from magnerve.web.security import hash_password

    monkeypatch.setenv(ENV_DB, str(tmp_path / "w.sqlite3"))
    monkeypatch.setenv(ENV_KEY, "ab" * 32)
    monkeypatch.setenv(ENV_PASSWORD_HASH, hash_password("a long enough password"))
    first, second = create_app_from_env(), create_app_from_env()
    assert first.state.web.settings.db_path == tmp_path / "w.sqlite3"
    assert first.state.web.settings.remote
    cookie = first.state.web.signer.session_cookie(time.time())
    assert second.state.web.signer.session_ok(cookie, time.time())
