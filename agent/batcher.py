"""Gathered samples, checks and inventory → wire batches, flushed by size or age."""

from __future__ import annotations

import logging

from itops.agent.inputs.base import Accumulator
from itops.common.clock import EpochClock, epoch_now, unix_ms
from itops.series_key import format_series_key, series_problem
from itops.v1 import ingest_pb2

__all__ = ["GatherResult", "PendingBatch"]

SERIES_KEY_CACHE_LIMIT = 100_000

log = logging.getLogger("itops.agent.batcher")


class GatherResult(Accumulator):
    """What one gather produced; filled in the input's worker thread, handed over when it ends."""

    def __init__(self, extra_labels: dict[str, str], clock: EpochClock = epoch_now):
        self.extra_labels = extra_labels
        self.clock = clock
        self.samples: list[tuple[str, dict[str, str], float, int]] = []
        self.checks: list[ingest_pb2.CheckResult] = []
        self.inventory: ingest_pb2.InventorySnapshot | None = None

    def now_ms(self) -> int:
        return unix_ms(self.clock)

    def add_sample(self, name, value, labels=None, timestamp_ms=None) -> None:
        merged = {**self.extra_labels, **labels} if labels else self.extra_labels
        if "" in merged.values():  # Prometheus semantics: an empty label is an absent label
            merged = {label: text for label, text in merged.items() if text != ""}
        self.samples.append((name, merged, float(value), timestamp_ms or self.now_ms()))

    def add_check(self, result: ingest_pb2.CheckResult) -> None:
        if not result.timestamp_ms:
            result.timestamp_ms = self.now_ms()
        for name, value in self.extra_labels.items():
            if not any(label.name == name for label in result.labels):
                result.labels.add(name=name, value=value)
        self.checks.append(result)

    def add_inventory(self, snapshot: ingest_pb2.InventorySnapshot) -> None:
        if not snapshot.timestamp_ms:
            snapshot.timestamp_ms = self.now_ms()
        self.inventory = snapshot


class PendingBatch:
    """The batch being filled. Series keys are formatted once per distinct (name, labels)."""

    def __init__(self):
        self._key_cache: dict[tuple, str | None] = {}
        self.invalid_samples_total = 0
        self.clear()

    def clear(self) -> None:
        self.block = ingest_pb2.SampleBlock()
        self._index_of_key: dict[str, int] = {}
        self.checks: list[ingest_pb2.CheckResult] = []
        self.inventory: ingest_pb2.InventorySnapshot | None = None
        self.sample_count = 0

    @property
    def empty(self) -> bool:
        return not (self.sample_count or self.checks or self.inventory)

    def add(self, result: GatherResult) -> None:
        self.add_samples(result.samples)
        self.add_records(result)

    def add_samples(self, samples: list[tuple[str, dict[str, str], float, int]]) -> None:
        indexes, timestamps, values = [], [], []
        for name, labels, value, timestamp_ms in samples:
            key = self._series_key(name, labels)
            if key is None:
                self.invalid_samples_total += 1
                continue
            indexes.append(self._series_index(key))
            timestamps.append(timestamp_ms)
            values.append(value)
        self.block.series_index.extend(indexes)
        self.block.timestamps_ms.extend(timestamps)
        self.block.values.extend(values)
        self.sample_count += len(values)

    def add_records(self, result: GatherResult) -> None:
        """The checks and inventory of a gather, which travel in the batch its last samples went to."""
        self.checks.extend(result.checks)
        if result.inventory is not None:
            self.inventory = result.inventory

    def _series_index(self, key: str) -> int:
        index = self._index_of_key.get(key)
        if index is None:
            index = self._index_of_key[key] = len(self.block.series)
            self.block.series.append(key)
        return index

    def _series_key(self, name: str, labels: dict[str, str]) -> str | None:
        """The canonical key, or None for a series the collector would reject (logged once per series)."""
        cache_key = (name, *labels.items())
        if cache_key in self._key_cache:
            return self._key_cache[cache_key]
        if len(self._key_cache) >= SERIES_KEY_CACHE_LIMIT:
            self._key_cache.clear()
        problem = series_problem(name, labels)
        if problem is not None:
            log.error("dropping samples of %s: %s", format_series_key(name, labels)[:200], problem)
        key = self._key_cache[cache_key] = None if problem else format_series_key(name, labels)
        return key

    def seal(self, sequence: int, now_ms: int) -> ingest_pb2.Batch:
        batch = ingest_pb2.Batch(sequence=sequence, created_unix_ms=now_ms, samples=self.block, checks=self.checks)
        if self.inventory is not None:
            batch.inventory.CopyFrom(self.inventory)
        self.clear()
        return batch
