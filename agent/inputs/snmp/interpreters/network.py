"""Switch and router interfaces (IF-MIB): status, speed, traffic/error/discard rates, and the
``network_interfaces`` check (ports that are enabled but down).

Rates are computed here from two successive polls (``device.state``): 64-bit ifXTable counters when the
device has them, 32-bit ifTable counters otherwise. A 32-bit counter that went down wrapped when the wrapped
delta is plausible; otherwise the counter was reset and only re-baselines. A reboot (sysUpTime went
backwards) re-baselines every counter.
"""

from __future__ import annotations

from dataclasses import dataclass

from itops.agent.checks import CheckStatus, report_check
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.check_messages import INTERFACES_DOWN, INTERFACES_UP
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.generic import uptime_went_back
from itops.agent.inputs.snmp.interpreters.readings import label_text, report_state_set
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import Walk

IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"

IF_COLUMNS = {"descr": 2, "speed": 5, "admin": 7, "oper": 8, "in_octets": 10, "in_discards": 13,
              "in_errors": 14, "out_octets": 16, "out_discards": 19, "out_errors": 20}
IFX_COLUMNS = {"name": 1, "hc_in_octets": 6, "hc_out_octets": 10, "high_speed": 15}

OPER_STATUS = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "not_present", 7: "lower_layer_down"}
ADMIN_STATUS = {1: "up", 2: "down", 3: "testing"}
DOWN_OPER_STATUSES = {2, 7}

COUNTER32_RANGE = 2**32


@dataclass(frozen=True)
class RateSpec:
    metric: str
    direction: str
    counter64: str | None  # ifXTable column, preferred when the device has it
    counter32: str
    is_octets: bool


RATES = (
    RateSpec("itops_network_interface_traffic_bytes_per_second", "in", "hc_in_octets", "in_octets", True),
    RateSpec("itops_network_interface_traffic_bytes_per_second", "out", "hc_out_octets", "out_octets", True),
    RateSpec("itops_network_interface_errors_per_second", "in", None, "in_errors", False),
    RateSpec("itops_network_interface_errors_per_second", "out", None, "out_errors", False),
    RateSpec("itops_network_interface_discards_per_second", "in", None, "in_discards", False),
    RateSpec("itops_network_interface_discards_per_second", "out", None, "out_discards", False),
)


@dataclass
class Interface:
    index: int
    row: dict

    @property
    def name(self) -> str:
        return label_text(self.row.get("name")) or label_text(self.row.get("descr")) or f"if{self.index}"

    @property
    def labels(self) -> dict[str, str]:
        return {"interface": self.name, "if_index": str(self.index)}

    @property
    def speed_bytes_per_s(self) -> float | None:
        """ifHighSpeed (Mbit/s) when known, else ifSpeed (bit/s), which saturates above 4.29 Gbit/s; None when
        neither is known (``sentinels.py``: 0, or ifSpeed 4294967295 without an ifHighSpeed)."""
        high_mbit, low_bit = known("ifHighSpeed", self.row.get("high_speed")), known("ifSpeed", self.row.get("speed"))
        if high_mbit is not None:
            return high_mbit * 1_000_000 / 8
        return None if low_bit is None else low_bit / 8

    def counter(self, spec: RateSpec) -> tuple[int, int] | None:
        """(value, bit width) of the counter behind ``spec``: the 64-bit one when reported."""
        wide = self.row.get(spec.counter64) if spec.counter64 else None
        if isinstance(wide, int):
            return wide, 64
        narrow = self.row.get(spec.counter32)
        return (narrow, 32) if isinstance(narrow, int) else None


def interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    interfaces = _interfaces(walk)
    if not interfaces:
        device.not_reported("ifTable")
        return
    for interface in interfaces:
        _report_status_and_speed(interface, acc)
    _report_rates(interfaces, walk, device, acc)
    _report_enabled_but_down(interfaces, device, acc)


