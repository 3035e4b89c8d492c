"""Registers the command groups that build on the core (labels, foods, journal, web)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add later command groups to the main app. Each module stays import-light."""
