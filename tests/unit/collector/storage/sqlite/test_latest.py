"""The newest sample of every series (``latest_samples``), wherever the store keeps it: head, fresh or merged chunks."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from itops.collector.storage.sqlite.config import SQLiteConfig
from itops.common.clock import epoch_ms, utc_now
from tests.unit.collector.storage.sqlite.storage_helpers import (
    batch,
    labels_of,
    opened_store,
)

# The middle of the last whole chunk window before now: the tests' samples (up to 5 minutes before it) lie in one
# window whatever the time of day, and in the past.
WINDOW_MS = int(SQLiteConfig(path="unused").chunk_window * 1000)
NOW_MS = epoch_ms(utc_now) // WINDOW_MS * WINDOW_MS - WINDOW_MS // 2


def _as_dict(latest) -> dict[int, tuple[int, float]]:
    return {int(s): (int(t), float(v)) for s, t, v in zip(latest.series_ids, latest.timestamps_ms, latest.values)}


async def _series(store, *keys: str) -> list[int]:
    return [int(i) for i in store.resolve_series("web-1", list(keys), labels_of)]


def test_the_newest_sample_of_each_series_since_the_moment(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, mem, disk = await _series(store, "cpu", "mem", "disk")
            await store.write(batch("web-1", 1, [cpu, mem, cpu, disk], [NOW_MS - 20_000, NOW_MS - 20_000,
                                                                        NOW_MS - 10_000, NOW_MS - 900_000],
                                    [1.0, 2.0, 3.0, 4.0]))
            await store.write(batch("web-1", 2, [mem], [NOW_MS - 30_000], [5.0]))  # written later, taken earlier
            return cpu, mem, await store.latest_samples(NOW_MS - 300_000)

    cpu, mem, latest = asyncio.run(scenario())
    assert _as_dict(latest) == {cpu: (NOW_MS - 10_000, 3.0), mem: (NOW_MS - 20_000, 2.0)}  # disk is stale
    assert latest.series_ids.tolist() == sorted(latest.series_ids.tolist())


def test_of_two_samples_at_one_time_the_last_written_wins(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            (cpu,) = await _series(store, "cpu")
            await store.write(batch("web-1", 1, [cpu, cpu], [NOW_MS, NOW_MS], [1.0, 2.0]))
            await store.write(batch("web-1", 2, [cpu], [NOW_MS], [7.0]))
            return cpu, await store.latest_samples(NOW_MS - 1000)

    cpu, latest = asyncio.run(scenario())
    assert _as_dict(latest) == {cpu: (NOW_MS, 7.0)}


def test_merged_chunks_are_read_and_the_head_written_after_them_wins(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, mem = await _series(store, "cpu", "mem")
            await store.write(batch("web-1", 1, [cpu, mem, cpu], [NOW_MS - 60_000, NOW_MS - 50_000, NOW_MS - 40_000],
                                    [1.0, 2.0, 3.0]))
            await store.compact()  # everything into merged chunks
            await store.write(batch("web-1", 2, [mem], [NOW_MS - 50_000], [9.0]))  # same time, written later
            return cpu, mem, await store.latest_samples(NOW_MS - 300_000), store.stats()

    cpu, mem, latest, stats = asyncio.run(scenario())
    assert stats.chunks == 2
    assert _as_dict(latest) == {cpu: (NOW_MS - 40_000, 3.0), mem: (NOW_MS - 50_000, 9.0)}


def test_fresh_chunks_give_their_last_sample(tmp_path):
    async def scenario():
        async with opened_store(tmp_path, head_max_samples=1) as store:  # every batch is regrouped at once
            cpu, mem = await _series(store, "cpu", "mem")
            await store.write(batch("web-1", 1, [cpu, cpu, mem], [NOW_MS - 30_000, NOW_MS - 20_000, NOW_MS - 20_000],
                                    [1.0, 2.0, 3.0]))
            # older than the newest: loses (two samples, so the head is over its limit again)
            await store.write(batch("web-1", 2, [cpu, mem], [NOW_MS - 25_000, NOW_MS - 40_000], [4.0, 5.0]))
            deadline = time.monotonic() + 10
            while store.stats().head_samples and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return cpu, mem, await store.latest_samples(NOW_MS - 300_000), store.stats()

    cpu, mem, latest, stats = asyncio.run(scenario())
    assert stats.head_samples == 0 and stats.chunks >= 2
    assert _as_dict(latest) == {cpu: (NOW_MS - 20_000, 2.0), mem: (NOW_MS - 20_000, 3.0)}


def test_chunks_ending_before_the_moment_are_not_read(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            (cpu,) = await _series(store, "cpu")
            await store.write(batch("web-1", 1, [cpu], [NOW_MS - 600_000], [1.0]))
            await store.compact()
            return await store.latest_samples(NOW_MS - 300_000)

    latest = asyncio.run(scenario())
    assert latest.series_ids.size == 0


def test_series_info_names_a_series_by_id(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            (cpu,) = await _series(store, "cpu,core=0")
            return cpu, store.series_info(cpu), store.series_info(cpu + 100)

    cpu, info, unknown = asyncio.run(scenario())
    assert (info.id, info.name, info.labels) == (cpu, "cpu", {"core": "0", "agent": "web-1"})
    assert unknown is None


def test_the_chunk_read_uses_the_window_and_end_index(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            conn = store._reader._connection()
            return conn.execute("EXPLAIN QUERY PLAN SELECT series_id FROM chunks WHERE window_start > ? AND end_ts >= ?",
                                (0, 0)).fetchall()

    plan = " ".join(str(row[-1]) for row in asyncio.run(scenario()))
    assert "USING INDEX chunks_by_window_end" in plan or "USING COVERING INDEX chunks_by_window_end" in plan


def test_many_series_in_many_head_slices(tmp_path, monkeypatch):
    monkeypatch.setattr("itops.collector.storage.sqlite.latest.HEAD_SAMPLES_PER_SLICE", 10)
    async def scenario():
        async with opened_store(tmp_path) as store:
            ids = await _series(store, *(f"m{i}" for i in range(50)))
            for sequence in range(1, 6):
                await store.write(batch("web-1", sequence, ids, [NOW_MS - 60_000 + sequence * 1000] * 50,
                                        np.arange(50, dtype=np.float64) + sequence))
            return ids, await store.latest_samples(NOW_MS - 300_000)

    ids, latest = asyncio.run(scenario())
    assert _as_dict(latest) == {series: (NOW_MS - 55_000, float(i) + 5) for i, series in enumerate(ids)}
