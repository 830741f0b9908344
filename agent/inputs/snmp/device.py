"""What a profile interpreter knows about the device it interprets, besides the walk itself.

An interpreter is ``interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None`` in
``itops.agent.inputs.snmp.interpreters.<name>``. The poller hands it an accumulator that already adds
the device's labels (``device=<name>`` and its asset labels), so an interpreter adds only its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeviceContext"]


@dataclass
class DeviceContext:
    name: str
    now_s: float  # UTC seconds of this poll
    state: dict[str, Any] = field(default_factory=dict)  # kept between polls of this device (rates, trends)
    missing: set[str] = field(default_factory=set)  # objects this device did not report in this poll

    def not_reported(self, object_name: str) -> None:
        """Record that the device did not report ``object_name`` (e.g. "hrPrinterStatus"); the poll goes on."""
        self.missing.add(object_name)
