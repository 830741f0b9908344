"""The writer's rules: what each failure does to the queued lines and to the metrics, the backoff, and the drain
loop's timing. ``write`` is given answers in order (None: accepted); the HTTP side of those answers, against a real
server, is tested in tests/integration/test_influxdb_output_retries.py."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from itops.collector.outputs.influxdb.endpoint import WriteFailed
from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_ESCAPED, LineEncoder
from itops.collector.outputs.influxdb.outbox import Batch, Outbox
from itops.collector.outputs.influxdb.writer import Backoff, OutboxWriter, Retry
from itops.collector.outputs.metrics import FailureReason, OutputMetrics
from itops.series_key import parse_series_key

CONNECTION_REFUSED = WriteFailed(FailureReason.CONNECTION, None, "connection refused")
UNAUTHORIZED = WriteFailed(FailureReason.UNAUTHORIZED, 401, '{"error":"authorization failed"}')
TYPE_CONFLICT = WriteFailed(FailureReason.REJECTED, 400, '{"error":"partial write: field type conflict: input field '
                                                         '\\"f\\" on measurement \\"m\\" is type float, already exists '
                                                         'as type integer dropped=1"}')
TOO_LARGE = WriteFailed(FailureReason.TOO_LARGE, 413, "request entity too large")


def values(lines: list[bytes]) -> list[float]:
    """The values of ``itops_host_load1`` lines (field load1)."""
    return [float(line.split(b"load1=")[1].split(b" ")[0]) for line in lines]


class Server:
    """Answers write requests in the order given (None: accepted), then accepts; keeps what it was sent."""

    def __init__(self, *answers: WriteFailed | None, too_large_above_lines: int | None = None):
        self.answers = list(answers)
        self.too_large_above_lines = too_large_above_lines
        self.requests: list[list[bytes]] = []
        self.accepted: list[bytes] = []

    def write(self, body: bytes) -> None:
        lines = body.split(b"\n")
        self.requests.append(lines)
        answer = self.answers.pop(0) if self.answers else None
        if answer is None and self.too_large_above_lines is not None and len(lines) > self.too_large_above_lines:
            answer = TOO_LARGE
        if answer is not None:
            raise answer
        self.accepted += lines


class Harness:
    def __init__(self, tmp_path, server: Server, batch_lines: int = 4, batch_interval_s: float = 0.05,
                 backoff_s: float = 0.001):
        self.registry = CollectorRegistry()
        self.outbox = Outbox(tmp_path, "out", 10**9)
        self.server = server
        encoder = LineEncoder(parse_series_key, [], BACKSLASH_ESCAPED)
        self.writer = OutboxWriter("out", self.outbox, encoder, server.write,
                                   OutputMetrics(self.registry).series("out"), batch_lines, batch_interval_s,
                                   Backoff(backoff_s, 2 * backoff_s))

    def queue(self, *first_values: float, samples_each: int = 2) -> None:
        """One batch per first value, of samples first, first + 1, …"""
        for first in first_values:
            self.outbox.append([Batch("agent-a", ['itops_host_load1{host="pc1"}'], np.zeros(samples_each, dtype=np.uint32),
                                      np.arange(samples_each, dtype=np.int64) + 1000, np.arange(samples_each) + first,
                                      enqueued_ms=1)], chunk_samples=1000)

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, {"output": "out", **labels})


@pytest.fixture
def harness(tmp_path):
    made = []

    def make(server: Server, **options) -> Harness:
        made.append(Harness(tmp_path, server, **options))
        return made[-1]

    yield make
    for h in made:
        h.outbox.close()


def test_a_written_request_takes_the_newest_lines_and_deletes_them(harness):
    h = harness(Server())
    h.queue(0, 10, 20)
    assert h.writer.drain_once() is None
    assert values(h.server.accepted) == [20, 21, 10, 11]
    assert h.server.accepted[0] == b"itops_host,agent=agent-a,host=pc1 load1=20.0 1000000000"
    assert h.outbox.samples == 2
    assert h.metric("itops_output_written_samples_total") == 4
    assert h.metric("itops_output_up") == 1
    assert h.metric("itops_output_write_duration_seconds_count") == 1


def test_a_connection_failure_keeps_the_lines_for_the_next_attempt(harness):
    h = harness(Server(CONNECTION_REFUSED))
    h.queue(0)
    assert isinstance(h.writer.drain_once(), Retry)
    assert (h.outbox.samples, h.metric("itops_output_up")) == (2, 0)
    assert h.metric("itops_output_write_failures_total", reason="connection") == 1
    assert h.writer.drain_once() is None
    assert (h.outbox.samples, h.metric("itops_output_up"), len(h.server.accepted)) == (0, 1, 2)


def test_unauthorized_keeps_the_lines_until_the_credentials_are_fixed(harness):
    h = harness(Server(UNAUTHORIZED, UNAUTHORIZED))
    h.queue(0)
    h.writer.drain_once()
    h.writer.drain_once()
    assert h.metric("itops_output_write_failures_total", reason="unauthorized") == 2
    assert (h.outbox.samples, h.metric("itops_output_up")) == (2, 0)
    h.writer.drain_once()
    assert h.outbox.samples == 0
    assert h.metric("itops_output_written_samples_total") == 2


def test_a_bad_request_is_logged_with_the_servers_words_and_its_lines_dropped(harness, caplog):
    h = harness(Server(TYPE_CONFLICT))
    h.queue(0, 10)
    with caplog.at_level(logging.ERROR, "itops.collector.outputs.influxdb"):
        assert h.writer.drain_once() is None
    assert 'field type conflict: input field \\"f\\" on measurement \\"m\\"' in caplog.text
    assert h.outbox.samples == 0
    assert h.metric("itops_output_dropped_samples_total", reason="rejected") == 4
    assert h.metric("itops_output_write_failures_total", reason="rejected") == 1
    assert len(h.server.requests) == 1


def test_a_request_too_large_is_split_in_halves_until_each_part_fits(harness):
    h = harness(Server(too_large_above_lines=2), batch_lines=6)
    h.queue(0, samples_each=5)
    assert h.writer.drain_once() is None
    assert [len(lines) for lines in h.server.requests] == [5, 2, 3, 1, 2]
    assert sorted(values(h.server.accepted)) == [0, 1, 2, 3, 4]
    assert h.metric("itops_output_write_failures_total", reason="too_large") == 2
    assert (h.outbox.samples, h.metric("itops_output_written_samples_total")) == (0, 5)


def test_a_single_line_too_large_is_dropped(harness):
    h = harness(Server(too_large_above_lines=0))
    h.queue(0, samples_each=1)
    assert h.writer.drain_once() is None
    assert h.metric("itops_output_dropped_samples_total", reason="rejected") == 1
    assert h.outbox.samples == 0


def test_a_failure_within_a_split_keeps_every_line(harness):
    h = harness(Server(TOO_LARGE, None, CONNECTION_REFUSED))
    h.queue(0, samples_each=4)
    assert isinstance(h.writer.drain_once(), Retry)
    assert h.outbox.samples == 4


def test_backoff_doubles_up_to_its_maximum_with_jitter_and_retry_after_wins():
    backoff = Backoff(1, 8, random_fraction=lambda: 1.0)
    assert [backoff.next_delay_s(None) for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    assert backoff.next_delay_s(30) == 30
    backoff.reset()
    assert backoff.next_delay_s(None) == 1
    low = Backoff(1, 8, random_fraction=lambda: 0.0)
    assert [low.next_delay_s(None) for _ in range(3)] == [0.5, 1, 2]


def test_the_drain_loop_writes_a_full_request_at_once_and_a_partial_one_after_the_interval(harness):
    h = harness(Server(), batch_lines=4, batch_interval_s=2)
    thread = threading.Thread(target=h.writer.run)
    thread.start()
    try:
        started = time.monotonic()
        h.queue(0, 10)
        _wait_for(lambda: h.outbox.samples == 0)
        assert time.monotonic() - started < 1  # well before the interval, with room for a loaded machine
        h.queue(20)
        time.sleep(0.2)
        assert h.outbox.samples == 2  # not a full request: waits for the interval
        _wait_for(lambda: h.outbox.samples == 0)
    finally:
        h.writer.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_stop_ends_a_long_backoff_at_once(harness):
    h = harness(Server(CONNECTION_REFUSED), batch_lines=2, backoff_s=60)
    h.queue(0)
    thread = threading.Thread(target=h.writer.run)
    thread.start()
    _wait_for(lambda: h.server.requests)
    started = time.monotonic()
    h.writer.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 1
    assert h.outbox.samples == 2


def _wait_for(condition, timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
