"""UPS-MIB (RFC 1628, ``1.3.6.1.2.1.33``): the standard MIB most UPS network cards answer."""

from __future__ import annotations

from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import measured, named_state
from itops.agent.inputs.snmp.interpreters.sentinels import MIB_OBJECTS, known
from itops.agent.inputs.snmp.interpreters.ups_reading import OUTPUT_SOURCES, UpsReading
from itops.agent.inputs.snmp.walk import Walk

UPS_MIB = "1.3.6.1.2.1.33.1"
BATTERY_STATUS = f"{UPS_MIB}.2.1.0"
INPUT_ENTRY = f"{UPS_MIB}.3.3.1"
OUTPUT_SOURCE = f"{UPS_MIB}.4.1.0"
OUTPUT_ENTRY = f"{UPS_MIB}.4.4.1"
ALARM_DESCRIPTIONS = f"{UPS_MIB}.6.2.1.2"
ALARM_BATTERY_BAD = f"{UPS_MIB}.6.3.1"

SOURCES = dict(enumerate(OUTPUT_SOURCES, start=1))
BATTERY_STATUSES = {1: "unknown", 2: "normal", 3: "low", 4: "depleted"}
INPUT_COLUMNS = {"upsInputVoltage": 3}
OUTPUT_COLUMNS = {"upsOutputVoltage": 2, "upsOutputPercentLoad": 5}
# The MIB says whole volts, but some cards (Delta) send tenths; no UPS line carries 1000 V.
LINE_VOLTS_MAX = 1000


def read_rfc1628(walk: Walk, device: DeviceContext) -> UpsReading:
    reading = UpsReading(
        output_source=named_state(walk, device, OUTPUT_SOURCE, "upsOutputSource", SOURCES),
        battery_status=named_state(walk, device, BATTERY_STATUS, "upsBatteryStatus", BATTERY_STATUSES),
        battery_charge_ratio=measured(walk, device, ("upsEstimatedChargeRemaining", 100)),
        battery_runtime_s=_minutes_as_seconds(measured(walk, device, ("upsEstimatedMinutesRemaining", 1))),
        battery_volts=measured(walk, device, ("upsBatteryVoltage", 10)),
        battery_celsius=measured(walk, device, ("upsBatteryTemperature", 1)),
        battery_replace=_battery_bad_alarm(walk, device),
    )
    for line, row in _lines_in_use(walk, INPUT_ENTRY, INPUT_COLUMNS, "upsInputNumLines").items():
        _put_line_volts(reading.input_volts, line, row, "upsInputVoltage")
    for line, row in _lines_in_use(walk, OUTPUT_ENTRY, OUTPUT_COLUMNS, "upsOutputNumLines").items():
        _put_line_volts(reading.output_volts, line, row, "upsOutputVoltage")
        _put_known(reading.output_load_ratio, line, row, "upsOutputPercentLoad", 100)
    return reading


def _minutes_as_seconds(minutes: float | None) -> float | None:
    return None if minutes is None else minutes * 60


def _battery_bad_alarm(walk: Walk, device: DeviceContext) -> bool | None:
    """upsAlarmBatteryBad ("the battery needs replacing") is in the alarm table; upsAlarmsPresent tells
    whether the device keeps that table at all."""
    if known("upsAlarmsPresent", walk.get(MIB_OBJECTS["upsAlarmsPresent"].oid)) is None:
        device.not_reported("upsAlarmsPresent")
        return None
    return ALARM_BATTERY_BAD in walk.column(ALARM_DESCRIPTIONS).values()


def _lines_in_use(walk: Walk, entry: str, columns: dict[str, int], num_lines_name: str) -> dict[str, dict]:
    """Rows of an input/output line table (columns named by their MIB objects). Single-phase units may list
    three lines with phases 2 and 3 all zero or unknown; those are unused phases, not readings
    (upsInputNumLines/upsOutputNumLines win if given)."""
    num_lines = known(num_lines_name, walk.get(MIB_OBJECTS[num_lines_name].oid))
    lines = {}
    for index, row in walk.table(entry, columns).items():
        line = index[0]
        unused_phase = line > 1 and all(not known(name, value) for name, value in row.items())
        in_use = line <= num_lines if num_lines is not None else not unused_phase
        if in_use:
            lines[str(line)] = row
    return lines


def _put_known(values: dict[str, float], line: str, row: dict, name: str, divisor: float) -> None:
    value = known(name, row.get(name))
    if value is not None:
        values[line] = value / divisor


def _put_line_volts(values: dict[str, float], line: str, row: dict, name: str) -> None:
    volts = known(name, row.get(name))
    if volts is not None:
        values[line] = volts / 10 if volts > LINE_VOLTS_MAX else float(volts)
