"""Where the journal lives: ``--db``, else ``MAGNERVE_DB``, else the user data directory.

The order is the contract in design.md 3.7. An explicit path always wins so scripts and
tests never touch a person's real journal by accident; the environment variable lets a
person keep the journal somewhere else (an encrypted volume) without typing ``--db`` on
every command; platformdirs picks the platform's own place for private application data
(``~/.local/share/magnerve`` on Linux, ``~/Library/Application Support/magnerve`` on macOS).
"""

from __future__ import annotations

import os
from pathlib import Path

from magnerve.errors import JournalError

__all__ = ["APP_NAME", "DB_ENV", "DB_FILENAME", "resolve_db_path", "shown_path"]

APP_NAME = "magnerve"
DB_ENV = "MAGNERVE_DB"
DB_FILENAME = "journal.sqlite3"


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """The journal file to use.

    Args:
        db: the ``--db`` value; None or an empty string means "not given".

    Returns:
        An absolute path with ``~`` expanded. The file need not exist yet.
    """
    if db is not None and str(db) != "":
        return _absolute(str(db), "--db")
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return _absolute(env, f"${DB_ENV}")
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME


def _absolute(text: str, source: str) -> Path:
    """``text`` as an absolute path; a ``~user`` that does not exist or a working directory
    that was deleted is one sentence, not a traceback."""
    try:
        return Path(text).expanduser().absolute()
    except RuntimeError as exc:  # "~nobody/..." or no home directory
        raise JournalError(
            f"Cannot use the journal path {shown_path(text)} from {source}: "
            f"{str(exc).rstrip('.').lower()}."
        ) from None
    except OSError as exc:  # the working directory is gone
        raise JournalError(
            f"Cannot use the journal path {shown_path(text)} from {source}: {exc.strerror or exc}."
        ) from None


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path for a message: shortened when very long (the start and the file name are
    kept), escaped when it holds control characters or bytes that are not UTF-8."""
    text = os.fspath(path)
    if len(text) > 100:
        text = text[:50] + "..." + text[-40:]
    return text if text.isprintable() else repr(text)[1:-1]
