"""Regrouping the head into per-series chunks, merging closed windows, and dropping expired data.

Every step is one bounded transaction on the writer connection, run by the writer thread between
two group commits, so acks never wait behind more than one step.

Last write wins for a repeated (series, timestamp). Write order is kept as: chunk rows by id, then
head rows by id. That holds because a series belongs to one agent and the head is regrouped per agent
in id order, so a head row is always newer than every chunk of its agent's series; and a window
merge replaces all chunks of its (series, window) with one new row, ordered after the ones it read.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .samples import (
    decode_chunk,
    encode_chunk,
    latest_per_series_timestamp,
    latest_per_timestamp,
)

__all__ = ["StoreCounters", "CompactionPolicy", "Compactor"]

MERGE_GROUPS_PER_QUERY = 256
RETENTION_ROWS_PER_STEP = 2000


@dataclass
class StoreCounters:
    """Written by the writer thread only; read anywhere (plain ints, so reads are atomic)."""

    head_samples: int = 0
    chunks: int = 0


@dataclass(frozen=True)
class CompactionPolicy:
    window_ms: int
    window_close_delay_ms: int
    head_compaction_age_ms: int
    head_max_samples: int
    step_samples: int


class Compactor:
    def __init__(self, conn: sqlite3.Connection, policy: CompactionPolicy, counters: StoreCounters):
        self._conn = conn
        self._policy = policy
        self._counters = counters

    def step(self, now_ms: int) -> bool:
        """Do one bounded piece of due work; False when nothing was due."""
        return self.regroup_head_step(now_ms, everything=False) or self.merge_windows_step(now_ms, everything=False)

    def regroup_head_step(self, now_ms: int, everything: bool) -> bool:
        """Move the oldest head rows of one agent into per-series chunks of each window."""
        oldest = self._conn.execute("SELECT agent_id, received_ms FROM head ORDER BY id LIMIT 1").fetchone()
        if oldest is None:
            return False
        agent_id, oldest_received_ms = oldest
        if everything or self._counters.head_samples > self._policy.head_max_samples:
            received_before = None
        elif oldest_received_ms < now_ms - self._policy.head_compaction_age_ms:
            received_before = now_ms - self._policy.head_compaction_age_ms
        else:
            return False
        head_ids, columns = self._oldest_head_rows(agent_id, received_before)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            chunk_rows = self._insert_fresh_chunks(*latest_per_series_timestamp(*columns))
            self._conn.executemany("DELETE FROM head WHERE id = ?", [(head_id,) for head_id in head_ids])
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._counters.head_samples -= columns[0].size
        self._counters.chunks += chunk_rows
        return True

    def _oldest_head_rows(self, agent_id: int, received_before: int | None) -> tuple[list[int], tuple[np.ndarray, ...]]:
        """An id-ordered prefix of the agent's head rows, about ``step_samples`` long."""
        head_ids, series, timestamps, values = [], [], [], []
        taken = 0
        rows = self._conn.execute(
            "SELECT id, received_ms, count, series, ts, vals FROM head WHERE agent_id = ? ORDER BY id", (agent_id,)
        )
        for head_id, received_ms, count, series_blob, ts_blob, vals_blob in rows:
            if (received_before is not None and received_ms >= received_before) or taken >= self._policy.step_samples:
                break
            head_ids.append(head_id)
            series.append(series_blob)
            timestamps.append(ts_blob)
            values.append(vals_blob)
            taken += count
        rows.close()
        return head_ids, (
            np.frombuffer(b"".join(series), dtype=np.int64),
            np.frombuffer(b"".join(timestamps), dtype=np.int64),
            np.frombuffer(b"".join(values), dtype=np.float64),
        )

    def _insert_fresh_chunks(self, series_ids: np.ndarray, timestamps_ms: np.ndarray, values: np.ndarray) -> int:
        window_ms = self._policy.window_ms
        window_starts = timestamps_ms // window_ms * window_ms
        boundaries = np.flatnonzero((series_ids[1:] != series_ids[:-1]) | (window_starts[1:] != window_starts[:-1])) + 1
        starts = np.concatenate(([0], boundaries)).tolist()
        ends = np.concatenate((boundaries, [series_ids.size])).tolist()
        rows = [
            (int(series_ids[start]), int(window_starts[start]), 0, int(timestamps_ms[start]),
             int(timestamps_ms[end - 1]), end - start, *encode_chunk(timestamps_ms[start:end], values[start:end], False))
            for start, end in zip(starts, ends)
        ]
        self._insert_chunks(rows)
        return len(rows)

    def _insert_chunks(self, rows: list[tuple]) -> None:
        self._conn.executemany(
            "INSERT INTO chunks (series_id, window_start, merged, start_ts, end_ts, count, ts, vals)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def merge_windows_step(self, now_ms: int, everything: bool) -> bool:
        """Replace the chunks of closed (series, window) pairs that have fresh chunks by one merged chunk."""
        policy = self._policy
        last_closed_window = now_ms - policy.window_close_delay_ms - policy.window_ms
        groups = self._conn.execute(
            # Without INDEXED BY the planner walks chunks_by_series for DISTINCT: every chunk, every round.
            "SELECT DISTINCT series_id, window_start FROM chunks INDEXED BY chunks_unmerged"
            " WHERE merged = 0 AND window_start <= ? LIMIT ?",
            (2**62 if everything else last_closed_window, MERGE_GROUPS_PER_QUERY),
        ).fetchall()
        if not groups:
            return False
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            merged_samples = removed_chunks = 0
            for series_id, window_start in groups:
                samples, chunks = self._merge_window(series_id, window_start)
                merged_samples += samples
                removed_chunks += chunks - 1
                if merged_samples >= policy.step_samples:
                    break
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._counters.chunks -= removed_chunks
        return True

    def _merge_window(self, series_id: int, window_start: int) -> tuple[int, int]:
        rows = self._conn.execute(
            "SELECT id, merged, ts, vals FROM chunks WHERE series_id = ? AND window_start = ? ORDER BY id",
            (series_id, window_start),
        ).fetchall()
        decoded = [decode_chunk(ts_blob, vals_blob, merged) for _, merged, ts_blob, vals_blob in rows]
        timestamps_ms, values = latest_per_timestamp(
            np.concatenate([ts for ts, _ in decoded]), np.concatenate([vals for _, vals in decoded])
        )
        self._conn.executemany("DELETE FROM chunks WHERE id = ?", [(row[0],) for row in rows])
        ts_blob, vals_blob = encode_chunk(timestamps_ms, values, merged=True)
        self._insert_chunks([(
            series_id, window_start, 1, int(timestamps_ms[0]), int(timestamps_ms[-1]), timestamps_ms.size,
            ts_blob, vals_blob,
        )])
        return timestamps_ms.size, len(rows)

    def drop_expired_steps(self, cutoff_ms: int) -> Iterator[None]:
        """Delete samples with timestamps before ``cutoff_ms`` in bounded steps; returns the number dropped."""
        dropped = 0
        for drop_step in (self._drop_whole_chunks, self._trim_chunks, self._drop_whole_head_rows,
                          self._trim_head_rows, self._forget_received):
            while True:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    step_dropped, more = drop_step(cutoff_ms)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                dropped += step_dropped
                if not more:
                    break
                yield
        self.refresh_counters()
        return dropped

    def refresh_counters(self) -> None:
        self._counters.head_samples = self._conn.execute("SELECT COALESCE(SUM(count), 0) FROM head").fetchone()[0]
        self._counters.chunks = self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def _drop_whole_chunks(self, cutoff_ms: int) -> tuple[int, bool]:
        rows = self._conn.execute(
            "SELECT id, count FROM chunks WHERE window_start <= ? LIMIT ?",
            (cutoff_ms - self._policy.window_ms, RETENTION_ROWS_PER_STEP),
        ).fetchall()
        self._conn.executemany("DELETE FROM chunks WHERE id = ?", [(chunk_id,) for chunk_id, _ in rows])
        return sum(count for _, count in rows), len(rows) == RETENTION_ROWS_PER_STEP

    def _trim_chunks(self, cutoff_ms: int) -> tuple[int, bool]:
        rows = self._conn.execute(
            "SELECT id, merged, ts, vals FROM chunks WHERE window_start > ? AND window_start <= ? AND start_ts < ?"
            " LIMIT ?",
            (cutoff_ms - self._policy.window_ms, cutoff_ms, cutoff_ms, RETENTION_ROWS_PER_STEP),
        ).fetchall()
        dropped = 0
        for chunk_id, merged, ts_blob, vals_blob in rows:
            timestamps_ms, values = decode_chunk(ts_blob, vals_blob, merged)
            kept = timestamps_ms >= cutoff_ms
            dropped += timestamps_ms.size - int(kept.sum())
            if not kept.any():
                self._conn.execute("DELETE FROM chunks WHERE id = ?", (chunk_id,))
                continue
            self._conn.execute(
                "UPDATE chunks SET start_ts = ?, count = ?, ts = ?, vals = ? WHERE id = ?",
                (int(timestamps_ms[kept][0]), int(kept.sum()),
                 *encode_chunk(timestamps_ms[kept], values[kept], merged=bool(merged)), chunk_id),
            )
        return dropped, len(rows) == RETENTION_ROWS_PER_STEP

    def _drop_whole_head_rows(self, cutoff_ms: int) -> tuple[int, bool]:
        rows = self._conn.execute(
            "SELECT id, count FROM head WHERE max_ts < ? LIMIT ?", (cutoff_ms, RETENTION_ROWS_PER_STEP)
        ).fetchall()
        self._conn.executemany("DELETE FROM head WHERE id = ?", [(head_id,) for head_id, _ in rows])
        return sum(count for _, count in rows), len(rows) == RETENTION_ROWS_PER_STEP

    def _trim_head_rows(self, cutoff_ms: int) -> tuple[int, bool]:
        rows = self._conn.execute(
            "SELECT id, series, ts, vals FROM head WHERE min_ts < ? LIMIT ?", (cutoff_ms, RETENTION_ROWS_PER_STEP)
        ).fetchall()
        dropped = 0
        for head_id, series_blob, ts_blob, vals_blob in rows:
            timestamps_ms = np.frombuffer(ts_blob, dtype=np.int64)
            kept = timestamps_ms >= cutoff_ms
            dropped += timestamps_ms.size - int(kept.sum())
            self._conn.execute(
                "UPDATE head SET min_ts = ?, count = ?, series = ?, ts = ?, vals = ? WHERE id = ?",
                (int(timestamps_ms[kept].min()), int(kept.sum()),
                 np.frombuffer(series_blob, dtype=np.int64)[kept].tobytes(), timestamps_ms[kept].tobytes(),
                 np.frombuffer(vals_blob, dtype=np.float64)[kept].tobytes(), head_id),
            )
        return dropped, len(rows) == RETENTION_ROWS_PER_STEP

    def _forget_received(self, cutoff_ms: int) -> tuple[int, bool]:
        """Dedup records go once all their samples have expired; they hold no samples themselves."""
        deleted = self._conn.execute(
            "DELETE FROM received WHERE (agent_id, sequence) IN"
            " (SELECT agent_id, sequence FROM received WHERE max_ts < ? LIMIT ?)",
            (cutoff_ms, RETENTION_ROWS_PER_STEP),
        ).rowcount
        return 0, deleted == RETENTION_ROWS_PER_STEP
