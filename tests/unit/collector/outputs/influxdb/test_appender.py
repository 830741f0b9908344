"""The appender: the ingest path's hand-over returns at once; what was handed over meanwhile goes into the outbox
in one transaction; past its bound it drops and counts rather than holding memory; stopping writes what is left."""

from __future__ import annotations

import threading

import numpy as np

from itops.collector.outputs.influxdb.appender import Appender
from itops.collector.outputs.influxdb.outbox import Batch, Outbox


def batch(first: float, samples: int = 2) -> Batch:
    return Batch("agent-a", ['m{host="a"}'], np.zeros(samples, dtype=np.uint32), np.arange(samples, dtype=np.int64),
                 np.arange(samples) + first, enqueued_ms=1)


class SlowOutbox(Outbox):
    """An outbox whose appends say they started and wait until the test lets them go, and which records each
    append's batches."""

    def __init__(self, *args):
        super().__init__(*args)
        self.started = threading.Event()
        self.go = threading.Event()
        self.appends: list[int] = []

    def append(self, batches, chunk_samples):
        self.started.set()
        self.go.wait(5)
        self.appends.append(len(batches))
        return super().append(batches, chunk_samples)


def test_what_is_handed_over_meanwhile_goes_in_together_and_stop_writes_the_rest(tmp_path):
    outbox = SlowOutbox(tmp_path, "out", 10**9)
    dropped = []
    appender = Appender(outbox, chunk_samples=100, dropped=dropped.append)
    appender.start()
    appender.put(batch(0))
    assert outbox.started.wait(5)  # the first append is under way: what comes now waits for the next one
    for first in (10, 20, 30):
        appender.put(batch(first))
    assert appender.pending_samples == 8
    outbox.go.set()
    appender.stop()
    assert outbox.appends == [1, 3]
    assert (outbox.samples, appender.pending_samples, dropped) == (8, 0, [])
    outbox.close()


def test_past_its_bound_a_batch_is_dropped_and_counted_not_held(tmp_path):
    outbox = SlowOutbox(tmp_path, "out", 10**9)
    dropped = []
    appender = Appender(outbox, chunk_samples=100, dropped=dropped.append, max_pending_samples=5)
    appender.start()
    appender.put(batch(0, samples=3))
    appender.put(batch(10, samples=3))  # 6 > 5
    outbox.go.set()
    appender.stop()
    assert (outbox.samples, dropped) == (3, [3])
    outbox.close()


def test_samples_the_outbox_pushes_out_are_counted(tmp_path):
    outbox = Outbox(tmp_path, "out", limit_bytes=40)  # two samples
    dropped = []
    appender = Appender(outbox, chunk_samples=100, dropped=dropped.append)
    appender.start()
    appender.put(batch(0))
    appender.stop()
    appender = Appender(outbox, chunk_samples=100, dropped=dropped.append)
    appender.start()
    appender.put(batch(10))
    appender.stop()
    assert (outbox.samples, dropped) == (2, [2])
    outbox.close()
