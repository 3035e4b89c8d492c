"""A registry of schema migrations, in the manner of sqlite-utils' ``Migrations``.

Each migration is a function registered with a version number::

    MIGRATIONS = Migrations("journal")

    @MIGRATIONS(2, "entries_utc_and_offset")
    def _split_times(conn): ...

The store applies every migration newer than the file's recorded version, in order, inside
one write transaction, and records each in the ``_migrations`` table. Because versions are
checked to be 1, 2, 3... with no gaps, a file written by *any* earlier release upgrades in
place by running exactly the steps it is missing, and a file from a *newer* release is
refused instead of being half-understood.

This module only keeps the registry; it holds no SQL (the store owns every SQL string).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Migration", "Migrations"]

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Migration(Generic[C]):
    """One schema step: its version, a name for the ledger, and the function that applies it."""

    version: int
    name: str
    apply: Callable[[C], None]


class Migrations(Generic[C]):
    """An ordered set of migrations for one schema, registered with a decorator."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._steps: dict[int, Migration[C]] = {}

    def __call__(
        self, version: int, name: str | None = None
    ) -> Callable[[Callable[[C], None]], Callable[[C], None]]:
        """Register the decorated function as the migration to ``version``."""
        if version < 1:
            raise ValueError(f"migration versions start at 1 (got {version})")
        if version in self._steps:
            raise ValueError(
                f"{self.schema}: migration {version} is already registered "
                f"({self._steps[version].name})"
            )

        def register(func: Callable[[C], None]) -> Callable[[C], None]:
            step_name = name or func.__name__.lstrip("_")
            self._steps[version] = Migration(version, step_name, func)
            return func

        return register

    def __iter__(self) -> Iterator[Migration[C]]:
        return iter(self._ordered())

    def __len__(self) -> int:
        return len(self._steps)

    def _ordered(self) -> list[Migration[C]]:
        steps = [self._steps[v] for v in sorted(self._steps)]
        expected = list(range(1, len(steps) + 1))
        if [s.version for s in steps] != expected:
            raise ValueError(
                f"{self.schema}: migration versions must be 1..{len(steps)} with "
                f"no gaps (got {[s.version for s in steps]})"
            )
        return steps

    @property
    def latest(self) -> int:
        """The schema version a fully migrated file has."""
        return len(self._ordered())

    def pending(self, current: int) -> list[Migration[C]]:
        """The migrations a file at version ``current`` still needs, oldest first."""
        return [step for step in self._ordered() if step.version > current]
