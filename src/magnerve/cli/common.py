"""What every command shares: the output format option, reading inputs, printing JSON."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magnerve.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["OutputFormat", "console", "print_json", "read_input_file", "write_private"]

MAX_INPUT_BYTES = 10_000_000


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def print_json(data: Any) -> None:
    """The JSON contract on stdout: UTF-8, two-space indent, stable key order, newline."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def console() -> Console:
    """A rich console for text output (imported lazily: JSON output never pays for rich)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def read_input_file(path: str, field: str, *, limit: int = MAX_INPUT_BYTES) -> str:
    """Read a text input file ('-' is stdin) as UTF-8, refusing binary and huge files."""
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
        where = "stdin"
    else:
        file = Path(path)
        if not file.exists():
            raise InputError(field, path, "an existing file", message=f"File not found: {path}")
        if file.is_dir():
            raise InputError(field, path, "a file", message=f"{path} is a directory, not a file.")
        try:
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(field, path, "a readable file",
                             message=f"Cannot read {path}: {exc.strerror}.") from None
        where = path
    if len(data) > limit:
        raise InputError(field, where, f"at most {limit // 1_000_000} MB",
                         message=f"{where} is larger than {limit // 1_000_000} MB; magnerve "
                         "reads text files up to that size.")
    if b"\x00" in data:
        raise InputError(field, where, "a text file", message=f"{where} looks like a binary "
                         "file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(field, where, "UTF-8 text", message=f"{where} is not UTF-8 text "
                         f"(invalid byte at position {exc.start}).") from None


def write_private(path: Path, data: bytes, field: str = "--output") -> None:
    """Write a file only its owner can read, atomically: health data, and never a
    half-written file (a temporary file in the same directory is synced, then renamed)."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(field, str(path), "a file in an existing directory")
    if path.is_dir():
        raise InputError(field, str(path), "a file name, not a directory")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
