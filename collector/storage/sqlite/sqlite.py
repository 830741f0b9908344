"""``SQLiteStorage``: the embedded time-series store (see README.md for the design)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from itops.common.clock import Clock, utc_now

from ..base import (
    Aggregation,
    CommitObserver,
    LabelsOf,
    LatestSamples,
    RangeResult,
    SampleWrite,
    SeriesInfo,
    StorageBackend,
    WriteResult,
)
from .compaction import CompactionPolicy, Compactor, StoreCounters
from .config import SQLiteConfig
from .query import RangeReader
from .schema import (
    Dictionary,
    chunk_window_ms,
    connect,
    create_schema,
    load_dictionary,
    load_highest_sequences,
)
from .writer import AcceptedBatch, WriterThread

__all__ = ["SQLiteStorage", "StoreStats"]

DB_FILE_NAME = "series.db"


@dataclass(frozen=True, slots=True)
class StoreStats:
    series: int
    head_samples: int
    chunks: int
    db_bytes: int  # database file plus write-ahead log


class SQLiteStorage(StorageBackend):
    """Durable, deduplicating time-series store in one SQLite file.

    ``on_commit(seconds, batches, samples)`` is called on the writer thread after every group commit;
    ``clock`` says when a batch was received and which head data is old enough to compact.
    """

    def __init__(self, config: SQLiteConfig, on_commit: CommitObserver | None = None, clock: Clock = utc_now):
        self._config = config
        self._on_commit = on_commit
        self._clock = clock
        self._db_path = Path(config.path) / DB_FILE_NAME
        self._counters = StoreCounters()
        self._dictionary = Dictionary({}, {}, {})
        self._highest_stored: dict[int, int] = {}  # agent id -> highest sequence stored; the writer raises it
        self._series_by_name: dict[str, list[int]] = {}
        self._next_agent_id = self._next_series_id = 1
        self._writer: WriterThread | None = None
        self._reader: RangeReader | None = None
        self._compactor: Compactor | None = None

    async def open(self) -> None:
        conn, window_ms = await asyncio.to_thread(self._open_database)
        policy = CompactionPolicy(
            window_ms=window_ms,
            window_close_delay_ms=int(self._config.window_close_delay * 1000),
            head_compaction_age_ms=int(self._config.head_compaction_age * 1000),
            head_max_samples=self._config.head_max_samples,
            step_samples=self._config.compaction_step_samples,
        )
        self._compactor = Compactor(conn, policy, self._counters)
        await asyncio.to_thread(self._compactor.refresh_counters)
        self._writer = WriterThread(conn, self._compactor, self._counters, self._highest_stored,
                                    asyncio.get_running_loop(), self._on_commit, self._clock)
        self._writer.start()
        self._reader = RangeReader(self._db_path, self._config.cache_size, self._config.query_threads, window_ms)

    def _open_database(self):
        self._db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self._db_path, self._config.cache_size)
        create_schema(conn, int(self._config.chunk_window * 1000))
        self._dictionary = load_dictionary(conn)
        self._highest_stored.update(load_highest_sequences(conn))
        for series_id, (_, name, _) in self._dictionary.series.items():
            self._series_by_name.setdefault(name, []).append(series_id)
        self._next_agent_id = max(self._dictionary.agent_ids.values(), default=0) + 1
        self._next_series_id = max(self._dictionary.series, default=0) + 1
        return conn, chunk_window_ms(conn)

    async def close(self) -> None:
        if self._writer is None:
            return
        await asyncio.to_thread(self._writer.stop)
        await asyncio.to_thread(self._reader.close)
        self._compactor = self._writer = self._reader = None

    def resolve_series(self, agent_id: str, keys: list[str], labels_of: LabelsOf) -> np.ndarray:
        agent = self._agent_number(agent_id)
        known = self._dictionary.series_ids[agent]
        ids = [known.get(key) for key in keys]
        if None in ids:
            new_rows = []
            for i, key in enumerate(keys):
                if ids[i] is None:
                    ids[i] = known.get(key) or self._new_series(agent, agent_id, key, labels_of, new_rows)
            self._writer.add_dictionary_rows([], new_rows)
        return np.array(ids, dtype=np.int64)

    def _agent_number(self, agent_id: str) -> int:
        agent = self._dictionary.agent_ids.get(agent_id)
        if agent is None:
            agent = self._dictionary.agent_ids[agent_id] = self._next_agent_id
            self._next_agent_id += 1
            self._dictionary.series_ids[agent] = {}
            self._writer.add_dictionary_rows([(agent, agent_id)], [])
        return agent

    def _new_series(self, agent: int, agent_id: str, key: str, labels_of: LabelsOf, new_rows: list) -> int:
        name, labels = labels_of(key)
        labels = {**labels, "agent": agent_id}
        series_id = self._next_series_id
        self._next_series_id += 1
        self._dictionary.series_ids[agent][key] = series_id
        self._dictionary.series[series_id] = (agent, name, labels)
        self._series_by_name.setdefault(name, []).append(series_id)
        new_rows.append((series_id, agent, key, name, json.dumps(labels, sort_keys=True)))
        return series_id

    async def is_stored(self, agent_id: str, sequence: int) -> bool:
        """Live data (a sequence above the agent's highest stored) is known new without a read; only a replay
        at or below it, such as a backlog sent behind live data after an outage, looks in ``received``."""
        agent = self._dictionary.agent_ids.get(agent_id)
        if agent is None or sequence > self._highest_stored.get(agent, 0):
            return False
        return await self._reader.was_received(agent, sequence)

    async def write(self, samples: SampleWrite) -> WriteResult:
        batch = AcceptedBatch(
            agent_id=self._agent_number(samples.agent_id),
            sequence=samples.sequence,
            series_ids=np.ascontiguousarray(samples.series_ids, dtype=np.int64),
            timestamps_ms=np.ascontiguousarray(samples.timestamps_ms, dtype=np.int64),
            values=np.ascontiguousarray(samples.values, dtype=np.float64),
        )
        if not batch.series_ids.size == batch.timestamps_ms.size == batch.values.size:
            raise ValueError("series_ids, timestamps_ms and values must have the same length")
        return await self._writer.submit(batch)

    def list_series(self, name: str | None = None, matchers: dict[str, str] | None = None) -> list[SeriesInfo]:
        candidates = self._series_by_name.get(name, []) if name is not None else self._dictionary.series
        wanted = (matchers or {}).items()
        found = []
        for series_id in candidates:
            _, series_name, labels = self._dictionary.series[series_id]
            if wanted <= labels.items():
                found.append(SeriesInfo(series_id, series_name, dict(labels)))
        return found

    def series_info(self, series_id: int) -> SeriesInfo | None:
        found = self._dictionary.series.get(series_id)
        return None if found is None else SeriesInfo(series_id, found[1], found[2])

    async def latest_samples(self, since_ms: int) -> LatestSamples:
        return await self._reader.latest(since_ms, self._next_series_id)

    async def query_range(
        self, series_id: int, start_ms: int, end_ms: int, step_ms: int, aggregation: Aggregation
    ) -> RangeResult:
        series = self._dictionary.series.get(series_id)
        if series is None:
            raise KeyError(f"unknown series id {series_id}")
        return await self._reader.query(series_id, series[0], start_ms, end_ms, step_ms, aggregation)

    async def apply_retention(self, now_ms: int) -> int:
        cutoff_ms = now_ms - int(self._config.retention * 1000)
        return await self._writer.run_task(self._compactor.drop_expired_steps(cutoff_ms))

    async def compact(self) -> None:
        """Regroup the whole head and merge every window now, whatever its age (tests, benchmarks, backups)."""
        await self._writer.run_task(self._compaction_steps())

    def _compaction_steps(self):
        while self._compactor.regroup_head_step(0, everything=True):
            yield
        while self._compactor.merge_windows_step(0, everything=True):
            yield

    def stats(self) -> StoreStats:
        db_bytes = sum(
            path.stat().st_size for path in (self._db_path, self._db_path.with_name(DB_FILE_NAME + "-wal"))
            if path.exists()
        )
        return StoreStats(len(self._dictionary.series), self._counters.head_samples, self._counters.chunks, db_bytes)
