"""The one interface every time-series storage backend implements (a backend is a folder beside this file; see
README.md here for how one is added).

The collector validates a batch, resolves its series keys to ids through the backend, then calls
``write``; the ack goes to the agent only after ``write`` returned, i.e. after the data is durable.
Reads (series lists, range queries) serve the console, the rules' windows and the reports; the newest sample of
every series serves the fleet endpoint Prometheus scrapes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import msgspec

from itops.common.clock import Clock, utc_now

if TYPE_CHECKING:  # arrays only in annotations: the backends' config models, loaded with any config file, need no numpy
    import numpy as np

__all__ = [
    "Aggregation",
    "CommitObserver",
    "LabelsOf",
    "LatestSamples",
    "RangeResult",
    "SampleWrite",
    "SeriesInfo",
    "StorageBackend",
    "StorageConfig",
    "WriteResult",
]

Aggregation = Literal["avg", "min", "max", "last"]
LabelsOf = Callable[[str], tuple[str, dict[str, str]]]
CommitObserver = Callable[[float, int, int], None]  # (seconds, batches, samples) of one durable commit


class StorageConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag_field="type"):
    """The ``storage`` section of the collector config; each backend's config model subclasses this with
    ``tag=plugin_name(__name__)``, so ``type:`` names the backend's folder."""


@dataclass(frozen=True, slots=True)
class SampleWrite:
    """The samples of one accepted agent batch, column-wise. ``series_ids[i]`` came from ``resolve_series``."""

    agent_id: str
    sequence: int
    series_ids: np.ndarray  # int64
    timestamps_ms: np.ndarray  # int64
    values: np.ndarray  # float64


@dataclass(frozen=True, slots=True)
class WriteResult:
    duplicate: bool  # (agent_id, sequence) had been stored before; nothing was written


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    id: int
    name: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RangeResult:
    timestamps_ms: np.ndarray  # int64, start of each step bucket that has data
    values: np.ndarray  # float64


@dataclass(frozen=True, slots=True)
class LatestSamples:
    """The newest sample of each of some series, column-wise, by ascending series id."""

    series_ids: np.ndarray  # int64
    timestamps_ms: np.ndarray  # int64
    values: np.ndarray  # float64


class StorageBackend(abc.ABC):
    @abc.abstractmethod
    def __init__(self, config: StorageConfig, on_commit: CommitObserver | None = None, clock: Clock = utc_now):
        """How the collector builds every backend: with its config section, ``on_commit`` to call after each
        durable commit (the collector times its writes by it) and the clock that says when a batch arrived."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect or open files, create what is missing; called once before the first write or read."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Finish pending writes and release files/connections."""

    @abc.abstractmethod
    def resolve_series(self, agent_id: str, keys: list[str], labels_of: LabelsOf) -> np.ndarray:
        """Map validated series keys of one agent to stable int64 ids (allocating new ones).

        ``labels_of(key)`` returns ``(name, labels)`` for a key the backend has not seen; the stored
        series carries those labels plus ``agent=<agent_id>``. New series become durable with the
        next ``write``.
        """

    @abc.abstractmethod
    async def is_stored(self, agent_id: str, sequence: int) -> bool:
        """Whether ``write`` stored (agent_id, sequence) before: a replay the collector must not look into.
        A write not yet committed is not seen, so ingest lets one batch of a sequence in at a time."""

    @abc.abstractmethod
    async def write(self, samples: SampleWrite) -> WriteResult:
        """Store the batch durably, once: a (agent_id, sequence) seen before is not stored again."""

    @abc.abstractmethod
    def list_series(self, name: str | None = None, matchers: dict[str, str] | None = None) -> list[SeriesInfo]:
        """Series whose metric name equals ``name`` (if given) and whose labels equal all ``matchers``."""

    @abc.abstractmethod
    def series_info(self, series_id: int) -> SeriesInfo | None:
        """The series' name and labels (the store's own dict: read it, never change it); None for an unknown id."""

    @abc.abstractmethod
    async def latest_samples(self, since_ms: int) -> LatestSamples:
        """The newest sample of every series that has one at or after ``since_ms`` (of samples with the same
        timestamp, the last written). Its cost follows the recent data, not the whole history."""

    @abc.abstractmethod
    async def query_range(
        self, series_id: int, start_ms: int, end_ms: int, step_ms: int, aggregation: Aggregation
    ) -> RangeResult:
        """Samples with start_ms <= t < end_ms, bucketed by step from start_ms, aggregated per bucket."""

    @abc.abstractmethod
    async def apply_retention(self, now_ms: int) -> int:
        """Drop data older than the configured retention; return the number of samples dropped (0 for a backend
        whose engine expires data itself)."""
