from tests.unit.agent.fake_clock import SteppedClock
from itops.agent.buffer import DiskBuffer

NOW_S = 1_830_297_600.0  # 2028-01-01 00:00 UTC, never the machine's time
NOW_US = int(NOW_S * 1_000_000)


def _buffer(directory, limit_bytes=10_000, clock=lambda: NOW_S):
    return DiskBuffer(None if directory is None else str(directory), limit_bytes, clock=clock)


def test_sequence_keeps_increasing_across_reopen(tmp_path):
    buffer = _buffer(tmp_path)
    first = buffer.next_sequence()
    buffer.append(first, b"x" * 10, 1, 0)
    buffer.close()
    reopened = _buffer(tmp_path)
    assert reopened.next_sequence() > first
    assert reopened.get(first).payload == b"x" * 10


def test_sequence_is_never_below_the_given_clock_even_in_memory():
    assert _buffer(None).next_sequence() == NOW_US + 1


def test_sequence_follows_the_given_clock_not_the_machines():
    clock = SteppedClock(NOW_S)
    buffer = _buffer(None, clock=clock)
    first = buffer.next_sequence()
    clock.now_s += 3600
    assert buffer.next_sequence() == first + 3600 * 1_000_000


def test_sequence_survives_removal_of_every_batch(tmp_path):
    buffer = _buffer(tmp_path)
    far_future = NOW_US + 10**12
    buffer.append(far_future, b"x", 1, 0)
    buffer.remove(far_future)
    buffer.close()
    assert _buffer(tmp_path).next_sequence() == far_future + 1


def test_full_buffer_drops_oldest_and_counts_the_drop(tmp_path):
    buffer = _buffer(tmp_path, 250)
    for sequence in range(1, 6):
        buffer.append(sequence, b"p" * 100, samples=7, created_ms=sequence)
    stats = buffer.stats()
    assert stats.batches == 2 and stats.bytes == 200
    assert stats.dropped_batches_total == 3 and stats.dropped_samples_total == 21
    assert buffer.oldest().sequence == 4


def test_drop_counters_survive_reopen(tmp_path):
    buffer = _buffer(tmp_path, 100)
    buffer.append(1, b"p" * 100, 5, 0)
    buffer.append(2, b"p" * 100, 5, 0)
    buffer.close()
    stats = _buffer(tmp_path, 100).stats()
    assert (stats.batches, stats.bytes, stats.dropped_samples_total) == (1, 100, 5)


def test_oldest_age_is_measured_with_the_given_clock(tmp_path):
    clock = SteppedClock(NOW_S)
    buffer = _buffer(tmp_path, clock=clock)
    buffer.append(1, b"x", 1, created_ms=int(NOW_S * 1000))
    clock.now_s += 90
    buffer.append(2, b"x", 1, created_ms=int(clock.now_s * 1000))
    clock.now_s += 30
    assert buffer.stats().oldest_age_s == 120.0


def test_oldest_age_follows_drops_and_is_zero_when_empty(tmp_path):
    clock = SteppedClock(NOW_S)
    buffer = _buffer(tmp_path, 100, clock=clock)
    buffer.append(1, b"p" * 100, 1, created_ms=int((NOW_S - 600) * 1000))
    buffer.append(2, b"p" * 100, 1, created_ms=int((NOW_S - 60) * 1000))  # drops batch 1
    assert buffer.stats().oldest_age_s == 60.0
    buffer.remove(2)
    assert buffer.stats().oldest_age_s == 0.0


def test_oldest_skips_excluded_sequences(tmp_path):
    buffer = _buffer(tmp_path)
    for sequence in (3, 5, 9):
        buffer.append(sequence, b"x", 1, 0)
    assert buffer.oldest().sequence == 3
    assert buffer.oldest(exclude={3, 5}).sequence == 9
    assert buffer.oldest(exclude={3, 5, 9}) is None


def test_remove_updates_size_and_ignores_unknown(tmp_path):
    buffer = _buffer(tmp_path)
    buffer.append(1, b"abc", 1, 0)
    buffer.remove(1)
    buffer.remove(42)
    assert buffer.stats().batches == 0 and buffer.stats().bytes == 0
