"""The newest sample of every series since a moment, for the fleet endpoint.

Samples reach back into chunks only when the head was regrouped early or a backlog arrived late, so the chunks are
asked first, through the index on (window_start, end_ts), for those ending at or after ``since``: an unmerged
chunk's newest sample is its last 8 bytes, read without the rest of the blob. The head rows holding a sample at or
after ``since`` follow, in write order, a bounded slice of samples at a time. Later writes win ties, as in
``read_samples``: chunk rows by id, then head rows by id.
"""

from __future__ import annotations

import sqlite3
import zlib

import numpy as np

from ..base import LatestSamples

__all__ = ["read_latest"]

HEAD_SAMPLES_PER_SLICE = 262_144  # bounds the columns held at once (about 6 MiB)
CHUNK_ROWS_PER_SLICE = 8192  # a merged chunk's row holds its compressed values: bounds those held at once
_NONE = np.iinfo(np.int64).min


class _Newest:
    """The newest (timestamp, value) of each series id below ``size`` seen so far."""

    def __init__(self, size: int):
        self.timestamps_ms = np.full(size, _NONE, dtype=np.int64)
        self.values = np.zeros(size, dtype=np.float64)

    def take(self, series_ids: np.ndarray, timestamps_ms: np.ndarray, values: np.ndarray) -> None:
        """Samples given in write order, all written after those taken before."""
        known = series_ids < self.timestamps_ms.size  # a series created after the read began waits for the next
        order = np.lexsort((timestamps_ms[known], series_ids[known]))  # stable: write order among equal times
        series_ids, timestamps_ms, values = series_ids[known][order], timestamps_ms[known][order], values[known][order]
        last_of_series = np.append(series_ids[1:] != series_ids[:-1], True)
        series_ids, timestamps_ms, values = series_ids[last_of_series], timestamps_ms[last_of_series], values[last_of_series]
        newer = timestamps_ms >= self.timestamps_ms[series_ids]
        self.timestamps_ms[series_ids[newer]] = timestamps_ms[newer]
        self.values[series_ids[newer]] = values[newer]

    def result(self) -> LatestSamples:
        found = np.flatnonzero(self.timestamps_ms != _NONE)
        return LatestSamples(found.astype(np.int64), self.timestamps_ms[found], self.values[found])


def read_latest(conn: sqlite3.Connection, since_ms: int, window_ms: int, series_id_limit: int) -> LatestSamples:
    """The newest sample at or after ``since_ms`` of every series with an id below ``series_id_limit``."""
    newest = _Newest(series_id_limit)
    conn.execute("BEGIN")  # one snapshot of both tables, or a concurrent compaction could hide or double rows
    try:
        _take_chunks(conn, newest, since_ms, window_ms)
        _take_head(conn, newest, since_ms)
    finally:
        conn.execute("COMMIT")
    return newest.result()


def _take_chunks(conn: sqlite3.Connection, newest: _Newest, since_ms: int, window_ms: int) -> None:
    rows = conn.execute(
        "SELECT series_id, end_ts, CASE WHEN merged THEN vals ELSE substr(vals, -8) END, merged"
        " FROM chunks INDEXED BY chunks_by_window_end WHERE window_start > ? AND end_ts >= ? ORDER BY id",
        (since_ms - window_ms, since_ms),
    )
    while batch := rows.fetchmany(CHUNK_ROWS_PER_SLICE):
        newest.take(np.array([row[0] for row in batch], dtype=np.int64), np.array([row[1] for row in batch], dtype=np.int64),
                    np.array([_last_value(vals, merged) for _, _, vals, merged in batch], dtype=np.float64))


def _last_value(vals: bytes, merged: int) -> float:
    """The last of a chunk's values: all of an unmerged chunk's ``vals`` the query read are its last 8 bytes."""
    return float(np.frombuffer(zlib.decompress(vals)[-8:] if merged else vals, dtype=np.float64)[0])


def _take_head(conn: sqlite3.Connection, newest: _Newest, since_ms: int) -> None:
    rows = conn.execute("SELECT series, ts, vals FROM head WHERE max_ts >= ? ORDER BY id", (since_ms,))
    pending: list[tuple[bytes, bytes, bytes]] = []
    pending_samples = 0
    for row in rows:
        pending.append(row)
        pending_samples += len(row[2]) // 8
        if pending_samples >= HEAD_SAMPLES_PER_SLICE:
            _take_head_slice(newest, pending, since_ms)
            pending, pending_samples = [], 0
    if pending:
        _take_head_slice(newest, pending, since_ms)


def _take_head_slice(newest: _Newest, rows: list[tuple[bytes, bytes, bytes]], since_ms: int) -> None:
    series_ids = np.frombuffer(b"".join(row[0] for row in rows), dtype=np.int64)
    timestamps_ms = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.int64)
    values = np.frombuffer(b"".join(row[2] for row in rows), dtype=np.float64)
    recent = timestamps_ms >= since_ms
    newest.take(series_ids[recent], timestamps_ms[recent], values[recent])
