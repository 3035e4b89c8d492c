"""Fixtures for the label reader tests: the shipped knowledge base, loaded once."""

from __future__ import annotations

import pytest

from magnerve.knowledge import Knowledge, load_knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The packaged knowledge base (cached by the loader, so cheap to share)."""
    return load_knowledge()
