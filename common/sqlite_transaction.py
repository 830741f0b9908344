"""A write transaction on a SQLite connection shared by the threads of a process and used by other processes too."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

__all__ = ["immediate_transaction"]


@contextlib.contextmanager
def immediate_transaction(db: sqlite3.Connection, lock: threading.Lock) -> Iterator[sqlite3.Connection]:
    """``db`` (opened with ``isolation_level=None``) in a write transaction taken at once — so a writer in another
    process waits for it rather than deadlocking with it — committed at the end, rolled back on an error; ``lock``
    makes this process's threads take turns at the connection."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
