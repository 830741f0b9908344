"""The outbox: newest rows first, bounded by bytes (the oldest pushed out, never a row being written), deleted only
after success, and all of it there again after a restart."""

from __future__ import annotations

import pytest

from itops.collector.outputs.influxdb.outbox import Chunk, Outbox


def chunk(lines: int, name: str = "m") -> Chunk:
    return Chunk(lines, "\n".join(f"{name} f={i}.0 {i}" for i in range(lines)).encode())


@pytest.fixture
def outbox(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=10**9)
    yield box
    box.close()


def test_the_writer_takes_the_newest_rows_first_up_to_its_lines(outbox):
    for name in ("old", "middle", "new"):
        outbox.append([chunk(2, name)], enqueued_ms=1)
    taken = outbox.take_newest(4)
    assert [c.body.split(b" ")[0] for c in taken] == [b"new", b"middle"]
    outbox.release(taken)
    assert [c.body.split(b" ")[0] for c in outbox.take_newest(10)] == [b"new", b"middle", b"old"]


def test_at_least_one_row_is_taken_even_if_it_holds_more_lines(outbox):
    outbox.append([chunk(5)], enqueued_ms=1)
    assert [c.lines for c in outbox.take_newest(2)] == [5]


def test_rows_go_only_when_removed_and_the_counts_follow(outbox):
    outbox.append([chunk(2, "a"), chunk(3, "b")], enqueued_ms=10)
    outbox.append([chunk(4, "c")], enqueued_ms=20)
    assert (outbox.lines, outbox.oldest_enqueued_ms) == (9, 10)
    size = outbox.bytes
    taken = outbox.take_newest(4)
    outbox.release(taken)
    assert (outbox.lines, outbox.bytes) == (9, size)
    outbox.remove(outbox.take_newest(4))
    assert outbox.lines == 5
    outbox.remove(outbox.take_newest(100))
    assert (outbox.lines, outbox.bytes, outbox.oldest_enqueued_ms) == (0, 0, None)
    assert outbox.take_newest(100) == []


def test_an_append_past_the_bound_pushes_out_the_oldest_rows(tmp_path):
    one = chunk(3)
    box = Outbox(tmp_path, "test", limit_bytes=3 * len(one.body))
    for enqueued_ms in (1, 2, 3):
        assert box.append([chunk(3)], enqueued_ms) == 0
    assert box.append([chunk(3)], 4) == 3
    assert (box.lines, box.bytes, box.oldest_enqueued_ms) == (9, 3 * len(one.body), 2)
    box.close()


def test_a_row_being_written_is_not_pushed_out(tmp_path):
    one = chunk(3)
    box = Outbox(tmp_path, "test", limit_bytes=2 * len(one.body))
    box.append([chunk(3, "a")], 1)
    box.append([chunk(3, "b")], 2)
    in_flight = box.take_newest(100)  # both rows
    box.remove(in_flight[:1])  # "b" written; "a" still in flight
    box.append([chunk(3, "c")], 3)
    box.append([chunk(3, "d")], 4)  # over the bound: "c" goes, as "a" is in flight
    box.release(in_flight[1:])
    assert sorted(c.body.split(b" ")[0] for c in box.take_newest(100)) == [b"a", b"d"]
    box.close()


def test_a_restart_finds_every_row_and_count(tmp_path):
    box = Outbox(tmp_path, "test", limit_bytes=10**9)
    box.append([chunk(2, "a"), chunk(3, "b")], enqueued_ms=7)
    taken = box.take_newest(3)  # in flight when the collector stops: not removed
    size = box.bytes
    box.close()
    reopened = Outbox(tmp_path, "test", limit_bytes=10**9)
    assert (reopened.lines, reopened.bytes, reopened.oldest_enqueued_ms) == (5, size, 7)
    assert [c.body for c in reopened.take_newest(100)] == [c.body for c in taken] + [chunk(2, "a").body]
    reopened.close()


def test_each_output_has_its_own_file_in_a_shared_directory(tmp_path):
    first, second = Outbox(tmp_path, "first", 10**9), Outbox(tmp_path, "second", 10**9)
    first.append([chunk(2)], 1)
    assert (first.lines, second.lines) == (2, 0)
    assert sorted(path.name for path in tmp_path.glob("*.sqlite3")) == ["outbox-first.sqlite3", "outbox-second.sqlite3"]
    first.close()
    second.close()
