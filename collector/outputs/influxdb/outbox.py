"""The output's local queue: line protocol accepted and not yet written, in one SQLite file per output
(``outbox-<name>.sqlite3``), bounded by bytes.

A row is a chunk of at most ``batch_lines`` lines of one stored batch; a batch's chunks go in with one transaction.
The writer takes the newest rows first and deletes them only once the destination took them, so a restart (or a
crash) resends what was in flight rather than losing it. An append that would pass the bound pushes out the oldest
rows (never one being written), which the caller counts as dropped. WAL with ``synchronous=NORMAL``: a commit
survives the process dying, an operating-system crash may lose the last ones.

The counts (rows, lines, bytes) are kept in memory, so /metrics reads them without a query.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chunk", "Outbox", "QueuedChunk"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    enqueued_ms INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    body BLOB NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Chunk:
    lines: int
    body: bytes  # lines joined by "\n", UTF-8


@dataclass(frozen=True, slots=True)
class QueuedChunk:
    id: int
    lines: int
    body: bytes


class Outbox:
    def __init__(self, directory: str | Path, output_name: str, limit_bytes: int):
        self.limit_bytes = limit_bytes
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path / f"outbox-{output_name}.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)
        self._lock = threading.Lock()  # one connection, used by the ingest path and the writer thread
        self._in_flight: set[int] = set()
        self.lines, self.bytes = self._db.execute(
            "SELECT coalesce(sum(lines), 0), coalesce(sum(length(body)), 0) FROM chunks").fetchone()
        self.oldest_enqueued_ms = self._oldest_enqueued_ms()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def append(self, chunks: Sequence[Chunk], enqueued_ms: int) -> int:
        """Queue the chunks of one batch; returns the lines pushed out to stay within the bound."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO chunks (enqueued_ms, lines, body) VALUES (?, ?, ?)",
                                 [(enqueued_ms, chunk.lines, chunk.body) for chunk in chunks])
            self.lines += sum(chunk.lines for chunk in chunks)
            self.bytes += sum(len(chunk.body) for chunk in chunks)
            dropped = self._evict_oldest() if self.bytes > self.limit_bytes else 0
            self._db.execute("COMMIT")
            if self.oldest_enqueued_ms is None or dropped:
                self.oldest_enqueued_ms = self._oldest_enqueued_ms()
        return dropped

    def _evict_oldest(self) -> int:
        dropped_lines = 0
        evicted = []
        rows = self._db.execute("SELECT id, lines, length(body) FROM chunks ORDER BY id")
        for row_id, lines, size in rows:
            if self.bytes <= self.limit_bytes:
                break
            if row_id in self._in_flight:
                continue
            evicted.append((row_id,))
            dropped_lines += lines
            self.lines -= lines
            self.bytes -= size
        rows.close()
        self._db.executemany("DELETE FROM chunks WHERE id = ?", evicted)
        return dropped_lines

    def take_newest(self, max_lines: int) -> list[QueuedChunk]:
        """The newest rows holding at most ``max_lines`` lines together (at least one row), marked in flight until
        ``remove`` or ``release``."""
        taken: list[QueuedChunk] = []
        total = 0
        with self._lock:
            rows = self._db.execute("SELECT id, lines, body FROM chunks ORDER BY id DESC")
            for row_id, lines, body in rows:
                if taken and total + lines > max_lines:
                    break
                taken.append(QueuedChunk(row_id, lines, body))
                total += lines
            rows.close()
            self._in_flight.update(chunk.id for chunk in taken)
        return taken

    def remove(self, chunks: Sequence[QueuedChunk]) -> None:
        """Delete rows that were written (or dropped as rejected)."""
        with self._lock:
            self._db.execute("BEGIN")
            deleted = [chunk for chunk in chunks
                       if self._db.execute("DELETE FROM chunks WHERE id = ?", (chunk.id,)).rowcount]
            self._db.execute("COMMIT")
            self.lines -= sum(chunk.lines for chunk in deleted)
            self.bytes -= sum(len(chunk.body) for chunk in deleted)
            self._in_flight.difference_update(chunk.id for chunk in chunks)
            self.oldest_enqueued_ms = self._oldest_enqueued_ms()

    def release(self, chunks: Sequence[QueuedChunk]) -> None:
        """Rows whose write failed stay queued, and may be pushed out again."""
        with self._lock:
            self._in_flight.difference_update(chunk.id for chunk in chunks)

    def _oldest_enqueued_ms(self) -> int | None:
        row = self._db.execute("SELECT enqueued_ms FROM chunks ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else None
