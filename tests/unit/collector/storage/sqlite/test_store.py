"""Behaviour of the SQLite store through the StorageBackend interface."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from itops.collector.storage import STORAGE_BACKENDS
from itops.collector.storage.sqlite.query import RangeReader
from itops.collector.storage.sqlite.sqlite import SQLiteStorage
from tests.unit.collector.storage.sqlite.storage_helpers import batch, labels_of, opened_store

MINUTE_MS = 60_000
DAY_MS = 86_400_000


async def two_series(store) -> tuple[int, int]:
    cpu, mem = store.resolve_series("web-1", ["cpu,core=0", "mem"], labels_of)
    return int(cpu), int(mem)


def test_registry_names_the_sqlite_backend():
    assert STORAGE_BACKENDS.implementation_class("sqlite") is SQLiteStorage


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("avg", [2.0, 10.0]), ("min", [1.0, 10.0]), ("max", [3.0, 10.0]), ("last", [3.0, 10.0])],
)
def test_round_trip_with_each_aggregation(tmp_path, aggregation, expected):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, mem = await two_series(store)
            await store.write(batch("web-1", 1, [cpu, cpu, cpu, mem, cpu], [0, 10_000, 20_000, 0, 60_000],
                                    [1.0, 2.0, 3.0, 99.0, 10.0]))
            return await store.query_range(cpu, 0, 120_000, MINUTE_MS, aggregation)

    result = asyncio.run(scenario())
    assert result.timestamps_ms.tolist() == [0, MINUTE_MS]
    assert result.values.tolist() == expected


def test_step_buckets_include_start_and_exclude_end(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 1, [cpu] * 5, [999, 1000, 1999, 2000, 3000], [1, 2, 3, 4, 5]))
            return await store.query_range(cpu, 1000, 3000, 1000, "max")

    result = asyncio.run(scenario())
    assert result.timestamps_ms.tolist() == [1000, 2000]
    assert result.values.tolist() == [3.0, 4.0]


def test_empty_buckets_are_left_out(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 1, [cpu, cpu], [0, 5 * MINUTE_MS], [1, 2]))
            return await store.query_range(cpu, 0, 10 * MINUTE_MS, MINUTE_MS, "avg")

    assert asyncio.run(scenario()).timestamps_ms.tolist() == [0, 5 * MINUTE_MS]


def test_same_agent_and_sequence_is_stored_once(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            first = await store.write(batch("web-1", 7, [cpu], [0], [1.0]))
            again = await store.write(batch("web-1", 7, [cpu], [1000], [2.0]))
            other_agent = await store.write(batch("web-2", 7, store.resolve_series("web-2", ["cpu"], labels_of),
                                                  [0], [5.0]))
            samples = await store.query_range(cpu, 0, 10_000, 1000, "last")
            return first.duplicate, again.duplicate, other_agent.duplicate, samples

    first, again, other_agent, samples = asyncio.run(scenario())
    assert (first, again, other_agent) == (False, True, False)
    assert samples.timestamps_ms.tolist() == [0]


def test_sequence_seen_before_a_restart_is_still_a_duplicate(tmp_path):
    async def first_life():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 1, [cpu], [0], [1.0]))
            return cpu

    async def second_life(cpu):
        async with opened_store(tmp_path) as store:
            replay = await store.write(batch("web-1", 1, [cpu], [0], [1.0]))
            return replay.duplicate, await store.query_range(cpu, 0, 1000, 1000, "avg")

    duplicate, result = asyncio.run(second_life(asyncio.run(first_life())))
    assert duplicate
    assert result.values.tolist() == [1.0]


def test_older_sequence_replayed_after_a_newer_one_is_stored(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 10, [cpu], [10_000], [10.0]))
            replayed = await store.write(batch("web-1", 3, [cpu], [3_000], [3.0]))
            return replayed.duplicate, await store.query_range(cpu, 0, 20_000, 1000, "last")

    duplicate, result = asyncio.run(scenario())
    assert not duplicate
    assert result.timestamps_ms.tolist() == [3000, 10_000]


@pytest.fixture
def received_reads(monkeypatch) -> list[int]:
    """The sequences is_stored looked up in ``received`` (on a reader thread)."""
    reads: list[int] = []
    was_received = RangeReader.was_received

    async def counted(self, agent_id, sequence):
        reads.append(sequence)
        return await was_received(self, agent_id, sequence)

    monkeypatch.setattr(RangeReader, "was_received", counted)
    return reads


def test_is_stored_knows_a_sequence_above_the_highest_stored_is_new_without_a_read(tmp_path, received_reads):
    async def scenario():
        async with opened_store(tmp_path) as store:
            unknown_agent = await store.is_stored("web-1", 1)
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 10, [cpu], [10_000], [10.0]))
            return unknown_agent, [await store.is_stored("web-1", sequence) for sequence in (11, 10, 3)]

    unknown_agent, answers = asyncio.run(scenario())
    assert (unknown_agent, answers) == (False, [False, True, False])
    assert received_reads == [10, 3]  # only the replays at or below the highest were looked up


def test_is_stored_knows_the_highest_stored_sequence_after_a_restart(tmp_path, received_reads):
    async def first_life():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 10, [cpu], [10_000], [10.0]))
            await store.write(batch("web-1", 4, [cpu], [4_000], [4.0]))

    async def second_life():
        async with opened_store(tmp_path) as store:
            return [await store.is_stored("web-1", sequence) for sequence in (11, 10, 4, 5)]

    asyncio.run(first_life())
    assert asyncio.run(second_life()) == [False, True, True, False]
    assert received_reads == [10, 4, 5]


def test_duplicate_timestamp_keeps_the_last_written_value(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.write(batch("web-1", 1, [cpu, cpu], [0, 1000], [1.0, 1.0]))
            await store.write(batch("web-1", 2, [cpu], [0], [2.0]))
            before = await store.query_range(cpu, 0, 2000, 1000, "avg")
            await store.compact()
            await store.write(batch("web-1", 3, [cpu], [1000], [3.0]))
            return before, await store.query_range(cpu, 0, 2000, 1000, "avg")

    before, after = asyncio.run(scenario())
    assert before.values.tolist() == [2.0, 1.0]
    assert after.values.tolist() == [2.0, 3.0]


def test_compaction_preserves_every_sample_and_every_query_result(tmp_path):
    rng = np.random.default_rng(1)

    async def scenario():
        async with opened_store(tmp_path, chunk_window=600, compaction_step_samples=1000) as store:
            ids = store.resolve_series("web-1", [f"m{i}" for i in range(20)], labels_of)
            for sequence in range(40):  # out-of-order times, repeats and several windows per series
                timestamps_ms = rng.integers(0, 3 * 3_600_000, 300) // 1000 * 1000
                await store.write(batch("web-1", sequence, rng.choice(ids, 300), timestamps_ms, rng.random(300)))
            queries = [(int(series_id), aggregation) for series_id in ids[:5] for aggregation in ("avg", "last")]

            async def answers():
                return [await store.query_range(series_id, 0, 3 * 3_600_000, 300_000, aggregation)
                        for series_id, aggregation in queries]

            before = await answers()
            await store.write(batch("web-1", 99, ids[:3], [1000, 1000, 1000], [7.0, 7.0, 7.0]))
            expected = await answers()
            await store.compact()
            compacted = await answers()
            return before, expected, compacted, store.stats()

    _, expected, compacted, stats = asyncio.run(scenario())
    assert stats.head_samples == 0 and stats.chunks > 0
    for want, got in zip(expected, compacted):
        np.testing.assert_array_equal(got.timestamps_ms, want.timestamps_ms)
        np.testing.assert_array_equal(got.values, want.values)


def test_retention_drops_exactly_the_samples_older_than_retention(tmp_path):
    now_ms = 40 * DAY_MS

    async def scenario():
        async with opened_store(tmp_path, retention=30 * 86400, chunk_window=7200) as store:
            cpu, _ = await two_series(store)
            cutoff_ms = now_ms - 30 * DAY_MS
            timestamps_ms = np.arange(cutoff_ms - 3 * 3_600_000, cutoff_ms + 3 * 3_600_000, 15_000)
            half = timestamps_ms.size // 2
            await store.write(batch("web-1", 1, [cpu] * half, timestamps_ms[:half], np.ones(half)))
            await store.compact()
            rest = timestamps_ms.size - half
            await store.write(batch("web-1", 2, [cpu] * rest, timestamps_ms[half:] - 7_500, np.ones(rest)))
            dropped = await store.apply_retention(now_ms)
            kept = await store.query_range(cpu, 0, now_ms, 15_000 // 2, "last")
            replay_of_expired = await store.write(batch("web-1", 1, [cpu], [cutoff_ms], [1.0]))
            return cutoff_ms, timestamps_ms, dropped, kept, replay_of_expired

    cutoff_ms, timestamps_ms, dropped, kept, replay_of_expired = asyncio.run(scenario())
    all_times = np.sort(np.concatenate([timestamps_ms[: timestamps_ms.size // 2],
                                        timestamps_ms[timestamps_ms.size // 2:] - 7_500]))
    assert dropped == int((all_times < cutoff_ms).sum())
    assert kept.timestamps_ms.tolist() == all_times[all_times >= cutoff_ms].tolist()
    assert not replay_of_expired.duplicate  # its dedup record expired with its data


def test_list_series_filters_by_name_and_label_equality(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            store.resolve_series("web-1", ["cpu,core=0", "cpu,core=1", "mem"], labels_of)
            store.resolve_series("db-1", ["cpu,core=0"], labels_of)
            by_name = store.list_series("cpu")
            by_labels = store.list_series("cpu", {"core": "0", "agent": "db-1"})
            by_label_only = store.list_series(matchers={"agent": "web-1"})
            nothing = store.list_series("cpu", {"core": "7"})
            return by_name, by_labels, by_label_only, nothing

    by_name, by_labels, by_label_only, nothing = asyncio.run(scenario())
    assert len(by_name) == 3
    assert [(s.name, s.labels) for s in by_labels] == [("cpu", {"core": "0", "agent": "db-1"})]
    assert sorted(s.name for s in by_label_only) == ["cpu", "cpu", "mem"]
    assert nothing == []


def test_series_survive_a_restart_with_the_same_ids(tmp_path):
    async def first_life():
        async with opened_store(tmp_path) as store:
            cpu, mem = await two_series(store)
            await store.write(batch("web-1", 1, [cpu], [0], [1.0]))
            return cpu, mem

    async def second_life():
        async with opened_store(tmp_path) as store:
            return tuple(store.resolve_series("web-1", ["cpu,core=0", "mem"], labels_of).tolist()), store.list_series()

    ids = asyncio.run(first_life())
    ids_again, listed = asyncio.run(second_life())
    assert ids_again == ids
    assert {s.name for s in listed} == {"cpu", "mem"}


def test_concurrent_writers_are_all_acknowledged_and_stored(tmp_path):
    writers, batches_each = 50, 4

    async def writer(store, number):
        agent = f"agent-{number}"
        ids = store.resolve_series(agent, [f"m{i}" for i in range(10)], labels_of)
        for sequence in range(batches_each):
            result = await store.write(batch(agent, sequence, ids, np.full(10, sequence * 1000), np.full(10, number)))
            assert not result.duplicate
        return ids

    async def scenario():
        commits = []
        async with opened_store(tmp_path, on_commit=lambda *commit: commits.append(commit)) as store:
            all_ids = await asyncio.gather(*(writer(store, number) for number in range(writers)))
            counts = [len((await store.query_range(int(series_id), 0, 10_000, 1000, "last")).values)
                      for ids in all_ids for series_id in ids]
            return counts, commits

    counts, commits = asyncio.run(scenario())
    assert counts == [batches_each] * writers * 10
    assert sum(batches for _, batches, _ in commits) == writers * batches_each
    assert len(commits) < writers * batches_each  # batches shared commits


def test_unknown_aggregation_is_refused(tmp_path):
    async def scenario():
        async with opened_store(tmp_path) as store:
            cpu, _ = await two_series(store)
            await store.query_range(cpu, 0, 1000, 1000, "median")

    with pytest.raises(ValueError, match="median"):
        asyncio.run(scenario())
