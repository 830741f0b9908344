"""The outbox: samples kept as columns with their agent's key list, newest rows first, bounded by bytes (the oldest
pushed out, never a row in flight), deleted only after success, and all of it there again after a restart or to
another process."""

from __future__ import annotations

import numpy as np
import pytest

from itops.collector.outputs.influxdb.outbox import SAMPLE_BYTES, Batch, Outbox

KEYS = ['m{host="a"}', 'm{host="b"}']


def append(box: Outbox, first_value: float, samples: int = 2, enqueued_ms: int = 1, chunk_samples: int = 1000,
           agent: str = "agent-a", keys: list[str] = KEYS) -> int:
    values = np.arange(first_value, first_value + samples, dtype=np.float64)
    return box.append([Batch(agent, keys, np.arange(samples, dtype=np.uint32) % len(keys),
                             np.full(samples, 1000 * enqueued_ms, dtype=np.int64), values, enqueued_ms)], chunk_samples)


def first_values(chunks) -> list[float]:
    return [float(chunk.values[0]) for chunk in chunks]


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=10**9)
    yield box
    box.close()


def test_a_chunk_gives_back_its_columns_and_its_agents_keys(outbox):
    outbox.append([Batch("agent-a", KEYS, np.array([1, 0, 1], dtype=np.uint32), np.array([5, 6, 7], dtype=np.int64),
                         np.array([0.5, 1.5, 2.5]), 1)], 1000)
    [chunk] = outbox.take_newest(10)
    assert (chunk.series_index.tolist(), chunk.timestamps_ms.tolist(), chunk.values.tolist()) == (
        [1, 0, 1], [5, 6, 7], [0.5, 1.5, 2.5])
    assert outbox.key_list(chunk.key_list) == ("agent-a", KEYS)
    assert (outbox.samples, outbox.bytes) == (3, 3 * SAMPLE_BYTES)


def test_batches_handed_over_together_go_in_together(outbox):
    batches = [Batch("agent-a", KEYS, np.zeros(3, dtype=np.uint32), np.arange(3, dtype=np.int64), np.arange(3.0) + i, i)
               for i in (0, 10)]
    assert outbox.append(batches, chunk_samples=2) == 0
    assert [(chunk.samples, float(chunk.values[0])) for chunk in outbox.take_newest(100)] == [
        (1, 12.0), (2, 10.0), (1, 2.0), (2, 0.0)]


def test_batches_with_the_same_keys_share_one_key_list(outbox):
    append(outbox, 0)
    append(outbox, 10)
    append(outbox, 20, agent="agent-b")
    lists = {chunk.key_list for chunk in outbox.take_newest(100)}
    assert len(lists) == 2


def test_the_writer_takes_the_newest_rows_first_up_to_its_samples(outbox):
    for first in (0, 10, 20):
        append(outbox, first)
    taken = outbox.take_newest(4)
    assert first_values(taken) == [20, 10]
    outbox.release(taken)
    assert first_values(outbox.take_newest(10)) == [20, 10, 0]


def test_a_batch_is_queued_in_rows_of_at_most_the_chunk_size_and_at_least_one_row_is_taken(outbox):
    append(outbox, 0, samples=5, chunk_samples=2)
    assert [chunk.samples for chunk in outbox.take_newest(1)] == [1]
    assert [chunk.samples for chunk in outbox.take_newest(100)] == [2, 2]


def test_rows_in_flight_are_not_taken_twice_and_go_only_when_removed(outbox):
    append(outbox, 0, enqueued_ms=10)
    append(outbox, 10, enqueued_ms=20)
    assert (outbox.samples, outbox.oldest_enqueued_ms) == (4, 10)
    taken = outbox.take_newest(2)
    assert first_values(outbox.take_newest(10)) == [0]
    outbox.remove(taken)
    assert (outbox.samples, outbox.bytes, outbox.oldest_enqueued_ms) == (2, 2 * SAMPLE_BYTES, 10)


def test_an_append_past_the_bound_pushes_out_the_oldest_rows(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=6 * SAMPLE_BYTES)
    for enqueued_ms in (1, 2, 3):
        assert append(box, enqueued_ms * 10, enqueued_ms=enqueued_ms) == 0
    assert append(box, 40, enqueued_ms=4) == 2
    assert (box.samples, box.bytes, box.oldest_enqueued_ms) == (6, 6 * SAMPLE_BYTES, 2)
    box.close()


def test_a_row_in_flight_is_not_pushed_out(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=4 * SAMPLE_BYTES)
    append(box, 0)
    append(box, 10)
    in_flight = box.take_newest(100)  # both rows
    box.remove(in_flight[:1])  # 10 written; 0 still in flight
    append(box, 20)
    assert append(box, 30) == 2  # over the bound: 20 goes, as 0 is in flight
    box.release(in_flight[1:])
    assert sorted(first_values(box.take_newest(100))) == [0, 30]
    box.close()


def test_a_restart_or_another_process_finds_every_row_and_releases_what_was_in_flight(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=10**9)
    append(box, 0, enqueued_ms=7)
    append(box, 10, enqueued_ms=8)
    box.take_newest(2)  # in flight when the writer died
    other = Outbox(tmp_path, "test", limit_bytes=10**9)
    assert (other.samples, other.bytes, other.oldest_enqueued_ms) == (4, 4 * SAMPLE_BYTES, 7)
    assert first_values(other.take_newest(100)) == [0]
    other.release_all()
    assert first_values(other.take_newest(100)) == [10, 0]
    box.close()
    other.close()


def test_key_lists_no_row_and_no_future_append_needs_are_forgotten(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=10**9)
    append(box, 0, keys=["old{}"])
    box.remove(box.take_newest(100))
    append(box, 10, keys=["new{}"])
    assert box.forget_unused_key_lists() == 0  # both lists are still what the appending side knows
    box.close()
    reopened = Outbox(tmp_path, "test", limit_bytes=10**9)
    assert reopened.forget_unused_key_lists() == 1  # "old": no row refers to it, nobody will
    [chunk] = reopened.take_newest(100)
    assert reopened.key_list(chunk.key_list) == ("agent-a", ["new{}"])
    reopened.close()


def test_each_output_has_its_own_file_in_a_shared_directory(tmp_path):
    first, second = Outbox(tmp_path, "first", 10**9), Outbox(tmp_path, "second", 10**9)
    append(first, 0)
    assert (first.samples, second.samples) == (2, 0)
    assert sorted(path.name for path in tmp_path.glob("*.sqlite3")) == ["outbox-first.sqlite3", "outbox-second.sqlite3"]
    first.close()
    second.close()
