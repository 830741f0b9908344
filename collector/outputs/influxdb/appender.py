"""Stored batches from the ingest path into the outbox, on a thread of its own.

``put`` only hands the batch over; the thread writes everything handed over meanwhile in one transaction. So the
ingest path never waits for the disk, nor for the writer process's turn at the outbox file (measured: appending in
the ingest path, one transaction per batch, took 13 % of its time under load, single waits up to 45 ms). A batch
handed over and not yet written (milliseconds) is lost for the output if the collector dies then; the embedded
store has it. If the thread falls behind by ``max_pending_samples`` (a stalled disk), further batches are dropped
and counted as queue_full rather than held in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from itops.collector.outputs.influxdb.outbox import Batch, Outbox

__all__ = ["Appender"]

log = logging.getLogger("itops.collector.outputs.influxdb")

MAX_PENDING_SAMPLES = 2_000_000
_STOP = None


class Appender:
    def __init__(self, outbox: Outbox, chunk_samples: int, dropped: Callable[[int], None],
                 max_pending_samples: int = MAX_PENDING_SAMPLES):
        self._outbox = outbox
        self._chunk_samples = chunk_samples
        self._dropped = dropped
        self._max_pending_samples = max_pending_samples
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._pending_samples = 0
        self._pending_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="outbox appender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def pending_samples(self) -> int:
        """Samples handed over and not yet in the outbox."""
        return self._pending_samples

    def put(self, batch: Batch) -> None:
        count = len(batch.values)
        with self._pending_lock:
            if self._pending_samples + count > self._max_pending_samples:
                self._dropped(count)
                return
            self._pending_samples += count
        self._queue.put(batch)

    def stop(self) -> None:
        """Write what was handed over, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batches = [self._queue.get()]
            while not self._queue.empty() and batches[-1] is not _STOP:
                batches.append(self._queue.get())
            stopping = batches[-1] is _STOP
            if stopping:
                batches.pop()
            if batches:
                self._append(batches)
            if stopping:
                return

    def _append(self, batches: list[Batch]) -> None:
        try:
            pushed_out = self._outbox.append(batches, self._chunk_samples)
        except Exception:  # the thread must outlive one failed transaction; its samples are counted
            log.exception("queuing %d batches in the outbox failed; they are dropped", len(batches))
            pushed_out = sum(len(batch.values) for batch in batches)
        with self._pending_lock:
            self._pending_samples -= sum(len(batch.values) for batch in batches)
        if pushed_out:
            self._dropped(pushed_out)
