"""Options of the ``process`` input: which processes must run, found by name or command line."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from itops.agent.inputs.base import InputConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["ProcessConfig", "ProcessRule"]


class ProcessRule(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Processes to count and how many there should be. A process must match every matcher given."""

    name: Annotated[str, msgspec.Meta(min_length=1, description="What to call these processes in results, e.g. `erp-server`.")]
    process_name: Annotated[str | None, msgspec.Meta(description="The executable's name exactly as `ps -e` shows it, e.g. `postgres`.")] = None
    cmdline: Annotated[str | None, msgspec.Meta(description="Regular expression searched in the command line (arguments joined by spaces), e.g. `java .*erp-server\\.jar`.")] = None
    min_count: Annotated[int, msgspec.Meta(ge=0, description="Fewer matching processes than this is CRITICAL.")] = 1
    max_count: Annotated[Annotated[int, msgspec.Meta(ge=0)] | None, msgspec.Meta(description="More matching processes than this is WARNING. Empty: no limit.")] = None

    def __post_init__(self):
        if self.process_name is None and self.cmdline is None:
            raise ValueError(f"processes: {self.name!r} needs `process_name`, `cmdline` or both")
        if self.cmdline is not None:
            try:
                re.compile(self.cmdline)
            except re.error as exc:
                raise ValueError(f"processes: {self.name!r}: cmdline is not a valid regular expression: {exc}") from None
        if self.max_count is not None and self.max_count < self.min_count:
            raise ValueError(f"processes: {self.name!r}: max_count is below min_count")


class ProcessConfig(InputConfig, tag=plugin_name(__name__)):
    """Whether the processes that make a service are running, and how many of them."""

    processes: Annotated[list[ProcessRule], msgspec.Meta(min_length=1, description="The processes to look for.")]

    def __post_init__(self):
        names = [rule.name for rule in self.processes]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"processes: {repeated[0]!r} is named twice; every rule needs its own name")
