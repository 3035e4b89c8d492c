"""Web fixtures: apps on real journal files, a frozen clock, a live server, Chromium.

Every web test runs in America/New_York (a non-UTC zone catches code that assumes UTC) with
"now" frozen through ``create_app(clock=...)``, against a real SQLite file in ``tmp_path``.
Browser tests start uvicorn in a thread on a free loopback port and drive Debian's Chromium
(``/usr/bin/chromium``, installed by ``make system-deps``) headless, offline, with a fresh
profile directory each time.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

# Starlette's TestClient warns that it would prefer httpx2 (not installed); pytest turns
# warnings into errors, so import it once here with that one warning silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from magnerve.web import create_app

NEW_YORK = ZoneInfo("America/New_York")
#: A Tuesday morning two days after the 2024 spring daylight-saving change.
FROZEN_AT = datetime(2024, 3, 12, 9, 30, tzinfo=NEW_YORK)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted((ROOT / "examples" / "profiles").glob("*.*"))


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is New York; no test ever touches the person's own journal."""
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.delenv("MAGNERVE_DB", raising=False)
    monkeypatch.delenv("MAGNERVE_PASSWORD", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@dataclass
class Clock:
    """A settable clock for ``create_app(clock=...)``."""

    now: datetime = FROZEN_AT

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def make_client(db_path: Path, clock: Clock) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient around a fresh app; keyword arguments go to ``create_app``."""
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        options.setdefault("db_path", db_path)
        options.setdefault("clock", clock)
        base = "https://testserver" if options.get("password_hash") else "http://testserver"
        client = TestClient(create_app(**options), base_url=base)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A local-mode app (no login) on a fresh journal, clock frozen at FROZEN_AT."""
    return make_client()


def csrf_token(client: TestClient, path: str = "/") -> str:
    """Load a page (which sets the CSRF cookie) and return its form token."""
    import re

    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on {path}"
    return found[1]


# --------------------------------------------------------------------------------------------
# Live server and browser


@dataclass
class LiveServer:
    url: str
    db_path: Path
    clock: Clock


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """uvicorn (the `serve` settings) with a fresh app, in a thread on a free loopback port."""
    import uvicorn

    from magnerve.web.server import uvicorn_settings

    clock = Clock(datetime.now(NEW_YORK).replace(microsecond=0))
    path = tmp_path / "live.sqlite3"
    app = create_app(db_path=path, clock=clock)
    sock = _free_socket()
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_settings()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:  # pragma: no cover - a broken start
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    port = sock.getsockname()[1]
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", path, clock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def _chromium(width: int, height: int) -> Iterator[Any]:
    """A headless Chromium context with a fresh profile directory."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium; run "
                    "'make system-deps' (make test does) to install it")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="magnerve-chromium-") as profile, \
            sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            timezone_id="America/New_York",
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def desktop() -> Iterator[Any]:
    """Chromium at a desktop size (1280 x 900)."""
    with _chromium(1280, 900) as context:
        yield context


@pytest.fixture
def phone() -> Iterator[Any]:
    """Chromium at a phone size (375 x 812, an iPhone's CSS pixels)."""
    with _chromium(375, 812) as context:
        yield context
