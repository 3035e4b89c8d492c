"""Review fixtures: a scripted person in New York (a non-UTC zone with a DST change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.review.journals import Person

from magnerve.knowledge import Knowledge


@pytest.fixture
def person(kb: Knowledge) -> Person:
    """The default person: healthy adult, glycinate plan, day 1 on 2024-03-01."""
    return Person(kb)


@pytest.fixture
def person_with(kb: Knowledge) -> Callable[..., Person]:
    """A person with a custom profile or form: ``person_with(profile={...}, form="citrate")``."""

    def make(**kwargs: Any) -> Person:
        return Person(kb, **kwargs)

    return make
