"""The InfluxDB output: stored batches → line protocol → the outbox (on the ingest path, no network) → the
writer thread → /api/v2/write or /write. See README.md."""

from __future__ import annotations

import asyncio
import threading

from itops.collector.outputs.base import Output, StoredSamples
from itops.collector.outputs.influxdb.config import InfluxDBConfig
from itops.collector.outputs.influxdb.endpoint import WriteEndpoint
from itops.collector.outputs.influxdb.line_protocol import BACKSLASH_ESCAPED, BACKSLASH_KEPT, LineEncoder
from itops.collector.outputs.influxdb.outbox import Chunk, Outbox
from itops.collector.outputs.influxdb.writer import Backoff, OutboxWriter
from itops.collector.outputs.metrics import DropReason, OutputMetrics
from itops.collector.storage.base import LabelsOf
from itops.common.clock import Clock, epoch_ms, epoch_seconds, utc_now

__all__ = ["InfluxDBOutput"]

class InfluxDBOutput(Output):
    def __init__(self, config: InfluxDBConfig, metrics: OutputMetrics, labels_of: LabelsOf, clock: Clock = utc_now):
        self.config = config
        self.name = config.output_name
        self._clock = clock
        self._metrics = metrics
        self._series = metrics.series(self.name)
        self._encoder = _encoder(config, labels_of)
        self._outbox: Outbox | None = None
        self._writer: OutboxWriter | None = None
        self._endpoint: WriteEndpoint | None = None
        self._thread: threading.Thread | None = None

    async def open(self) -> None:
        self._outbox = await asyncio.to_thread(Outbox, self.config.outbox, self.name, self.config.outbox_limit)
        self._metrics.watch_queue(self.name, lambda: self._outbox.lines, lambda: self._outbox.bytes,
                                  self.config.outbox_limit, self._oldest_queued_age_s)
        self._endpoint = WriteEndpoint(self.config, epoch_seconds(self._clock))
        self._writer = OutboxWriter(self.name, self._outbox, self._endpoint.write, self._series,
                                    self.config.batch_lines, self.config.batch_interval,
                                    Backoff(self.config.retry_initial, self.config.retry_max))
        self._thread = threading.Thread(target=self._writer.run, name=f"output {self.name}", daemon=True)
        self._thread.start()

    def accept(self, agent_id: str, batch: StoredSamples) -> None:
        encoded = self._encoder.encode(agent_id, batch)
        if encoded.not_finite:
            self._series.dropped[DropReason.NOT_FINITE](encoded.not_finite)
        if not encoded.lines:
            return
        size = self.config.batch_lines
        chunks = [Chunk(len(part), "\n".join(part).encode())
                  for part in (encoded.lines[start:start + size] for start in range(0, len(encoded.lines), size))]
        pushed_out = self._outbox.append(chunks, epoch_ms(self._clock))
        if pushed_out:
            self._series.dropped[DropReason.QUEUE_FULL](pushed_out)
        self._writer.notify_appended()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            await asyncio.to_thread(self._thread.join)
            self._endpoint.close()
            self._outbox.close()

    def _oldest_queued_age_s(self) -> float:
        oldest_ms = self._outbox.oldest_enqueued_ms
        return 0.0 if oldest_ms is None else max(0.0, (epoch_ms(self._clock) - oldest_ms) / 1000)


def _encoder(config: InfluxDBConfig, labels_of: LabelsOf) -> LineEncoder:
    dialect = BACKSLASH_ESCAPED if config.api == "v2" else BACKSLASH_KEPT
    if config.schema != "telegraf":
        return LineEncoder(labels_of, config.extra_tags, dialect)
    from itops.collector.outputs.influxdb.telegraf_schema import TELEGRAF_HOST_PREFIX, telegraf_lines
    return LineEncoder(labels_of, config.extra_tags, dialect, telegraf_lines, TELEGRAF_HOST_PREFIX)
