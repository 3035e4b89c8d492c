"""What one web application instance holds: knowledge, journal, keys, templates, clock.

Everything lives on a :class:`WebContext` stored in ``app.state.web`` by
:func:`magnerve.web.app.create_app`; nothing is module-global, so two apps in one process
(tests, benchmark workers) never share a journal, a signing key or a login throttle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request

from magnerve.core.text import normalize
from magnerve.web.security import Credentials, LoginThrottle, Signer

if TYPE_CHECKING:
    import jinja2

    from magnerve.journal import Journal
    from magnerve.knowledge import Knowledge

__all__ = ["MedicineName", "WebContext", "WebSettings", "context"]


@dataclass(frozen=True, slots=True)
class WebSettings:
    """How this app instance was started (the ``serve`` options, resolved)."""

    db_path: Path | str
    max_body_bytes: int = 1_000_000
    #: remote mode: a login is required and cookies are Secure
    remote: bool = False
    #: the server speaks HTTPS itself (adds Strict-Transport-Security)
    tls: bool = False


@dataclass(frozen=True, slots=True)
class MedicineName:
    """One name the knowledge base recognises, for autocomplete ("Cipro" -> ciprofloxacin)."""

    name: str
    drug: str
    drug_name: str
    key: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "drug": self.drug, "drug_name": self.drug_name}


def _medicine_names(knowledge: Knowledge) -> tuple[MedicineName, ...]:
    """Every generic name and alias, generic names first, each once (by normalised key)."""
    seen: set[str] = set()
    generics: list[MedicineName] = []
    aliases: list[MedicineName] = []
    for entry in knowledge.drugs.values():
        drug = entry.drug
        for index, name in enumerate((drug.name, *drug.aliases)):
            key = normalize(name)
            if not key or key in seen:
                continue
            seen.add(key)
            target = generics if index == 0 else aliases
            target.append(MedicineName(name, drug.id, drug.name, key))
    generics.sort(key=lambda m: m.key)
    aliases.sort(key=lambda m: m.key)
    return (*generics, *aliases)


class WebContext:
    """The per-app state every route reaches through ``request.app.state.web``."""

    def __init__(
        self,
        *,
        knowledge: Knowledge,
        settings: WebSettings,
        signer: Signer,
        credentials: Credentials | None,
        templates: jinja2.Environment,
        clock: Callable[[], datetime],
    ) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.signer = signer
        self.credentials = credentials
        self.templates = templates
        self.clock = clock
        self.throttle = LoginThrottle()
        self.medicines = _medicine_names(knowledge)
        self._journal: Journal | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Now, timezone-aware (the journal refuses naive times)."""
        return self.clock()

    def journal(self) -> Journal:
        """The journal, opened on first use and kept open (it is thread-safe)."""
        journal = self._journal
        if journal is not None:
            return journal
        with self._lock:
            if self._journal is None:
                from magnerve.journal import Journal

                self._journal = Journal.open(self.settings.db_path)
            return self._journal

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    def find_medicines(self, query: str, limit: int = 10) -> list[MedicineName]:
        """Names starting with the query first, then names containing it."""
        key = normalize(query)
        if not key:
            return []
        starts = [m for m in self.medicines if m.key.startswith(key)]
        if len(starts) < limit:
            starts += [m for m in self.medicines
                       if key in m.key and not m.key.startswith(key)]
        return starts[:limit]

    def render(self, name: str, **values: Any) -> str:
        """Render a template to text (templates format; they never decide)."""
        return self.templates.get_template(name).render(**values)


def context(request: Request) -> WebContext:
    """The WebContext of the app serving this request."""
    return cast("WebContext", request.app.state.web)
