"""The background writer: drains the outbox, newest rows first, one synchronous write request at a time.

A request carries at most ``batch_lines`` samples, made into line protocol here; it goes out once that many are
queued, else ``batch_interval`` after the previous one. Rows are deleted only after the server took them. What a
failure does:

- connection refused or reset, timeout, 429, 5xx, 401/403 and any other 4xx but 400 and 413: the rows stay and the
  writer waits (``retry_initial`` doubling up to ``retry_max``, with jitter; a Retry-After header wins) and tries
  again. 401/403 mean wrong credentials: the rows are written once they are fixed.
- 413 (request too large): the lines are split in halves, each written on its own; a single line too large is
  dropped as rejected.
- 400 (a malformed line, a field type conflict, a partial write): the server's message, which names the offending
  line, is logged and the request's lines are dropped as rejected; retrying could never succeed.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from itops.collector.outputs.influxdb.endpoint import WriteFailed
from itops.collector.outputs.influxdb.line_protocol import KeyListLines, LineEncoder
from itops.collector.outputs.influxdb.outbox import Outbox, QueuedChunk
from itops.collector.outputs.metrics import DropReason, FailureReason, OutputSeries
from itops.common.key_cache import KEY_LIST_CACHE_LIMIT, KeyCache

__all__ = ["Backoff", "OutboxWriter", "Retry"]

log = logging.getLogger("itops.collector.outputs.influxdb")

BAD_REQUEST = 400
QUEUE_POLL_S = 0.05  # the collector appends in another process: how often a waiting writer looks at the queue
_DROPPED_AT_ONCE = {BAD_REQUEST}


@dataclass(frozen=True)
class Retry:
    """The rows stay queued and are tried again after a wait."""

    failure: WriteFailed


class Backoff:
    """Waits between attempts: ``initial`` doubling per consecutive failure up to ``maximum``, each drawn at random
    from its upper half (so many collectors do not retry in step); a server's Retry-After wins."""

    def __init__(self, initial_s: float, maximum_s: float, random_fraction: Callable[[], float] = random.random):
        self.initial_s, self.maximum_s = initial_s, maximum_s
        self._random_fraction = random_fraction
        self.failures = 0

    def next_delay_s(self, retry_after_s: float | None) -> float:
        ceiling = min(self.maximum_s, self.initial_s * 2 ** self.failures)
        self.failures += 1
        if retry_after_s is not None:
            return retry_after_s
        return ceiling * (0.5 + 0.5 * self._random_fraction())

    def reset(self) -> None:
        self.failures = 0


class OutboxWriter:
    """``write(lines)`` sends one request (raising WriteFailed); ``run`` in a thread of its own until ``stop``."""

    def __init__(self, name: str, outbox: Outbox, encoder: LineEncoder, write: Callable[[bytes], None],
                 series: OutputSeries, batch_lines: int, batch_interval_s: float, backoff: Backoff):
        self.name = name
        self._outbox = outbox
        self._encoder = encoder
        self._key_lists: KeyCache[int, KeyListLines] = KeyCache(KEY_LIST_CACHE_LIMIT)
        self._write = write
        self._series = series
        self._batch_lines = batch_lines
        self._batch_interval_s = batch_interval_s
        self._backoff = backoff
        self._wake = threading.Condition()
        self._stopping = False

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def run(self) -> None:
        while not self._stopping:
            if self._outbox.samples < self._batch_lines:
                self._wait(self._batch_interval_s, until_full=True)
                if self._stopping:
                    return
            if self._outbox.samples:
                self.drain_once()

    def drain_once(self) -> Retry | None:
        """Write the newest rows once; returns the Retry (after waiting its delay) when they stay queued."""
        chunks = self._outbox.take_newest(self._batch_lines)
        if not chunks:
            return None
        outcome = self._deliver(self._lines(chunks), sum(chunk.samples for chunk in chunks))
        if outcome is None:
            self._outbox.remove(chunks)
            self._backoff.reset()
            return None
        self._outbox.release(chunks)
        self._wait(self._backoff.next_delay_s(outcome.failure.retry_after_s), until_full=False)
        return outcome

    def _lines(self, chunks: list[QueuedChunk]) -> bytes:
        bodies = [self._encoder.body(self._key_lists.get_or_make(chunk.key_list, self._key_list_lines),
                                     chunk.series_index, chunk.timestamps_ms, chunk.values) for chunk in chunks]
        return "\n".join(bodies).encode()

    def _key_list_lines(self, key_list: int) -> KeyListLines:
        return self._encoder.key_list(*self._outbox.key_list(key_list))

    def _deliver(self, lines: bytes, count: int) -> Retry | None:
        """None once every line was written or dropped; a Retry when the rows must stay."""
        started = time.perf_counter()
        try:
            self._write(lines)
        except WriteFailed as failure:
            self._series.write_duration(time.perf_counter() - started)
            return self._failed(failure, lines, count)
        self._series.write_duration(time.perf_counter() - started)
        self._series.up(1)
        self._series.written(count)
        return None

    def _failed(self, failure: WriteFailed, lines: bytes, count: int) -> Retry | None:
        self._series.failed[failure.reason](1)
        self._series.up(0)
        if failure.reason is FailureReason.TOO_LARGE:
            return self._split(failure, lines, count)
        if failure.status in _DROPPED_AT_ONCE:
            log.error("output %s: the server refused %d lines, which are dropped: %s", self.name, count, failure)
            self._series.dropped[DropReason.REJECTED](count)
            return None
        log.warning("output %s: write of %d lines failed, kept for a retry: %s", self.name, count, failure)
        return Retry(failure)

    def _split(self, failure: WriteFailed, lines: bytes, count: int) -> Retry | None:
        parts = lines.split(b"\n")
        if len(parts) == 1:
            log.error("output %s: one line is larger than the server accepts and is dropped: %s", self.name,
                      lines[:200])
            self._series.dropped[DropReason.REJECTED](count)
            return None
        half = len(parts) // 2
        first_count = count * half // len(parts)  # lines are samples, but for Telegraf's, which hold several
        log.info("output %s: %d lines were too large for one request (%s); writing them in halves", self.name,
                 len(parts), failure.status)
        return (self._deliver(b"\n".join(parts[:half]), first_count)
                or self._deliver(b"\n".join(parts[half:]), count - first_count))

    def _wait(self, seconds: float, until_full: bool) -> None:
        deadline = time.monotonic() + seconds
        with self._wake:
            while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
                if until_full and self._outbox.samples >= self._batch_lines:
                    return
                self._wake.wait(min(remaining, QUEUE_POLL_S) if until_full else remaining)
