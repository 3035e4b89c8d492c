"""Every error magnerve raises, in one hierarchy.

::

    MagnerveError
     ├─ KnowledgeError                 the shipped knowledge is wrong or a lookup failed
     │   ├─ DataFileError              a knowledge file is malformed (file, entry, field named)
     │   └─ UnknownNameError           a form, drug or food id is not known (also LookupError)
     ├─ InputError                     a person's input is wrong (also ValueError)
     │   ├─ ProfileError               a profile field is missing, mistyped or out of range
     │   ├─ UnitError                  a unit is unknown or cannot be converted
     │   ├─ LabelError                 supplement label text cannot be read
     │   └─ FoodLogError               a food log or questionnaire cannot be read
     ├─ JournalError                   the journal store cannot do what was asked
     └─ ReportError                    a report cannot be produced

Input errors carry their data as attributes (``field``, ``value``, ``expected``,
``suggestion``) so every surface (CLI, REST API, web pages) renders them from the same
facts instead of parsing strings. The message is one sentence in the attrs style:
``'age' must be a whole number of years from 0 to 120 (got -3).``

Dual inheritance (``InputError`` is also a ``ValueError``, ``UnknownNameError`` also a
``LookupError``) lets plain-Python callers catch the built-in they expect.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DataFileError",
    "FoodLogError",
    "InputError",
    "JournalError",
    "KnowledgeError",
    "LabelError",
    "MagnerveError",
    "ProfileError",
    "ReportError",
    "UnitError",
    "UnknownNameError",
]


def _show(value: Any) -> str:
    """Render a bad value for a message: short, quoted when text, never multi-line."""
    if hasattr(value, "isoformat") and not isinstance(value, str):  # TOML dates and times
        value = value.isoformat()
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        text = text.replace("\n", "\\n")
        return repr(text)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class MagnerveError(Exception):
    """Base of every error magnerve raises on purpose."""


class KnowledgeError(MagnerveError):
    """The knowledge base could not be loaded or a lookup in it failed."""


class DataFileError(KnowledgeError):
    """A knowledge data file is malformed; names the file, the entry and the field."""

    def __init__(self, file: str, entry: str | None, field: str | None, problem: str) -> None:
        self.file = file
        self.entry = entry
        self.field = field
        self.problem = problem
        where = file
        if entry is not None:
            where += f", entry '{entry}'"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.entry, self.field, self.problem))


class UnknownNameError(KnowledgeError, LookupError):
    """A name (form id, drug, food id) is not in the knowledge base."""

    def __init__(self, kind: str, name: str, suggestion: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.suggestion = suggestion
        message = f"{_show(name)} is not a known {kind}."
        if suggestion:
            message += f" Did you mean '{suggestion}'?"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.name, self.suggestion))


class InputError(MagnerveError, ValueError):
    """Bad input from a person or another program.

    ``field`` is a dotted path into the input (``medications[1].times[0]``), ``value`` the
    offending value, ``expected`` what would have been accepted, ``suggestion`` an optional
    nearest valid alternative. ``where`` optionally names the input (a file name).
    """

    def __init__(
        self,
        field: str,
        value: Any,
        expected: str,
        *,
        suggestion: str | None = None,
        where: str | None = None,
        hint: str | None = None,
        message: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.suggestion = suggestion
        self.where = where
        self.hint = hint
        self.custom = message
        super().__init__(self._message())

    def _message(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        if self.custom is not None:
            message = prefix + self.custom
        else:
            message = f"{prefix}'{self.field}' must be {self.expected} (got {_show(self.value)})."
        if self.suggestion and self.custom is None:
            message += f" Did you mean '{self.suggestion}'?"
        if self.hint:
            message += f" {self.hint}"
        return message

    def located(self, where: str) -> InputError:
        """Return the same error naming the input it came from (a file, stdin...)."""
        self.where = where
        self.args = (self._message(),)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The error's facts, for JSON surfaces."""
        value = self.value if isinstance(self.value, (str, int, float, bool, type(None))) else (
            repr(self.value)
        )
        return {
            "field": self.field,
            "value": value,
            "expected": self.expected,
            "suggestion": self.suggestion,
            "message": str(self),
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_input_error,
            (type(self), self.field, self.value, self.expected, self.suggestion, self.where,
             self.hint, self.custom),
        )


def _rebuild_input_error(
    cls: type[InputError],
    field: str,
    value: Any,
    expected: str,
    suggestion: str | None,
    where: str | None,
    hint: str | None,
    message: str | None,
) -> InputError:
    return cls(field, value, expected, suggestion=suggestion, where=where, hint=hint,
               message=message)


class ProfileError(InputError):
    """A profile field is missing, has the wrong type, or is out of range."""


class UnitError(InputError):
    """A unit is unknown, missing, or cannot be converted to what is needed."""


class LabelError(InputError):
    """Supplement label text could not be read (empty, binary, too large, no amount)."""


class FoodLogError(InputError):
    """A food log or food questionnaire could not be read."""


class JournalError(MagnerveError):
    """The journal could not store or read what was asked; nothing stored is lost."""


class ReportError(MagnerveError):
    """A report could not be produced."""
