"""The output's local queue: samples accepted and not yet written, in one SQLite file per output
(``outbox-<name>.sqlite3``), bounded by bytes.

A row is a chunk of at most ``batch_lines`` samples of one stored batch, kept as its columns (series index, time,
value: 20 bytes a sample) and the id of its agent's series-key list, which is stored once for all the batches that
share it (an agent sends the same keys batch after batch). Line protocol, five times the size, is made by the
writer when it sends: queuing costs about 100 µs a batch (appender.py batches them further), not the milliseconds
of encoding it.

The collector appends; the writer, in a process of its own, takes the newest rows first (marking them in flight)
and deletes them only once the destination took them, so a restart (or a crash) resends what was in flight rather
than losing it. An append that would pass the bound pushes out the oldest rows (never one in flight), which the
caller counts as dropped. The totals (samples, bytes) are a row of their own, kept by both sides in the same
transactions, so /metrics reads them without summing. WAL with ``synchronous=NORMAL``: a commit survives the
process dying, an operating-system crash may lose the last ones.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from itops.common.key_cache import KEY_LIST_CACHE_LIMIT, KeyCache
from itops.common.sqlite_transaction import immediate_transaction

__all__ = ["Batch", "Outbox", "QueuedChunk"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS key_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the writer caches what it made of an id
    agent TEXT NOT NULL,
    keys TEXT NOT NULL  -- the series keys, "\\n"-separated (a key holds no newline: the series-key format escapes it)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    enqueued_ms INTEGER NOT NULL,
    key_list INTEGER NOT NULL REFERENCES key_lists (id),
    samples INTEGER NOT NULL,
    columns BLOB NOT NULL,  -- series_index uint32[], timestamps_ms int64[], values float64[], each little-endian
    in_flight INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_by_key_list ON chunks (key_list);
CREATE TABLE IF NOT EXISTS totals (samples INTEGER NOT NULL, bytes INTEGER NOT NULL);
INSERT INTO totals SELECT coalesce(sum(samples), 0), coalesce(sum(length(columns)), 0) FROM chunks
    WHERE NOT EXISTS (SELECT 1 FROM totals);
"""
BUSY_TIMEOUT_MS = 30_000
_INDEX, _TIMESTAMP, _VALUE = np.dtype("<u4"), np.dtype("<i8"), np.dtype("<f8")
SAMPLE_BYTES = _INDEX.itemsize + _TIMESTAMP.itemsize + _VALUE.itemsize


@dataclass(frozen=True, slots=True)
class Batch:
    """The finite samples of one stored batch, to be queued."""

    agent_id: str
    keys: Sequence[str]
    series_index: np.ndarray
    timestamps_ms: np.ndarray
    values: np.ndarray
    enqueued_ms: int


@dataclass(frozen=True, slots=True)
class QueuedChunk:
    id: int
    key_list: int
    samples: int
    columns: bytes

    @property
    def series_index(self) -> np.ndarray:
        return np.frombuffer(self.columns, _INDEX, self.samples)

    @property
    def timestamps_ms(self) -> np.ndarray:
        return np.frombuffer(self.columns, _TIMESTAMP, self.samples, offset=_INDEX.itemsize * self.samples)

    @property
    def values(self) -> np.ndarray:
        return np.frombuffer(self.columns, _VALUE, self.samples, offset=(SAMPLE_BYTES - _VALUE.itemsize) * self.samples)


