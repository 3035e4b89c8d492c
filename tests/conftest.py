"""Shared fixtures: the real knowledge base, a profile factory, plans, golden-file updating.

pytest runs with ``--import-mode=importlib``, which does not put the repository on
``sys.path``; the repository root is added here so test modules can import helpers as
``tests.strategies``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from magnerve.core.planner import plan  # noqa: E402
from magnerve.core.profile import Profile, parse_profile  # noqa: E402
from magnerve.knowledge import Knowledge, load_knowledge  # noqa: E402

# Property tests: at most 200 examples each (most use fewer), no deadline (the first plan
# in a worker pays for loading the knowledge base), and no flaky-timing health check.
settings.register_profile(
    "magnerve",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("magnerve")

#: A healthy adult with a known, normal eGFR: the baseline plan has no reasons at all.
BASE_PROFILE: dict[str, Any] = {"age": 45, "sex": "female", "egfr": 90}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/*.json from the current code (review the diff!).",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The knowledge base shipped in the package (validated on load)."""
    return load_knowledge()


@pytest.fixture
def profile_factory(kb: Knowledge) -> Callable[..., Profile]:
    """Build a validated Profile from keyword overrides over BASE_PROFILE.

    Pass ``drop=("egfr",)`` to remove baseline keys.
    """

    def make(drop: tuple[str, ...] = (), **overrides: Any) -> Profile:
        data = {k: v for k, v in BASE_PROFILE.items() if k not in drop}
        data.update(overrides)
        return parse_profile(data, kb)

    return make


@pytest.fixture
def plan_for(kb: Knowledge, profile_factory: Callable[..., Profile]) -> Callable[..., dict]:
    """Plan JSON (``Plan.to_dict()``) for keyword overrides over BASE_PROFILE."""

    def make(drop: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
        return plan(profile_factory(drop=drop, **overrides), kb).to_dict()

    return make
