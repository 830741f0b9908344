import time

from itops.agent.buffer import DiskBuffer


def test_sequence_keeps_increasing_across_reopen(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 10_000)
    first = buffer.next_sequence()
    buffer.append(first, b"x" * 10, 1, 0)
    buffer.close()
    reopened = DiskBuffer(str(tmp_path), 10_000)
    assert reopened.next_sequence() > first
    assert reopened.get(first).payload == b"x" * 10


def test_sequence_is_never_below_the_clock_even_in_memory():
    buffer = DiskBuffer(None, 10_000)
    before_us = time.time_ns() // 1000
    assert buffer.next_sequence() > before_us


def test_sequence_survives_removal_of_every_batch(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 10_000)
    far_future = time.time_ns() // 1000 + 10**12
    buffer.append(far_future, b"x", 1, 0)
    buffer.remove(far_future)
    buffer.close()
    assert DiskBuffer(str(tmp_path), 10_000).next_sequence() == far_future + 1


def test_full_buffer_drops_oldest_and_counts_the_drop(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 250)
    for sequence in range(1, 6):
        buffer.append(sequence, b"p" * 100, samples=7, created_ms=sequence)
    stats = buffer.stats()
    assert stats.batches == 2 and stats.bytes == 200
    assert stats.dropped_batches_total == 3 and stats.dropped_samples_total == 21
    assert buffer.oldest().sequence == 4


def test_drop_counters_survive_reopen(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 100)
    buffer.append(1, b"p" * 100, 5, 0)
    buffer.append(2, b"p" * 100, 5, 0)
    buffer.close()
    stats = DiskBuffer(str(tmp_path), 100).stats()
    assert (stats.batches, stats.bytes, stats.dropped_samples_total) == (1, 100, 5)


def test_oldest_skips_excluded_sequences(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 10_000)
    for sequence in (3, 5, 9):
        buffer.append(sequence, b"x", 1, 0)
    assert buffer.oldest().sequence == 3
    assert buffer.oldest(exclude={3, 5}).sequence == 9
    assert buffer.oldest(exclude={3, 5, 9}) is None


def test_remove_updates_size_and_ignores_unknown(tmp_path):
    buffer = DiskBuffer(str(tmp_path), 10_000)
    buffer.append(1, b"abc", 1, 0)
    buffer.remove(1)
    buffer.remove(42)
    assert buffer.stats().batches == 0 and buffer.stats().bytes == 0
