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

__all__ = ["APP_NAME", "DB_ENV", "DB_FILENAME", "resolve_db_path"]

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
        return Path(db).expanduser().absolute()
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return Path(env).expanduser().absolute()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / DB_FILENAME