class Outbox:
    def __init__(self, directory: str | Path, output_name: str, limit_bytes: int):
        self.limit_bytes = limit_bytes
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path / f"outbox-{output_name}.sqlite3", check_same_thread=False,
                                   isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
        self._lock = threading.Lock()  # one connection per process, its threads take turns
        self._key_list_of: KeyCache[tuple[str, tuple[str, ...]], int] = KeyCache(KEY_LIST_CACHE_LIMIT)

    @property
    def samples(self) -> int:
        return self._totals()[0]

    @property
    def bytes(self) -> int:
        return self._totals()[1]

    @property
    def oldest_enqueued_ms(self) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT enqueued_ms FROM chunks ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _totals(self) -> tuple[int, int]:
        with self._lock:
            return self._db.execute("SELECT samples, bytes FROM totals").fetchone()

    def _transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return immediate_transaction(self._db, self._lock)

    def append(self, batches: Sequence[Batch], chunk_samples: int) -> int:
        """Queue batches, each in rows of at most ``chunk_samples`` samples, in one transaction; returns the samples
        pushed out to stay within the bound."""
        rows = [(batch, _columns(batch, start, start + chunk_samples))
                for batch in batches for start in range(0, len(batch.values), chunk_samples)]
        with self._transaction() as db:
            db.executemany("INSERT INTO chunks (enqueued_ms, key_list, samples, columns) VALUES (?, ?, ?, ?)",
                           [(batch.enqueued_ms, self._key_list(db, batch.agent_id, batch.keys),
                             len(columns) // SAMPLE_BYTES, columns) for batch, columns in rows])
            db.execute("UPDATE totals SET samples = samples + ?, bytes = bytes + ?",
                       (sum(len(batch.values) for batch in batches), sum(len(columns) for _, columns in rows)))
            return _evict_oldest(db, self.limit_bytes)

    def _key_list(self, db: sqlite3.Connection, agent_id: str, keys: Sequence[str]) -> int:
        def store(agent_and_keys: tuple[str, tuple[str, ...]]) -> int:
            return db.execute("INSERT INTO key_lists (agent, keys) VALUES (?, ?)",
                              (agent_id, "\n".join(agent_and_keys[1]))).lastrowid
        return self._key_list_of.get_or_make((agent_id, tuple(keys)), store)

    def take_newest(self, max_samples: int) -> list[QueuedChunk]:
        """The newest rows not in flight holding at most ``max_samples`` samples together (at least one row),
        marked in flight until ``remove`` or ``release``."""
        taken: list[QueuedChunk] = []
        total = 0
        with self._transaction() as db:
            rows = db.execute("SELECT id, key_list, samples, columns FROM chunks WHERE NOT in_flight ORDER BY id DESC")
            for row_id, key_list, samples, columns in rows:
                if taken and total + samples > max_samples:
                    break
                taken.append(QueuedChunk(row_id, key_list, samples, columns))
                total += samples
            rows.close()
            db.executemany("UPDATE chunks SET in_flight = 1 WHERE id = ?", [(chunk.id,) for chunk in taken])
        return taken

    def key_list(self, key_list: int) -> tuple[str, list[str]]:
        """(agent, series keys) of a queued chunk's key list."""
        with self._lock:
            agent_id, keys = self._db.execute("SELECT agent, keys FROM key_lists WHERE id = ?", (key_list,)).fetchone()
        return agent_id, keys.split("\n")

    def remove(self, chunks: Sequence[QueuedChunk]) -> None:
        """Delete rows that were written (or dropped as rejected)."""
        with self._transaction() as db:
            deleted = [chunk for chunk in chunks if db.execute("DELETE FROM chunks WHERE id = ?", (chunk.id,)).rowcount]
            db.execute("UPDATE totals SET samples = samples - ?, bytes = bytes - ?",
                       (sum(chunk.samples for chunk in deleted), sum(len(chunk.columns) for chunk in deleted)))

    def release(self, chunks: Sequence[QueuedChunk]) -> None:
        """Rows whose write failed stay queued, and may be pushed out again."""
        with self._transaction() as db:
            db.executemany("UPDATE chunks SET in_flight = 0 WHERE id = ?", [(chunk.id,) for chunk in chunks])

    def release_all(self) -> None:
        """What a writer that stopped or died had in flight is queued again (called before a writer starts)."""
        with self._transaction() as db:
            db.execute("UPDATE chunks SET in_flight = 0 WHERE in_flight")

    def forget_unused_key_lists(self) -> int:
        """Delete the key lists no queued row and no cached batch refers to (an agent whose keys changed left its
        old list behind); returns how many. Only the appending side may call it: it knows what it will refer to."""
        with self._transaction() as db:
            cached = json.dumps(list(self._key_list_of.values()))
            return db.execute("DELETE FROM key_lists WHERE id NOT IN (SELECT key_list FROM chunks) "
                              "AND id NOT IN (SELECT value FROM json_each(?))", (cached,)).rowcount


def _evict_oldest(db: sqlite3.Connection, limit_bytes: int) -> int:
    """Delete the oldest rows not in flight until the totals are within the bound; returns their samples."""
    queued_bytes = db.execute("SELECT bytes FROM totals").fetchone()[0]
    if queued_bytes <= limit_bytes:
        return 0
    evicted = []
    dropped_samples = freed = 0
    oldest = db.execute("SELECT id, samples, length(columns) FROM chunks WHERE NOT in_flight ORDER BY id")
    for row_id, samples, size in oldest:
        if queued_bytes - freed <= limit_bytes:
            break
        evicted.append((row_id,))
        dropped_samples += samples
        freed += size
    oldest.close()
    db.executemany("DELETE FROM chunks WHERE id = ?", evicted)
    db.execute("UPDATE totals SET samples = samples - ?, bytes = bytes - ?", (dropped_samples, freed))
    return dropped_samples


def _columns(batch: Batch, start: int, end: int) -> bytes:
    return b"".join((batch.series_index[start:end].astype(_INDEX, copy=False).tobytes(),
                     batch.timestamps_ms[start:end].astype(_TIMESTAMP, copy=False).tobytes(),
                     batch.values[start:end].astype(_VALUE, copy=False).tobytes()))
