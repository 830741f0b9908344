"""The InfluxDB output: stored batches → the appender thread → the outbox (their columns) → the writer process,
which makes them line protocol → /api/v2/write or /write. The ingest path only hands a batch over. See README.md."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import numpy as np

from itops.collector.outputs.base import Output, StoredSamples
from itops.collector.outputs.influxdb.appender import Appender
from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.influxdb.outbox import Batch, Outbox
from itops.collector.outputs.influxdb.writer_process import WriterProcess
from itops.collector.outputs.metrics import DropReason, OutputMetrics
from itops.common.clock import Clock, epoch_ms, utc_now

__all__ = ["InfluxDBOutput"]

log = logging.getLogger("itops.collector.outputs.influxdb")

KEY_LIST_SWEEP_PERIOD_S = 600


class InfluxDBOutput(Output):
    def __init__(self, config: InfluxDBConfig, metrics: OutputMetrics, clock: Clock = utc_now):
        self.config = config
        self.name = config.output_name
        self._clock = clock
        self._metrics = metrics
        self._series = metrics.series(self.name)
        self._outbox: Outbox | None = None
        self._appender: Appender | None = None
        self._writer: WriterProcess | None = None
        self._sweeper: asyncio.Task | None = None

    async def open(self) -> None:
        self._outbox = await asyncio.to_thread(Outbox, self.config.outbox, self.name, self.config.outbox_limit)
        self._appender = Appender(self._outbox, self.config.batch_lines, self._series.dropped[DropReason.QUEUE_FULL])
        self._appender.start()
        self._metrics.watch_queue(self.name, lambda: self._outbox.samples + self._appender.pending_samples,
                                  lambda: self._outbox.bytes, self.config.outbox_limit, self._oldest_queued_age_s)
        self._writer = WriterProcess(self.config, self._series)
        await asyncio.to_thread(self._writer.start)
        self._sweeper = asyncio.create_task(self._sweep_key_lists())

    def accept(self, agent_id: str, batch: StoredSamples) -> None:
        series_index, timestamps_ms, values = batch.series_index, batch.timestamps_ms, batch.values
        finite = np.isfinite(values)
        if not finite.all():
            self._series.dropped[DropReason.NOT_FINITE](len(values) - int(np.count_nonzero(finite)))
            series_index, timestamps_ms, values = series_index[finite], timestamps_ms[finite], values[finite]
        if not len(values):
            return
        self._appender.put(Batch(agent_id, batch.keys, series_index, timestamps_ms, values, epoch_ms(self._clock)))

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._appender is not None:
            await asyncio.to_thread(self._appender.stop)
        if self._writer is not None:
            await asyncio.to_thread(self._writer.stop)
        if self._outbox is not None:
            self._outbox.close()

    async def _sweep_key_lists(self) -> None:
        while True:
            await asyncio.sleep(KEY_LIST_SWEEP_PERIOD_S)
            try:
                await asyncio.to_thread(self._outbox.forget_unused_key_lists)
            except sqlite3.Error:  # the next round tries again; the lists only take room meanwhile
                log.exception("output %s: forgetting unused key lists failed", self.name)

    def _oldest_queued_age_s(self) -> float:
        oldest_ms = self._outbox.oldest_enqueued_ms
        return 0.0 if oldest_ms is None else max(0.0, (epoch_ms(self._clock) - oldest_ms) / 1000)
