"""The single writer thread: group commit of accepted batches, and maintenance between commits.

Every pending batch (plus every dictionary row allocated since the last commit) goes into one
transaction with one fsync; the callers' futures are resolved on their event loop afterwards. Between
two commits the thread runs one bounded maintenance step: a requested task (retention, a full
compaction) or else whatever automatic compaction is due.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Generator

import numpy as np

from itops.common.clock import Clock, epoch_ms

from ..base import CommitObserver, WriteResult
from .compaction import Compactor, StoreCounters

__all__ = ["AcceptedBatch", "WriterThread"]

log = logging.getLogger(__name__)

IDLE_COMPACTION_CHECK_S = 1.0
MaintenanceTask = Generator[None, None, Any]


@dataclass(frozen=True, slots=True)
class AcceptedBatch:
    agent_id: int
    sequence: int
    series_ids: np.ndarray
    timestamps_ms: np.ndarray
    values: np.ndarray


@dataclass
class _Queue:
    batches: list[tuple[AcceptedBatch, asyncio.Future]] = field(default_factory=list)
    agent_rows: list[tuple[int, str]] = field(default_factory=list)
    series_rows: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    tasks: list[tuple[MaintenanceTask, asyncio.Future]] = field(default_factory=list)


class WriterThread:
    def __init__(
        self, conn: sqlite3.Connection, compactor: Compactor, counters: StoreCounters, highest_stored: dict[int, int],
        loop: asyncio.AbstractEventLoop, on_commit: CommitObserver | None, clock: Clock,
    ):
        self._conn = conn
        self._compactor = compactor
        self._counters = counters
        self._highest_stored = highest_stored
        self._loop = loop
        self._on_commit = on_commit
        self._clock = clock
        self._queue = _Queue()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="itops-sqlite-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Commit what is queued, fail queued maintenance tasks, and end the thread."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()
        self._thread.join()

    def add_dictionary_rows(self, agent_rows: list[tuple[int, str]], series_rows: list[tuple]) -> None:
        """Rows become durable with the next commit, which is never later than that of a batch using them."""
        with self._wakeup:
            self._queue.agent_rows.extend(agent_rows)
            self._queue.series_rows.extend(series_rows)

    def submit(self, batch: AcceptedBatch) -> asyncio.Future:
        future = self._loop.create_future()
        with self._wakeup:
            if self._stopping:
                raise RuntimeError("the store is closed")
            self._queue.batches.append((batch, future))
            self._wakeup.notify()
        return future

    def run_task(self, task: MaintenanceTask) -> asyncio.Future:
        """Advance ``task`` one step per writer round; the future gets its return value."""
        future = self._loop.create_future()
        with self._wakeup:
            self._queue.tasks.append((task, future))
            self._wakeup.notify()
        return future

    def _run(self) -> None:
        compaction_due = True
        while True:
            with self._wakeup:
                if not (self._queue.batches or self._queue.tasks or self._stopping or compaction_due):
                    self._wakeup.wait(IDLE_COMPACTION_CHECK_S)
                    compaction_due = True
                queue, self._queue = self._queue, _Queue(tasks=self._queue.tasks)
                stopping = self._stopping
            if queue.batches or queue.agent_rows or queue.series_rows:
                self._commit(queue)
            if stopping:
                self._fail_tasks(RuntimeError("the store was closed"))
                return
            compaction_due = self._maintain()

    def _maintain(self) -> bool:
        """One maintenance step; True when automatic compaction may have more due work."""
        if not self._queue.tasks:
            try:
                return self._compactor.step(epoch_ms(self._clock))
            except Exception:  # nobody awaits automatic compaction; the data stays in the head meanwhile
                log.exception("automatic compaction step failed; retrying later")
                return False
        task, future = self._queue.tasks[0]
        try:
            next(task)
            return False
        except StopIteration as done:
            outcome: tuple[Any, BaseException | None] = (done.value, None)
        except Exception as exc:  # handed to the awaiting caller, whose runner reports it
            outcome = (None, exc)
        with self._wakeup:
            self._queue.tasks.pop(0)
        self._loop.call_soon_threadsafe(_settle, [(future, *outcome)])
        return True

    def _commit(self, queue: _Queue) -> None:
        started = time.perf_counter()
        try:
            results = self._insert(queue)
        except Exception as exc:
            with self._wakeup:  # the dictionary rows must still precede any batch that uses them
                self._queue.agent_rows[:0] = queue.agent_rows
                self._queue.series_rows[:0] = queue.series_rows
            self._loop.call_soon_threadsafe(_settle, [(future, None, exc) for _, future in queue.batches])
            return
        outcomes = [(future, result, None) for (_, future), result in zip(queue.batches, results)]
        self._loop.call_soon_threadsafe(_settle, outcomes)
        if self._on_commit is not None:
            samples = sum(batch.values.size for (batch, _), result in zip(queue.batches, results) if not result.duplicate)
            self._on_commit(time.perf_counter() - started, len(queue.batches), samples)

    def _insert(self, queue: _Queue) -> list[WriteResult]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT INTO agents (id, name) VALUES (?, ?)", queue.agent_rows)
            conn.executemany(
                "INSERT INTO series (id, agent_id, key, name, labels) VALUES (?, ?, ?, ?, ?)", queue.series_rows
            )
            results = [self._insert_batch(batch) for batch, _ in queue.batches]
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        for (batch, _), result in zip(queue.batches, results):
            if not result.duplicate:
                self._counters.head_samples += batch.values.size
                # Raised before the callers' futures resolve: whoever learns of the commit sees it here.
                if batch.sequence > self._highest_stored.get(batch.agent_id, 0):
                    self._highest_stored[batch.agent_id] = batch.sequence
        return results

    def _insert_batch(self, batch: AcceptedBatch) -> WriteResult:
        timestamps_ms = batch.timestamps_ms
        max_ts = int(timestamps_ms.max()) if timestamps_ms.size else 0
        first_time = self._conn.execute(
            "INSERT OR IGNORE INTO received (agent_id, sequence, max_ts) VALUES (?, ?, ?)",
            (batch.agent_id, batch.sequence, max_ts),
        ).rowcount
        if not first_time:
            return WriteResult(duplicate=True)
        if timestamps_ms.size:
            self._conn.execute(
                "INSERT INTO head (agent_id, received_ms, min_ts, max_ts, count, series, ts, vals)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (batch.agent_id, epoch_ms(self._clock), int(timestamps_ms.min()), max_ts, timestamps_ms.size,
                 batch.series_ids.tobytes(), timestamps_ms.tobytes(), batch.values.tobytes()),
            )
        return WriteResult(duplicate=False)

    def _fail_tasks(self, exc: Exception) -> None:
        with self._wakeup:
            tasks, self._queue.tasks = self._queue.tasks, []
        if tasks:
            self._loop.call_soon_threadsafe(_settle, [(future, None, exc) for _, future in tasks])


def _settle(outcomes: list[tuple[asyncio.Future, Any, BaseException | None]]) -> None:
    for future, result, exc in outcomes:
        if future.done():  # the caller was cancelled; the batch is stored all the same
            continue
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)

