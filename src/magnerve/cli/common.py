"""What every command shares: the output format option, reading inputs, printing JSON."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magnerve.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "OutputFormat",
    "console",
    "print_json",
    "read_input_file",
    "refuse_journal_output",
    "warn_damaged",
    "write_private",
]

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
        shown = _shown(path)
        try:
            if not file.exists():
                raise InputError(field, path, "an existing file",
                                 message=f"File not found: {shown}")
            if file.is_dir():
                raise InputError(field, path, "a file",
                                 message=f"{shown} is a directory, not a file.")
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(field, path, "a readable file",
                             message=f"Cannot read {shown}: {_os_reason(exc)}.") from None
        where = shown
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


def _shown(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if len(text) > 100:
        text = text[:50] + "..." + text[-40:]
    return text if text.isprintable() else repr(text)[1:-1]


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc).strip().rstrip(".")


def write_private(path: Path, data: bytes, field: str = "--output") -> None:
    """Write a file only its owner can read, atomically: health data, and never a
    half-written file (a temporary file in the same directory is synced, then renamed).

    Only a regular file is ever replaced: an existing device, pipe, socket or directory
    with that name is refused (renaming over ``/dev/full`` would replace the device).

    Raises:
        InputError: naming ``field``, the path and what is wrong (including the operating
            system's reason when it refuses: a name too long, a read-only directory...).
    """
    shown = _shown(path)
    try:
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise InputError(field, str(path), "a file in an existing directory")
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            raise InputError(field, str(path), "a file name, not a directory")
        if mode is not None and not stat.S_ISREG(mode):
            raise InputError(field, str(path), "a regular file",
                             message=f"Refusing to write {shown}: it is a device, pipe or "
                             "other special file, not a regular file; give a file name.")
    except OSError as exc:
        raise InputError(field, str(path), "a file that can be written",
                         message=f"Cannot write {shown}: {_os_reason(exc)}.") from None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", dir=directory)  # mode 0600
    except OSError as exc:
        raise InputError(field, str(path), "a file that can be written",
                         message=f"Cannot write {shown}: cannot create a file in "
                         f"{_shown(directory)} ({_os_reason(exc).lower()}).") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InputError(field, str(path), "a file that can be written",
                         message=f"Cannot write {shown}: {_os_reason(exc)}.") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


#: Files SQLite keeps beside a journal; writing over any of them damages it.
_JOURNAL_COMPANIONS = ("", "-wal", "-shm", "-journal")


def refuse_journal_output(output: str, journal: Path, field: str = "--output") -> None:
    """Refuse an output path that is the journal itself or one of its SQLite files
    (``-wal``, ``-shm``, ``-journal``), however it is spelled (relative, through a symbolic
    link, or a hard link to the same file): an export or report must never replace the
    data it was made from.

    Raises:
        InputError: naming ``field`` and the path.
    """
    try:
        target = os.path.realpath(output)
        base = os.path.realpath(journal)
    except (OSError, ValueError):
        return  # write_private reports a path the system cannot use
    protected = [base + suffix for suffix in _JOURNAL_COMPANIONS]
    same = target in protected
    if not same and os.path.exists(target):
        for candidate in protected:
            try:
                if os.path.exists(candidate) and os.path.samefile(target, candidate):
                    same = True
                    break
            except OSError:
                continue
    if same:
        raise InputError(field, output, "a file other than the journal",
                         message=f"Refusing to write {_shown(output)}: it is the journal "
                         f"{_shown(journal)} or one of its files, and writing there would "
                         "destroy it; choose another output file.")


def warn_damaged(damaged: list[tuple[str, str]]) -> None:
    """One line on stderr when rows of the journal could not be read and were skipped:
    how many, which (short ids, as ``journal delete`` takes them) and the first reason."""
    if not damaged:
        return
    ids = [item_id[:8] if len(item_id) > 12 and " " not in item_id else item_id
           for item_id, _reason in damaged]
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    sys.stderr.write(
        f"magnerve: warning: skipped {len(ids)} damaged journal row"
        f"{'' if len(ids) == 1 else 's'} that could not be read ({shown}; first: "
        f"{damaged[0][1]}); nothing was deleted.\n"
    )
