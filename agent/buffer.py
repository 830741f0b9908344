"""Unsent batches, kept on disk (SQLite WAL) until the collector acknowledges them.

Bounded by bytes: when full, the oldest batches are dropped and the drop is counted. The buffer also
hands out batch sequence numbers, persisted so they keep increasing across restarts; they never fall
below the current time in microseconds (of the clock it is given), so even a deleted buffer cannot reuse a
sequence the collector has already stored (it would be taken for a replay and discarded).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from itops.common.clock import EpochClock

__all__ = ["BufferedBatch", "BufferStats", "DiskBuffer"]

BUFFER_FILE_NAME = "buffer.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    sequence INTEGER PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class BufferedBatch:
    sequence: int
    samples: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class BufferStats:
    batches: int
    bytes: int
    dropped_batches_total: int
    dropped_samples_total: int
    oldest_age_s: float
    """How long ago the oldest unsent batch was sealed; 0 when the buffer is empty."""


class DiskBuffer:
    """Not thread-safe: the agent uses it from its event loop only."""

    def __init__(self, directory: str | None, limit_bytes: int, *, clock: EpochClock):
        """``directory=None`` keeps the buffer in memory (buffer.enabled: false)."""
        self.limit_bytes = limit_bytes
        self.clock = clock
        if directory is None:
            self._db = sqlite3.connect(":memory:", isolation_level=None)
        else:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            self._db = sqlite3.connect(Path(directory) / BUFFER_FILE_NAME, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._bytes, self._batches = self._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0), COUNT(*) FROM batches").fetchone()

    def close(self) -> None:
        self._db.close()

    def _counter(self, name: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return row[0] if row else 0

    def _set_counter(self, name: str, value: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))

    def next_sequence(self) -> int:
        """Reserve the next batch sequence (durably, in the same commit as the batch that uses it)."""
        newest = self._db.execute("SELECT MAX(sequence) FROM batches").fetchone()[0] or 0
        return max(newest, self._counter("last_sequence"), int(self.clock() * 1_000_000)) + 1

    def append(self, sequence: int, payload: bytes, samples: int, created_ms: int) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO batches (sequence, created_ms, samples, payload) VALUES (?, ?, ?, ?)",
                (sequence, created_ms, samples, payload),
            )
            self._set_counter("last_sequence", sequence)
            self._bytes += len(payload)
            self._batches += 1
            self._drop_oldest_over_limit()

    def _drop_oldest_over_limit(self) -> None:
        while self._bytes > self.limit_bytes and self._batches > 1:
            sequence, samples, size = self._db.execute(
                "SELECT sequence, samples, LENGTH(payload) FROM batches ORDER BY sequence LIMIT 1"
            ).fetchone()
            self._db.execute("DELETE FROM batches WHERE sequence = ?", (sequence,))
            self._bytes -= size
            self._batches -= 1
            self._set_counter("dropped_batches", self._counter("dropped_batches") + 1)
            self._set_counter("dropped_samples", self._counter("dropped_samples") + samples)

    def get(self, sequence: int) -> BufferedBatch | None:
        row = self._db.execute("SELECT sequence, samples, payload FROM batches WHERE sequence = ?", (sequence,)).fetchone()
        return BufferedBatch(*row) if row else None

    def oldest(self, exclude: set[int] | frozenset[int] = frozenset()) -> BufferedBatch | None:
        """The oldest batch whose sequence is not in ``exclude`` (batches already being sent live)."""
        for row in self._db.execute("SELECT sequence, samples, payload FROM batches ORDER BY sequence"):
            if row[0] not in exclude:
                return BufferedBatch(*row)
        return None

    def remove(self, sequence: int) -> None:
        size = self._db.execute("SELECT LENGTH(payload) FROM batches WHERE sequence = ?", (sequence,)).fetchone()
        if size is None:
            return
        self._db.execute("DELETE FROM batches WHERE sequence = ?", (sequence,))
        self._bytes -= size[0]
        self._batches -= 1

    def stats(self) -> BufferStats:
        return BufferStats(self._batches, self._bytes, self._counter("dropped_batches"), self._counter("dropped_samples"),
                           self._oldest_age_s())

    def _oldest_age_s(self) -> float:
        oldest_ms = self._db.execute("SELECT created_ms FROM batches ORDER BY sequence LIMIT 1").fetchone()
        return max(0.0, self.clock() - oldest_ms[0] / 1000) if oldest_ms else 0.0
