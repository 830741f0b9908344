"""The read path: range queries (and the newest sample of every series) on their own threads and read
connections, aggregated with numpy."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..base import Aggregation, LatestSamples, RangeResult
from .latest import read_latest
from .samples import decode_chunk, latest_per_timestamp
from .schema import connect

__all__ = ["AGGREGATIONS", "RangeReader", "aggregate"]


class RangeReader:
    def __init__(self, db_path: Path, cache_size_bytes: int, threads: int, window_ms: int):
        self._db_path = db_path
        self._cache_size_bytes = cache_size_bytes
        self._window_ms = window_ms
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="itops-sqlite-query")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    async def query(
        self, series_id: int, agent_id: int, start_ms: int, end_ms: int, step_ms: int, aggregation: Aggregation
    ) -> RangeResult:
        reduce = AGGREGATIONS.get(aggregation)
        if reduce is None:
            raise ValueError(f"unknown aggregation {aggregation!r}; expected one of {', '.join(AGGREGATIONS)}")
        if step_ms <= 0:
            raise ValueError(f"step must be positive, got {step_ms} ms")
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._aggregated_range, series_id, agent_id, start_ms, end_ms, step_ms, reduce
        )

    async def latest(self, since_ms: int, series_id_limit: int) -> LatestSamples:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: read_latest(self._connection(), since_ms, self._window_ms, series_id_limit))

    async def was_received(self, agent_id: int, sequence: int) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._received, agent_id, sequence)

    def _received(self, agent_id: int, sequence: int) -> bool:
        row = self._connection().execute(
            "SELECT 1 FROM received WHERE agent_id = ? AND sequence = ?", (agent_id, sequence)).fetchone()
        return row is not None

    def _aggregated_range(
        self, series_id: int, agent_id: int, start_ms: int, end_ms: int, step_ms: int, reduce: Reducer
    ) -> RangeResult:
        timestamps_ms, values = self.read_samples(series_id, agent_id, start_ms, end_ms)
        return aggregate(timestamps_ms, values, start_ms, step_ms, reduce)

    def read_samples(self, series_id: int, agent_id: int, start_ms: int, end_ms: int) -> tuple[np.ndarray, np.ndarray]:
        """The series' samples with start_ms <= t < end_ms, sorted, one per timestamp (the last written)."""
        conn = self._connection()
        conn.execute("BEGIN")  # one snapshot for both tables, or a concurrent compaction could hide or double rows
        try:
            chunk_rows = conn.execute(
                "SELECT merged, ts, vals FROM chunks WHERE series_id = ? AND window_start > ? AND window_start < ?"
                " ORDER BY id",
                (series_id, start_ms - self._window_ms, end_ms),
            ).fetchall()
            head_rows = conn.execute(
                "SELECT series, ts, vals FROM head WHERE agent_id = ? AND max_ts >= ? AND min_ts < ? ORDER BY id",
                (agent_id, start_ms, end_ms),
            ).fetchall()
        finally:
            conn.execute("COMMIT")
        parts = [decode_chunk(ts_blob, vals_blob, merged) for merged, ts_blob, vals_blob in chunk_rows]
        if head_rows:
            parts.append(_series_in_head(series_id, head_rows))
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        timestamps_ms = np.concatenate([ts for ts, _ in parts])
        values = np.concatenate([vals for _, vals in parts])
        in_range = (timestamps_ms >= start_ms) & (timestamps_ms < end_ms)
        return latest_per_timestamp(timestamps_ms[in_range], values[in_range])

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self._db_path, self._cache_size_bytes, read_only=True)
            with self._connections_lock:
                self._connections.append(conn)
        return conn


def _series_in_head(series_id: int, head_rows: list[tuple[bytes, bytes, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    series_ids = np.frombuffer(b"".join(row[0] for row in head_rows), dtype=np.int64)
    timestamps_ms = np.frombuffer(b"".join(row[1] for row in head_rows), dtype=np.int64)
    values = np.frombuffer(b"".join(row[2] for row in head_rows), dtype=np.float64)
    of_series = series_ids == series_id
    return timestamps_ms[of_series], values[of_series]


def _avg(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, firsts) / np.diff(np.append(firsts, values.size))


def _last(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    return values[np.append(firsts[1:], values.size) - 1]


Reducer = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (values, first index of each bucket) -> per bucket
AGGREGATIONS: dict[str, Reducer] = {
    "avg": _avg, "min": np.minimum.reduceat, "max": np.maximum.reduceat, "last": _last,
}


def aggregate(
    timestamps_ms: np.ndarray, values: np.ndarray, start_ms: int, step_ms: int, reduce: Reducer
) -> RangeResult:
    """Aggregate sorted samples into buckets [start + k*step, start + (k+1)*step); empty buckets are left out."""
    if timestamps_ms.size == 0:
        return RangeResult(np.empty(0, np.int64), np.empty(0, np.float64))
    buckets = (timestamps_ms - start_ms) // step_ms
    firsts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    return RangeResult(start_ms + buckets[firsts] * step_ms, reduce(values, firsts))
