"""Registers the command groups that build on the core (labels, foods, journal, web).

Each command module imports only typer and light helpers at import time and pulls in its
heavy dependencies (SQLite store, matplotlib, FastAPI...) inside the command, so
`magnerve plan` does not pay for commands it does not run.
"""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add later command groups to the main app."""
    from magnerve.cli.journal_cmd import journal_app

    app.add_typer(journal_app, name="journal")
