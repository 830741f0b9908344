"""What every SNMP agent reports (SNMPv2-MIB system group): uptime, reboots, and who the device says it is.

A reboot is sysUpTime going backwards between two polls. sysUpTime is 32-bit TimeTicks, so it also wraps
every 497 days: a drop is a wrap, not a reboot, when the previous value plus the time between the polls
reaches the end of the range.
"""

from __future__ import annotations

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import label_text
from itops.agent.inputs.snmp.walk import Walk

__all__ = ["interpret", "uptime_went_back"]

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"

TIMETICKS_PER_S = 100
TIMETICKS_RANGE = 2**32

# label of the info gauge -> (OID, object name when missing)
_IDENTITY = {
    "sys_descr": (SYS_DESCR, "sysDescr"),
    "sys_name": (SYS_NAME, "sysName"),
    "sys_object_id": (SYS_OBJECT_ID, "sysObjectID"),
    "sys_location": (SYS_LOCATION, "sysLocation"),
}


def interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    _report_uptime(walk, device, acc)
    _report_identity(walk, device, acc)


def uptime_went_back(previous_ticks: int, ticks: int, elapsed_s: float) -> bool:
    """sysUpTime is lower than at the last poll and did not merely wrap around."""
    if ticks >= previous_ticks:
        return False
    return previous_ticks + elapsed_s * TIMETICKS_PER_S < TIMETICKS_RANGE


def _report_uptime(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    state = device.state.setdefault("generic", {"reboots": 0})
    ticks = walk.get(SYS_UPTIME)
    if not isinstance(ticks, int):
        device.not_reported("sysUpTime")
        return
    previous = state.get("uptime_ticks")
    if previous is not None and uptime_went_back(previous, ticks, device.now_s - state["at_s"]):
        state["reboots"] += 1
    state.update(uptime_ticks=ticks, at_s=device.now_s)
    acc.add_sample("itops_snmp_uptime_seconds", ticks / TIMETICKS_PER_S)
    acc.add_sample("itops_snmp_device_reboots_total", state["reboots"])


def _report_identity(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    labels: dict[str, str] = {}
    for label, (oid, object_name) in _IDENTITY.items():
        text = label_text(walk.get(oid))
        if text:
            labels[label] = text
        else:
            device.not_reported(object_name)
    acc.add_sample("itops_snmp_device_info", 1, labels)
