"""Subprocess for durability tests: add notes one by one, print each id once it is stored.

Usage: python writer_process.py DB_PATH COUNT TAG   (COUNT 0 = until killed)

A printed id is an acknowledgement: ``Journal.add`` has committed and synced the entry.
The parent kills this process at a random moment and then checks every acknowledged id.
"""

from __future__ import annotations

import sys
from datetime import datetime

from magnerve.journal import Journal


def main() -> None:
    path, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with Journal.open(path) as journal:
        i = 0
        while count == 0 or i < count:
            entry = journal.add("note", {"text": f"{tag} {i}"}, datetime.now().astimezone())
            sys.stdout.write(entry.id + "\n")
            sys.stdout.flush()
            i += 1


if __name__ == "__main__":
    main()
