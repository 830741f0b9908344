"""The shape of every agent input: a config model and a ``gather(acc)`` method, registered by name.

An input raises when it cannot gather; the runner (``itops.agent.runner``) times it out, counts the
error and reports the input's health. Inputs never catch-log-continue on their own.
"""

from __future__ import annotations

import abc
from typing import Annotated, Generic, TypeVar

import msgspec

from itops.common.clock import EpochClock, epoch_now
from itops.common.plugin_registry import plugin_name
from itops.common.yaml_config import Duration
from itops.v1 import ingest_pb2

__all__ = ["Accumulator", "Input", "InputConfig"]


class InputConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag_field="type"):
    """Options every input has; each input's config model subclasses this with ``tag=plugin_name(__name__)``."""

    name: Annotated[str | None, msgspec.Meta(description="Instance name, to tell two inputs of one type apart in health metrics. Defaults to the type.")] = None
    interval: Annotated[Duration | None, msgspec.Meta(description="How often to gather. Defaults to the agent's `interval`.")] = None
    timeout: Annotated[Duration | None, msgspec.Meta(description="A gather running longer than this is reported as timed out. Defaults to the interval.")] = None
    labels: Annotated[dict[str, str], msgspec.Meta(description="Extra labels added to every sample of this input.")] = {}


ConfigT = TypeVar("ConfigT", bound=InputConfig)


class Accumulator(abc.ABC):
    """Where an input puts what it gathered. Timestamps are UTC milliseconds."""

    @abc.abstractmethod
    def add_sample(self, name: str, value: float, labels: dict[str, str] | None = None, timestamp_ms: int | None = None) -> None: ...

    @abc.abstractmethod
    def add_check(self, result: ingest_pb2.CheckResult) -> None: ...

    @abc.abstractmethod
    def add_inventory(self, snapshot: ingest_pb2.InventorySnapshot) -> None: ...


class Input(abc.ABC, Generic[ConfigT]):
    """One kind of thing the agent gathers, in ``<name>.py`` of its plugin folder (``itops.agent.inputs``)."""

    def __init__(self, config: ConfigT, clock: EpochClock = epoch_now):
        self.config = config
        self.clock = clock

    @property
    def name(self) -> str:
        """The input's name: its plugin folder's, which is also its config's ``type`` and its checks' name."""
        return plugin_name(type(self).__module__)

    @abc.abstractmethod
    def gather(self, acc: Accumulator) -> None:
        """Gather once. Called from a worker thread; may block (the runner enforces a timeout)."""

    def close(self) -> None:
        """Release what the input holds open (called in a worker thread, never during a gather). Most
        inputs hold nothing."""