def _interfaces(walk: Walk) -> list[Interface]:
    rows: dict[int, dict] = {}
    for entry, columns in ((IF_ENTRY, IF_COLUMNS), (IFX_ENTRY, IFX_COLUMNS)):
        for index, row in walk.table(entry, columns).items():
            if len(index) == 1:
                rows.setdefault(index[0], {}).update(row)
    return [Interface(index, row) for index, row in sorted(rows.items())]


def _report_status_and_speed(interface: Interface, acc: Accumulator) -> None:
    labels = interface.labels
    for metric, column, states in (("itops_network_interface_oper_status", "oper", OPER_STATUS),
                                   ("itops_network_interface_admin_status", "admin", ADMIN_STATUS)):
        report_state_set(acc, metric, "status", states.values(), states.get(interface.row.get(column)), labels)
    speed = interface.speed_bytes_per_s
    if speed is not None:
        acc.add_sample("itops_network_interface_speed_bytes_per_second", speed, labels)


def _report_rates(interfaces: list[Interface], walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    state = device.state.setdefault("network", {})
    elapsed_s = device.now_s - state["at_s"] if "at_s" in state else 0.0
    rebooted = _rebooted(walk.get(SYS_UPTIME), state.get("uptime_ticks"), elapsed_s)
    baseline = state.get("counters", {}) if elapsed_s > 0 and not rebooted else {}
    counters: dict[str, list[int]] = {}
    for interface in interfaces:
        for spec in RATES:
            current = interface.counter(spec)
            if current is None:
                continue
            key = f"{interface.index}/{spec.metric}/{spec.direction}"
            counters[key] = list(current)
            previous = baseline.get(key)
            if previous is None or previous[1] != current[1]:
                continue
            most = _plausible_delta_max(interface, spec, elapsed_s)
            delta = counter_delta(previous[0], current[0], current[1], most)
            if delta is not None:
                acc.add_sample(spec.metric, delta / elapsed_s, {**interface.labels, "direction": spec.direction})
    state.update(at_s=device.now_s, uptime_ticks=walk.get(SYS_UPTIME), counters=counters)


def _rebooted(uptime_ticks, previous_ticks, elapsed_s: float) -> bool:
    both_known = isinstance(uptime_ticks, int) and isinstance(previous_ticks, int)
    return both_known and uptime_went_back(previous_ticks, uptime_ticks, elapsed_s)


def _plausible_delta_max(interface: Interface, spec: RateSpec, elapsed_s: float) -> float:
    """A wrapped 32-bit delta above half the counter range, or above line rate for traffic, is a reset. An
    unknown speed bounds nothing: the counter range alone decides."""
    speed = interface.speed_bytes_per_s
    if spec.is_octets and speed:
        return min(COUNTER32_RANGE / 2, speed * elapsed_s)
    return COUNTER32_RANGE / 2


def counter_delta(previous: int, current: int, bits: int, plausible_max: float) -> int | None:
    """How much a counter grew, or None when it was reset (a 64-bit counter never wraps in practice)."""
    if current >= previous:
        return current - previous
    if bits == 32:
        wrapped = current + COUNTER32_RANGE - previous
        if wrapped <= plausible_max:
            return wrapped
    return None


def _report_enabled_but_down(interfaces: list[Interface], device: DeviceContext, acc: Accumulator) -> None:
    enabled = [interface for interface in interfaces if interface.row.get("admin") == 1]
    down = [interface.name for interface in enabled if interface.row.get("oper") in DOWN_OPER_STATUSES]
    if down:
        message = INTERFACES_DOWN(down=len(down), enabled=len(enabled), names=", ".join(down))
        report_check(acc, "network_interfaces", device.name, CheckStatus.WARNING, message)
    else:
        report_check(acc, "network_interfaces", device.name, CheckStatus.OK, INTERFACES_UP(enabled=len(enabled)))
