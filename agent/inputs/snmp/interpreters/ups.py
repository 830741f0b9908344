"""UPS: output source, battery and line readings, and the ``ups_status`` check.

APC cards answer their own PowerNet MIB (read when the device has any of it), every other UPS the standard
UPS-MIB (RFC 1628). Both become one ``UpsReading`` in base units; unknown values are not emitted.
"""

from __future__ import annotations

from itops.agent.checks import CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.check_messages import (
    UPS_BATTERY_DEPLETED, UPS_BATTERY_FAULT, UPS_BYPASS, UPS_OK, UPS_ON_BATTERY, UPS_OUTPUT_OFF, UPS_REPLACE_BATTERY,
    UPS_SOURCE_UNKNOWN,
)
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




def ups_status(reading: UpsReading) -> tuple[CheckStatus, list[MessagePart]]:
    """The worst of what is wrong, with every problem in plain words; else how the UPS is doing."""
    critical, warning = [], []
    runtime_s = "" if reading.battery_runtime_s is None else reading.battery_runtime_s  # "": not reported
    if reading.output_source == "battery":
        low = reading.battery_status in ("low", "depleted") or (
            reading.battery_runtime_s is not None and reading.battery_runtime_s < LOW_RUNTIME_S)
        (critical if low else warning).append(UPS_ON_BATTERY(runtime_s=runtime_s))
    elif reading.output_source == "none":
        critical.append(UPS_OUTPUT_OFF())
    elif reading.output_source == "bypass":
        warning.append(UPS_BYPASS())
    if reading.battery_status == "depleted" and reading.output_source != "battery":
        critical.append(UPS_BATTERY_DEPLETED())
    if reading.battery_status == "fault":
        warning.append(UPS_BATTERY_FAULT())
    if reading.battery_replace:
        warning.append(UPS_REPLACE_BATTERY())
    if critical or warning:
        return (CheckStatus.CRITICAL if critical else CheckStatus.WARNING), critical + warning
    if reading.output_source is None:
        return CheckStatus.UNKNOWN, [UPS_SOURCE_UNKNOWN()]
    charge = "" if reading.battery_charge_ratio is None else reading.battery_charge_ratio
    return CheckStatus.OK, [UPS_OK(source=reading.output_source, charge_ratio=charge, runtime_s=runtime_s)]
