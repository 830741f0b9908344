"""Reading device values the way the device means them: sentinels (``sentinels.py``) are "unknown", text is
cleaned for labels."""

from __future__ import annotations

import re
from typing import Iterable

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.sentinels import MIB_OBJECTS, known
from itops.agent.inputs.snmp.interpreters.text import display_text
from itops.agent.inputs.snmp.walk import SnmpValue, Walk
from itops.series_key import CONTROL_CHARACTERS_RE

__all__ = ["label_text", "measured", "named_state", "report_state_set", "to_celsius"]

LABEL_MAX_CHARS = 128

_CONTROL_OR_SPACE_RUN = re.compile(rf"(?:\s|{CONTROL_CHARACTERS_RE.pattern})+")


def measured(walk: Walk, device: DeviceContext, *sources: tuple[str, float]) -> float | None:
    """The first known value among ``sources`` (``(MIB object name, divisor)`` of scalars, best first) divided
    into base units; when none is known, the device is recorded as not reporting the first one."""
    for name, divisor in sources:
        value = known(name, walk.get(MIB_OBJECTS[name].oid))
        if value is not None:
            return value / divisor
    device.not_reported(sources[0][0])
    return None


def named_state(walk: Walk, device: DeviceContext, oid: str, object_name: str, states: dict[int, str]) -> str | None:
    """The state name of an enumerated value; an absent or undefined value is recorded as not reported."""
    value = walk.get(oid)
    state = states.get(value) if isinstance(value, int) else None
    if state is None:
        device.not_reported(object_name)
    return state


def label_text(value: SnmpValue | None) -> str:
    """Device text as a label value: decoded by ``display_text``, control characters and runs of
    white space turned into one space, trimmed, at most ``LABEL_MAX_CHARS`` long."""
    return _CONTROL_OR_SPACE_RUN.sub(" ", display_text(value)).strip()[:LABEL_MAX_CHARS]


def report_state_set(acc: Accumulator, metric: str, label: str, states: Iterable[str], current: str | None,
                     labels: dict[str, str] | None = None) -> None:
    """One 0/1 series per possible state (1 for ``current``), as a Prometheus state set; nothing when unknown."""
    if current is None:
        return
    for state in states:
        acc.add_sample(metric, float(state == current), {**(labels or {}), label: state})


def to_celsius(value: float, unit: str) -> float:
    """A temperature in ``unit`` ("celsius", "fahrenheit", "kelvin") in °C."""
    return {"celsius": value, "fahrenheit": (value - 32) * 5 / 9, "kelvin": value - 273.15}[unit]
