"""UPS: output source, battery and line readings, and the ``ups_status`` check.

APC cards answer their own PowerNet MIB (read when the device has any of it), every other UPS the standard
UPS-MIB (RFC 1628). Both become one ``UpsReading`` in base units; unknown values are not emitted.
"""

from __future__ import annotations

from itops.agent.checks import CheckStatus, report_check
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import report_state_set
from itops.agent.inputs.snmp.interpreters.ups_apc import POWERNET_UPS, read_apc
from itops.agent.inputs.snmp.interpreters.ups_reading import (
    BATTERY_STATUSES,
    OUTPUT_SOURCES,
    UpsReading,
)
from itops.agent.inputs.snmp.interpreters.ups_rfc1628 import read_rfc1628
from itops.agent.inputs.snmp.walk import Walk

LOW_RUNTIME_S = 300.0

SCALARS = (
    ("itops_ups_battery_charge_ratio", "battery_charge_ratio"),
    ("itops_ups_battery_runtime_seconds", "battery_runtime_s"),
    ("itops_ups_battery_voltage_volts", "battery_volts"),
    ("itops_ups_battery_temperature_celsius", "battery_celsius"),
    ("itops_ups_battery_replace_needed", "battery_replace"),
)
PER_LINE = (
    ("itops_ups_input_voltage_volts", "input_volts"),
    ("itops_ups_output_voltage_volts", "output_volts"),
    ("itops_ups_output_load_ratio", "output_load_ratio"),
)


def interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    reading = read_apc(walk, device) if walk.column(POWERNET_UPS) else read_rfc1628(walk, device)
    report_state_set(acc, "itops_ups_output_source", "source", OUTPUT_SOURCES, reading.output_source)
    report_state_set(acc, "itops_ups_battery_status", "status", BATTERY_STATUSES, reading.battery_status)
    for metric, attribute in SCALARS:
        value = getattr(reading, attribute)
        if value is not None:
            acc.add_sample(metric, float(value))
    for metric, attribute in PER_LINE:
        for line, value in getattr(reading, attribute).items():
            acc.add_sample(metric, value, {"line": line})
    status, message = ups_status(reading)
    report_check(acc, "ups_status", device.name, status, message)




def ups_status(reading: UpsReading) -> tuple[CheckStatus, str]:
    """The worst of what is wrong, with every problem in plain words; else how the UPS is doing."""
    critical, warning = [], []
    runtime = _runtime_words(reading.battery_runtime_s)
    if reading.output_source == "battery":
        low = reading.battery_status in ("low", "depleted") or (
            reading.battery_runtime_s is not None and reading.battery_runtime_s < LOW_RUNTIME_S)
        (critical if low else warning).append(f"running on battery, {runtime}")
    elif reading.output_source == "none":
        critical.append("output is off: the load has no power")
    elif reading.output_source == "bypass":
        warning.append("on bypass: the load is not protected by the battery")
    if reading.battery_status == "depleted" and reading.output_source != "battery":
        critical.append("battery depleted")
    if reading.battery_status == "fault":
        warning.append("battery fault")
    if reading.battery_replace:
        warning.append("battery needs replacing")
    if critical or warning:
        return (CheckStatus.CRITICAL if critical else CheckStatus.WARNING), "; ".join(critical + warning)
    if reading.output_source is None:
        return CheckStatus.UNKNOWN, "the UPS did not report where its output power comes from"
    return CheckStatus.OK, f"output {_source_words(reading.output_source)}, {_charge_words(reading)}, {runtime}"


def _runtime_words(runtime_s: float | None) -> str:
    return "runtime unknown" if runtime_s is None else f"{runtime_s / 60:.0f} minutes of runtime left"


def _charge_words(reading: UpsReading) -> str:
    ratio = reading.battery_charge_ratio
    return "battery charge unknown" if ratio is None else f"battery {ratio:.0%} charged"


def _source_words(source: str) -> str:
    return {"normal": "on mains power", "booster": "on mains power, boosting low voltage",
            "reducer": "on mains power, trimming high voltage"}.get(source, f"source {source}")
