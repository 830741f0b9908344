"""The one interface every output implements (an output is a folder beside this file; README.md here says how one
is added).

An output receives a copy of each batch once the storage backend has stored it durably, and sends it on to another
time-series database. The agent's ack has been decided by then and never waits for the output: ``accept`` only
queues the batch locally (on disk, bounded) and returns; the output drains its queue in the background and keeps
what it could not send across restarts.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Annotated, Protocol

import msgspec

from itops.common.clock import Clock, utc_now

if TYPE_CHECKING:  # arrays only in annotations: the outputs' config models, loaded with any config file, need no numpy
    import numpy as np

    from itops.collector.outputs.metrics import OutputMetrics

__all__ = ["Output", "OutputConfig", "StoredSamples"]


class OutputConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag_field="type"):
    """One entry of the ``outputs`` list of the collector config; each output's config model subclasses this with
    ``tag=plugin_name(__name__)``, so ``type:`` names the output's folder."""

    name: Annotated[Annotated[str, msgspec.Meta(pattern=r"^[a-zA-Z0-9_.-]+$")] | None, msgspec.Meta(
        description="Names this output in logs, in its outbox file and in the `output` label of its metrics; "
                    "letters, digits, `_`, `.`, `-`; unique among the outputs. Default: its `type`.")] = None

    @property
    def output_name(self) -> str:
        return self.name or self.__struct_config__.tag


class StoredSamples(Protocol):
    """The samples of one stored batch, as ingest validated them: sample i is
    ``(keys[series_index[i]], timestamps_ms[i], values[i])``. (``ValidBatch`` is one.)"""

    keys: list[str]
    series_index: np.ndarray  # uint32
    timestamps_ms: np.ndarray  # int64
    values: np.ndarray  # float64


class Output(abc.ABC):
    @abc.abstractmethod
    def __init__(self, config: OutputConfig, metrics: OutputMetrics, clock: Clock = utc_now):
        """How the collector builds every output: its config entry, the output metrics (on the collector's registry;
        the output reports under ``config.output_name``) and the clock that says when a batch was queued. A
        series key's metric and labels are the kernel's ``itops.series_key.parse_series_key`` (without ``agent``,
        which the output adds)."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Open the local queue (creating it, or finding what an earlier run left in it) and start draining it in
        the background; called once before the first ``accept``."""

    @abc.abstractmethod
    def accept(self, agent_id: str, batch: StoredSamples) -> None:
        """Queue a stored batch of ``agent_id`` for sending. Called on the ingest path after the batch is stored:
        it must not touch the network nor wait for the destination; what does not fit the queue's bound pushes
        out the oldest queued samples, counted as dropped."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop draining (a write in progress finishes or times out) and close the queue; what is still queued is
        sent after the next ``open``."""
