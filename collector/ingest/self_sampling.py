"""The collector's own metrics as a batch of its own: every ``interval`` the samples of its /metrics registry are
validated, stored as agent ``itops-collector`` (SELF_AGENT_ID) and handed to the stored-batch listeners, exactly as
an agent's batch, so the outputs, /metrics/fleet, the console and the rules see them like any agent's series.

What is taken: a counter as its ``_total`` sample, a histogram as its ``_bucket`` (a few dozen series for all the
collector's histograms together, and they let ``histogram_quantile`` work wherever the series go), ``_sum`` and
``_count``, everything with the labels it has on /metrics; the storage adds ``agent="itops-collector"``. Left out:
the ``_created`` samples (when a counter was made, no measurement), values that are not finite, and every sample
whose labels name a host, device, clock, check or asset (itops_host_up{host}, itops_device_up{device}). Those are
what ``itops.entities.entity_of`` reads: stored, such a figure would make the collector a source of data about that
host or device — its 5-minute coverage (the reports' data completeness) full while the host is down, a
HostOffline or DeviceOffline of its own when the host leaves the register, a clock listed twice in the console. For
the same reason the samples carry no ``host`` label: they are about the collector, not about the machine it runs on.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry

from itops.collector.ingest.agent_credentials import SELF_AGENT_ID
from itops.collector.ingest.service import StoredBatchListener, tell_listeners
from itops.collector.ingest.validation import BatchValidator
from itops.collector.storage.base import SampleWrite, StorageBackend
from itops.common.clock import Clock, epoch_ms
from itops.entities import ENTITY_OF_LABELS
from itops.series_key import RESERVED_LABEL, format_series_key
from itops.v1 import ingest_pb2

__all__ = ["SELF_AGENT_ID", "SelfSampler", "self_samples"]

log = logging.getLogger("itops.collector.ingest.self_sampling")

_NOT_TAKEN_LABELS = frozenset({*ENTITY_OF_LABELS, RESERVED_LABEL})


def self_samples(registry: CollectorRegistry) -> Iterator[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample of ``registry`` the collector stores of itself."""
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created") and family.type in ("counter", "histogram", "summary"):
                continue
            if _NOT_TAKEN_LABELS.isdisjoint(sample.labels) and math.isfinite(sample.value):
                yield sample.name, dict(sample.labels), float(sample.value)


class SelfSampler:
    """``refresh_figures`` brings the registry's figures worked out from the stores up to date before each sample."""

    def __init__(self, registry: CollectorRegistry, validator: BatchValidator, storage: StorageBackend,
                 listeners: Mapping[str, StoredBatchListener], clock: Clock,
                 refresh_figures: Callable[[], Awaitable[None]] | None = None):
        self._registry = registry
        self._validator = validator
        self._storage = storage
        self._listeners = listeners
        self._clock = clock
        self._refresh_figures = refresh_figures
        self._last_sequence = 0

    async def run(self, interval_s: float) -> None:
        """A sample every ``interval_s``, the first one interval after the start, until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.sample_once()
            except Exception:
                log.exception("storing the collector's own metrics failed")

    async def sample_once(self) -> int:
        """Store one batch of the registry's samples now; the number of samples stored."""
        if self._refresh_figures is not None:
            await self._refresh_figures()
        now_ms = epoch_ms(self._clock)
        # A sequence per millisecond of the clock stays above those of an earlier run of the collector.
        self._last_sequence = max(self._last_sequence + 1, now_ms)
        valid = self._validator.validate(_batch(self._last_sequence, now_ms, self_samples(self._registry)))
        series_ids = self._storage.resolve_series(SELF_AGENT_ID, valid.keys, self._validator.labels_of)
        result = await self._storage.write(SampleWrite(SELF_AGENT_ID, valid.sequence, series_ids[valid.series_index],
                                                       valid.timestamps_ms, valid.values))
        if result.duplicate:
            log.warning("the collector's own batch %d was stored before (did the clock go back?); skipped", valid.sequence)
            return 0
        tell_listeners(self._listeners, SELF_AGENT_ID, valid)
        return len(valid.values)


def _batch(sequence: int, timestamp_ms: int, samples: Iterator[tuple[str, dict[str, str], float]]) -> ingest_pb2.Batch:
    block = ingest_pb2.SampleBlock()
    for name, labels, value in samples:
        block.series_index.append(len(block.series))
        block.series.append(format_series_key(name, labels))
        block.timestamps_ms.append(timestamp_ms)
        block.values.append(value)
    return ingest_pb2.Batch(sequence=sequence, samples=block)
