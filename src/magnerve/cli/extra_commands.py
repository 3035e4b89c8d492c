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
    from magnerve.cli.foods_cmd import diet_command, foods_app
    from magnerve.cli.journal_cmd import journal_app
    from magnerve.cli.label_cmd import label_command
    from magnerve.cli.review_cmd import report_command, review_command
    from magnerve.cli.serve_cmd import serve_command

    app.command("label")(label_command)
    app.add_typer(foods_app, name="foods")
    app.command("diet")(diet_command)
    app.add_typer(journal_app, name="journal")
    app.command("review")(review_command)
    app.command("report")(report_command)
    app.command("serve")(serve_command)
